"""The one helper for each small job (#13): UTC time stamps, clock times, run finding, interval union."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigclips.intervals import mask_to_intervals, merge_intervals, union_length
from vigclips.timefmt import clock, utc_now, utc_stamp


def test_utc_stamps_have_one_form():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc_now())
    assert re.fullmatch(r"\d{8}T\d{6}Z", utc_stamp())


@pytest.mark.parametrize("seconds, decimals, hours, text", [
    (0, 1, False, "0:00.0"), (9.96, 1, False, "0:10.0"), (59.96, 1, False, "1:00.0"), (62.45, 1, False, "1:02.5"),
    (4503.2, 1, False, "75:03.2"), (4503.2, 0, True, "1:15:03"), (65, 0, False, "1:05"), (None, 1, False, "–"),
    (float("nan"), 1, False, "–"), ("", 0, True, "–"),
])  # fmt: skip
def test_clock_is_the_review_pages_format(seconds, decimals, hours, text):
    assert clock(seconds, decimals, hours=hours) == text


def _page_clock(t: float) -> str:
    """``clock`` of review/static/app.js, line for line (the page the summary and captions must agree with)."""
    m = int(t // 60)
    s = t - m * 60
    return f"{m}:{'0' if s < 10 else ''}{s:.1f}"


@given(st.floats(min_value=0, max_value=7200, allow_nan=False).map(lambda t: round(t, 3)))
def test_clock_agrees_with_the_page_wherever_the_page_is_right(t):
    page = _page_clock(t)
    # the page writes 59.96 s as "0:60.0" and 9.97 s as "0:010.0" (rounding after the zero-padding); ours: 1:00.0, 0:10.0
    if re.fullmatch(r"\d+:[0-5]\d\.\d", page):
        assert clock(t) == page


def test_run_finding_is_one_function():
    from vigclips.audio import vad, voicetype

    assert vad.mask_to_intervals is voicetype.mask_to_intervals is mask_to_intervals
    assert mask_to_intervals(np.array([1, 1, 0, 1], bool)).tolist() == [[0, 2], [3, 4]]


@given(st.lists(st.tuples(st.floats(-50, 50), st.floats(0, 20)), max_size=12))
def test_interval_union_of_seconds_counts_overlaps_once(spans):
    intervals = np.array([(a, a + w) for a, w in spans], dtype=np.float64).reshape(-1, 2)
    grid = np.arange(-50, 70.001, 0.01)
    covered = np.zeros(grid.shape, bool)
    for a, b in intervals:
        covered |= (grid >= a) & (grid < b)
    assert union_length(intervals) == pytest.approx(covered.sum() * 0.01, abs=0.01 * (2 * len(spans) + 1))
    merged = merge_intervals(intervals)
    assert (np.diff(merged[:, 0]) > 0).all() and (merged[1:, 0] > merged[:-1, 1]).all()


def test_turn_seconds_use_the_union():
    from vigclips.audio.turns import _union_s
    from vigclips.types import VocalSegment

    segments = [VocalSegment(0.0, 2.0, "adult"), VocalSegment(1.0, 3.0, "adult"), VocalSegment(5.0, 6.0, "infant")]
    assert _union_s(segments, "adult", 0.5, 10.0) == pytest.approx(2.5)
