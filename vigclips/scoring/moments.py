"""From window scores to ranked candidate moments with reasons a guider can check (issue 5).

:func:`find_moments` is the public entry point. The steps, all pure numpy on the signals' ticks:

1. cues → per-principle evidence → window scores → one combined 0–1 score per tick (:mod:`.principles`), scaled
   by how much of the window shows both faces (``visibility_weight``);
2. greedy temporal non-maximum suppression: take the best remaining peak; grow a moment around it while the score's
   lift above the no-cue floor stays above ``grow_ratio`` × the peak's; widen it to the whole exchange it touches
   (voices, smiles, looks bridged over gaps ≤ ``turn_max_gap_s``); hold it to ``min_moment_s``–``max_moment_s``
   around the peak; snap its boundaries to natural edges (a pause, the end of a turn, a look away) within
   ``snap_search_s``; pad it; and block ``nms_gap_s`` either side so the next candidate is a different moment. A
   tiny tie-break by distance to earlier candidates spreads candidates when scores are flat. If the recording has no
   room left at that gap, the gap drops to 0 (distinct, non-overlapping). Throughout, a moment may only be placed
   where it leaves room for the candidates still to come (:func:`moment_room`): when the recording is short or
   mostly excluded, a moment that would leave only fragments shorter than ``min_moment_s`` is shrunk towards its
   peak, or replaced by the min-length window near its peak that leaves room, so ``top_n`` are returned whenever
   they fit;
3. a moment where either face is missing for most of it, or the baby cries throughout, is not a candidate;
4. each moment gets plain-language reasons with figures, per-principle scores and details (incl. the best still).
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.errors import ConfigError
from vigclips.scoring.cues import Cues, Response
from vigclips.scoring.principles import PRINCIPLES, combine, compute_cues, principle_evidence, window_scores
from vigclips.scoring.settings import ScoringConfig
from vigclips.scoring.weights import load_weights
from vigclips.types import Moment, Signals

log = logging.getLogger("vigclips")

_UNSURE_ROLES = 0.75
"""Below this role certainty (:func:`vigclips.scoring.principles.attribution`) a reason says the roles are unsure."""

_SPREAD_EPS = 1e-9
"""Weight of the spread tie-break (distance to earlier candidates, 0–1): far below any real score difference."""


def find_moments(signals: Signals, cfg: ScoringConfig, top_n: int, turns: object | None = None) -> list[Moment]:
    """Rank candidate attuned moments in a recording's signals.

    Args:
        signals: per-tick channels on one timebase (see ``vigclips.types.Signals``). Channels used, all optional:
            ``infant_present``, ``adult_present`` (or ``infant_face_x``/``adult_face_x``, or a ``faces`` count),
            ``infant_looks_at_adult``, ``adult_looks_at_infant``, ``mutual_gaze``, ``infant_smile``, ``adult_smile``,
            ``adult_voice``, ``infant_voice``, ``infant_cry`` (0–1; NaN = not seen).
        cfg: scoring settings; ``cfg.weights_file`` selects learned weights.
        top_n: how many candidates to return (at least 1).
        turns: optional turns from the audio stage (an object with a ``turns`` list, or the list itself); when
            ``None``, turns are derived from the voice channels.

    Returns:
        Up to ``top_n`` moments, rank 1 first (ids ``m01``, ``m02``, …), each ``min_moment_s``–``max_moment_s`` long,
        none overlapping another and none excluded (see :func:`excluded`). **Exactly** ``top_n`` whenever the
        recording *has room* for them (:func:`moment_room` ≥ ``top_n``): there are ``top_n`` pairwise disjoint
        windows of ``min_moment_s`` (rounded to ticks) that each pass the exclusion rules (each checked face seen
        in at least ``1 − face_missing_max_frac`` of the window; crying, when measured, in at most ``cry_max_frac``
        of it). In particular whenever ``top_n`` disjoint stretches of at least ``min_moment_s`` each have every
        checked face seen and no crying throughout. The gap between candidates asked for by ``nms_gap_s`` is kept
        while there is room for it and dropped to 0 (distinct, never overlapping) otherwise, so it is not part of
        the condition. Otherwise there are at least :func:`moment_room` of them.

    Raises:
        ConfigError: ``top_n`` < 1, or an unreadable ``weights_file``.

    Example:
        >>> from fractions import Fraction
        >>> s = Signals.empty_like_ticks(Fraction(10), 600)
        >>> [m.id for m in find_moments(s, ScoringConfig(), top_n=2)]
        ['m01', 'm02']
    """
    if top_n < 1:
        raise ConfigError("top", f"the number of candidates must be at least 1, got {top_n}")
    n = len(signals)
    if n == 0:
        return []
    tick_s = 1.0 / float(signals.tick_hz) if signals.tick_hz else 0.1
    cues = compute_cues(signals, cfg, turns)
    weights, intercept = load_weights(cfg)
    evidence = principle_evidence(cues, cfg)
    picks = _select(cues, _Scorer(cues, evidence, cfg, weights, intercept), cfg, top_n, tick_s)
    t_s = np.asarray(signals.t_s, dtype=np.float64)
    out: list[Moment] = []
    for rank, (s, e, p, score, at_peak) in enumerate(picks, start=1):
        start_s = float(t_s[s])
        end_s = float(t_s[e]) if e < n else float(t_s[-1] + tick_s)
        reasons, details = describe(cues, s, e, p, at_peak, weights, t_s, cfg)
        _add_perception_caveats(signals, s, e, details)
        details["peak_t_s"] = round(float(t_s[p]), 3)
        out.append(
            Moment(
                id=f"m{rank:02d}",
                rank=rank,
                start_s=round(start_s, 3),
                end_s=round(end_s, 3),
                score=round(score, 4),
                reasons=tuple(reasons),
                scores=at_peak,
                details=details,
            )
        )
    return out


def score_track(
    signals: Signals, cfg: ScoringConfig, turns: object | None = None
) -> tuple[Cues, dict[str, NDArray[np.float64]], NDArray[np.float64]]:
    """Cues, per-principle window scores and the combined 0–1 score of every tick (what the timeline plots).

    Returns:
        ``(cues, scores, combined)``: scores keyed by :data:`PRINCIPLES`, each (T,) float64; combined (T,) float64.
    """
    tick_s = 1.0 / float(signals.tick_hz) if signals.tick_hz else 0.1
    cues = compute_cues(signals, cfg, turns)
    scores = window_scores(principle_evidence(cues, cfg), cfg, tick_s)
    weights, intercept = load_weights(cfg)
    return cues, scores, combine(scores, weights, intercept) * _visibility(cues, cfg)


class _Scorer:
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
        self.visibility = np.broadcast_to(np.asarray(_visibility(cues, cfg), dtype=np.float64), (self.n,))
        # Score of "nothing happening" (0 for hand-set weights, σ(intercept) × visibility for learned ones):
        # moments grow on the lift above it.
        base = float(combine({k: np.zeros(1) for k in PRINCIPLES}, weights, intercept)[0])
        self.floor = base * self.visibility
        self.usable = np.ones(self.n, dtype=bool)
        self.scores = window_scores(evidence, cfg, cues.tick_s)
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

        ``starts_ok`` is (T,) bool over start ticks: :func:`_window_ok` for the exclusion rules, possibly narrowed further
        (e.g. to windows that leave room for the candidates still to come)."""
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
        sc = window_scores(ev, self.cfg, self.tick_s)
        # Ticks within a window of the change; their windows lie wholly inside [lo, hi).
        ilo, ihi = max(0, a - w), min(self.n, b + w)
        for k in PRINCIPLES:
            self.scores[k][ilo:ihi] = sc[k][ilo - lo : ihi - lo]
        part = {k: self.scores[k][ilo:ihi] for k in PRINCIPLES}
        self.combined[ilo:ihi] = combine(part, self.weights, self.intercept) * self.visibility[ilo:ihi]


