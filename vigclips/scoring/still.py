"""Choosing a moment's still: a frame where the faces can be seen, at the height of the exchange (issue 5, #15)."""

from __future__ import annotations

import numpy as np

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues


def best_still(cues: Cues, s: int, e: int, p: int) -> tuple[int, bool]:
    """The tick for the still: faces visible and smiling, at the peak of mutual gaze or a shared smile (smoothed over ~0.5 s).

    A face seen counts on its own (#15: the first frame of a moment was often a face behind hands), so a moment without
    any cue still gets a frame where the faces can be seen; with both faces seen somewhere, only those ticks are chosen.
    """
    value = (
        2.0 * cues.mutual[s:e]
        + 2.0 * cues.shared_smile[s:e]
        + cues.infant_smile[s:e]
        + cues.adult_smile[s:e]
        + 0.5 * (cues.infant_look[s:e] | cues.adult_look[s:e])
        + 0.75 * (cues.infant_seen[s:e].astype(np.float64) + cues.adult_seen[s:e])
    ).astype(np.float64)
    value = iv.window_mean(value, max(1, round(0.5 / cues.tick_s)))
    # Among equals: towards the middle of the moment, then the peak tick (a moment's first frame is often its least
    # telling: a face turning, hands still up; and for a moment without cues the "peak" is just its first tick).
    ticks = np.arange(s, e)
    centre = -1e-6 * np.abs(ticks - (s + e - 1) / 2) - 1e-7 * np.abs(ticks - p)
    both = cues.both_seen[s:e]
    if "faces" in cues.measured and both.any():
        return s + int(np.argmax(np.where(both, value + centre, -np.inf))), True
    if value.max() > 0:
        return s + int(np.argmax(value + centre)), False
    return min(max(p, s), e - 1), False
