"""Teaching versions of clips: the attunement cues drawn in, for trainers (#6).

Each frame of an exported clip gets, from the per-tick ``signals.csv`` of the analysis: a ring round each face (amber for
the baby, blue for the parent), gaze rays, a green line and banner while the two look at each other, smile and voice
markers, and a caption naming the principle the moment shows. Frames come from :func:`vigclips.media.iter_frames` at the
clip's own frame rate and go out through :class:`vigclips.media.VideoWriter`; the clip's sound is then copied alongside by
the media layer. The contact sheet for the shared-review session is drawn here too (matplotlib, no window).
"""

from __future__ import annotations

import contextlib
import csv
import math
import tempfile
import textwrap
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from vigclips.errors import ExportError, ReviewFileError
from vigclips.fileio import atomic_path
from vigclips.media import VideoWriter, iter_frames, probe, run_ffmpeg
from vigclips.media.ffmpeg import build_mux_audio_args
from vigclips.review.decisions import PRINCIPLE_TITLES, PRINCIPLES
from vigclips.timefmt import clock  # the review page's own time format

BABY_BGR = (60, 200, 255)  # amber, as in overlay.mp4
PARENT_BGR = (255, 160, 60)  # blue
MUTUAL_BGR = (80, 230, 80)
TEXT_BGR = (255, 255, 255)
CUE_ON = 0.5
"""A 0–1 channel at or above this counts as the cue being there (the same threshold the scoring uses by default)."""
SEEN_WELL_S = 0.3
"""A face counts as seen well enough to draw its gaze and smile cues when it was found on every tick this close (s)."""
ANNOTATE_MAX_WIDTH_PX = 1280
"""Teaching clips are drawn at most this wide: captions stay readable, drawing 1080p would only cost time."""
SIGNALS_FILE = "signals.csv"

_SWAP = {"infant_looks_at_adult": "adult_looks_at_infant", "adult_looks_at_infant": "infant_looks_at_adult"}


@dataclass(frozen=True, slots=True)
class CueTrack:
    """Per-tick cue channels read from ``signals.csv``: ``t_s`` (T,) float64 and channels (T,) float32 (NaN = not measured)."""

    t_s: NDArray[np.float64]
    channels: dict[str, NDArray[np.float32]]

    def at(self, t_s: float) -> dict[str, float]:
        """Values at the tick nearest ``t_s`` (NaN for channels not measured)."""
        if len(self.t_s) == 0:
            return {}
        i = int(np.clip(np.searchsorted(self.t_s, t_s), 1, len(self.t_s) - 1)) if len(self.t_s) > 1 else 0
        if len(self.t_s) > 1 and abs(self.t_s[i - 1] - t_s) <= abs(self.t_s[i] - t_s):
            i -= 1
        return {name: float(values[i]) for name, values in self.channels.items()}

    def for_frame(self, t_s: float) -> dict[str, float]:
        """:meth:`at`, plus ``infant_seen_well`` / ``adult_seen_well`` (1 or 0): the face was found on every tick within
        :data:`SEEN_WELL_S` either side, so its gaze arrow and smile or voice marks can be trusted (#15). Without a
        presence channel, a face position on each of those ticks counts."""
        out = self.at(t_s)
        if len(self.t_s) == 0:
            return out
        near = np.abs(self.t_s - t_s) <= SEEN_WELL_S + 1e-9
        for role in ("infant", "adult"):
            present = self.channels.get(f"{role}_present")
            if present is not None and np.isfinite(present).any():
                well = bool(near.any() and np.all(np.nan_to_num(present[near], nan=0.0) >= CUE_ON))
            else:
                x = self.channels.get(f"{role}_face_x")
                well = bool(x is not None and near.any() and np.isfinite(x[near]).all())
            out[f"{role}_seen_well"] = 1.0 if well else 0.0
        return out


