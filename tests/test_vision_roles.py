"""Role confidence (issue 5): two adults must not give a confident "baby"; a real child beside a parent still does."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from vigclips.media.decode import iter_frames
from vigclips.vision import VisionConfig, analyze_frames
from vigclips.vision.roles import (
    EVIDENCE_GAIN,
    ROLE_ADULT,
    ROLE_INFANT,
    decide_roles,
    local_track_mean,
    pair_confidence,
)

# Proportions measured on the shared media (roles.py): a child's eye line sits low and its mouth is narrow.
CHILD_EYE, CHILD_MOUTH = 0.63, 0.68
ADULT_EYE, ADULT_MOUTH = 0.70, 0.86


def _pairs(n: int, first: tuple[float, float, float], second: tuple[float, float, float], tracks=(0, 1), start: int = 0):
    """Rows of ``n`` two-face ticks: each face as (cy, eye height ratio, mouth width ratio), side by side."""
    fi = np.repeat(np.arange(start, start + n), 2)
    tid = np.tile(tracks, n)
    cx = np.tile([0.3, 0.7], n)
    cy = np.tile([first[0], second[0]], n)
    size = np.full(2 * n, 0.3)
    eye = np.tile([first[1], second[1]], n)
    mouth = np.tile([first[2], second[2]], n)
    return fi, tid, cx, cy, size, eye, mouth


def test_pair_confidence_is_the_plain_comparison_when_neither_face_can_be_an_adult_pair() -> None:
    # Strong evidence either way: the "neither is an infant" explanation vanishes and the plain score comparison remains.
    e_i, e_a, low = 6.0, 1.0, 0.0
    plain = 1.0 / (1.0 + np.exp(-EVIDENCE_GAIN * (e_i - e_a + low)))
    assert pair_confidence(e_i, e_a, low) == pytest.approx(plain, abs=1e-4)


def test_pair_confidence_needs_the_infant_face_to_look_like_an_infant() -> None:
    # More child-like than an adult-looking partner, but itself adult-looking, at the same height: about a coin toss.
    assert pair_confidence(-0.5, -3.0, 0.0) < 0.55
    # The same comparison with a child-proportioned face, or a clearly lower one: sure.
    assert pair_confidence(2.0, -0.5, 0.0) > 0.95
    assert pair_confidence(0.0, 0.0, 2.7) > 0.9  # no mesh; the child sits 0.4 frame heights lower (Lookit)


def test_pair_confidence_grows_with_each_cue() -> None:
    grid = np.linspace(-3, 3, 13)
    assert np.all(np.diff(pair_confidence(grid, 0.0, 0.0)) > 0)
    assert np.all(np.diff(pair_confidence(0.0, grid, 0.0)) < 0)
    assert np.all(np.diff(pair_confidence(0.0, 0.0, grid)) > 0)
    assert np.isfinite(pair_confidence(1e3, -1e3, 1e3))  # no overflow


def test_two_adults_get_a_low_confidence_however_different_they_look() -> None:
    # One adult a little more child-like than the other (mouth 0.80 vs 0.92), 0.03 of the frame lower: the old rule
    # (sigmoid of the score difference) said 0.99.
    d = decide_roles(*_pairs(20, (0.33, 0.68, 0.80), (0.30, 0.72, 0.92)))
    assert set(d.role.tolist()) == {ROLE_INFANT, ROLE_ADULT}
    assert np.all(d.confidence <= 0.6)


def test_child_beside_parent_stays_sure() -> None:
    d = decide_roles(*_pairs(20, (0.72, CHILD_EYE, CHILD_MOUTH), (0.45, 0.66, 0.80)))
    assert d.role[::2].tolist() == [ROLE_INFANT] * 20
    assert np.all(d.confidence > 0.95)


def test_confidence_follows_what_the_face_looks_like_now() -> None:
    # Track 0 is a child for 100 ticks; after a cut the tracker follows an adult in its place (beside another adult,
    # a little higher than it). The track stays "infant" by its whole-recording score, but not confidently.
    child = _pairs(100, (0.70, CHILD_EYE, CHILD_MOUTH), (0.45, ADULT_EYE, ADULT_MOUTH))
    adults = _pairs(40, (0.32, 0.69, 0.82), (0.30, ADULT_EYE, ADULT_MOUTH), tracks=(0, 2), start=100)
    d = decide_roles(*(np.concatenate([a, b]) for a, b in zip(child, adults, strict=True)))
    assert d.infant_tracks == (0,)
    late = np.repeat(np.arange(140), 2) >= 140 - 5
    early = np.repeat(np.arange(140), 2) < 90
    assert np.all(d.confidence[early] > 0.95)
    assert np.all(d.confidence[late] < 0.6)


def test_missing_mesh_counts_as_no_evidence() -> None:
    # One child-like frame among sixteen without a mesh must not make a confident infant of a face at the same height.
    fi, tid, cx, cy, size, eye, mouth = _pairs(16, (0.36, np.nan, np.nan), (0.27, 0.69, 0.80))
    eye[0], mouth[0] = CHILD_EYE, CHILD_MOUTH
    d = decide_roles(fi, tid, cx, cy, size, eye, mouth)
    assert d.role[0] == ROLE_INFANT
    assert np.mean(d.confidence[::2]) < 0.75


def test_local_track_mean() -> None:
    fi = np.array([0, 1, 2, 50, 0, 1])
    tid = np.array([3, 3, 3, 3, 8, 8])
    v = np.array([1.0, np.nan, 3.0, 10.0, -1.0, -3.0])
    out = local_track_mean(fi, tid, v, 2)
    assert out.tolist() == [2.0, 2.0, 2.0, 10.0, -2.0, -2.0]  # tracks never mix, NaN skipped, far rows not counted
    assert local_track_mean(np.zeros(0, int), np.zeros(0, int), np.zeros(0), 2).shape == (0,)


def test_overrides_keep_full_confidence() -> None:
    d = decide_roles(*_pairs(5, (0.33, 0.68, 0.80), (0.30, 0.72, 0.92)), infant="left")
    assert np.all(d.confidence == 1.0)


def test_two_men_in_a_tv_clip_are_not_a_confident_dyad(shared_media) -> None:
    # laeo_tvhid_highFive_0016.avi: two adult men in near profile; the old rule gave one of them "infant" at 0.92-1.0.
    frames = iter_frames(shared_media / "laeo_tvhid_highFive_0016.avi", Fraction(10))
    res = analyze_frames(frames, VisionConfig())
    both = (res.channels["infant_present"] == 1) & (res.channels["adult_present"] == 1)
    assert both.sum() >= 10
    assert float(np.nanmean(res.channels["role_confidence"][both])) < 0.75


def test_one_frontal_frame_does_not_outweigh_a_track_measured_for_seconds() -> None:
    # Issue 11 (4JDccE): a toddler turned 3/4 beside her talking mother, a little lower in the frame, was measured
    # frontally in one frame with an open mouth; that frame must not make the mother the infant for the whole clip.
    n = 40
    fi, tid, cx, cy, size, eye, mouth = _pairs(n, (0.60, 0.67, ADULT_MOUTH), (0.70, np.nan, np.nan))
    eye[1], mouth[1] = 0.70, 0.95  # the toddler's one frontal frame, mouth wide open
    d = decide_roles(fi, tid, cx, cy, size, eye, mouth)
    assert d.infant_tracks == (1,)
    assert set(d.role[tid == 0].tolist()) == {ROLE_ADULT}


def test_the_smaller_face_is_the_child_when_heights_say_nothing() -> None:
    # Issue 23 (4JDccE joke1.rep2): a toddler standing beside her kneeling mother, faces at one height, no mesh;
    # the toddler's face is two thirds the height of her mother's.
    fi, tid, cx, cy, size, eye, mouth = _pairs(20, (0.55, np.nan, np.nan), (0.56, np.nan, np.nan))
    size[0::2], size[1::2] = 0.20, 0.30
    d = decide_roles(fi, tid, cx, cy, size, eye, mouth)
    assert d.infant_tracks == (0,)
