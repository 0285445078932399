"""``moments.vtt``: WebVTT chapters, so any player (browser, VLC, mpv) can jump between candidates (issue 5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from vigclips.fileio import atomic_write_text
from vigclips.types import Moment


def vtt_timestamp(t_s: float) -> str:
    """``HH:MM:SS.mmm`` as WebVTT wants it (hours always written).

    Example:
        >>> vtt_timestamp(3725.5)
        '01:02:05.500'
    """
    ms = round(max(0.0, t_s) * 1000)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _cue_text(text: str) -> str:
    # Cue payloads may not contain "-->" or blank lines; &, < and > must be escaped.
    text = " ".join(text.split()).replace("-->", "->")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(moments: Sequence[Moment], statuses: Mapping[str, str] | None = None) -> str:
    """The WebVTT text: one chapter cue per moment in time order, titled with its rank, score and first reason (and, after
    review, its status: "confirmed", "candidate")."""
    lines = ["WEBVTT - vigclips candidate moments", ""]
    for m in sorted(moments, key=lambda m: m.start_s):
        first = m.reasons[0] if m.reasons else "candidate moment"
        status = (statuses or {}).get(m.id)
        lines += [
            m.id,
            f"{vtt_timestamp(m.start_s)} --> {vtt_timestamp(max(m.end_s, m.start_s + 0.001))}",
            _cue_text((f"{status}, " if status else "") + f"#{m.rank} (score {m.score:.2f}): {first}"),
            "",
        ]
    return "\n".join(lines)


def write_vtt(moments: Sequence[Moment], path: Path, statuses: Mapping[str, str] | None = None) -> Path:
    """Write ``moments.vtt`` (WebVTT chapters) atomically, owner-only.

    Args:
        moments: the ranked candidates.
        path: where to write, e.g. ``OUT/moments.vtt``.
        statuses: each moment's review status by id, shown in its title (after review).

    Returns:
        ``path``.

    Example:
        >>> write_vtt(moments, out / "moments.vtt")  # doctest: +SKIP
    """
    return atomic_write_text(Path(path), render_vtt(moments, statuses))
