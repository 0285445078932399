"""Editor cut list: a CMX3600 EDL of the candidates, so an editor (Premiere, Resolve, Avid) opens them as a sequence.

Timecodes are non-drop-frame at the nominal (rounded) frame rate; the frame *count* is exact (``round(t · fps)``
with the true rational fps), which is what an editor conforms on. The record side starts at 01:00:00:00, the usual
programme start, and the events follow each other in time order of the source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from vigclips.fileio import atomic_write_text
from vigclips.types import Moment

RECORD_START_FRAMES_HOURS = 1
"""The record timeline starts at this hour (01:00:00:00), as edit suites expect."""


def timecode(frames: int, nominal_fps: int) -> str:
    """``HH:MM:SS:FF`` non-drop-frame timecode of a frame count.

    Example:
        >>> timecode(90_061, 25)
        '01:00:02:11'
    """
    frames = max(0, int(frames))
    ff = frames % nominal_fps
    total_s = frames // nominal_fps
    return f"{total_s // 3600:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}:{ff:02d}"


def _reel(source_name: str) -> str:
    # CMX reel names are up to 8 characters of A–Z, 0–9 and _; the full name goes in the FROM CLIP NAME comment.
    stem = re.sub(r"[^A-Za-z0-9_]", "", Path(source_name).stem).upper()
    return (stem or "AX")[:8]


def render_edl(moments: Sequence[Moment], fps: Fraction, source_name: str, tracks: str = "AA/V") -> str:
    """The EDL text.

    Args:
        moments: candidates; written in source time order, each a cut (``C``) event.
        fps: the recording's frame rate (e.g. ``Fraction(30000, 1001)``); must be positive.
        source_name: the recording's file name (for the reel and the ``FROM CLIP NAME`` comment).
        tracks: the CMX channel field: ``AA/V`` (video and two audio channels), ``V`` for video only.

    Returns:
        The EDL text (CRLF-free, one event per moment plus comment lines).
    """
    fps = Fraction(fps)
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    nominal = max(1, round(fps))
    reel = _reel(source_name)
    clip = Path(source_name).name
    lines = [f"TITLE: vigclips candidates {Path(source_name).stem}"[:70], "FCM: NON-DROP FRAME", ""]
    rec = RECORD_START_FRAMES_HOURS * 3600 * nominal
    for k, m in enumerate(sorted(moments, key=lambda m: m.start_s), start=1):
        src_in = round(Fraction(m.start_s) * fps)
        src_out = max(src_in + 1, round(Fraction(m.end_s) * fps))
        dur = src_out - src_in
        lines.append(
            f"{k:03d}  {reel:<8} {tracks:<5} C        "
            f"{timecode(src_in, nominal)} {timecode(src_out, nominal)} {timecode(rec, nominal)} {timecode(rec + dur, nominal)}"
        )
        lines.append(f"* FROM CLIP NAME: {clip}")
        first = " ".join(m.reasons[0].split()) if m.reasons else ""
        lines.append(f"* COMMENT: {m.id} rank {m.rank} score {m.score:.2f}" + (f" - {first}" if first else ""))
        lines.append("")
        rec += dur
    return "\n".join(lines)


def write_edl(moments: Sequence[Moment], path: Path, fps: Fraction, source_name: str) -> Path:
    """Write the CMX3600 EDL of the candidates atomically, owner-only.

    Args:
        moments: the ranked candidates.
        path: where to write, e.g. ``OUT/<stem>.edl``.
        fps: the recording's frame rate as a fraction.
        source_name: the recording's file name.

    Returns:
        ``path``.

    Example:
        >>> write_edl(moments, out / "play.edl", Fraction(30000, 1001), "play.mp4")  # doctest: +SKIP
    """
    return atomic_write_text(Path(path), render_edl(moments, fps, source_name))