def read_cues(path: Path, roles_swapped: bool = False) -> CueTrack:
    """Read ``signals.csv``; with ``roles_swapped`` the ``infant_*`` and ``adult_*`` channels trade places (the guider said
    the program had the faces the wrong way round).

    Raises:
        ReviewFileError: missing file or no ``time_s`` column.
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise ReviewFileError(path, "not found (teaching clips need the signals of the analysis)") from None
    if not rows or rows[0][0] != "time_s":
        raise ReviewFileError(path, "first column must be time_s")
    header, body = rows[0], rows[1:]
    table = np.array([[float(v) if v != "" else np.nan for v in row] for row in body], dtype=np.float64)
    table = table.reshape(len(body), len(header))
    channels: dict[str, NDArray[np.float32]] = {}
    for j, name in enumerate(header[1:], start=1):
        channels[_swapped_name(name) if roles_swapped else name] = table[:, j].astype(np.float32)
    return CueTrack(t_s=table[:, 0].copy(), channels=channels)


def _swapped_name(name: str) -> str:
    """``infant_smile`` <-> ``adult_smile``; the two "looks at" channels trade places; shared channels keep their name."""
    if name in _SWAP:
        return _SWAP[name]
    if name.startswith("infant_"):
        return "adult_" + name[len("infant_"):]
    if name.startswith("adult_"):
        return "infant_" + name[len("adult_"):]
    return name


def best_still_time(cues: CueTrack, start_s: float, end_s: float) -> float | None:
    """The time in ``[start_s, end_s]`` where the faces are best seen and smiling (both faces seen first; smiles, looking
    at each other), for the still of a moment the guider trimmed. ``None`` when no tick lies inside."""
    inside = (cues.t_s >= start_s) & (cues.t_s <= end_s)
    if not inside.any():
        return None

    def channel(name: str) -> NDArray[np.float64]:
        values = cues.channels.get(name)
        if values is None:
            return np.zeros(int(inside.sum()))
        return np.nan_to_num(values[inside].astype(np.float64), nan=0.0)

    seen = [channel(f"{r}_present") if f"{r}_present" in cues.channels
            else np.isfinite(cues.channels.get(f"{r}_face_x", np.full(len(cues.t_s), np.nan))[inside]).astype(np.float64)
            for r in ("infant", "adult")]  # fmt: skip
    value = (2.0 * np.minimum(seen[0], seen[1]) + 0.75 * (seen[0] + seen[1]) + channel("infant_smile") + channel("adult_smile")
             + 2.0 * channel("mutual_gaze"))  # fmt: skip
    t = cues.t_s[inside]
    centre = -1e-6 * np.abs(t - (start_s + end_s) / 2)  # among equals, the middle
    return float(t[int(np.argmax(value + centre))])


def principle_caption(moment: dict[str, Any]) -> str:
    """The caption naming the principle(s): the guider's tags, else the principle the program scored highest."""
    tags = [t for t in moment.get("tags") or [] if t in PRINCIPLE_TITLES]
    if not tags:
        scores = {k: v for k, v in (moment.get("scores") or {}).items() if k in PRINCIPLE_TITLES and isinstance(v, (int, float))}
        if scores and max(scores.values()) > 0:
            tags = [max(scores, key=scores.get)]
    return " + ".join(PRINCIPLE_TITLES[t] for t in PRINCIPLES if t in tags)


LEGEND = (("baby", BABY_BGR, "ring"), ("parent", PARENT_BGR, "ring"), ("where they look", TEXT_BGR, "arrow"),
          ("looking at each other", MUTUAL_BGR, "line"))  # fmt: skip
"""The key drawn in the corner of every teaching clip."""


