"""Which stretches may be candidates: the exclusion rules (a face missing, the baby crying throughout), and how many
disjoint candidates fit in a recording (issue 5).

:func:`excluded` says why one stretch cannot be a candidate; :func:`seed_mask` and :func:`window_ok` apply the same rules
to every window of a length at once; :func:`moment_room` counts the disjoint min-length windows that pass them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues
from vigclips.scoring.principles import compute_cues
from vigclips.scoring.settings import ScoringConfig
from vigclips.types import Signals


def _frac_ok(mask: NDArray[np.bool_], width: int, min_frac: float) -> NDArray[np.bool_]:
    return iv.window_mean(mask.astype(np.float64), width) >= min_frac - 1e-9


def face_roles_checked(cues: Cues, cfg: ScoringConfig) -> frozenset[str]:
    """Roles (``infant``, ``adult``) the face-missing rule applies to.

    A role counts when faces were measured and that face was seen in at least ``face_role_min_frac`` of the
    recording; below that the detector has failed for the role, not the moment.
    """
    if "faces" not in cues.measured or cues.n_ticks == 0:
        return frozenset()
    roles = {"infant": cues.infant_seen, "adult": cues.adult_seen}
    return frozenset(r for r, m in roles.items() if m.mean() >= cfg.face_role_min_frac)


def seed_mask(cues: Cues, cfg: ScoringConfig, min_len: int, roles: frozenset[str]) -> NDArray[np.bool_]:
    """Ticks that may seed a candidate: the min-length window around them passes the exclusion rules."""
    ok = np.ones(cues.n_ticks, dtype=bool)
    need = 1.0 - cfg.face_missing_max_frac
    if "infant" in roles:
        ok &= _frac_ok(cues.infant_seen, min_len, need)
    if "adult" in roles:
        ok &= _frac_ok(cues.adult_seen, min_len, need)
    if "cry" in cues.measured:
        ok &= iv.window_mean(cues.cry.astype(np.float64), min_len) <= cfg.cry_max_frac + 1e-9
    return ok


def window_ok(cues: Cues, cfg: ScoringConfig, length: int, roles: frozenset[str]) -> NDArray[np.bool_]:
    """(T,) bool: the window ``[x, x + length)`` starting at tick ``x`` lies inside the recording and passes the
    exclusion rules of :func:`excluded` (the same thresholds, on window sums)."""
    n = cues.n_ticks
    ok = np.zeros(n, dtype=bool)
    if length > n:
        return ok
    starts = np.arange(n - length + 1)

    def window_sum(mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        c = np.concatenate(([0.0], np.cumsum(mask, dtype=np.float64)))
        return c[starts + length] - c[starts]

    fits = np.ones(starts.shape, dtype=bool)
    need = (1.0 - cfg.face_missing_max_frac) * length - 1e-9
    if "infant" in roles:
        fits &= window_sum(cues.infant_seen) >= need
    if "adult" in roles:
        fits &= window_sum(cues.adult_seen) >= need
    if "cry" in cues.measured:
        fits &= window_sum(cues.cry) <= cfg.cry_max_frac * length + 1e-9
    ok[starts] = fits
    return ok


def moment_room(signals: Signals, cfg: ScoringConfig, turns: object | None = None) -> int:
    """How many candidates the recording has room for: the largest number of pairwise disjoint windows of
    ``min_moment_s`` (rounded to ticks) that each pass the exclusion rules of :func:`excluded`.

    :func:`vigclips.scoring.find_moments` returns ``min(top_n, moment_room(...))`` candidates or more. Computed exactly by packing
    windows earliest-end first (:func:`vigclips.intervals.pack_left`).

    Example:
        >>> from fractions import Fraction
        >>> moment_room(Signals.empty_like_ticks(Fraction(10), 100), ScoringConfig())  # 10 s, 3 s windows
        3
    """
    n = len(signals)
    if n == 0:
        return 0
    tick_s = 1.0 / float(signals.tick_hz) if signals.tick_hz else 0.1
    cues = compute_cues(signals, cfg, turns)
    min_len = max(1, round(cfg.min_moment_s / tick_s))
    return int(iv.pack_left(window_ok(cues, cfg, min_len, face_roles_checked(cues, cfg)), min_len).shape[0])


def excluded(cues: Cues, s: int, e: int, cfg: ScoringConfig, roles: frozenset[str] | None = None) -> str:
    """Why ticks ``[s, e)`` cannot be a candidate, or ``""`` if they can.

    A moment is excluded when either face is missing for more than ``face_missing_max_frac`` of it (for the roles of
    :func:`face_roles_checked`, or ``roles`` if given), or when crying was measured and the baby cries for more than
    ``cry_max_frac``.
    """
    if e <= s:
        return "empty"
    roles = face_roles_checked(cues, cfg) if roles is None else roles
    if "infant" in roles and 1.0 - cues.infant_seen[s:e].mean() > cfg.face_missing_max_frac + 1e-9:
        return "baby's face missing"
    if "adult" in roles and 1.0 - cues.adult_seen[s:e].mean() > cfg.face_missing_max_frac + 1e-9:
        return "parent's face missing"
    if "cry" in cues.measured and cues.cry[s:e].mean() > cfg.cry_max_frac + 1e-9:
        return "baby crying throughout"
    return ""
