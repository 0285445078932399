"""Editor cut lists: CMX3600 EDLs that Premiere, Resolve, Avid and OpenTimelineIO open as a sequence (issues 5, 13).

CMX3600 timecode only exists at the SMPTE rates (23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60), and the file does not say
its rate: OpenTimelineIO's reader refuses any other (a 15 fps phone recording, a 12 fps webcam). So an EDL is written at
:func:`edl_rate`: the recording's own rate when it is a timecode rate, else the smallest timecode rate that is a whole
multiple of it (15 → 30, 12 → 24, 14.985 → 29.97: every source frame lands on an exact timecode frame), else, for a measured
rate within 1 % of such a rate (a webcam's 14.94 for 15 → 30), that one, else the nearest one of the same family
(18 → 24, 90 → 60).
Audio-only recordings are written at 30, on which every 0.1 s analysis tick falls exactly. The rate is named in the
``TITLE`` line, for people and for readers that must be told (``otio.adapters.read_from_string(text, "cmx_3600", rate=…)``).

Timecodes are non-drop-frame at the nominal rate; frame *counts* are exact (``round(t · rate)`` with the true rational
rate), which is what an editor conforms on. The record side starts at 01:00:00:00, the usual programme start, and the events
follow each other in time order of the source. Every line is ASCII (old edit suites and the CMX reader expect it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from vigclips.fileio import atomic_write_text
from vigclips.types import Moment

RECORD_START_FRAMES_HOURS = 1
"""The record timeline starts at this hour (01:00:00:00), as edit suites expect."""

TIMECODE_RATES: tuple[Fraction, ...] = tuple(Fraction(r) for r in (
    Fraction(24000, 1001), 24, 25, Fraction(30000, 1001), 30, 48, 50, Fraction(60000, 1001), 60))  # fmt: skip
"""The frame rates SMPTE timecode (and so CMX3600) exists at, slowest first."""

NEAR_RATE_TOLERANCE = Fraction(1, 100)
"""A measured frame rate this close (relative) to a whole fraction of a timecode rate is taken as that nominal rate."""
NEAR_MULTIPLE_MAX = 4
"""Fractions of a timecode rate considered: 1/1 … 1/4 (7.5 fps webcams → 30)."""

AUDIO_ONLY_RATE = Fraction(30)
"""EDL rate of a recording without video: 0.1 s analysis ticks are exactly 3 frames."""

_ASCII_FOR = {"≥": ">=", "≤": "<=", "→": "->", "←": "<-", "↔": "<->", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"',
              "”": '"', "…": "...", "×": "x", "·": "-", "°": " deg", "±": "+/-", "≈": "~"}  # fmt: skip


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


def edl_rate(fps: Fraction | float | None) -> Fraction:
    """The timecode rate an EDL of a recording at ``fps`` is written at (``None`` or 0: audio only). See the module notes.

    Example:
        >>> [str(edl_rate(f)) for f in (Fraction(15), Fraction(12), Fraction(25), Fraction(30000, 1001), None)]
        ['30', '24', '25', '30000/1001', '30']
    """
    if not fps or fps <= 0:
        return AUDIO_ONLY_RATE
    fps = Fraction(fps)
    for r in TIMECODE_RATES:  # 29.97 written as a float, or a phone's measured 29.969, is NTSC 30000/1001
        if abs(r - fps) < Fraction(1, 100):
            return r
    fps = fps.limit_denominator(1001)
    multiples = [r for r in TIMECODE_RATES if (r / fps).denominator == 1]
    if multiples:
        return multiples[0]
    # A measured rate (a webcam's 14.94 for its nominal 15, #25: it was written at 24) counts as the nominal one when a
    # whole fraction of a timecode rate lies within 1 %; whole rates first, as the README promises 15 → 30.
    near = [(r.denominator != 1, abs(r / k - fps), r) for r in TIMECODE_RATES for k in range(1, NEAR_MULTIPLE_MAX + 1)
            if abs(r / k - fps) <= fps * NEAR_RATE_TOLERANCE]  # fmt: skip
    if near:
        return min(near)[2]
    # No exact mapping: the nearest rate of the same family (NTSC x/1001 rates for an NTSC-like source, else whole rates).
    family = [r for r in TIMECODE_RATES if (r.denominator == 1001) == (fps.denominator == 1001)]
    return min(family, key=lambda r: (abs(r - fps), -r))


def rate_text(rate: Fraction) -> str:
    """``30``, ``29.97``, ``23.976``: how editors name a rate."""
    return str(rate.numerator) if rate.denominator == 1 else f"{float(rate):.3f}".rstrip("0")


def ascii_text(text: str) -> str:
    """``text`` with the symbols our reasons use spelled in ASCII, accents dropped, and anything else non-ASCII removed.

    Example:
        >>> ascii_text("parent paused (≥ 0.5 s) → baby took the lead; Zoë’s turn")
        "parent paused (>= 0.5 s) -> baby took the lead; Zoe's turn"
    """
    spelled = "".join(_ASCII_FOR.get(ch, ch) for ch in text)
    plain = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii")
    return " ".join("".join(ch if ch.isprintable() else " " for ch in plain).split())


def _reel(source_name: str) -> str:
    # CMX reel names are up to 8 characters of A–Z, 0–9 and _; the full name goes in the FROM CLIP NAME comment.
    stem = re.sub(r"[^A-Za-z0-9_]", "", ascii_text(Path(source_name).stem)).upper()
    return (stem or "AX")[:8]


def render_edl(moments: Sequence[Moment], fps: Fraction | None, source_name: str, *, title: str | None = None,
               clip_names: Sequence[str] | None = None) -> str:  # fmt: skip
    """The EDL text.

    Args:
        moments: written in source time order, each a cut (``C``) event from its ``start_s`` to its ``end_s``.
        fps: the recording's frame rate (e.g. ``Fraction(30000, 1001)``), or ``None`` for an audio-only recording (its
            events are audio-only, ``AA``).
        source_name: the recording's file name (for the reel and the clip names).
        title: the ``TITLE`` line (default "vigclips candidates <stem>"); the rate is appended to it.
        clip_names: one ``FROM CLIP NAME`` per moment, in the order given (default: the recording's file name).

    Returns:
        The EDL text, ASCII only, ``\\n`` line ends.

    Example:
        >>> render_edl([moment], Fraction(15), "play.mp4").splitlines()[0]  # doctest: +SKIP
        'TITLE: vigclips candidates play (30 fps)'
    """
    rate = edl_rate(fps)
    nominal = round(rate)
    tracks = "AA/V" if fps else "AA"
    reel = _reel(source_name)
    names = list(clip_names) if clip_names is not None else [Path(source_name).name] * len(moments)
    if len(names) != len(moments):
        raise ValueError(f"clip_names: expected {len(moments)} names, got {len(names)}")
    heading = ascii_text(title or f"vigclips candidates {Path(source_name).stem}")
    suffix = f" ({rate_text(rate)} fps)"
    lines = [f"TITLE: {heading[:70 - len(suffix)]}{suffix}", "FCM: NON-DROP FRAME", ""]
    rec = RECORD_START_FRAMES_HOURS * 3600 * nominal
    ordered = sorted(zip(moments, names, strict=True), key=lambda pair: pair[0].start_s)
    for k, (m, name) in enumerate(ordered, start=1):
        src_in = round(Fraction(m.start_s) * rate)
        src_out = max(src_in + 1, round(Fraction(m.end_s) * rate))
        dur = src_out - src_in
        lines.append(
            f"{k:03d}  {reel:<8} {tracks:<5} C        "
            f"{timecode(src_in, nominal)} {timecode(src_out, nominal)} {timecode(rec, nominal)} {timecode(rec + dur, nominal)}"
        )
        lines.append(f"* FROM CLIP NAME: {ascii_text(name)}")
        first = m.reasons[0] if m.reasons else ""
        lines.append(ascii_text(f"* COMMENT: {m.id} rank {m.rank} score {m.score:.2f}" + (f" - {first}" if first else "")))
        lines.append("")
        rec += dur
    return "\n".join(lines)


def write_edl(moments: Sequence[Moment], path: Path, fps: Fraction | None, source_name: str, *, title: str | None = None,
              clip_names: Sequence[str] | None = None) -> Path:  # fmt: skip
    """Write a CMX3600 EDL (see :func:`render_edl`) atomically, owner-only.

    Args:
        moments: the moments, e.g. the ranked candidates or the exported clips' moments.
        path: where to write, e.g. ``OUT/<stem>.edl``.
        fps: the recording's frame rate as a fraction, ``None`` for audio only.
        source_name: the recording's file name.
        title: the ``TITLE`` line.
        clip_names: the events' clip names.

    Returns:
        ``path``.

    Example:
        >>> write_edl(moments, out / "play.edl", Fraction(30000, 1001), "play.mp4")  # doctest: +SKIP
    """
    return atomic_write_text(Path(path), render_edl(moments, fps, source_name, title=title, clip_names=clip_names))
