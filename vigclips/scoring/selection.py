"""Placing and selecting moments: greedy temporal non-maximum suppression that leaves room for every candidate still
to come (issue 5; step 2 of :mod:`vigclips.scoring.moments`).

:func:`select_moments` takes the best remaining peak, grows a moment around it, widens it to the exchange it touches,
holds it to the allowed length, snaps it to natural edges, pads it and blocks a gap either side; when a moment would
leave too little room for the rest it is shrunk around its peak or replaced by the best min-length window near it.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues
from vigclips.scoring.episodes import episode_breaks, take_breaks
from vigclips.scoring.exclusion import excluded, face_roles_checked, seed_mask, window_ok
from vigclips.scoring.settings import ScoringConfig
from vigclips.scoring.windows import WindowScorer

log = logging.getLogger("vigclips")

_SPREAD_EPS = 1e-9
"""Weight of the spread tie-break (distance to earlier candidates, 0–1): far below any real score difference."""


class _Room:
    """Room left for min-length candidates beside the ticks already claimed (see
    :func:`~vigclips.scoring.exclusion.moment_room`).

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


def _within_episode(
    breaks: NDArray[np.bool_], takes: NDArray[np.bool_], p: int, lo: int, hi: int, min_len: int
) -> tuple[int, int]:
    """The free run ``[lo, hi)`` narrowed to the episode holding the peak ``p`` (between two breaks, issue 22), when
    that leaves room for a min-length moment; else to its take (between two take breaks, ``takes``); else the free run
    as it is (a peak in a pause, or in a sliver of an episode, still gets its min-length window)."""
    for mask in (breaks, takes):
        if mask[p]:
            continue
        a, b = _free_run(mask, p)
        a, b = max(lo, a), min(hi, b)
        if b - a >= min_len:
            return a, b
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


def select_moments(
    cues: Cues, scorer: WindowScorer, cfg: ScoringConfig, top_n: int, tick_s: float
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
    seeds = seed_mask(cues, cfg, min_len, roles)
    # A moment never takes more than its fair share of a short recording.
    max_len = max(min_len, min(round(cfg.max_moment_s / tick_s), n // top_n))
    room = _Room(window_ok(cues, cfg, min_len, roles), min_len, max_len)
    target = min(top_n, room.total)
    start_edges, end_edges = _natural_edges(cues)
    episodes = _episodes(cues, cfg)
    breaks, takes = episode_breaks(cues, cfg), take_breaks(cues, cfg)
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
        free = (lo, hi)
        lo, hi = _within_episode(breaks, takes, p, lo, hi, min_len)
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
            if best is None and (lo, hi) != free:  # the episode is a preference; the room for every candidate comes first
                lo, hi = free
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
    # Scores equal but for float rounding (window means summed at different places) are ties.
    out.sort(key=lambda c: -round(c[3], 9))
    return out
