"""Teaching versions of clips: the attunement cues drawn in, for trainers (#6).

Each frame of an exported clip gets, from the per-tick ``signals.csv`` of the analysis: a ring round each face (amber for
the baby, blue for the parent), gaze rays, a green line and banner while the two look at each other, smile and voice
markers, and a caption naming the principle the moment shows. Frames come from :func:`vigclips.media.iter_frames` at the
clip's own frame rate and go out through :class:`vigclips.media.VideoWriter`; the clip's sound is then copied alongside by
the media layer. The contact sheet for the shared-review session is drawn here too (matplotlib, no window).
"""

from __future__ import annotations

import csv
import math
import tempfile
import textwrap
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


def principle_caption(moment: dict[str, Any]) -> str:
    """The caption naming the principle(s): the guider's tags, else the principle the program scored highest."""
    tags = [t for t in moment.get("tags") or [] if t in PRINCIPLE_TITLES]
    if not tags:
        scores = {k: v for k, v in (moment.get("scores") or {}).items() if k in PRINCIPLE_TITLES and isinstance(v, (int, float))}
        if scores and max(scores.values()) > 0:
            tags = [max(scores, key=scores.get)]
    return " + ".join(PRINCIPLE_TITLES[t] for t in PRINCIPLES if t in tags)


def draw_cues(image: NDArray[np.uint8], cues: dict[str, float], caption: str) -> NDArray[np.uint8]:
    """Draw the cues of one instant onto a copy of ``image`` ((H, W, 3) uint8 BGR).

    Args:
        image: the frame.
        cues: channel values at this instant (see :meth:`CueTrack.at`); face positions are normalised 0–1.
        caption: principle caption for the bottom band ("" for none).

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
    for role, colour, name in (("infant", BABY_BGR, "baby"), ("adult", PARENT_BGR, "parent")):
        x, y = cues.get(f"{role}_face_x", math.nan), cues.get(f"{role}_face_y", math.nan)
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        cx, cy = int(x * w), int(y * h)
        centres[role] = (cx, cy)
        cv2.circle(out, (cx, cy), radius, colour, unit + 1, cv2.LINE_AA)
        _label(out, name, (cx - radius, cy - radius - 6 * unit), colour, scale, unit)
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
            markers.append("vocalising")
        # Markers beside the face (right, or left near the right edge), clear of the caption band at the bottom.
        (text_w, _), _ = cv2.getTextSize("vocalising", font, scale, unit)
        x_text = cx + int(radius * 1.6) if cx + int(radius * 1.6) + text_w < w else cx - radius - text_w - 8 * unit
        for k, text in enumerate(markers):
            _label(out, text, (x_text, cy - radius // 3 + 18 * k * unit), colour, scale, unit)
        if {"speaking", "vocalising", "laughing"} & set(markers):
            for r in (0.35, 0.55):  # sound waves beside the mouth
                axes = (int(radius * r), int(radius * r))
                cv2.ellipse(out, (cx + radius, cy + radius // 3), axes, 0, -40, 40, colour, unit, cv2.LINE_AA)
    if cues.get("mutual_gaze", 0.0) >= CUE_ON and len(centres) == 2:
        cv2.line(out, centres["infant"], centres["adult"], MUTUAL_BGR, unit + 2, cv2.LINE_AA)
        _banner(out, "looking at each other", (0, 0), MUTUAL_BGR, scale * 1.2, unit)
    elif cues.get("infant_laugh", 0.0) >= CUE_ON and max(cues.get("adult_laugh", 0.0), cues.get("adult_smile", 0.0)) >= CUE_ON:
        _banner(out, "having fun together", (0, 0), MUTUAL_BGR, scale * 1.2, unit)
    elif cues.get("shared_smile", 0.0) >= CUE_ON:
        _banner(out, "smiling together", (0, 0), MUTUAL_BGR, scale * 1.2, unit)
    if caption:
        band_h = int(28 * unit)
        overlay = out.copy()
        cv2.rectangle(overlay, (0, h - band_h), (w, h), (30, 30, 30), -1)
        cv2.addWeighted(overlay, 0.65, out, 0.35, 0, out)
        cv2.putText(out, caption, (8 * unit, h - band_h // 3), font, scale * 1.15, TEXT_BGR, unit, cv2.LINE_AA)
    return out


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
                writer.write(draw_cues(frame.image, cues.at(start_s + frame.pts_s), caption))
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


def write_contact_sheet(entries: list[dict[str, Any]], output: Path, title: str) -> Path:
    """A one-page PNG of the chosen moments for the shared-review session: each still with its time, length, principles and note.

    Args:
        entries: dicts with ``image`` (Path to a JPEG or None), ``label`` (e.g. "1"), ``start_s``, ``end_s``, ``caption``,
            ``note`` and ``reason``.
        output: the PNG to write (atomically).
        title: heading, e.g. the recording's file name.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n = max(1, len(entries))
    cols = 1 if n == 1 else 2 if n <= 4 else 3 if n <= 9 else 4
    rows = math.ceil(n / cols)
    fig = plt.figure(figsize=(11.69, 8.27), dpi=150)  # A4 landscape
    fig.suptitle(title, fontsize=14, x=0.02, ha="left", y=0.985)
    grid = fig.add_gridspec(rows, cols, left=0.02, right=0.98, top=0.93, bottom=0.02, wspace=0.08, hspace=0.45)
    for k, entry in enumerate(entries):
        ax = fig.add_subplot(grid[k // cols, k % cols])
        ax.set_axis_off()
        image = entry.get("image")
        picture = cv2.imread(str(image)) if image else None
        if picture is not None:
            ax.imshow(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB))
        else:
            ax.imshow(np.full((9, 16, 3), 235, dtype=np.uint8))
            ax.text(8, 4.5, "no still", ha="center", va="center", color="grey")
        start_s, end_s = float(entry["start_s"]), float(entry["end_s"])
        heading = f"{entry['label']}.  {clock(start_s)} to {clock(end_s)}  ({end_s - start_s:.1f} s)"
        ax.set_title(heading, fontsize=10, loc="left")
        lines = [entry.get("caption") or "", entry.get("note") or entry.get("reason") or ""]
        text = "\n".join(textwrap.shorten(line, 90 // cols * 2, placeholder="…") for line in lines if line)
        ax.text(0, -0.04, text, transform=ax.transAxes, va="top", fontsize=8, wrap=True)
    with atomic_path(output) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return output


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
