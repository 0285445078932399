"""Interval logic of the ranking stage: literal arrays and hypothesis properties (issue 5)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigclips import intervals as iv

masks = st.lists(st.booleans(), min_size=0, max_size=200).map(lambda xs: np.array(xs, dtype=bool))
interval_lists = st.lists(
    st.tuples(st.integers(0, 300), st.integers(0, 40)).map(lambda t: (t[0], t[0] + t[1])), max_size=30
).map(lambda xs: np.array(xs, dtype=np.int64).reshape(-1, 2))


# --------------------------------------------------------------------------------------------------- literal arrays


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ([0.0, 0.6, 0.45, 0.3, 0.45], [0, 1, 1, 0, 0]),
        ([0.5, np.nan, 0.5, 0.45, 0.39], [1, 0, 1, 1, 0]),
        ([0.45, 0.45, 0.7], [0, 0, 1]),
        ([], []),
    ],
    ids=["on-hold-off", "nan-is-off", "starts-off", "empty"],
)
def test_hysteresis_literal(x: list[float], expected: list[int]) -> None:
    assert iv.hysteresis(np.array(x), on=0.5, off=0.4).tolist() == [bool(v) for v in expected]


def test_hysteresis_rejects_off_above_on() -> None:
    with pytest.raises(ValueError, match="must not exceed"):
        iv.hysteresis(np.zeros(3), on=0.4, off=0.5)


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        ([0, 1, 1, 0, 1], [[1, 3], [4, 5]]),
        ([1, 1, 1], [[0, 3]]),
        ([0, 0], []),
        ([], []),
    ],
    ids=["two-runs", "all-on", "all-off", "empty"],
)
def test_mask_to_intervals_literal(mask: list[int], expected: list[list[int]]) -> None:
    assert iv.mask_to_intervals(np.array(mask, dtype=bool)).tolist() == expected


def test_merge_pad_drop_literal() -> None:
    merged = iv.merge_intervals(np.array([[6, 8], [0, 2], [3, 4], [7, 9]]), max_gap=1)
    assert merged.tolist() == [[0, 4], [6, 9]]
    assert iv.merge_intervals(np.array([[0, 2], [3, 4]]), max_gap=0).tolist() == [[0, 2], [3, 4]]
    assert iv.pad_intervals(np.array([[2, 4], [8, 9]]), 2, 1, 10).tolist() == [[0, 5], [6, 10]]
    assert iv.drop_short(np.array([[0, 2], [3, 8]]), 3).tolist() == [[3, 8]]


def test_clean_mask_bridges_blinks_and_drops_blips() -> None:
    m = np.array([1, 1, 0, 1, 1, 0, 0, 0, 1, 0], dtype=bool)
    assert iv.clean_mask(m, bridge_gap=1, min_len=2).astype(int).tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]


def test_onsets_offsets() -> None:
    m = np.array([1, 0, 1, 1, 0, 1], dtype=bool)
    assert iv.onsets(m).tolist() == [0, 2, 5]
    assert iv.offsets(m).tolist() == [1, 4, 6]


@pytest.mark.parametrize(
    ("index", "edges", "max_shift", "expected"),
    [(10, [3, 12, 30], 2, 12), (10, [3, 30], 2, 10), (10, [9, 11], 1, 9), (10, [], 5, 10), (10, [10], 0, 10)],
    ids=["nearest", "none-in-reach", "tie-earlier", "no-edges", "exact"],
)
def test_snap_literal(index: int, edges: list[int], max_shift: int, expected: int) -> None:
    assert iv.snap(index, np.array(edges, dtype=np.int64), max_shift) == expected


def test_window_mean_literal() -> None:
    assert iv.window_mean(np.array([0, 0, 3, 0, 0.0]), 3).tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert iv.window_mean(np.array([np.nan, 2.0]), 2).tolist() == [1.0, 2.0]


# ------------------------------------------------------------------------------------------------------- properties


@settings(deadline=None)  # a shared 2-core machine: timing is not what these tests check
@given(masks)
def test_mask_intervals_roundtrip(mask: np.ndarray) -> None:
    ivs = iv.mask_to_intervals(mask)
    assert np.array_equal(iv.intervals_to_mask(ivs, mask.shape[0]), mask)
    if ivs.shape[0] > 1:
        assert (ivs[1:, 0] > ivs[:-1, 1]).all()  # runs are separated by at least one off tick
    assert (ivs[:, 1] > ivs[:, 0]).all()


@settings(deadline=None)  # a shared 2-core machine: timing is not what these tests check
@given(interval_lists, st.integers(0, 10))
def test_merge_properties(ivs: np.ndarray, gap: int) -> None:
    merged = iv.merge_intervals(ivs, gap)
    n = 400
    # Merging never loses or invents covered ticks except the bridged gaps.
    before = iv.intervals_to_mask(ivs, n)
    after = iv.intervals_to_mask(merged, n)
    assert not (before & ~after).any()
    assert np.array_equal(iv.intervals_to_mask(iv.merge_intervals(merged, 0), n), after)
    if merged.shape[0] > 1:
        assert (np.diff(merged[:, 0]) > 0).all()
        assert (merged[1:, 0] - merged[:-1, 1] > gap).all()
    # Every merged interval starts and ends at an original start/end.
    nonempty = ivs[ivs[:, 1] > ivs[:, 0]]
    assert set(merged[:, 0].tolist()) <= set(nonempty[:, 0].tolist())
    assert set(merged[:, 1].tolist()) <= set(nonempty[:, 1].tolist())


@settings(deadline=None)  # a shared 2-core machine: timing is not what these tests check
@given(interval_lists, st.integers(0, 10), st.integers(0, 10))
def test_pad_covers_original_and_stays_in_range(ivs: np.ndarray, before: int, after: int) -> None:
    n = 350
    padded = iv.pad_intervals(ivs, before, after, n)
    orig = iv.intervals_to_mask(ivs, n)
    assert not (orig & ~iv.intervals_to_mask(padded, n)).any()
    assert ((padded >= 0) & (padded <= n)).all()


@settings(deadline=None)  # a shared 2-core machine: timing is not what these tests check
@given(interval_lists, st.integers(0, 50))
def test_drop_short_keeps_exactly_long_ones(ivs: np.ndarray, min_len: int) -> None:
    kept = iv.drop_short(ivs, min_len)
    assert ((kept[:, 1] - kept[:, 0]) >= min_len).all()
    assert kept.shape[0] == int(((ivs[:, 1] - ivs[:, 0]) >= min_len).sum())


@settings(deadline=None)  # a shared 2-core machine: timing is not what these tests check
@given(st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), max_size=100), st.floats(0.05, 1), st.floats(0, 0.5))
def test_hysteresis_properties(xs: list[float], on: float, width: float) -> None:
    x = np.array(xs, dtype=np.float64)
    off = max(0.0, on - width)
    out = iv.hysteresis(x, on, off)
    finite = np.isfinite(x)
    assert out[finite & (x >= on)].all()
    assert not out[~finite | (x < off)].any()
    # In the dead band the state holds the previous tick's state.
    band = np.flatnonzero(finite & (x >= off) & (x < on))
    for i in band[band > 0]:
        assert out[i] == out[i - 1]


@settings(deadline=None)  # a shared 2-core machine: timing is not what these tests check
@given(st.integers(0, 500), st.lists(st.integers(0, 500), max_size=30), st.integers(0, 50))
def test_snap_moves_to_an_edge_within_reach_or_stays(index: int, edges: list[int], max_shift: int) -> None:
    e = np.array(edges, dtype=np.int64)
    out = iv.snap(index, e, max_shift)
    near = [x for x in edges if abs(x - index) <= max_shift]
    if near:
        assert out in near and abs(out - index) == min(abs(x - index) for x in near)
    else:
        assert out == index


@settings(deadline=None)  # a shared 2-core machine: timing is not what these tests check
@given(masks, st.integers(0, 5), st.integers(1, 5))
def test_clean_mask_properties(mask: np.ndarray, gap: int, min_len: int) -> None:
    out = iv.clean_mask(mask, gap, min_len)
    runs = iv.mask_to_intervals(out)
    assert ((runs[:, 1] - runs[:, 0]) >= min_len).all()
    # Every kept tick was on originally or lies in a bridged gap of at most `gap` ticks.
    off_runs = iv.mask_to_intervals(~mask)
    for s, e in off_runs.tolist():
        if out[s:e].any():
            assert e - s <= gap and s > 0 and e < mask.shape[0]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=80), st.integers(1, 20))
def test_window_mean_matches_naive(xs: list[float], width: int) -> None:
    x = np.array(xs)
    out = iv.window_mean(x, width)
    lo_half = (width - 1) // 2
    hi_half = width - 1 - lo_half
    for i in range(x.shape[0]):
        seg = x[max(0, i - lo_half) : i + hi_half + 1]
        assert out[i] == pytest.approx(seg.mean(), abs=1e-9)


# ------------------------------------------------------------------------------------------------ packing windows


def _most_windows(ok: np.ndarray, length: int, lo: int, hi: int) -> int:
    """Most disjoint allowed windows inside [lo, hi), by dynamic programming (the test's own count)."""
    best = [0] * (hi - lo + 1)
    for end in range(lo + 1, hi + 1):
        k = end - lo
        best[k] = best[k - 1]
        start = end - length
        if start >= lo and start < ok.shape[0] and ok[start]:
            best[k] = max(best[k], best[k - length] + 1)
    return best[hi - lo]


def test_pack_literal_fragments() -> None:
    # 12 ticks, windows of 3, every start allowed: 4 fit (0, 3, 6, 9). Taking 4–7 leaves 4 and 5 ticks: room for 2.
    ok = np.ones(10, dtype=bool)
    left, right = iv.pack_left(ok, 3), iv.pack_right(ok, 3)
    assert left.tolist() == [0, 3, 6, 9] and right.tolist() == [0, 3, 6, 9]
    assert iv.room_around(left, right, 3, 4, 7).tolist() == 2
    assert iv.room_around(left, right, 3, 3, 6).tolist() == 3
    assert iv.room_around(left, right, 3, np.array([0, 4]), np.array([3, 7])).tolist() == [3, 2]
    assert iv.pack_left(np.zeros(5, dtype=bool), 3).tolist() == [] and iv.pack_right(np.zeros(0, dtype=bool), 3).tolist() == []


@settings(max_examples=200, deadline=None)  # a shared 2-core machine: timing is not what these tests check
@given(st.lists(st.booleans(), min_size=1, max_size=80), st.integers(1, 8), st.data())
def test_packings_are_optimal_on_every_prefix_and_suffix(oks: list[bool], length: int, data: st.DataObject) -> None:
    """Left packing: optimal for every prefix; right packing: for every suffix; so room_around is exact."""
    ok = np.array(oks, dtype=bool)
    n = ok.shape[0] + length - 1  # ticks: the last allowed start's window ends at n
    left, right = iv.pack_left(ok, length), iv.pack_right(ok, length)
    for starts in (left, right):
        assert ok[starts].all() and (np.diff(starts) >= length).all()
        assert starts.shape[0] == _most_windows(ok, length, 0, n)
    for x in range(n + 1):
        assert int(np.sum(left + length <= x)) == _most_windows(ok, length, 0, x)
        assert int(np.sum(right >= x)) == _most_windows(ok, length, x, n)
    s = data.draw(st.integers(0, n))
    e = data.draw(st.integers(s, n))
    blocked = ok.copy()
    blocked[max(0, s - length + 1) : e] = False  # windows overlapping [s, e) are no longer allowed
    assert int(iv.room_around(left, right, length, s, e)) == _most_windows(blocked, length, 0, n)
