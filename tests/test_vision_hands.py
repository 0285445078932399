"""Issue 11: eyes hidden behind hands (peekaboo). Literal hand landmarks, eye points and boxes."""

from __future__ import annotations

import numpy as np
import pytest

from vigclips.vision import VisionConfig
from vigclips.vision.channels import build_result
from vigclips.vision.face_rows import FACE_FIELDS
from vigclips.vision.hands import convex_hull, eyes_under_hands, under_hands
from vigclips.vision.measure import frame_faces, mark_eyes_under_hands
from vigclips.vision.schedules import HandSchedule

from test_vision_profile import head_keypoints

F = {n: i for i, n in enumerate(FACE_FIELDS)}


def flat_hand(x1: float, y1: float, x2: float, y2: float, wrist=None) -> np.ndarray:
    """(21, 2) landmarks of an open hand filling the box (x1, y1, x2, y2), fingers up; the wrist at the bottom middle
    unless given."""
    xs = np.linspace(x1, x2, 5)
    ys = np.linspace(y1, y2, 5)
    pts = [wrist if wrist is not None else ((x1 + x2) / 2, y2)]
    for f in range(5):
        for k in range(4):
            pts.append((xs[f], ys[k]))
    return np.array(pts, np.float64)


def test_convex_hull_drops_inner_points_and_keeps_corners() -> None:
    pts = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [2, 2], [1, 3], [2, 0]], float)
    hull = convex_hull(pts)
    assert sorted(map(tuple, hull.tolist())) == [(0.0, 0.0), (0.0, 4.0), (4.0, 0.0), (4.0, 4.0)]
    assert convex_hull(np.array([[1.0, 1.0]])).shape == (1, 2)


def test_points_under_a_hand_with_a_small_margin() -> None:
    hand = flat_hand(100, 100, 200, 200)[None]
    pts = np.array([[150, 150], [205, 150], [220, 150], [np.nan, np.nan]], float)
    # inside; 5 px outside a 100 px hand (within 10 %); 20 px outside; unknown
    assert under_hands(pts, hand).tolist() == [True, True, False, False]
    assert under_hands(pts, np.zeros((0, 21, 2))).tolist() == [False] * 4


def test_eyes_hidden_only_by_a_hand_reaching_in_from_outside_the_face() -> None:
    face = np.array([[120.0, 110, 180, 190]])
    eyes = np.array([[[140.0, 140], [160, 140]]])
    over = flat_hand(110, 100, 190, 170, wrist=(150, 230))[None]  # wrist below the chin: a peekaboo hand
    assert eyes_under_hands(eyes, face, over).tolist() == [1.0]
    # the hand model firing on the head itself: its "wrist" lies inside the face box
    on_face = flat_hand(110, 100, 190, 170, wrist=(150, 175))[None]
    assert eyes_under_hands(eyes, face, on_face).tolist() == [0.0]
    # a hand at the chin covers neither eye; one over the near eye covers half
    assert eyes_under_hands(eyes, face, flat_hand(120, 165, 180, 200, wrist=(150, 240))[None]).tolist() == [0.0]
    assert eyes_under_hands(eyes, face, flat_hand(130, 120, 148, 160, wrist=(139, 230))[None]).tolist() == [0.5]


def _peekaboo_rows(hands: np.ndarray | None) -> np.ndarray:
    """One frame: a baby at the left turned to the parent at the right, who is turned to the baby."""
    boxes = np.array([[100, 200, 160, 260], [420, 150, 520, 250]], np.float32)
    kps = np.stack([head_keypoints(65.0, centre=(130, 230), r=30), head_keypoints(-55.0, centre=(470, 200), r=50)])
    rows = frame_faces(boxes, np.array([0.8, 0.9], np.float32), np.zeros((0, 478, 3), np.float32), VisionConfig(),
                       kps.astype(np.float32))  # fmt: skip
    if hands is not None:
        mark_eyes_under_hands(rows, hands)
    return rows


def test_face_rows_mark_the_eyes_under_hands_and_nan_when_not_looked_for() -> None:
    hands = flat_hand(430, 150, 510, 215, wrist=(470, 300))[None]  # over the parent's eyes (keypoints at y ~ 192)
    rows = _peekaboo_rows(hands)
    parent = rows[:, 0] > 400  # rows come in detector-score order
    assert rows[parent, F["eyes_under_hands"]].tolist() == [1.0] and rows[~parent, F["eyes_under_hands"]].tolist() == [0.0]
    assert np.isnan(_peekaboo_rows(None)[:, F["eyes_under_hands"]]).all()
    assert (_peekaboo_rows(np.zeros((0, 21, 2)))[:, F["eyes_under_hands"]] == 0).all()  # looked, no hand


