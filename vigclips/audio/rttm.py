"""RTTM, the format voice-type tools (VTC, LENA converters, pyannote) read and write.

One line per segment: ``SPEAKER <file> 1 <onset> <duration> <NA> <NA> <LABEL> <NA> <NA>``, times in seconds.
Our labels are ``ADULT``, ``INFANT``, ``CRY`` and ``LAUGH`` (an infant laugh).
"""

from __future__ import annotations

from pathlib import Path

from vigclips.errors import BadInputError
from vigclips.fileio import atomic_write_text
from vigclips.types import VocalSegment


def format_rttm(segments: list[VocalSegment], file_id: str) -> str:
    """RTTM text for ``segments`` (sorted by onset), times to the millisecond.

    Args:
        segments: the vocal segments.
        file_id: the RTTM file field (the recording's stem); whitespace is replaced by ``_`` since RTTM is
            space-separated.

    Returns:
        The text, one line per segment with a positive duration, ending in a newline (empty for no segments).

    Example:
        >>> format_rttm([VocalSegment(1.0, 2.5, "ADULT")], "rec 1")
        'SPEAKER rec_1 1 1.000 1.500 <NA> <NA> ADULT <NA> <NA>\\n'
    """
    fid = "_".join(str(file_id).split()) or "recording"
    lines = []
    for seg in sorted(segments, key=lambda s: (s.start_s, s.end_s)):
        dur = seg.end_s - seg.start_s
        if dur <= 0:
            continue
        label = "_".join(seg.label.split())
        lines.append(f"SPEAKER {fid} 1 {seg.start_s:.3f} {dur:.3f} <NA> <NA> {label} <NA> <NA>")
    return "".join(line + "\n" for line in lines)


def write_rttm(segments: list[VocalSegment], path: Path, file_id: str) -> Path:
    """Write ``segments`` as RTTM to ``path`` atomically, owner-only.

    Args:
        segments: the vocal segments.
        path: output file (e.g. ``OUT/<stem>/vocalisations.rttm``).
        file_id: the recording's stem, written in the file field.

    Returns:
        ``path``.
    """
    return atomic_write_text(Path(path), format_rttm(segments, file_id))


def parse_rttm(text: str, source: str = "<rttm>") -> list[VocalSegment]:
    """Segments from RTTM text; ``SPEAKER`` lines only, other record types and ``;;`` comments skipped.

    Args:
        text: RTTM content.
        source: name used in error messages.

    Returns:
        The segments sorted by onset.

    Raises:
        BadInputError: a SPEAKER line with fewer than 8 fields, a non-numeric or negative onset or duration.

    Example:
        >>> parse_rttm("SPEAKER f 1 0.5 1.0 <NA> <NA> CRY <NA> <NA>\\n")
        [VocalSegment(start_s=0.5, end_s=1.5, label='CRY')]
    """
    out: list[VocalSegment] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith(";;") or fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise BadInputError(source, f"line {lineno}: a SPEAKER line needs at least 8 fields, got {len(fields)}")
        try:
            onset, dur = float(fields[3]), float(fields[4])
        except ValueError:
            raise BadInputError(source, f"line {lineno}: onset and duration must be numbers") from None
        if not (onset >= 0 and dur >= 0):  # also rejects NaN
            raise BadInputError(source, f"line {lineno}: onset and duration must be non-negative")
        out.append(VocalSegment(onset, onset + dur, fields[7]))
    return sorted(out, key=lambda s: (s.start_s, s.end_s))


def read_rttm(path: Path) -> list[VocalSegment]:
    """Read segments from an RTTM file (see :func:`parse_rttm`).

    Raises:
        BadInputError: the file is missing, unreadable or malformed.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(path, "RTTM file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(path, f"cannot read RTTM file ({exc.__class__.__name__})") from None
    return parse_rttm(text, str(path))
