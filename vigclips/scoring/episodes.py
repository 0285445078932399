"""Where one exchange ends and the next begins (issue 22): a candidate is one episode of interaction, as a guider cuts it.

A guider's clip starts a little before the initiative and ends when the exchange ends: the parent turns to the camera
or away, both are turned away, a long pause, or the take ends (a joined recording, the camera stopped). The ticks where
that happens are *breaks*; :func:`vigclips.scoring.selection.select_moments` keeps each candidate between two breaks.
Pure numpy over the cues' masks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues
from vigclips.scoring.events import baby_sounding
from vigclips.scoring.settings import ScoringConfig


def _long_runs(mask: NDArray[np.bool_], min_ticks: int) -> NDArray[np.int64]:
    """``(k, 2)`` runs of ``mask`` at least ``min_ticks`` long."""
    runs = iv.mask_to_intervals(mask)
    return runs[(runs[:, 1] - runs[:, 0]) >= min_ticks]


def take_breaks(cues: Cues, cfg: ScoringConfig) -> NDArray[np.bool_]:
    """(T,) ticks of a break between takes: neither face seen and nothing heard for at least ``take_gap_s``.

    Only where faces were measured (without faces, silence alone is a pause, not a cut).
    """
    out = np.zeros(cues.n_ticks, dtype=bool)
    if "faces" not in cues.measured:
        return out
    heard = cues.adult_voice | baby_sounding(cues)
    if cues.adult_laugh is not None:
        heard = heard | cues.adult_laugh
    nothing = ~cues.infant_seen & ~cues.adult_seen & ~heard
    for s, e in _long_runs(nothing, max(1, round(cfg.take_gap_s / cues.tick_s))).tolist():
        out[s:e] = True
    return out


def pause_breaks(cues: Cues, cfg: ScoringConfig) -> NDArray[np.bool_]:
    """(T,) ticks of a long pause: for at least ``long_pause_s`` nobody looks at the other, smiles or makes a sound
    (less ``pad_s`` at either end, the lead-in and lead-out a clip may take from it).

    Only where looks, smiles or voices were measured (an unmeasured recording has no pauses, only unknowns).
    """
    out = np.zeros(cues.n_ticks, dtype=bool)
    if not cues.measured & {"gaze", "smile", "voice"}:
        return out
    busy = cues.adult_voice | baby_sounding(cues) | cues.infant_look | cues.adult_look | cues.mutual
    busy = busy | cues.infant_smile | cues.adult_smile
    lead = round(cfg.pad_s / cues.tick_s)  # a clip may still lead in from the pause and out into it
    for s, e in _long_runs(~busy, max(1, round(cfg.long_pause_s / cues.tick_s))).tolist():
        out[s + lead : max(s + lead, e - lead)] = True
    return out


def turn_away_breaks(cues: Cues, cfg: ScoringConfig) -> NDArray[np.bool_]:
    """(T,) ticks where the parent turns to the camera or away from the baby, or both turn away.

    The parent's turn ends the exchange where it starts: the first tick of a stretch of at least ``turn_away_s`` with
    the parent seen turned to the camera or elsewhere (not to the baby), when the parent was turned to the baby within
    ``turn_away_s`` before it. Both turned away (each seen turned elsewhere) for ``turn_away_s`` or more: every such tick.
    """
    n = cues.n_ticks
    out = np.zeros(n, dtype=bool)
    min_ticks = max(1, round(cfg.turn_away_s / cues.tick_s))
    off = np.zeros(n, dtype=bool)
    if cues.adult_to_camera is not None:
        off |= cues.adult_to_camera
    if cues.adult_elsewhere is not None:
        off |= cues.adult_elsewhere & cues.adult_seen & ~cues.adult_look
    c = np.concatenate(([0], np.cumsum(cues.adult_look, dtype=np.int64)))
    for s, _ in _long_runs(off, min_ticks).tolist():
        if c[s] - c[max(0, s - min_ticks)] > 0:  # turned to the baby just before: the exchange ends here
            out[s] = True
    if cues.adult_elsewhere is not None and cues.infant_elsewhere is not None:
        for s, e in _long_runs(cues.adult_elsewhere & cues.infant_elsewhere, min_ticks).tolist():
            out[s:e] = True
    return out


def episode_breaks(cues: Cues, cfg: ScoringConfig) -> NDArray[np.bool_]:
    """(T,) bool: the ticks no exchange runs across (:func:`take_breaks`, :func:`pause_breaks`,
    :func:`turn_away_breaks`)."""
    return take_breaks(cues, cfg) | pause_breaks(cues, cfg) | turn_away_breaks(cues, cfg)