def draw_cues(image: NDArray[np.uint8], cues: dict[str, float], caption: str, legend: bool = True) -> NDArray[np.uint8]:
    """Draw the cues of one instant onto a copy of ``image`` ((H, W, 3) uint8 BGR).

    A face gets its ring where its position is known; its gaze arrow and its smiling/speaking marks only where it was seen
    well (``<role>_seen_well`` from :meth:`CueTrack.for_frame`; taken as 1 when absent), and the line between the faces
    only when both were. The caption is fitted to the frame's width (smaller, then on two lines).

    Args:
        image: the frame.
        cues: channel values at this instant (see :meth:`CueTrack.for_frame`); face positions are normalised 0–1.
        caption: principle caption for the bottom band ("" for none).
        legend: draw the key to the rings, arrows and line in the top-right corner.

    Returns:
        The annotated copy.
    """
    out = np.ascontiguousarray(image.copy())
    h, w = out.shape[:2]
    unit = max(1, round(min(w, h) / 240))
    radius = int(0.11 * h)
    font = cv2.FONT_HERSHEY_DUPLEX
    scale = 0.45 * unit
    centres: dict[str, tuple[int, int]] = {}
    well: dict[str, bool] = {}
    for role, colour, name in (("infant", BABY_BGR, "baby"), ("adult", PARENT_BGR, "parent")):
        x, y = cues.get(f"{role}_face_x", math.nan), cues.get(f"{role}_face_y", math.nan)
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        cx, cy = int(x * w), int(y * h)
        centres[role] = (cx, cy)
        well[role] = cues.get(f"{role}_seen_well", 1.0) >= CUE_ON
        cv2.circle(out, (cx, cy), radius, colour, unit + 1, cv2.LINE_AA)
        _label(out, name, (cx - radius, cy - radius - 6 * unit), colour, scale, unit)
        if not well[role]:
            continue  # the program barely saw this face here: no arrow or marks it cannot be sure of
        yaw, pitch = cues.get(f"{role}_gaze_yaw_deg", math.nan), cues.get(f"{role}_gaze_pitch_deg", math.nan)
        if math.isfinite(yaw) and math.isfinite(pitch):
            dx = math.sin(math.radians(yaw)) * math.cos(math.radians(pitch))
            dy = -math.sin(math.radians(pitch))
            tip = (int(cx + dx * radius * 2.2), int(cy + dy * radius * 2.2))
            cv2.arrowedLine(out, (cx, cy), tip, colour, unit + 1, cv2.LINE_AA, tipLength=0.2)
        markers = []
        if cues.get(f"{role}_smile", 0.0) >= CUE_ON:
            markers.append("smiling")
        if role == "adult" and cues.get("adult_laugh", 0.0) >= CUE_ON:
            markers.append("laughing")
        elif role == "adult" and cues.get("adult_voice", 0.0) >= CUE_ON:
            markers.append("speaking")
        if role == "adult" and cues.get("adult_ids", 0.0) >= CUE_ON and cues.get("adult_voice", 0.0) >= CUE_ON:
            markers.append("sing-song voice")
        if role == "infant" and cues.get("infant_cry", 0.0) >= CUE_ON:
            markers.append("crying")
        elif role == "infant" and cues.get("infant_laugh", 0.0) >= CUE_ON:
            markers.append("laughing")
        elif role == "infant" and cues.get("infant_voice", 0.0) >= CUE_ON:
            markers.append("making a sound")
        # Markers beside the face (right, or left near the right edge), clear of the caption band at the bottom.
        (text_w, _), _ = cv2.getTextSize("making a sound", font, scale, unit)
        x_text = cx + int(radius * 1.6) if cx + int(radius * 1.6) + text_w < w else cx - radius - text_w - 8 * unit
        for k, text in enumerate(markers):
            _label(out, text, (x_text, cy - radius // 3 + 18 * k * unit), colour, scale, unit)
        if {"speaking", "making a sound", "laughing"} & set(markers):
            for r in (0.35, 0.55):  # sound waves beside the mouth
                axes = (int(radius * r), int(radius * r))
                cv2.ellipse(out, (cx + radius, cy + radius // 3), axes, 0, -40, 40, colour, unit, cv2.LINE_AA)
    both_well = len(centres) == 2 and all(well.values())
    if cues.get("mutual_gaze", 0.0) >= CUE_ON and both_well:
        cv2.line(out, centres["infant"], centres["adult"], MUTUAL_BGR, unit + 2, cv2.LINE_AA)
        _banner(out, "looking at each other", (0, 0), MUTUAL_BGR, scale * 1.2, unit)
    elif (cues.get("infant_laugh", 0.0) >= CUE_ON and max(cues.get("adult_laugh", 0.0), cues.get("adult_smile", 0.0)) >= CUE_ON
          and both_well):
        _banner(out, "having fun together", (0, 0), MUTUAL_BGR, scale * 1.2, unit)
    elif cues.get("shared_smile", 0.0) >= CUE_ON and both_well:
        _banner(out, "smiling together", (0, 0), MUTUAL_BGR, scale * 1.2, unit)
    if legend:
        _legend(out, scale * 0.6, max(1, unit - 1))
    if caption:
        _caption(out, caption, scale * 1.15, unit)
    return out


def _fit_lines(text: str, width_px: int, scale: float, unit: int, min_scale: float) -> tuple[list[str], float]:
    """Lines and a font scale at which ``text`` fits ``width_px``: the given scale if it fits, else smaller (down to
    ``min_scale``), else split over lines at " + " or between words, at the largest scale where every line fits."""
    def fits(lines: list[str], s: float) -> bool:
        return all(cv2.getTextSize(line, cv2.FONT_HERSHEY_DUPLEX, s, unit)[0][0] <= width_px for line in lines)

    s = scale
    while s > min_scale and not fits([text], s):
        s *= 0.92
    if fits([text], s):
        return [text], s
    parts = text.split(" + ")
    for n_lines in (2, 3, 4):
        if len(parts) >= n_lines:
            per = math.ceil(len(parts) / n_lines)
            lines = [" + ".join(parts[k : k + per]) for k in range(0, len(parts), per)]
        else:
            lines = textwrap.wrap(text, math.ceil(len(text) / n_lines) + 1)
        s = scale
        while s > min_scale * 0.7 and not fits(lines, s):
            s *= 0.92
        if fits(lines, s):
            return lines, s
    return textwrap.wrap(text, max(4, len(text) // 4)), min_scale * 0.7


def _caption(image: NDArray[np.uint8], caption: str, scale: float, unit: int) -> None:
    """The principle caption in a dark band at the bottom, fitted to the frame's width."""
    h, w = image.shape[:2]
    margin = 8 * unit
    lines, s = _fit_lines(caption, w - 2 * margin, scale, unit, min_scale=0.35 * unit)
    (_, line_h), base = cv2.getTextSize("Ag", cv2.FONT_HERSHEY_DUPLEX, s, unit)
    step = line_h + base + 4 * unit
    band_h = step * len(lines) + 6 * unit
    overlay = image.copy()
    cv2.rectangle(overlay, (0, h - band_h), (w, h), (30, 30, 30), -1)
    cv2.addWeighted(overlay, 0.65, image, 0.35, 0, image)
    for k, line in enumerate(lines):
        y = h - band_h + 3 * unit + line_h + k * step
        cv2.putText(image, line, (margin, y), cv2.FONT_HERSHEY_DUPLEX, s, TEXT_BGR, unit, cv2.LINE_AA)


def _legend(image: NDArray[np.uint8], scale: float, unit: int) -> None:
    """The key to the drawing, top right, on a dark box: amber ring baby, blue ring parent, arrow, green line."""
    h, w = image.shape[:2]
    font = cv2.FONT_HERSHEY_DUPLEX
    (tw, th), base = cv2.getTextSize(max((t for t, _, _ in LEGEND), key=len), font, scale, unit)
    sym = 18 * unit
    row = th + base + 4 * unit
    box_w, box_h = sym + tw + 14 * unit, row * len(LEGEND) + 6 * unit
    x0, y0 = w - box_w - 4 * unit, 4 * unit
    overlay = image.copy()
    cv2.rectangle(overlay, (x0, y0), (x0 + box_w, y0 + box_h), (30, 30, 30), -1)
    cv2.addWeighted(overlay, 0.6, image, 0.4, 0, image)
    for k, (text, colour, kind) in enumerate(LEGEND):
        cy = y0 + 3 * unit + k * row + row // 2
        sx = x0 + 5 * unit
        if kind == "ring":
            cv2.circle(image, (sx + sym // 2, cy), sym // 3, colour, unit, cv2.LINE_AA)
        elif kind == "arrow":
            cv2.arrowedLine(image, (sx, cy), (sx + sym - 2 * unit, cy), colour, unit, cv2.LINE_AA, tipLength=0.35)
        else:
            cv2.line(image, (sx, cy), (sx + sym - 2 * unit, cy), colour, unit + 1, cv2.LINE_AA)
        cv2.putText(image, text, (sx + sym + 4 * unit, cy + th // 2), font, scale, colour, unit, cv2.LINE_AA)


def render_teaching_clip(clip: Path, moment: dict[str, Any], cues: CueTrack, output: Path) -> Path:
    """Write ``output``: ``clip`` (an exported clip of ``moment``) with the cues drawn in, sound copied from ``clip``.

    Raises:
        ExportError: decoding or encoding failed (nothing half-written is left).
    """
    info = probe(clip)
    caption = principle_caption(moment)
    start_s = float(moment["start_s"])
    with tempfile.TemporaryDirectory(prefix=".annotate-", dir=output.parent) as tmp_dir:
        silent = Path(tmp_dir) / "video.mp4"
        writer: VideoWriter | None = None
        try:
            for frame in iter_frames(clip, info.fps, ANNOTATE_MAX_WIDTH_PX, info):
                if writer is None:
                    height, width = frame.image.shape[:2]
                    writer = VideoWriter(silent, info.fps, (width, height), crf=20)
                writer.write(draw_cues(frame.image, cues.for_frame(start_s + frame.pts_s), caption))
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
        if writer is None:
            raise ExportError(f"{clip.name}: no frames to annotate")
        writer.close()
        with atomic_path(output) as tmp:
            run_ffmpeg(build_mux_audio_args(silent, clip, tmp), f"adding sound to {output.name}", error_cls=ExportError)
    return output


SHEET_PAGE_IN = (11.69, 8.27)
"""Contact-sheet page size in inches: A4 landscape."""
SHEET_DPI = 150
_SHEET_MARGIN_IN = 0.45
_SHEET_STILL_IN = (3.6, 2.025)  # 16:9 box; the still keeps its own proportions inside it
_SHEET_GAP_IN = 0.25
_SHEET_FONT_PT = 11
_SHEET_LINE_IN = 1.35 * _SHEET_FONT_PT / 72
_WRAP_SAMPLE = "The quick brown fox jumps over the lazy dog, then Ella laughs"


@dataclass(frozen=True, slots=True)
class SheetPage:
    """One laid-out page of the contact sheet: the figure, and the text lines drawn on it (for checks and tests)."""

    figure: Any
    lines: tuple[str, ...]


def sheet_entry_text(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """The paragraphs printed beside one still: ``[(style, text), …]`` with style ``heading``, ``principles`` or ``note``.

    Only what the guider chose to show the parent: the time, the principles the guider ticked and the guider's note;
    never the program's reasons (#15).
    """
    start_s, end_s = float(entry["start_s"]), float(entry["end_s"])
    out = [("heading", f"{entry['label']}.  {clock(start_s)} to {clock(end_s)}  ({end_s - start_s:.1f} seconds)")]
    if entry.get("principles"):
        out.append(("principles", "Shows: " + ", ".join(entry["principles"])))
    if entry.get("note"):
        out.append(("note", str(entry["note"])))
    return out


def layout_contact_sheet(entries: list[dict[str, Any]], title: str) -> list[SheetPage]:
    """Lay the chosen moments out on as many A4 pages as they need: one row per moment, the still on the left and the
    wrapped text on the right. Text is drawn literally (a ``$`` is a dollar sign, never mathematics), with the
    object-oriented :class:`matplotlib.figure.Figure` API (no pyplot, no backend switch: safe in the review server's
    request threads and inside other programs).

    Args:
        entries: dicts with ``image`` (Path to a JPEG or None), ``label`` (e.g. "1"), ``start_s``, ``end_s``,
            ``principles`` (titles the guider ticked) and ``note`` (the guider's note for the parent).
        title: the page heading.

    Returns:
        The pages, in order; each moment's text lies wholly inside its page.
    """
    with _missing_glyphs_quiet():
        return _layout_pages(entries, title)


@contextlib.contextmanager
def _missing_glyphs_quiet() -> Iterator[None]:
    """A character the font lacks (an emoji in a note) is drawn as a box, without a warning per character."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support", category=UserWarning)
        yield


def _layout_pages(entries: list[dict[str, Any]], title: str) -> list[SheetPage]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    page_w, page_h = SHEET_PAGE_IN
    text_x = _SHEET_MARGIN_IN + _SHEET_STILL_IN[0] + _SHEET_GAP_IN
    text_w = page_w - _SHEET_MARGIN_IN - text_x
    top = page_h - _SHEET_MARGIN_IN - 0.45  # below the heading
    measure_fig = Figure(figsize=SHEET_PAGE_IN, dpi=SHEET_DPI)
    renderer = FigureCanvasAgg(measure_fig).get_renderer()

    def width_in(line: str, bold: bool) -> float:
        text = measure_fig.text(0, 0, line, fontsize=_SHEET_FONT_PT, weight="bold" if bold else "normal", parse_math=False)
        try:
            return text.get_window_extent(renderer).width / SHEET_DPI
        finally:
            text.remove()

    def wrap(paragraph: str, bold: bool) -> list[str]:
        # Start from the width of an average line of text, then narrow until every line is measured to fit.
        chars = max(8, int(len(_WRAP_SAMPLE) * text_w / width_in(_WRAP_SAMPLE, bold)))
        while True:
            lines = textwrap.wrap(paragraph, chars, break_long_words=True, break_on_hyphens=True) or [""]
            widest = max(width_in(line, bold) for line in lines)
            if widest <= text_w or chars <= 4:
                return lines
            chars = max(4, min(chars - 1, int(chars * text_w / widest)))

    blocks = []
    for entry in entries:
        lines: list[tuple[str, str]] = []
        for style, text in sheet_entry_text(entry):
            for paragraph in text.splitlines() or [""]:
                lines.extend((style, line) for line in wrap(paragraph, style == "heading"))
        height = max(_SHEET_STILL_IN[1], len(lines) * _SHEET_LINE_IN)
        blocks.append((entry, lines, height))

    pages: list[list[tuple[dict[str, Any], list[tuple[str, str]], float]]] = [[]]
    used = 0.0
    room = top - _SHEET_MARGIN_IN
    for block in blocks:
        need = block[2] + (_SHEET_GAP_IN if pages[-1] else 0.0)
        if pages[-1] and used + need > room:
            pages.append([])
            used, need = 0.0, block[2]
        if block[2] > room:  # a note longer than a page: its lines continue on the next page(s)
            entry, lines, _ = block
            per_page = int(room / _SHEET_LINE_IN)
            for k in range(0, len(lines), per_page):
                if pages[-1]:
                    pages.append([])
                part = lines[k : k + per_page]
                pages[-1].append((entry if k == 0 else {**entry, "image": None, "continued": True}, part,
                                  max(_SHEET_STILL_IN[1], len(part) * _SHEET_LINE_IN)))  # fmt: skip
                used = pages[-1][-1][2]
            continue
        pages[-1].append(block)
        used += need

    out = []
    for number, blocks_on_page in enumerate(pages, start=1):
        fig = Figure(figsize=SHEET_PAGE_IN, dpi=SHEET_DPI)
        FigureCanvasAgg(fig)
        drawn: list[str] = []
        heading = textwrap.shorten(title, 90, placeholder="…")
        heading = heading if len(pages) == 1 else f"{heading}  (page {number} of {len(pages)})"
        fig.text(_SHEET_MARGIN_IN / page_w, 1 - _SHEET_MARGIN_IN / page_h, heading, fontsize=15, weight="bold", va="top",
                 parse_math=False)  # fmt: skip
        drawn.append(heading)
        y = top
        for entry, lines, height in blocks_on_page:
            if not entry.get("continued"):
                ax = fig.add_axes((_SHEET_MARGIN_IN / page_w, (y - _SHEET_STILL_IN[1]) / page_h,
                                   _SHEET_STILL_IN[0] / page_w, _SHEET_STILL_IN[1] / page_h))  # fmt: skip
                ax.set_axis_off()
                ax.set_anchor("W")  # a 4:3 still sits at the left of its box, beside its text
                image = entry.get("image")
                picture = cv2.imread(str(image)) if image else None
                if picture is not None:
                    ax.imshow(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB))
                else:
                    ax.imshow(np.full((9, 16, 3), 235, dtype=np.uint8))
                    ax.text(8, 4.5, "no picture", ha="center", va="center", color="grey", parse_math=False)
            for k, (style, line) in enumerate(lines):
                fig.text(text_x / page_w, (y - k * _SHEET_LINE_IN) / page_h, line, fontsize=_SHEET_FONT_PT, va="top",
                         weight="bold" if style == "heading" else "normal",
                         color="#2a7f7a" if style == "principles" else "#222222", parse_math=False)  # fmt: skip
                drawn.append(line)
            y -= height + _SHEET_GAP_IN
        out.append(SheetPage(fig, tuple(drawn)))
    return out


def sheet_page_paths(output: Path, n_pages: int) -> list[Path]:
    """``contact_sheet.png``, ``contact_sheet_page2.png``, …: the PNG of each page."""
    return [output if k == 1 else output.with_name(f"{output.stem}_page{k}{output.suffix}") for k in range(1, n_pages + 1)]


def write_contact_sheet(entries: list[dict[str, Any]], output: Path, title: str) -> list[Path]:
    """The contact sheet for the shared-review session: a PNG per page (``output``, then ``<stem>_page2.png`` …) and one
    PDF of every page beside it (``<stem>.pdf``), written atomically. Earlier extra pages that are no longer needed go.

    Args:
        entries: see :func:`layout_contact_sheet`.
        output: the first page's PNG.
        title: heading.

    Returns:
        The files written: the PNG pages, then the PDF.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    with _missing_glyphs_quiet():
        pages = layout_contact_sheet(entries, title)
        paths = sheet_page_paths(output, len(pages))
        for page, path in zip(pages, paths):
            with atomic_path(path) as tmp:
                page.figure.savefig(tmp, format="png")
        pdf = output.with_suffix(".pdf")
        with atomic_path(pdf) as tmp, PdfPages(tmp) as document:
            for page in pages:
                document.savefig(page.figure)
    for stale in output.parent.glob(f"{output.stem}_page*{output.suffix}"):
        if stale not in paths:
            stale.unlink()
    return [*paths, pdf]


def _label(image: NDArray[np.uint8], text: str, org: tuple[int, int], colour: tuple[int, int, int], scale: float,
           unit: int) -> None:  # fmt: skip
    # Dark outline first so the label reads on light and dark backgrounds alike.
    org = (max(2, org[0]), max(int(14 * unit), org[1]))
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, (20, 20, 20), unit + 2, cv2.LINE_AA)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, colour, unit, cv2.LINE_AA)


def _banner(image: NDArray[np.uint8], text: str, origin: tuple[int, int], colour: tuple[int, int, int], scale: float,
            unit: int) -> None:  # fmt: skip
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, unit)
    x, y = origin
    cv2.rectangle(image, (x, y), (x + tw + 16 * unit, y + th + 14 * unit), (30, 30, 30), -1)
    cv2.putText(image, text, (x + 8 * unit, y + th + 7 * unit), cv2.FONT_HERSHEY_DUPLEX, scale, colour, unit, cv2.LINE_AA)
