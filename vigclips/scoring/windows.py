"""Window scores while candidates are placed: per-principle scores, the combined score and its trust factor (issue 5).

:func:`score_track` gives a whole recording's scores (what the timeline plots); :class:`WindowScorer` keeps them up to
date while :func:`vigclips.scoring.selection.select_moments` claims stretches of the recording.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues
from vigclips.scoring.episodes import take_breaks
from vigclips.scoring.principles import PRINCIPLES, combine, compute_cues, principle_evidence, window_scores
from vigclips.scoring.settings import ScoringConfig
from vigclips.scoring.weights import load_weights
from vigclips.types import Signals


def score_track(
    signals: Signals, cfg: ScoringConfig, turns: object | None = None
) -> tuple[Cues, dict[str, NDArray[np.float64]], NDArray[np.float64]]:
    """Cues, per-principle window scores and the combined 0–1 score of every tick (what the timeline plots).

    Returns:
        ``(cues, scores, combined)``: scores keyed by :data:`PRINCIPLES`, each (T,) float64; combined (T,) float64.
    """
    tick_s = 1.0 / float(signals.tick_hz) if signals.tick_hz else 0.1
    cues = compute_cues(signals, cfg, turns)
    takes = take_bounds(cues, cfg)
    scores = window_scores(principle_evidence(cues, cfg), cfg, tick_s, takes)
    weights, intercept = load_weights(cfg)
    return cues, scores, combine(scores, weights, intercept) * _visibility(cues, cfg, takes)


def take_bounds(cues: Cues, cfg: ScoringConfig) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each tick's take ``[lo, hi)``: the stretch between two breaks between takes (a break being one of its own),
    so that window scores stay inside a take (issue 22)."""
    return iv.run_bounds(take_breaks(cues, cfg))