def _saturation(cfg: ScoringConfig, principle: str) -> float:
    return float(getattr(cfg, f"sat_{principle}"))


def _visibility(cues: Cues, cfg: ScoringConfig) -> NDArray[np.float64] | float:
    """Graded trust factor: visibility ``1 − v + v · f``, with ``f`` the window share of ticks with both faces seen,
    times role certainty ``1 − r + r · c``, with ``c`` the window mean of :func:`_role_certainty`.

    A guider shows the parent clips where both faces can be seen, and reasons about "the baby" need the right baby.
    Each part is 1 when not measured or when its weight (``visibility_weight``, ``role_weight``) is 0.
    """
    width = max(1, round(cfg.window_s / cues.tick_s))
    factor: NDArray[np.float64] | float = 1.0
    if "faces" in cues.measured and cfg.visibility_weight > 0:
        seen = iv.window_mean(cues.both_seen.astype(np.float64), width)
        factor = 1.0 - cfg.visibility_weight + cfg.visibility_weight * seen
    if cues.role_certainty is not None and cfg.role_weight > 0:
        # Reasons speak of "the baby" and "the parent": where the program is unsure which face is which (two adults, a
        # sibling), those reasons are less trustworthy and the moment ranks lower.
        certain = iv.window_mean(cues.role_certainty, width)
        factor = factor * (1.0 - cfg.role_weight + cfg.role_weight * certain)
    return factor


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


def _seed_mask(cues: Cues, cfg: ScoringConfig, min_len: int, roles: frozenset[str]) -> NDArray[np.bool_]:
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


def _window_ok(cues: Cues, cfg: ScoringConfig, length: int, roles: frozenset[str]) -> NDArray[np.bool_]:
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

    :func:`find_moments` returns ``min(top_n, moment_room(...))`` candidates or more. Computed exactly by packing
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
    return int(iv.pack_left(_window_ok(cues, cfg, min_len, face_roles_checked(cues, cfg)), min_len).shape[0])


