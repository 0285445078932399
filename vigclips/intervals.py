"""Pure interval logic on tick indices: thresholds with hysteresis, mask ↔ intervals, merge, pad, drop short, snap.

Intervals are ``(n, 2)`` int64 arrays of half-open tick ranges ``[start, end)``, sorted by start. Everything here is
pure numpy and vectorised (the ranking stage must cost < 1 s for an hour of 10 Hz signals), and property-tested in
``tests/test_scoring_intervals.py``.

A base module: every stage may use it (the audio stage finds its voice runs and unions here, before any scoring), and it
imports nothing from vigclips.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

IntervalArray = NDArray[np.int64]
"""(n, 2) int64 half-open tick ranges ``[start, end)``."""


def empty_intervals() -> IntervalArray:
    """An empty (0, 2) interval array."""
    return np.zeros((0, 2), dtype=np.int64)


def hysteresis(x: NDArray[np.floating], on: float, off: float) -> NDArray[np.bool_]:
    """Binarise a 0–1 channel with hysteresis: switch on at ``x >= on``, off at ``x < off``; NaN counts as off.

    Args:
        x: (T,) float channel.
        on: the level at or above which the state turns on.
        off: the level below which the state turns off (``off <= on``).

    Returns:
        (T,) bool; the state starts off.

    Example:
        >>> hysteresis(np.array([0.0, 0.6, 0.45, 0.3, 0.45]), on=0.5, off=0.4).tolist()
        [False, True, True, False, False]
    """
    if off > on:
        raise ValueError(f"off ({off}) must not exceed on ({on})")
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    set_on = finite & (x >= on)
    set_off = ~finite | (x < off)
    # Vectorised forward fill of the last decisive tick: -1 = no decision yet (state off).
    idx = np.where(set_on | set_off, np.arange(x.shape[0]), -1)
    last = np.maximum.accumulate(idx) if x.shape[0] else idx
    out = np.zeros(x.shape[0], dtype=bool)
    has = last >= 0
    out[has] = set_on[last[has]]
    return out


def mask_to_intervals(mask: NDArray[np.bool_]) -> IntervalArray:
    """Runs of True in a (T,) bool mask as ``[start, end)`` tick intervals: the one run finder (#13; audio uses it too).

    Example:
        >>> mask_to_intervals(np.array([0, 1, 1, 0, 1], dtype=bool)).tolist()
        [[1, 3], [4, 5]]
    """
    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        return empty_intervals()
    d = np.diff(np.concatenate(([0], m.view(np.int8), [0])).astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return np.stack([starts, ends], axis=1).astype(np.int64)


def intervals_to_mask(intervals: IntervalArray, n_ticks: int) -> NDArray[np.bool_]:
    """(T,) bool mask, True inside any interval (clipped to ``[0, n_ticks)``)."""
    iv = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    delta = np.zeros(n_ticks + 1, dtype=np.int64)
    s = np.clip(iv[:, 0], 0, n_ticks)
    e = np.clip(iv[:, 1], 0, n_ticks)
    keep = e > s
    np.add.at(delta, s[keep], 1)
    np.add.at(delta, e[keep], -1)
    return np.cumsum(delta[:-1]) > 0


def merge_intervals(intervals: IntervalArray, max_gap: int = 0) -> IntervalArray:
    """Sort and merge intervals that overlap or are separated by at most ``max_gap``: the one interval union (#13).

    Tick intervals stay int64; intervals in seconds (floats) keep their dtype, so the same union serves both.

    Example:
        >>> merge_intervals(np.array([[6, 8], [0, 2], [3, 4]]), max_gap=1).tolist()
        [[0, 4], [6, 8]]
        >>> merge_intervals(np.array([[0.5, 1.5], [1.0, 2.0]])).tolist()
        [[0.5, 2.0]]
    """
    iv = np.asarray(intervals).reshape(-1, 2)
    if not np.issubdtype(iv.dtype, np.floating):
        iv = iv.astype(np.int64)
    iv = iv[iv[:, 1] > iv[:, 0]]
    if iv.shape[0] == 0:
        return empty_intervals()
    iv = iv[np.argsort(iv[:, 0], kind="stable")]
    running_end = np.maximum.accumulate(iv[:, 1])
    # A new group starts where the start lies beyond everything before it by more than max_gap.
    new_group = np.ones(iv.shape[0], dtype=bool)
    new_group[1:] = iv[1:, 0] > running_end[:-1] + max_gap
    group = np.cumsum(new_group) - 1
    starts = iv[new_group, 0]
    ends = iv[new_group, 1].copy()
    np.maximum.at(ends, group, iv[:, 1])
    return np.stack([starts, ends], axis=1)


def union_length(intervals: IntervalArray) -> float:
    """Total length covered by ``intervals`` (ticks or seconds), overlaps counted once.

    Example:
        >>> union_length(np.array([[0.0, 1.0], [0.5, 2.0], [3.0, 3.5]]))
        2.5
    """
    merged = merge_intervals(intervals)
    return float(np.sum(merged[:, 1] - merged[:, 0])) if merged.size else 0.0


def pad_intervals(intervals: IntervalArray, before: int, after: int, n_ticks: int) -> IntervalArray:
    """Widen each interval by ``before``/``after`` ticks, clip to ``[0, n_ticks)`` and merge overlaps."""
    iv = np.asarray(intervals, dtype=np.int64).reshape(-1, 2).copy()
    iv[:, 0] = np.clip(iv[:, 0] - before, 0, n_ticks)
    iv[:, 1] = np.clip(iv[:, 1] + after, 0, n_ticks)
    return merge_intervals(iv)


def drop_short(intervals: IntervalArray, min_len: int) -> IntervalArray:
    """Keep intervals at least ``min_len`` ticks long."""
    iv = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    return iv[(iv[:, 1] - iv[:, 0]) >= min_len]


def clean_mask(mask: NDArray[np.bool_], bridge_gap: int, min_len: int) -> NDArray[np.bool_]:
    """Bridge off-gaps of at most ``bridge_gap`` ticks, then drop on-runs shorter than ``min_len`` ticks."""
    m = np.asarray(mask, dtype=bool)
    iv = drop_short(merge_intervals(mask_to_intervals(m), bridge_gap), min_len)
    return intervals_to_mask(iv, m.shape[0])


def near(mask: NDArray[np.bool_], half: int) -> NDArray[np.bool_]:
    """(T,) True where ``mask`` is on somewhere within ``half`` ticks either side (a dilation), in O(T).

    Example:
        >>> near(np.array([0, 0, 1, 0, 0, 0], bool), 1).tolist()
        [False, True, True, True, False, False]
    """
    mask = np.asarray(mask, dtype=bool)
    n = mask.shape[0]
    c = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    idx = np.arange(n)
    return (c[np.minimum(n, idx + max(half, 0) + 1)] - c[np.maximum(0, idx - max(half, 0))]) > 0


def onsets(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Tick indices where a (T,) bool mask turns on (a run starting at tick 0 counts)."""
    return mask_to_intervals(mask)[:, 0]


def offsets(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Tick indices just after each on-run ends (half-open ends; a run reaching the end gives ``T``)."""
    return mask_to_intervals(mask)[:, 1]


def snap(index: int, edges: NDArray[np.int64], max_shift: int) -> int:
    """Move a boundary to the nearest natural edge within ``max_shift`` ticks; unchanged if there is none.

    Ties go to the earlier edge. ``edges`` need not be sorted or unique.

    Example:
        >>> snap(10, np.array([3, 12, 30]), max_shift=2)
        12
        >>> snap(10, np.array([3, 30]), max_shift=2)
        10
    """
    e = np.asarray(edges, dtype=np.int64)
    if e.size == 0:
        return int(index)
    dist = np.abs(e - index)
    best = int(np.argmin(dist + (e > index) * 0.5))  # tie → the earlier edge
    if dist[best] <= max_shift:
        return int(e[best])
    return int(index)


def window_mean(
    x: NDArray[np.floating], width: int, bounds: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
) -> NDArray[np.float64]:
    """Centred moving average over ``width`` ticks (shrinking at the ends), NaN treated as 0.

    ``bounds`` (each tick's stretch ``[lo, hi)``, see :func:`run_bounds`) keeps every window inside its tick's stretch:
    a window shrinks at a stretch's ends as at the recording's. Uses a cumulative sum so the cost is O(T) whatever the
    width.

    Example:
        >>> window_mean(np.array([0, 0, 3, 0, 0.0]), 3).tolist()
        [0.0, 1.0, 1.0, 1.0, 0.0]
        >>> window_mean(np.array([0, 0, 3, 0, 0.0]), 3, run_bounds(np.array([0, 0, 0, 1, 1], dtype=bool))).tolist()
        [0.0, 1.0, 1.5, 0.0, 0.0]
    """
    v = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0)
    n = v.shape[0]
    if n == 0:
        return v
    width = max(1, int(width))
    c = np.concatenate(([0.0], np.cumsum(v)))
    half_lo = (width - 1) // 2
    half_hi = width - 1 - half_lo
    i = np.arange(n)
    lo = np.clip(i - half_lo, 0, n)
    hi = np.clip(i + half_hi + 1, 0, n)
    if bounds is not None:
        lo, hi = np.maximum(lo, bounds[0]), np.minimum(hi, bounds[1])
    return (c[hi] - c[lo]) / (hi - lo)


def run_bounds(mask: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each tick's run of equal ``mask`` values, as ``(lo, hi)`` arrays: tick ``t`` lies in ``[lo[t], hi[t])``.

    Example:
        >>> [a.tolist() for a in run_bounds(np.array([0, 0, 1, 0], dtype=bool))]
        [[0, 0, 2, 3], [2, 2, 3, 4]]
    """
    m = np.asarray(mask, dtype=bool)
    n = m.shape[0]
    change = np.flatnonzero(m[1:] != m[:-1]) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    ends = np.concatenate((change, [n])).astype(np.int64)
    run = np.repeat(np.arange(starts.shape[0]), ends - starts)
    return starts[run], ends[run]


def run_lengths_within(mask: NDArray[np.bool_], start: int, end: int) -> NDArray[np.int64]:
    """Lengths (ticks) of the on-runs of ``mask`` clipped to ``[start, end)``."""
    iv = mask_to_intervals(np.asarray(mask, dtype=bool)[start:end])
    return iv[:, 1] - iv[:, 0]


def pack_left(ok: NDArray[np.bool_], length: int) -> NDArray[np.int64]:
    """Starts of the most windows of ``length`` ticks that fit without overlapping, packed from the left.

    Args:
        ok: (W,) bool; ``ok[x]`` says the window ``[x, x + length)`` may be taken (``W = T - length + 1``).
        length: window length in ticks (≥ 1).

    Returns:
        (k,) int64 sorted starts. Earliest-end-first is optimal for intervals of any lengths, and it is so for every
        prefix at once: the number of returned windows that end at or before tick ``x`` is the largest number of
        disjoint allowed windows inside ``[0, x)``.

    Example:
        >>> pack_left(np.array([0, 1, 1, 1, 0, 1, 1], dtype=bool), 3).tolist()
        [1, 5]
    """
    ok = np.asarray(ok, dtype=bool)
    w = ok.shape[0]
    if w == 0 or not ok.any():
        return np.zeros(0, dtype=np.int64)
    # next_ok[x]: the first allowed start at or after x (w if none).
    idx = np.where(ok, np.arange(w), w)
    next_ok = np.minimum.accumulate(idx[::-1])[::-1]
    out = []
    x = int(next_ok[0])
    while x < w:
        out.append(x)
        y = x + length
        if y >= w:
            break
        x = int(next_ok[y])
    return np.asarray(out, dtype=np.int64)


def pack_right(ok: NDArray[np.bool_], length: int) -> NDArray[np.int64]:
    """Like :func:`pack_left`, packed from the right (latest start first); returns sorted starts.

    The number of returned windows that start at or after tick ``y`` is the largest number of disjoint allowed windows
    inside ``[y, T)``.

    Example:
        >>> pack_right(np.array([0, 1, 1, 1, 0, 1, 1], dtype=bool), 3).tolist()
        [3, 6]
    """
    ok = np.asarray(ok, dtype=bool)
    # Packing the time-reversed windows from the left: window start x becomes W - 1 - x.
    return (ok.shape[0] - 1 - pack_left(ok[::-1], length))[::-1].astype(np.int64)


def room_around(
    left_starts: NDArray[np.int64], right_starts: NDArray[np.int64], length: int, start: int | NDArray[np.int64],
    end: int | NDArray[np.int64],
) -> NDArray[np.int64]:
    """How many disjoint allowed windows still fit when ``[start, end)`` is taken: ``left(start) + right(end)``.

    Every window that misses ``[start, end)`` lies wholly before ``start`` or wholly after ``end``, and the two packings
    (:func:`pack_left`, :func:`pack_right` of the same ``ok``) give the most that fit on each side. Vectorised over
    ``start``/``end``.
    """
    left = np.searchsorted(np.asarray(left_starts) + length, start, side="right")
    right = len(right_starts) - np.searchsorted(right_starts, end, side="left")
    return np.asarray(left + right, dtype=np.int64)
