"""Choosing a moment's still: a frame where the faces can be seen, at the height of the exchange (issue 5, #15)."""

from __future__ import annotations

import numpy as np

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues


def best_still(cues: Cues, s: int, e: int, p: int) -> tuple[int, bool]:
    """The tick for the still: faces visible and smiling, at the peak of mutual gaze or a shared smile (smoothed over ~0.5 s).

    Where the moment holds a shared smile, the still is a frame where both smile while turned to each other.

    A face seen counts on its own (#15: the first frame of a moment was often a face behind hands), so a moment without
    any cue still gets a frame where the faces can be seen; with both faces seen somewhere, only those ticks are chosen.
    """
    # Smiling together shows as both smiling in the same frame (issue 22); a parent smiling into the camera is not a
    # smile for the baby, and must not draw the still to it.
    both_smile = cues.shared_smile[s:e] & cues.infant_smile[s:e] & cues.adult_smile[s:e]
    parent_smile = cues.adult_smile[s:e]
    if cues.adult_to_camera is not None:
        parent_smile = parent_smile & ~cues.adult_to_camera[s:e]
    value = (
        2.0 * cues.mutual[s:e]
        + 2.0 * cues.shared_smile[s:e]
        + 2.0 * both_smile
        + cues.infant_smile[s:e]
        + parent_smile
        + 0.5 * (cues.infant_look[s:e] | cues.adult_look[s:e])
        + 0.75 * (cues.infant_seen[s:e].astype(np.float64) + cues.adult_seen[s:e])
    ).astype(np.float64)
    value = iv.window_mean(value, max(1, round(0.5 / cues.tick_s)))
    # Among equals: towards the middle of the moment, then the peak tick (a moment's first frame is often its least
    # telling: a face turning, hands still up; and for a moment without cues the "peak" is just its first tick).
    ticks = np.arange(s, e)
    centre = -1e-6 * np.abs(ticks - (s + e - 1) / 2) - 1e-7 * np.abs(ticks - p)
    both = cues.both_seen[s:e]
    if both_smile.any():
        # The still of a shared smile shows it: a frame where both smile, turned to each other (and seen, if any is).
        show = both_smile & both if (both_smile & both).any() else both_smile
        return s + int(np.argmax(np.where(show, value + centre, -np.inf))), bool((show & both).any())
    if "faces" in cues.measured and both.any():
        return s + int(np.argmax(np.where(both, value + centre, -np.inf))), True
    if value.max() > 0:
        return s + int(np.argmax(value + centre)), False
    return min(max(p, s), e - 1), False
