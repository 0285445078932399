"""Teaching versions of clips: the attunement cues drawn in, for trainers (#6).

Each frame of an exported clip gets, from the per-tick ``signals.csv`` of the analysis (:mod:`vigclips.results.cues`): a
ring round each face (amber for the baby, blue for the parent), gaze rays, a green line and banner while the two look at
each other, smile and voice markers, and a caption naming the principle the moment shows. Frames come from
:func:`vigclips.media.iter_frames` at the clip's own frame rate and go out through :class:`vigclips.media.VideoWriter`; the
clip's sound is then copied alongside by the media layer.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from vigclips.errors import ExportError
from vigclips.fileio import atomic_path
from vigclips.media import VideoWriter, iter_frames, probe, run_ffmpeg
from vigclips.media.ffmpeg import build_mux_audio_args
from vigclips.results.cues import CUE_ON, CueTrack
from vigclips.results.moments import PRINCIPLE_TITLES, PRINCIPLES
from vigclips.results.records import MomentRecord

BABY_BGR = (60, 200, 255)  # amber, as in overlay.mp4
PARENT_BGR = (255, 160, 60)  # blue
MUTUAL_BGR = (80, 230, 80)
TEXT_BGR = (255, 255, 255)
TEMP_MARK = ".part"
"""How the names of export's temporary files end (or, for tools that need the format in the name, contain ``.part.``):
the next export removes every hidden name with it (``clips._one_export_at_a_time``)."""
ANNOTATE_MAX_WIDTH_PX = 1280
"""Teaching clips are drawn at most this wide: captions stay readable, drawing 1080p would only cost time."""


def principle_caption(moment: MomentRecord) -> str:
    """The caption naming the principle(s): the guider's tags, else the principle the program scored highest."""
    tags = list(moment.tags)
    if not tags:
        scores = {k: v for k, v in moment.scores.items() if k in PRINCIPLE_TITLES}
        if scores and max(scores.values()) > 0:
            tags = [max(scores, key=scores.get)]
    return " + ".join(PRINCIPLE_TITLES[t] for t in PRINCIPLES if t in tags)


LEGEND = (("baby", BABY_BGR, "ring"), ("parent", PARENT_BGR, "ring"), ("where they look", TEXT_BGR, "arrow"),
          ("looking at each other", MUTUAL_BGR, "line"))  # fmt: skip
"""The key drawn in the corner of every teaching clip."""


def face_markers(role: str, cues: dict[str, float]) -> list[str]:
    """The words drawn beside one face (``role`` is ``"adult"`` or ``"infant"``) for the cues at this instant.

    A face is never marked "crying" and "smiling" at once: a smiling baby's loud, high sound is delight (issue 22).

    Example:
        >>> face_markers("infant", {"infant_smile": 0.9, "infant_cry": 1.0, "infant_voice": 1.0})
        ['smiling', 'making a sound']
    """
    markers = []
    smiling = cues.get(f"{role}_smile", 0.0) >= CUE_ON
    if smiling:
        markers.append("smiling")
    if role == "adult" and cues.get("adult_laugh", 0.0) >= CUE_ON:
        markers.append("laughing")
    elif role == "adult" and cues.get("adult_voice", 0.0) >= CUE_ON:
        markers.append("speaking")
    if role == "adult" and cues.get("adult_ids", 0.0) >= CUE_ON and cues.get("adult_voice", 0.0) >= CUE_ON:
        markers.append("sing-song voice")
    if role == "infant" and cues.get("infant_cry", 0.0) >= CUE_ON and not smiling:
        markers.append("crying")
    elif role == "infant" and cues.get("infant_laugh", 0.0) >= CUE_ON:
        markers.append("laughing")
    elif role == "infant" and max(cues.get("infant_voice", 0.0), cues.get("infant_cry", 0.0)) >= CUE_ON:
        markers.append("making a sound")
    return markers


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
        markers = face_markers(role, cues)
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


def render_teaching_clip(clip: Path, moment: MomentRecord, cues: CueTrack, output: Path) -> Path:
    """Write ``output``: ``clip`` (an exported clip of ``moment``) with the cues drawn in, sound copied from ``clip``.

    Raises:
        ExportError: decoding or encoding failed (nothing half-written is left).
    """
    info = probe(clip)
    caption = principle_caption(moment)
    start_s = float(moment.start_s)
    # The silent pictures are a hidden ".part" file beside the output, never a playable-looking one: a run killed here
    # leaves only names the next export removes (clips/ is what goes to the family's tablet).
    silent = output.with_name(f".{output.name}.silent{TEMP_MARK}")
    writer: VideoWriter | None = None
    try:
        for frame in iter_frames(clip, info.fps, ANNOTATE_MAX_WIDTH_PX, info):
            if writer is None:
                height, width = frame.image.shape[:2]
                writer = VideoWriter(silent, info.fps, (width, height), crf=20)
            writer.write(draw_cues(frame.image, cues.for_frame(start_s + frame.pts_s), caption))
        if writer is None:
            raise ExportError(f"{clip.name}: no frames to annotate")
        finished, writer = writer, None  # close() cleans up after itself
        finished.close()
        with atomic_path(output, tmp_suffix=TEMP_MARK) as tmp:  # the mux names its format ("-f mp4")
            run_ffmpeg(build_mux_audio_args(silent, clip, tmp), f"adding sound to {output.name}", error_cls=ExportError)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        silent.unlink(missing_ok=True)
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