def test_hidden_eyes_give_no_look_no_mutual_gaze_and_unknown_direction() -> None:
    hands = flat_hand(430, 150, 510, 215, wrist=(470, 300))[None]
    # three frames, 0.1 s apart: hands looked for on the first only (hidden), the second takes it (nearest look),
    # the third is 1 s later, beyond hands_every_s: unknown, and the head pose counts again
    seen = _peekaboo_rows(hands)
    rows = np.concatenate([seen, _peekaboo_rows(None), _peekaboo_rows(None)])
    frames = np.repeat(np.arange(3, dtype=np.int32), 2)
    tracks = np.tile(np.array([0, 1], np.int32), 3)
    res = build_result(np.array([0.0, 0.1, 1.1]), np.full((3, 2), (640, 480), np.int32), frames, tracks, rows,
                       VisionConfig(infant="left"))  # fmt: skip
    ch = res.channels
    assert ch["adult_eyes_hidden"].tolist()[:2] == [1.0, 1.0] and np.isnan(ch["adult_eyes_hidden"][2])
    assert ch["infant_eyes_hidden"].tolist()[:2] == [0.0, 0.0]
    assert ch["adult_looks_at_infant"].tolist()[:2] == [0.0, 0.0] and ch["adult_looks_at_infant"][2] > 0.5
    assert ch["mutual_gaze"].tolist()[:2] == [0.0, 0.0] and ch["mutual_gaze"][2] > 0.5
    assert np.isnan(ch["adult_looks_elsewhere"][:2]).all() and ch["adult_looks_elsewhere"][2] == 0
    assert ch["infant_looks_at_adult"][0] > 0.5  # the baby still looks at her (hands over a face are the face)


def test_hand_schedule_runs_sparsely_where_plausible_and_follows_hidden_eyes() -> None:
    plan = HandSchedule(0.5)
    assert [plan.due(t, True) for t in (0.0, 0.1, 0.2, 0.5, 0.6)] == [True, False, False, True, False]
    assert not plan.due(1.0, False)  # every face measured by face mesh: nothing to look for
    plan.saw_hidden_eyes(0.6)
    # following: every tick for 1 s after the eyes were last seen hidden, plausible or not
    assert [plan.due(t, False) for t in (0.7, 0.8, 1.6, 1.7, 1.8)] == [True, True, True, False, False]
    assert plan.due(2.1, True) and not plan.due(2.2, True)


@pytest.mark.parametrize("bad", [-0.1, 10.5])
def test_hands_every_s_is_checked(bad: float) -> None:
    from vigclips.errors import ConfigError

    with pytest.raises(ConfigError):
        VisionConfig(hands_every_s=bad)


def test_overlay_says_when_the_eyes_are_hidden() -> None:
    from vigclips.types import Frame
    from vigclips.vision import render_overlay

    hands = flat_hand(430, 150, 510, 215, wrist=(470, 300))[None]
    res = build_result(np.array([0.0]), np.array([[640, 480]], np.int32), np.zeros(2, np.int32), np.array([0, 1], np.int32),
                       _peekaboo_rows(hands), VisionConfig(infant="left"))  # fmt: skip
    img = np.zeros((480, 640, 3), np.uint8)
    hidden = render_overlay(Frame(0, 0.0, img), res, 0)
    res.channels["adult_eyes_hidden"][0] = 0.0  # same look (0), now only "not at partner"
    assert not np.array_equal(hidden, render_overlay(Frame(0, 0.0, img), res, 0))


@pytest.mark.slow
def test_peekaboo_hands_over_the_mothers_eyes_on_a_real_clip(shared_media) -> None:
    """2UWdXP peekaboo (rep 2): the mother (right) hides her eyes behind her hands from about 3.5 to 9.3 s, head still
    turned to the baby; from 10 to 13 s she looks at her baby again (labels in bench/labels/looks_2UWdXP.csv)."""
    from fractions import Fraction

    from vigclips.media.decode import iter_frames
    from vigclips.vision import analyze_frames

    path = shared_media / "lookit_laughter" / "2UWdXP.joke1.rep2.take1.Peekaboo.mp4"
    res = analyze_frames(iter_frames(path, Fraction(10), 640, fast_decode=True), VisionConfig())
    t, ch = res.pts_s, res.channels
    hiding, looking = (t >= 4.5) & (t <= 8.8), (t >= 10.0) & (t <= 13.0)
    assert np.mean(ch["adult_eyes_hidden"][hiding] == 1) >= 0.8
    assert np.mean(np.nan_to_num(ch["adult_looks_at_infant"][hiding]) >= 0.5) <= 0.1
    assert np.isnan(ch["adult_looks_elsewhere"][hiding & (ch["adult_eyes_hidden"] == 1)]).all()
    assert np.mean(np.nan_to_num(ch["mutual_gaze"][hiding]) >= 0.5) <= 0.1
    assert np.mean(ch["adult_eyes_hidden"][looking] == 1) <= 0.1
    assert np.mean(np.nan_to_num(ch["adult_looks_at_infant"][looking]) >= 0.5) >= 0.8
    assert np.mean(ch["infant_eyes_hidden"] == 1) <= 0.1  # the baby's own eyes stay free