class _Room:
    """Room left for min-length candidates beside the ticks already claimed (see :func:`moment_room`).

    ``after(s, e)`` is the number of disjoint exclusion-passing min-length windows that still fit if ``[s, e)`` is
    claimed too. Recomputed only when a claim could bring the room below what the remaining candidates need: a claim
    of ``L`` ticks removes at most ``L // min_len + 2`` windows of a packing.
    """

    def __init__(self, window_ok: NDArray[np.bool_], min_len: int, max_len: int) -> None:
        self.window_ok, self.min_len, self.max_len = window_ok, min_len, max_len
        self.claimed = np.zeros(window_ok.shape[0], dtype=bool)
        self._pack()

    def _pack(self) -> None:
        n, m = self.claimed.shape[0], self.min_len
        c = np.concatenate(([0], np.cumsum(self.claimed, dtype=np.int64)))
        free = np.zeros(n, dtype=bool)
        if m <= n:
            free[: n - m + 1] = (c[m:] - c[: n - m + 1]) == 0
        ok = (self.window_ok & free)[: max(0, n - m + 1)]
        self.left, self.right = iv.pack_left(ok, m), iv.pack_right(ok, m)
        self.total = int(self.left.shape[0])
        self.exact = True

    def claim(self, s: int, e: int) -> None:
        self.claimed[s:e] = True
        self.total -= (e - s) // self.min_len + 2  # a lower bound until the next repack
        self.exact = False

    def ensure(self, need: int) -> bool:
        """Make :meth:`after` exact if a claim could leave less than ``need``; True when checks are needed at all."""
        if self.total - (self.max_len // self.min_len + 2) >= need:
            return False
        if not self.exact:
            self._pack()
        return True

    def after(self, s: int | NDArray[np.int64], e: int | NDArray[np.int64]) -> NDArray[np.int64]:
        return iv.room_around(self.left, self.right, self.min_len, s, e)


def _shrink(s: int, e: int, p: int, room: _Room, need: int, min_len: int) -> tuple[int, int] | None:
    """The longest part of ``[s, e)`` that holds the peak ``p``, is at least ``min_len`` long and leaves room for
    ``need`` more candidates; None if there is none.

    The room to the left of a start only grows at the ends of the left packing, and to the right of an end at the starts
    of the right packing, so those (and ``s``, ``e`` themselves) are the only boundaries worth trying.
    """
    ends = room.left + min_len
    lefts = np.unique(np.concatenate(([s], ends[(ends > s) & (ends <= p)])))
    rights = np.unique(np.concatenate(([e], room.right[(room.right > p) & (room.right < e)])))
    a, b = np.meshgrid(lefts, rights, indexing="ij")
    ok = (b - a >= min_len) & (room.after(a, b) >= need)
    if not ok.any():
        return None
    k = int(np.argmax(np.where(ok, b - a, -1)))
    return int(a.flat[k]), int(b.flat[k])


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


def _natural_edges(cues: Cues) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Tick indices where a moment may naturally start and end.

    Starts: onsets of voices, mutual gaze, baby looks and smiles, or the start of a pause. Ends: ends of voices, turns
    and looks (a pause, the end of a turn, a look away).
    """
    starts = [iv.onsets(m) for m in (cues.adult_voice, cues.infant_voice, cues.mutual, cues.infant_look, cues.infant_smile)]
    starts += [iv.offsets(m) for m in (cues.adult_voice, cues.infant_voice)]
    ends = [iv.offsets(m) for m in (cues.adult_voice, cues.infant_voice, cues.mutual, cues.infant_look, cues.adult_look)]
    if cues.turns:
        ends.append(np.array([round(t.response_end_s / cues.tick_s) for t in cues.turns], dtype=np.int64))
    s = np.unique(np.concatenate(starts)) if starts else np.zeros(0, dtype=np.int64)
    e = np.unique(np.concatenate(ends)) if ends else np.zeros(0, dtype=np.int64)
    return s.astype(np.int64), e.astype(np.int64)


def _free_run(blocked: NDArray[np.bool_], p: int) -> tuple[int, int]:
    """The maximal unblocked stretch ``[lo, hi)`` containing tick ``p``."""
    left = np.flatnonzero(blocked[:p])
    right = np.flatnonzero(blocked[p:])
    lo = int(left[-1]) + 1 if left.size else 0
    hi = p + int(right[0]) if right.size else blocked.shape[0]
    return lo, hi


def _fit(s: int, e: int, p: int, lo: int, hi: int, min_len: int, max_len: int) -> tuple[int, int]:
    """Hold ``[s, e)`` inside ``[lo, hi)``, containing ``p``, between ``min_len`` and ``max_len`` ticks."""
    s, e = max(s, lo), min(e, hi)
    s, e = min(s, p), max(e, p + 1)
    if e - s > max_len:
        # Trim the side farther from the peak.
        s = max(s, min(p - max_len // 2, e - max_len))
        e = s + max_len
    short = min_len - (e - s)
    if short > 0:
        grow_left = min(short // 2, s - lo)
        s -= grow_left
        e = min(hi, e + short - grow_left)
        s = max(lo, e - min_len) if e - s < min_len else s
    return s, e


def _grow(lift: NDArray[np.float64], p: int, lo: int, hi: int, cfg: ScoringConfig, max_len: int) -> tuple[int, int]:
    """The stretch around peak ``p`` where the lift stays ≥ ``grow_ratio`` × the peak's lift.

    The lift is the combined score above the no-cue floor, so growth is relative to "nothing happening" whatever the
    model.
    """
    peak = lift[p]
    if peak <= 1e-12:
        return p, p + 1
    a, b = max(lo, p - max_len), min(hi, p + max_len)
    low = lift[a:b] < cfg.grow_ratio * peak
    rel = p - a
    left = np.flatnonzero(low[:rel])
    right = np.flatnonzero(low[rel:])
    s = a + (int(left[-1]) + 1 if left.size else 0)
    e = a + (rel + int(right[0]) if right.size else low.shape[0])
    return s, e


def _episodes(cues: Cues, cfg: ScoringConfig) -> NDArray[np.int64]:
    """Stretches of interaction, bridged across gaps ≤ ``turn_max_gap_s``.

    Interaction means both partners take part: vocal turns (from the initiative's start to the reply's end), answered
    baby initiatives (from the initiative to the response), mutual gaze and shared smiles. A moment grown around a
    peak is widened to the episodes it touches, so it holds the whole exchange rather than its densest window; one-
    sided talk or a parent watching for minutes does not stretch it.
    """
    spans = [iv.mask_to_intervals(cues.mutual | cues.shared_smile)]
    tick = cues.tick_s
    if cues.turns:
        spans.append(np.array([(round(t.initiative_start_s / tick), round(t.response_end_s / tick)) for t in cues.turns]))
    if cues.responses:
        spans.append(np.array([(r.initiative_tick, r.response_tick + 1) for r in cues.responses]))
    merged = np.concatenate([np.asarray(s, dtype=np.int64).reshape(-1, 2) for s in spans])
    return iv.merge_intervals(np.clip(merged, 0, cues.n_ticks), round(cfg.turn_max_gap_s / tick))


def _widen(s: int, e: int, episodes: NDArray[np.int64]) -> tuple[int, int]:
    """``[s, e)`` widened to cover every episode it overlaps."""
    if episodes.shape[0] == 0:
        return s, e
    touch = (episodes[:, 0] < e) & (episodes[:, 1] > s)
    if not touch.any():
        return s, e
    return min(s, int(episodes[touch, 0].min())), max(e, int(episodes[touch, 1].max()))


def _select(
    cues: Cues, scorer: _Scorer, cfg: ScoringConfig, top_n: int, tick_s: float
) -> list[tuple[int, int, int, float, dict[str, float]]]:
    """Greedy temporal NMS that leaves room for every candidate still to come.

    A moment is at most its fair share (1/top_n) of the recording. While fewer than ``min(top_n, moment_room)``
    candidates are placed, a moment is only accepted if the min-length windows that still fit beside it (gap 0) are
    enough for the rest; otherwise it is shrunk around its peak (:func:`_shrink`), or replaced by the min-length
    window near the peak with the most evidence among those that leave room. The first window of a best packing
    always leaves room, and its centre is a seed, so the count is reached.

    Returns:
        ``[(start_tick, end_tick, peak_tick, score, scores_at_peak), …]``, best first.
    """
    n = cues.n_ticks
    min_len = max(1, round(cfg.min_moment_s / tick_s))
    pad = round(cfg.pad_s / tick_s)
    snap_ticks = round(cfg.snap_search_s / tick_s)
    roles = face_roles_checked(cues, cfg)
    seeds = _seed_mask(cues, cfg, min_len, roles)
    # A moment never takes more than its fair share of a short recording.
    max_len = max(min_len, min(round(cfg.max_moment_s / tick_s), n // top_n))
    room = _Room(_window_ok(cues, cfg, min_len, roles), min_len, max_len)
    target = min(top_n, room.total)
    start_edges, end_edges = _natural_edges(cues)
    episodes = _episodes(cues, cfg)
    idx = np.arange(n)
    # Distance to the nearest earlier candidate (initially to the recording's ends), for the spread tie-break.
    dist = np.minimum(idx, n - 1 - idx).astype(np.float64)
    # Seeds that failed: for good (no passing window near them; their free run only shrinks), or only until the next
    # candidate is placed (no window near them left room for the rest).
    failed = np.zeros(n, dtype=bool)
    failed_now = np.zeros(n, dtype=bool)
    chosen: list[tuple[int, int, int]] = []
    scored: list[tuple[float, dict[str, float]]] = []
    gap = round(cfg.nms_gap_s / tick_s)
    blocked = np.zeros(n, dtype=bool)
    while len(chosen) < top_n:
        cand = seeds & ~blocked & ~failed & ~failed_now
        if not cand.any():
            if gap == 0:
                break
            # No room for more candidates at the full gap: allow them closer (but never overlapping).
            gap = 0
            blocked = room.claimed.copy()
            failed[:] = False
            failed_now[:] = False
            scorer.set_usable(~blocked)
            continue
        combined = scorer.combined
        pick = combined + _SPREAD_EPS * dist / max(1, n)
        p = int(np.argmax(np.where(cand, pick, -np.inf)))
        lo, hi = _free_run(blocked, p)
        if hi - lo < min_len:
            failed[lo:hi] = True
            continue
        need = max(0, target - len(chosen) - 1)
        check = room.ensure(need)
        lift = scorer.lift
        s, e = _grow(lift, p, lo, hi, cfg, max_len)
        if lift[p] > 1e-12:
            s, e = _widen(s, e, episodes)
        s, e = _fit(s, e, p, lo, hi, min_len, max_len)
        s2 = iv.snap(s, start_edges, snap_ticks)
        e2 = iv.snap(e, end_edges, snap_ticks)
        if s2 <= p and lo <= s2 and e - s2 >= min_len and e - s2 <= max_len:
            s = s2
        if e2 > p and e2 <= hi and e2 - s >= min_len and e2 - s <= max_len:
            e = e2
        s, e = _fit(s - pad, e + pad, p, lo, hi, min_len, max_len)
        why = excluded(cues, s, e, cfg, roles)
        if not why and check and room.after(s, e) < need:
            # It would leave only fragments for the rest: keep the part around the peak that leaves room.
            part = _shrink(s, e, p, room, need, min_len)
            why = "leaves no room for the rest" if part is None else excluded(cues, *part, cfg, roles)
            if part is not None and not why:
                s, e = part
        for_now = False
        if why:
            # Fall back to the min-length window near the peak that holds the most cues, passes the rules and leaves room.
            allowed = room.window_ok
            if check:
                starts = idx[: max(0, n - min_len + 1)]
                allowed = np.zeros(n, dtype=bool)
                allowed[starts] = room.after(starts, starts + min_len) >= need
                allowed &= room.window_ok
            best = scorer.best_window(p, lo, hi, min_len, allowed)
            if best is not None:
                (s, e), why = best, ""
            elif check and scorer.best_window(p, lo, hi, min_len, room.window_ok) is not None:
                # Windows near the peak pass the rules but none leaves room: retry after the next placement.
                why, for_now = "no window near it leaves room for the rest", True
        if why:
            log.debug("candidate at tick %d skipped: %s", p, why)
            (failed_now if for_now else failed)[max(lo, p - min_len // 2) : min(hi, p + min_len // 2 + 1)] = True
            continue
        # The moment's score is its own best window score (a tick inside it), not the seed's.
        p = s + int(np.argmax(combined[s:e]))
        chosen.append((s, e, p))
        scored.append(scorer.at(p))
        room.claim(s, e)
        failed_now[:] = False
        blocked[max(0, s - gap) : min(n, e + gap)] = True
        scorer.set_usable(~blocked)
        dist = np.minimum(dist, np.minimum(np.abs(idx - s), np.abs(idx - (e - 1))).astype(np.float64))
    out = [(s, e, p, score, at) for (s, e, p), (score, at) in zip(chosen, scored, strict=True)]
    # After relaxing the gap a later pick can outscore an earlier one: rank by score (stable, so ties keep pick order).
    out.sort(key=lambda c: -c[3])
    return out


# ----------------------------------------------------------------------------------------------------------- reasons
# Reasons are short positive sentences about what can be seen or heard in the clip, in words a parent could hear (#15):
# no zero counts, no thresholds, no jargon. What the guider should check by eye (unsure roles, faces hard to see, crying,
# a measurement missing) is a *caveat*, kept apart in ``details["caveats"]`` and never given as a reason.

_INIT_WORDS = {"look": "looked up at the parent", "smile": "smiled", "voice": "made a sound"}
_RESP_WORDS = {"smile": "smiled back", "voice": "answered", "look": "looked at the baby", "eye contact": "met the baby's eyes"}
# Say what was seen (issue 11): where a gaze's direction came from the head's orientation alone (a profile, a steep 3/4
# view: the eyes unresolved), the person is told as *turned to* the other, not as looking at them. A baby turned to
# her mother may have her eyes on the toy in her mother's hand; "turned to" stays true, "looked at" would not.
_INIT_TURNED = {**_INIT_WORDS, "look": "turned to the parent"}
_RESP_TURNED = {**_RESP_WORDS, "look": "turned to the baby", "eye contact": "was already turned to the baby"}
_LOOK_TOLD_S = 1.0
"""A look that starts an initiative or a response is told from its first second: seen with the eyes or not."""
_WEAK_FACES_FRAC = 0.5
"""Below this share of the moment with both faces seen, a caveat says the faces were hard to see (check by eye)."""


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _secs(mask: NDArray[np.bool_], s: int, e: int, tick_s: float) -> tuple[float, float]:
    runs = iv.run_lengths_within(mask, s, e)
    if runs.size == 0:
        return 0.0, 0.0
    return float(runs.sum() * tick_s), float(runs.max() * tick_s)


def _times(n: int) -> str:
    """" 2 times" (empty for once: the sentence already says it happened)."""
    return "" if n <= 1 else f" {n} times"


def _seen_with_eyes(cues: Cues, mask: NDArray[np.bool_], s: int, e: int, *who: str) -> bool:
    """Whether most ticks of ``mask`` in ``[s, e)`` had the gaze of each of ``who`` (``infant``, ``adult``) from the
    eyes, so a look is told as a look; True where that was not measured (or ``mask`` is off throughout)."""
    eyes = [getattr(cues, f"{w}_gaze_eyes") for w in who]
    on = mask[s:e]
    if any(x is None for x in eyes) or not on.any():
        return True
    return bool(np.logical_and.reduce([x[s:e][on] for x in eyes]).mean() >= 0.5)


def _response_text(cues: Cues, r: Response) -> str:
    """"baby smiled; parent smiled back within 0.8 s": what the baby did and how the parent answered."""
    span = max(1, round(_LOOK_TOLD_S / cues.tick_s))
    t0, t1 = r.initiative_tick, r.response_tick
    baby_eyes = _seen_with_eyes(cues, cues.infant_look, t0, t0 + span, "infant")
    init = _join([(_INIT_WORDS if baby_eyes else _INIT_TURNED)[k] for k in ("look", "smile", "voice") if k in r.initiative])
    resp_words = _RESP_WORDS if _seen_with_eyes(cues, cues.adult_look, t1, t1 + span, "adult") else _RESP_TURNED
    resp_kinds = [k for k in ("smile", "voice", "look", "eye contact") if k in r.response]
    if resp_kinds == ["eye contact"]:
        met = resp_words if baby_eyes else _RESP_TURNED  # eyes met only where both pairs of eyes were seen
        return f"baby {init}; parent {met['eye contact']}"
    # Eye contact is already told by the looking-at-each-other reason; name the active responses and how soon they came.
    resp = _join([resp_words[k] for k in resp_kinds if k != "eye contact"])
    return f"baby {init}; parent {resp} within {max(r.latency_s, 0.1):.1f} s"


def _response_caveats(cues: Cues, r: Response) -> list[str]:
    """What to check about a response: whether it was meant for the baby, and which face is the baby."""
    out = []
    # Say what was seen (issue 11): "looking elsewhere" only when seen so; "could not see" when where they looked was unseen.
    if r.parent_orientation == "elsewhere":
        out.append("the parent may have been looking elsewhere when answering: check by eye")
    elif r.parent_orientation == "unknown" and "gaze" in cues.measured:
        out.append("the program could not see where the parent was looking when they answered: check by eye")
    if r.role_certainty < _UNSURE_ROLES:
        out.append("the program is not sure which face is the baby's here: check by eye")
    return out


def _together_reasons(cues: Cues, s: int, e: int, details: dict[str, object]) -> list[str]:
    """Looking at each other and smiling together (developing attuned interactions)."""
    tick = cues.tick_s
    mg_total, mg_long = _secs(cues.mutual, s, e, tick)
    ss_total, _ = _secs(cues.shared_smile, s, e, tick)
    details.update(mutual_gaze_s=round(mg_total, 2), longest_mutual_gaze_s=round(mg_long, 2), shared_smile_s=round(ss_total, 2))
    out = []
    if mg_total >= 0.5:
        looked = _seen_with_eyes(cues, cues.mutual, s, e, "infant", "adult")
        extra = f" (the longest {'look ' if looked else ''}{mg_long:.1f} s)" if mg_long < mg_total - 1e-6 else ""
        out.append(f"baby and parent {'looked at' if looked else 'turned to'} each other for {mg_total:.1f} s{extra}")
    if ss_total >= 0.3:
        out.append(f"baby and parent smiled together for {ss_total:.1f} s")
    return out


def _turn_reason(cues: Cues, s: int, e: int, details: dict[str, object]) -> list[str]:
    """Vocal turns whose reply starts inside the moment (developing attuned interactions: serve and return)."""
    tick = cues.tick_s
    t0_s, t1_s = s * tick, e * tick
    # A turn belongs to the moment when its reply starts inside it and its initiative is (at least partly) inside.
    turns = [t for t in cues.turns if t0_s - 1e-6 <= t.response_start_s < t1_s and t.initiative_end_s > t0_s]
    by_infant = sum(t.initiator == "INFANT" for t in turns)
    details.update(turns_count=len(turns), turns_by_infant=by_infant, turns_prompt=sum(bool(t.contingent) for t in turns))
    details["turns"] = [
        {
            "initiator": t.initiator,
            "initiative_start_s": round(t.initiative_start_s, 2),
            "response_start_s": round(t.response_start_s, 2),
            "latency_s": round(t.latency_s, 2),
            "contingent": bool(t.contingent),
        }
        for t in turns
    ]
    if not turns:
        return []
    if len(turns) == 1:
        serve = "the baby made a sound and the parent" if by_infant else "the parent spoke and the baby"
        return [f"{serve} answered within {max(turns[0].latency_s, 0.1):.1f} s"]
    span = max(t.response_end_s for t in turns) - min(t.initiative_start_s for t in turns)
    text = f"baby and parent took turns making sounds, {len(turns)} turns in {max(span, tick, 1.0):.0f} s"
    if by_infant == len(turns):
        text += ", each started by the baby"
    elif by_infant:
        text += f", {by_infant} started by the baby"
    return [text]


def _receiving_reason(cues: Cues, s: int, e: int, details: dict[str, object], caveats: list[str]) -> list[str]:
    """The best answered baby initiative (receiving initiatives)."""
    # A response that counts for nothing (roles unknown) is no reason to show the moment.
    responses = [r for r in cues.responses if s <= r.initiative_tick < e and r.response_tick < e and r.weight > 0]
    details["responses"] = len(responses)
    if not responses:
        return []
    best = max(responses, key=lambda r: (r.weight, len(r.response), -r.latency_s))
    details["best_response_latency_s"] = round(best.latency_s, 2)
    caveats.extend(_response_caveats(cues, best))
    text = _response_text(cues, best)
    if len(responses) > 1:
        text += f" (this happened {len(responses)} times here)"
    return [text]


def _encouraging_reason(cues: Cues, s: int, e: int) -> list[str]:
    """The parent paused and the baby took the lead (encouraging initiatives)."""
    n = int(((cues.encouraged_ticks >= s) & (cues.encouraged_ticks < e)).sum())
    return [f"the parent waited and the baby took the lead{_times(n)}"] if n else []


def _attentive_reasons(cues: Cues, s: int, e: int, details: dict[str, object]) -> list[str]:
    """The parent looking at the baby, and watching quietly while the baby is active (being attentive)."""
    if "gaze" not in cues.measured:
        return []
    out = []
    look_frac = float(cues.adult_look[s:e].mean())
    details["adult_look_frac"] = round(look_frac, 3)
    looked = _seen_with_eyes(cues, cues.adult_look, s, e, "adult")
    at_baby = "looked at the baby" if looked else "was turned to the baby"
    if look_frac >= 0.95:
        out.append(f"the parent {at_baby} all through the moment")
    elif look_frac >= 0.5:
        out.append(f"the parent {at_baby} for {100 * look_frac:.0f}% of the moment")
    active = cues.infant_voice | cues.infant_smile | cues.infant_look
    quiet = cues.adult_look & ~cues.adult_voice & active
    quiet_s = float(quiet[s:e].sum() * cues.tick_s)
    if quiet_s >= 1.0:
        watched = "watched quietly" if _seen_with_eyes(cues, quiet, s, e, "adult") else "was turned to the baby and quiet"
        out.append(f"the parent {watched} while the baby was busy for {quiet_s:.1f} s")
    return out


def _seen_reasons(cues: Cues, s: int, e: int) -> list[str]:
    """Single cues (a smile, a look, a sound) for a moment no principle's cue stands out in: still what the clip shows."""
    tick = cues.tick_s
    out = []
    baby_looked = _seen_with_eyes(cues, cues.infant_look, s, e, "infant")
    parent_looked = _seen_with_eyes(cues, cues.adult_look, s, e, "adult")
    for mask, text, min_s in (
        (cues.infant_smile, "the baby smiled for {:.1f} s", 0.3),
        (cues.adult_smile, "the parent smiled for {:.1f} s", 0.3),
        (cues.infant_look, f"the baby {'looked at' if baby_looked else 'was turned to'} the parent for {{:.1f}} s", 0.5),
        (cues.adult_look, f"the parent {'looked at' if parent_looked else 'was turned to'} the baby for {{:.1f}} s", 0.5),
        (cues.infant_voice & ~cues.cry, "the baby made sounds for {:.1f} s", 0.3),
    ):
        total, _ = _secs(mask, s, e, tick)
        if total >= min_s:
            out.append(text.format(total))
    return out


def _recording_caveats(cues: Cues, s: int, e: int, cfg: ScoringConfig, details: dict[str, object]) -> list[str]:
    """What the guider should check by eye about this moment or the whole recording's measurements."""
    out = []
    tick = cues.tick_s
    if "faces" in cues.measured:
        details["infant_face_frac"] = round(float(cues.infant_seen[s:e].mean()), 3)
        details["adult_face_frac"] = round(float(cues.adult_seen[s:e].mean()), 3)
        details["both_faces_frac"] = round(float(cues.both_seen[s:e].mean()), 3)
        if float(details["both_faces_frac"]) < _WEAK_FACES_FRAC:  # type: ignore[arg-type]
            out.append("the faces were hard to see here: check by eye")
        for mask, who in ((cues.infant_seen, "baby"), (cues.adult_seen, "parent")):
            if mask.mean() < cfg.face_role_min_frac:
                out.append(f"the program found the {who}'s face in only {100 * mask.mean():.0f}% of the recording, "
                           "so it could not check the moments for it")  # fmt: skip
    if cues.role_certainty is not None and float(cues.role_certainty[s:e].mean()) < _UNSURE_ROLES:
        out.append("the program is not sure which face is the baby's here: check by eye")
    if "cry" in cues.measured:
        cry_s = float(cues.cry[s:e].sum() * tick)
        details["cry_s"] = round(cry_s, 2)
        if cry_s >= 0.5:
            out.append(f"the baby cries for {cry_s:.1f} s of it")
    vision = cues.measured & {"faces", "gaze", "smile"}
    audio = cues.measured & {"voice", "cry"}
    if not vision and not audio:
        out.append("nothing could be measured in this recording: the moments are spread over it, check each by eye")
    elif not vision:
        out.append("only the sound was used: the faces were not analysed")
    elif "voice" not in cues.measured:
        out.append("only the picture was used: the voices were not analysed")
    return out


_READ_MIN_FRAC = 0.5
"""A face seen for a stretch but whose smile the program could read on less of it than this was "hard to read"."""


def _add_perception_caveats(signals: Signals, s: int, e: int, details: dict[str, object]) -> None:
    """Say where the program saw a face but could not read it (turned away, in profile, too small): its smile and gaze
    are then unknown, so "nothing stood out" would mislead (#15: say the perception was weak instead)."""
    caveats = list(details.get("caveats") or [])  # type: ignore[call-overload]
    hard = []
    for role, who in (("infant", "baby"), ("adult", "parent")):
        present, smile = f"{role}_present", f"{role}_smile"
        if present not in signals or smile not in signals or not np.isfinite(signals[smile]).any():
            continue
        seen = np.nan_to_num(np.asarray(signals[present][s:e], dtype=np.float64), nan=0.0) >= 0.5
        if seen.mean() < 0.3:
            continue  # not seen at all is told by "the faces were hard to see"
        read = np.isfinite(np.asarray(signals[smile][s:e], dtype=np.float64))[seen].mean()
        if read < _READ_MIN_FRAC:
            hard.append(who)
    if not hard:
        return
    text = f"the program could not read the {' or the '.join(hard)}'s face for much of it (turned away or in profile): check by eye"
    caveats = [c for c in caveats if not c.startswith("nothing clear stood out")]
    details["caveats"] = [text, *caveats]


def describe(
    cues: Cues,
    s: int,
    e: int,
    p: int,
    scores: dict[str, float],
    weights: dict[str, float],
    t_s: NDArray[np.float64],
    cfg: ScoringConfig,
) -> tuple[list[str], dict[str, object]]:
    """Plain-language reasons with figures, and machine-readable details, for the moment ``[s, e)`` peaking at ``p``.

    Reasons are grouped by principle and ordered by each principle's weighted score, strongest first; each names
    a cue and a figure the guider can check by watching the clip. A moment no principle's cue stands out in gets the
    single cues seen in it (a smile, a look, a sound), if any. Caveats (missing measurements, faces hard to see, unsure
    roles, crying) go to ``details["caveats"]``, never among the reasons.

    Returns:
        ``(reasons, details)``; details hold ``caveats`` (list of str), ``mutual_gaze_s``, ``longest_mutual_gaze_s``,
        ``shared_smile_s``, ``responses``, ``turns`` (list of dicts), ``turns_count``, ``turns_by_infant``,
        ``turns_prompt``, ``adult_look_frac``, ``infant_face_frac``, ``adult_face_frac``, ``both_faces_frac``, ``cry_s``,
        ``best_still_t_s``, ``best_still_both_faces`` and ``measured``.
    """
    details: dict[str, object] = {"measured": sorted(cues.measured)}
    caveats: list[str] = []
    by_principle: dict[str, list[str]] = {
        "developing": _together_reasons(cues, s, e, details) + _turn_reason(cues, s, e, details),
        "receiving": _receiving_reason(cues, s, e, details, caveats),
        "encouraging": _encouraging_reason(cues, s, e),
        "attentive": _attentive_reasons(cues, s, e, details),
    }
    _laugh_and_ids_reasons(cues, s, e, by_principle, details)
    order = sorted(PRINCIPLES, key=lambda k: -weights.get(k, 0.0) * scores.get(k, 0.0))
    reasons = [r for k in order for r in by_principle[k]] or _seen_reasons(cues, s, e)
    caveats.extend(_recording_caveats(cues, s, e, cfg, details))
    if not reasons and (cues.measured & {"faces", "gaze", "smile", "voice", "cry"}) and not any("hard to see" in c for c in caveats):
        caveats.insert(0, "nothing clear stood out to the program here; it was listed because there was room for one more")
    details["caveats"] = list(dict.fromkeys(caveats))  # each said once

    still, both = _best_still(cues, s, e, p)
    details["best_still_t_s"] = round(float(t_s[still]), 3)
    details["best_still_both_faces"] = both
    return reasons, details


def _laugh_and_ids_reasons(
    cues: Cues, s: int, e: int, by_principle: dict[str, list[str]], details: dict[str, object]
) -> None:
    """Shared laughter (developing) and the parent's sing-song voice (encouraging), with figures; issue 12."""
    tick = cues.tick_s
    if cues.infant_laugh is not None:
        laugh_s, _ = _secs(cues.infant_laugh, s, e, tick)
        shared = [x for x in cues.shared_laughs if s <= x.laugh_tick < e and x.weight > 0]
        details["infant_laugh_s"] = round(laugh_s, 2)
        details["shared_laughs"] = len(shared)
        if shared:
            best = min(shared, key=lambda x: (x.along != "laughed", x.latency_s))
            text = f"baby laughed; parent {best.along} along within {max(best.latency_s, 0.1):.1f} s"
            if len(shared) > 1:
                text += f" ({len(shared)} times)"
            by_principle["developing"].append(text)
        elif laugh_s >= 0.3:
            by_principle["developing"].append(f"baby laughed for {laugh_s:.1f} s")
    if cues.adult_ids is not None:
        ids_s, _ = _secs(cues.adult_ids, s, e, tick)
        details["adult_ids_s"] = round(ids_s, 2)
        if ids_s >= 1.0:
            by_principle["encouraging"].append(f"parent spoke in a sing-song voice for {ids_s:.0f} s")


def _best_still(cues: Cues, s: int, e: int, p: int) -> tuple[int, bool]:
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