class WindowScorer:
    """Window scores and the combined score, recomputed as candidates claim stretches of the recording.

    Evidence inside a claimed (or suppressed) stretch is spent: it may not lift a neighbouring peak, or a candidate
    just outside the suppression gap would score on cues it does not contain. Window means are local, so only the
    ticks within a window of the change are recomputed.
    """

    def __init__(
        self,
        cues: Cues,
        evidence: dict[str, NDArray[np.float64]],
        cfg: ScoringConfig,
        weights: dict[str, float],
        intercept: float | None,
    ) -> None:
        self.cfg, self.weights, self.intercept = cfg, weights, intercept
        self.evidence = evidence
        self.n = cues.n_ticks
        self.tick_s = cues.tick_s
        self.width = max(1, round(cfg.window_s / cues.tick_s))
        self.takes = take_bounds(cues, cfg)
        self.visibility = np.broadcast_to(np.asarray(_visibility(cues, cfg, self.takes), dtype=np.float64), (self.n,))
        # Score of "nothing happening" (0 for hand-set weights, σ(intercept) × visibility for learned ones):
        # moments grow on the lift above it.
        base = float(combine({k: np.zeros(1) for k in PRINCIPLES}, weights, intercept)[0])
        self.floor = base * self.visibility
        self.usable = np.ones(self.n, dtype=bool)
        self.scores = window_scores(evidence, cfg, cues.tick_s, self.takes)
        self.combined = combine(self.scores, weights, intercept) * self.visibility

    @property
    def lift(self) -> NDArray[np.float64]:
        """Combined score above the no-cue floor."""
        return self.combined - self.floor

    def at(self, p: int) -> tuple[float, dict[str, float]]:
        """Combined score and per-principle scores at tick ``p``."""
        return float(self.combined[p]), {k: round(float(self.scores[k][p]), 4) for k in PRINCIPLES}

    def best_window(
        self, p: int, lo: int, hi: int, length: int, starts_ok: NDArray[np.bool_]
    ) -> tuple[int, int] | None:
        """The ``length``-tick window within a window's reach of ``p`` (inside ``[lo, hi)``) that holds the most
        cue evidence (per-tick lift of the un-windowed evidence) among those whose start ``starts_ok`` allows; None if
        there is none.

        ``starts_ok`` is (T,) bool over start ticks: :func:`vigclips.scoring.exclusion.window_ok` for the exclusion rules,
        possibly narrowed further (e.g. to windows that leave room for the candidates still to come)."""
        a = max(lo, p - self.width - length)
        b = min(hi, p + self.width + length)
        if b - a < length:
            return None
        inst = {k: np.minimum(1.0, self.evidence[k][a:b] / _saturation(self.cfg, k)) for k in PRINCIPLES}
        base = float(combine({k: np.zeros(1) for k in PRINCIPLES}, self.weights, self.intercept)[0])
        gain = (combine(inst, self.weights, self.intercept) - base) * self.usable[a:b]
        starts = np.arange(0, b - a - length + 1)
        ok = starts_ok[a + starts]
        if not ok.any():
            return None
        c = np.concatenate(([0.0], np.cumsum(gain, dtype=np.float64)))
        # Most evidence first; among equals the window closest to the peak.
        centre = np.abs(a + starts + length / 2 - p)
        k = int(np.argmax(np.where(ok, c[starts + length] - c[starts] - 1e-9 * centre, -np.inf)))
        return a + int(starts[k]), a + int(starts[k]) + length

    def set_usable(self, usable: NDArray[np.bool_]) -> None:
        """Spend the evidence outside ``usable`` and update the scores where that changes them."""
        changed = np.flatnonzero(usable != self.usable)
        self.usable = usable.copy()
        if changed.size == 0:
            return
        w = self.width
        a, b = int(changed[0]), int(changed[-1]) + 1
        lo, hi = max(0, a - 2 * w), min(self.n, b + 2 * w)
        ev = {k: v[lo:hi] * self.usable[lo:hi] for k, v in self.evidence.items()}
        takes = (np.maximum(self.takes[0][lo:hi] - lo, 0), np.minimum(self.takes[1][lo:hi] - lo, hi - lo))
        sc = window_scores(ev, self.cfg, self.tick_s, takes)
        # Ticks within a window of the change; their windows lie wholly inside [lo, hi).
        ilo, ihi = max(0, a - w), min(self.n, b + w)
        for k in PRINCIPLES:
            self.scores[k][ilo:ihi] = sc[k][ilo - lo : ihi - lo]
        part = {k: self.scores[k][ilo:ihi] for k in PRINCIPLES}
        self.combined[ilo:ihi] = combine(part, self.weights, self.intercept) * self.visibility[ilo:ihi]


def _saturation(cfg: ScoringConfig, principle: str) -> float:
    return float(getattr(cfg, f"sat_{principle}"))


def _visibility(
    cues: Cues, cfg: ScoringConfig, takes: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
) -> NDArray[np.float64] | float:
    """Graded trust factor: visibility ``1 − v + v · f``, with ``f`` the window share of ticks with both faces seen,
    times role certainty ``1 − r + r · c``, with ``c`` the window mean of :attr:`vigclips.scoring.cues.Cues.role_certainty`.

    A guider shows the parent clips where both faces can be seen, and reasons about "the baby" need the right baby.
    Each part is 1 when not measured or when its weight (``visibility_weight``, ``role_weight``) is 0.
    """
    width = max(1, round(cfg.window_s / cues.tick_s))
    factor: NDArray[np.float64] | float = 1.0
    if "faces" in cues.measured and cfg.visibility_weight > 0:
        seen = iv.window_mean(cues.both_seen.astype(np.float64), width, takes)
        factor = 1.0 - cfg.visibility_weight + cfg.visibility_weight * seen
    if cues.role_certainty is not None and cfg.role_weight > 0:
        # Reasons speak of "the baby" and "the parent": where the program is unsure which face is which (two adults, a
        # sibling), those reasons are less trustworthy and the moment ranks lower.
        certain = iv.window_mean(cues.role_certainty, width, takes)
        factor = factor * (1.0 - cfg.role_weight + cfg.role_weight * certain)
    return factor
