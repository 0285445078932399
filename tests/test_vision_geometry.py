"""Pure unit tests of the vision geometry, tracking, roles and channel building (issue 3), with literal landmarks."""

from __future__ import annotations

import numpy as np
import pytest

from vigclips.errors import ConfigError
from vigclips.types import Frame
from vigclips.vision import VISION_COLUMNS, VisionConfig, render_overlay
from vigclips.vision import landmarks as lmk
from vigclips.vision.analyze import read_adult_blendshapes, spurious_track_mask
from vigclips.vision.channels import build_result, parent_in_view
from vigclips.vision.face_rows import FACE_FIELDS
from vigclips.vision.features import FEATURE_NAMES, face_features
from vigclips.vision.head_pose import angles_from_direction, direction_from_angles
from vigclips.vision.looking import face_positions_3d, looks_at
from vigclips.vision.measure import fill_from_crop_meshes, frame_faces
from vigclips.vision.result import EXTRA_COLUMNS
from vigclips.vision.roles import ROLE_ADULT, ROLE_INFANT, decide_roles
from vigclips.vision.schedules import CropMeshBackoff, FullRangeSchedule, has_far_face
from vigclips.vision.tracking import FaceTracker, box_iou, greedy_match

LOOKS_DEG = (VisionConfig().looks_full_deg, VisionConfig().looks_zero_deg)
"""The default tolerance cone of :func:`looks_at`."""

# Canonical frontal face in image axes (x right, y down, z away from the camera), pixels, inter-ocular distance 60.
CANON = {
    lmk.R_EYE_OUTER: (-45, -20, 5), lmk.R_EYE_INNER: (-15, -20, 5),
    lmk.R_EYE_UPPER: (-30, -26, 3), lmk.R_EYE_LOWER: (-30, -14, 3),
    lmk.L_EYE_OUTER: (45, -20, 5), lmk.L_EYE_INNER: (15, -20, 5), lmk.L_EYE_UPPER: (30, -26, 3), lmk.L_EYE_LOWER: (30, -14, 3),
    lmk.R_IRIS: (-30, -20, 0), lmk.L_IRIS: (30, -20, 0),
    lmk.NOSE_TIP: (0, 10, -25), lmk.CHIN: (0, 70, 5), lmk.FOREHEAD: (0, -75, 5),
    lmk.FACE_R: (-70, 0, 20), lmk.FACE_L: (70, 0, 20),
    lmk.LIP_UPPER_OUTER: (0, 35, 0), lmk.LIP_LOWER_OUTER: (0, 45, 0),
}  # fmt: skip


def _rot(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Rotation taking the frontal face to one with the given pose (conventions of vigclips.vision.landmarks)."""
    y, p, r = np.radians([yaw_deg, pitch_deg, roll_deg])
    ry = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])  # forward (0,0,-1) -> (sin y, 0, -cos y)
    rx = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)], [0, -np.sin(p), np.cos(p)]])  # forward -> (0, -sin p, -cos p)
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])  # x axis -> (cos r, sin r): clockwise
    return ry @ rx @ rz  # roll about the face's own axis first, then pitch, then yaw


def mock_face(
    yaw=0.0, pitch=0.0, roll=0.0, iris_dx=0.0, iris_dy=0.0, mouth_w=48.0, lift=0.0, gap=0.0, centre=(320, 240), scale=1.0
) -> np.ndarray:
    """(478, 3) landmarks: the canonical face with a mouth and irises as given, posed, scaled and placed."""
    pts = np.zeros((478, 3))
    # The remaining points on an ellipse (face outline) so the box of all points is face-like.
    ang = np.linspace(0, 2 * np.pi, 478, endpoint=False)
    pts[:, 0], pts[:, 1], pts[:, 2] = 70 * np.cos(ang), 80 * np.sin(ang), 20
    for k, v in CANON.items():
        pts[k] = v
    pts[lmk.R_IRIS, :2] += (iris_dx, iris_dy)
    pts[lmk.L_IRIS, :2] += (iris_dx, iris_dy)
    pts[lmk.MOUTH_R] = (-mouth_w / 2, 40 - lift, 5)
    pts[lmk.MOUTH_L] = (mouth_w / 2, 40 - lift, 5)
    pts[lmk.LIP_UPPER_INNER] = (0, 40 - gap / 2, 2)
    pts[lmk.LIP_LOWER_INNER] = (0, 40 + gap / 2, 2)
    pts = pts @ _rot(yaw, pitch, roll).T * scale
    pts[:, :2] += centre
    return pts


def feats(lm: np.ndarray, **kw) -> dict[str, float]:
    f = face_features(lm[None], VisionConfig(**kw))[0]
    return dict(zip(FEATURE_NAMES, f.tolist()))


# ---------------------------------------------------------------- head pose


def test_frontal_face_has_zero_pose():
    f = feats(mock_face())
    assert f["head_yaw_deg"] == pytest.approx(0, abs=1e-3)
    assert f["head_pitch_deg"] == pytest.approx(0, abs=1e-3)
    assert f["head_roll_deg"] == pytest.approx(0, abs=1e-3)
    assert f["gaze_yaw_deg"] == pytest.approx(0, abs=1e-3)


@pytest.mark.parametrize("yaw", [-60, -30, 15, 45], ids=lambda v: f"yaw{v}")
def test_yaw_sign_follows_the_nose_in_the_image(yaw):
    lm = mock_face(yaw=yaw)
    f = feats(lm)
    assert f["head_yaw_deg"] == pytest.approx(yaw, abs=0.5)
    # Independent of our own rotation helper: turned to the image's right, the nose tip moves right of the eyes.
    eyes_x = (lm[lmk.R_EYE_INNER, 0] + lm[lmk.L_EYE_INNER, 0]) / 2
    assert np.sign(lm[lmk.NOSE_TIP, 0] - eyes_x) == np.sign(yaw)


@pytest.mark.parametrize("pitch", [-30, 20], ids=lambda v: f"pitch{v}")
def test_pitch_positive_is_up(pitch):
    lm = mock_face(pitch=pitch)
    assert feats(lm)["head_pitch_deg"] == pytest.approx(pitch, abs=0.5)
    # Looking up, the nose tip moves up in the image (smaller y) relative to the eye/chin midpoint.
    mid_y = (lm[lmk.R_EYE_INNER, 1] + lm[lmk.CHIN, 1]) / 2
    frontal = mock_face()
    frontal_mid = (frontal[lmk.R_EYE_INNER, 1] + frontal[lmk.CHIN, 1]) / 2
    assert np.sign((frontal[lmk.NOSE_TIP, 1] - frontal_mid) - (lm[lmk.NOSE_TIP, 1] - mid_y)) == np.sign(pitch)


def test_roll_and_combined_pose():
    f = feats(mock_face(yaw=25, pitch=-10, roll=15))
    assert f["head_yaw_deg"] == pytest.approx(25, abs=2)
    assert f["head_pitch_deg"] == pytest.approx(-10, abs=2)
    assert f["head_roll_deg"] == pytest.approx(15, abs=3)


# ---------------------------------------------------------------- eye gaze


def test_iris_shift_adds_eye_rotation_to_head_pose():
    # iris moved 7.5 px right = half of the 15 px half eye-width -> 0.5 * gain.
    f = feats(mock_face(iris_dx=7.5), eye_yaw_gain_deg=40.0)
    assert f["gaze_yaw_deg"] == pytest.approx(20.0, abs=0.5)
    assert f["head_yaw_deg"] == pytest.approx(0.0, abs=1e-3)
    f = feats(mock_face(yaw=20, iris_dx=-7.5), eye_yaw_gain_deg=40.0)
    assert f["gaze_yaw_deg"] < f["head_yaw_deg"]
    up = feats(mock_face(iris_dy=-5.0))  # iris higher in the eye (smaller y) = looking up
    assert up["gaze_pitch_deg"] > 5


def test_direction_and_angles_round_trip():
    yaw = np.array([0.0, 30.0, -70.0, 10.0])
    pitch = np.array([0.0, -20.0, 15.0, 60.0])
    d = direction_from_angles(yaw, pitch)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0)
    np.testing.assert_allclose(d[0], [0, 0, -1], atol=1e-12)
    np.testing.assert_allclose(angles_from_direction(d), np.stack([yaw, pitch], 1), atol=1e-9)


# ---------------------------------------------------------------- gaze ray to partner


def test_looks_at_partner_side_by_side():
    infant, adult = np.array([[100.0, 300, 0]]), np.array([[500.0, 300, 0]])
    # Turned fully towards the adult on the image's right.
    assert looks_at(np.array([90.0]), np.array([0.0]), infant, adult, *LOOKS_DEG)[0] == pytest.approx(1.0)
    # Looking at the camera is not looking at the partner.
    assert looks_at(np.array([0.0]), np.array([0.0]), infant, adult, *LOOKS_DEG)[0] == 0.0
    # Looking away from the partner.
    assert looks_at(np.array([-90.0]), np.array([0.0]), infant, adult, *LOOKS_DEG)[0] == 0.0
    # Adult looking back towards the infant (image left).
    assert looks_at(np.array([-80.0]), np.array([0.0]), adult, infant, *LOOKS_DEG)[0] == pytest.approx(1.0)


def test_looks_at_tolerance_cone_is_linear_between_limits():
    a, b = np.array([[0.0, 0, 0]]), np.array([[100.0, 0, 0]])
    # Partner at yaw 90; gaze yaw 90 - 30 = 60 is 30 deg off: halfway between full (20) and zero (40).
    v = looks_at(np.array([60.0]), np.array([0.0]), a, b, full_deg=20.0, zero_deg=40.0)[0]
    assert v == pytest.approx(0.5, abs=1e-6)


def test_looks_at_partner_below_needs_downward_pitch():
    adult, infant = np.array([[300.0, 100, 0]]), np.array([[300.0, 400, 0]])  # infant straight below in the image
    assert looks_at(np.array([0.0]), np.array([-90.0]), adult, infant, *LOOKS_DEG)[0] == pytest.approx(1.0)
    assert looks_at(np.array([0.0]), np.array([30.0]), adult, infant, *LOOKS_DEG)[0] == 0.0


def test_looks_at_nan_when_unknown():
    unknown = np.array([[1.0, 0, 0], [np.nan] * 3])
    v = looks_at(np.array([np.nan, 90.0]), np.array([0.0, 0.0]), np.zeros((2, 3)), unknown, *LOOKS_DEG)
    assert np.isnan(v).all()


def test_face_positions_depth_from_size():
    p = face_positions_3d(np.array([320.0, 320.0]), np.array([240.0, 240.0]), np.array([60.0, 30.0]), 0.06, (640, 480))
    assert p[1, 2] == pytest.approx(2 * p[0, 2])  # half the size = twice as far
    assert p[0, 0] == pytest.approx(0.0)


# ---------------------------------------------------------------- smile and mouth


def test_smile_neutral_vs_lip_corner_pull():
    neutral = feats(mock_face(mouth_w=48.0, lift=0.0))["smile"]
    smile = feats(mock_face(mouth_w=63.0, lift=7.2))["smile"]  # width 1.05 iod, corners 0.12 iod up
    assert neutral == pytest.approx(0.0, abs=1e-6)
    assert smile == pytest.approx(1.0, abs=1e-3)
    half = feats(mock_face(mouth_w=55.5, lift=3.6))["smile"]
    assert 0.3 < half < 0.7
    down = feats(mock_face(mouth_w=48.0, lift=-6.0))["smile"]  # corners down: not a smile
    assert down == 0.0


def test_smile_invariant_to_face_size_roll_and_position():
    base = feats(mock_face(mouth_w=58.0, lift=4.0))["smile"]
    for kw in (dict(scale=0.4), dict(scale=2.5), dict(roll=25), dict(centre=(50, 400)), dict(yaw=20)):
        assert feats(mock_face(mouth_w=58.0, lift=4.0, **kw))["smile"] == pytest.approx(base, abs=0.03), kw


def test_mouth_open():
    assert feats(mock_face(gap=0.0))["mouth_open"] == 0.0
    assert feats(mock_face(gap=12.0))["mouth_open"] == pytest.approx(12 / 48 / 0.5, abs=1e-3)
    assert feats(mock_face(gap=40.0))["mouth_open"] == 1.0


def test_face_features_shape_checks():
    assert face_features(np.zeros((0, 478, 3)), VisionConfig()).shape == (0, len(FEATURE_NAMES))
    with pytest.raises(ValueError, match="expected shape"):
        face_features(np.zeros((2, 468, 3)), VisionConfig())


# ---------------------------------------------------------------- tracking


def test_box_iou_and_greedy_match():
    np.testing.assert_allclose(box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 3, 2], [5, 5, 6, 6]])), [[1 / 3, 0]])
    assert greedy_match(np.array([[0.9, 0.8], [0.85, 0.3]]), 0.2) == [(0, 0), (1, 1)]
    # Greedy: once (0, 0) is taken, (1, 1) at 0.1 is below the floor, so row 1 stays unmatched.
    assert greedy_match(np.array([[0.9, 0.8], [0.85, 0.1]]), 0.2) == [(0, 0)]
    assert greedy_match(np.array([[0.1]]), 0.2) == []


def test_tracker_keeps_identity_through_brief_miss_and_not_after_long_gap():
    tr = FaceTracker(max_gap_s=0.5, min_score=0.2)
    a, b = np.array([0, 0, 100, 100.0]), np.array([300, 0, 400, 100.0])
    ids0 = tr.update(0.0, np.stack([a, b]))
    assert tr.update(0.1, np.stack([b + 5, a + 5])).tolist() == ids0[::-1].tolist()  # order swapped, ids follow faces
    assert tr.update(0.2, a[None] + 8).tolist() == [ids0[0]]  # b missed
    assert tr.update(0.5, np.stack([a + 10, b + 10])).tolist() == ids0.tolist()  # b back within 0.5 s
    new = tr.update(1.2, a[None])  # a gap longer than max_gap_s: a new identity
    assert new[0] not in ids0


def test_tracker_resets_when_time_goes_back():
    tr = FaceTracker(max_gap_s=1.0)
    first = tr.update(5.0, np.array([[0, 0, 10, 10.0]]))
    assert tr.update(1.0, np.array([[0, 0, 10, 10.0]]))[0] != first[0]


# ---------------------------------------------------------------- roles


def _two_face_rows(n_ticks: int, infant_xy=(0.3, 0.7), adult_xy=(0.7, 0.35), infant_size=0.2, adult_size=0.3):
    fi = np.repeat(np.arange(n_ticks), 2)
    tid = np.tile([7, 9], n_ticks)
    cx = np.tile([infant_xy[0], adult_xy[0]], n_ticks)
    cy = np.tile([infant_xy[1], adult_xy[1]], n_ticks)
    size = np.tile([infant_size, adult_size], n_ticks)
    return fi, tid, cx, cy, size


def test_roles_auto_lower_face_is_infant():
    fi, tid, cx, cy, size = _two_face_rows(5)
    nan = np.full(10, np.nan)
    d = decide_roles(fi, tid, cx, cy, size, nan, nan, "auto")
    assert d.role.tolist() == [ROLE_INFANT, ROLE_ADULT] * 5
    assert d.infant_tracks == (7,)
    assert np.all(d.confidence > 0.9)


def test_roles_auto_proportions_outweigh_small_height_difference():
    # The infant held up on a shoulder is a little *higher*, but has infant proportions (narrow mouth, low eyes).
    fi, tid, cx, cy, size = _two_face_rows(4, infant_xy=(0.6, 0.35), adult_xy=(0.4, 0.43))
    eye = np.tile([0.64, 0.69], 4)
    mouth = np.tile([0.66, 0.80], 4)
    d = decide_roles(fi, tid, cx, cy, size, eye, mouth, "auto")
    assert d.role[::2].tolist() == [ROLE_INFANT] * 4


@pytest.mark.parametrize(
    ("mode", "infant_track"),
    [("left", 7), ("right", 9), ("top", 9), ("bottom", 7), ("largest", 9), ("smallest", 7)],
)
def test_roles_override(mode, infant_track):
    fi, tid, cx, cy, size = _two_face_rows(3)
    nan = np.full(6, np.nan)
    d = decide_roles(fi, tid, cx, cy, size, nan, nan, mode)
    assert d.infant_tracks == (infant_track,)
    assert set(d.role.tolist()) == {ROLE_INFANT, ROLE_ADULT}


def test_roles_lone_face_keeps_its_track_role():
    fi, tid, cx, cy, size = _two_face_rows(3)
    # tick 3: only the adult's track (9) seen; tick 4: only the infant's track (7).
    fi = np.r_[fi, 3, 4]
    tid = np.r_[tid, 9, 7]
    cx, cy, size = np.r_[cx, 0.7, 0.3], np.r_[cy, 0.35, 0.7], np.r_[size, 0.3, 0.2]
    nan = np.full(8, np.nan)
    d = decide_roles(fi, tid, cx, cy, size, nan, nan, "auto")
    assert d.role[-2:].tolist() == [ROLE_ADULT, ROLE_INFANT]


def test_roles_lone_face_never_paired_uses_proportions():
    # One second of frontal frames (10 at 10 Hz): fewer count for less (roles.PROPORTION_PRIOR_ROWS).
    n = 10
    fi, tid, at = np.arange(n), np.zeros(n), np.full(n, 0.5)
    adultlike = decide_roles(fi, tid, at, at, np.full(n, 0.3), np.full(n, 0.72), np.full(n, 0.90), "auto")
    infantlike = decide_roles(fi, tid, at, at, np.full(n, 0.3), np.full(n, 0.63), np.full(n, 0.62), "auto")
    assert adultlike.role.tolist() == [ROLE_ADULT] * n
    assert infantlike.role.tolist() == [ROLE_INFANT] * n


def test_roles_empty():
    e = np.zeros(0)
    assert decide_roles(e, e, e, e, e, e, e).role.shape == (0,)


# ---------------------------------------------------------------- settings


def test_config_validation():
    assert VisionConfig().infant == "auto"
    for mode in ("left", "right", "top", "bottom", "largest", "smallest"):
        assert VisionConfig(infant=mode).infant == mode
    with pytest.raises(ConfigError, match="vision.infant"):
        VisionConfig(infant="middle")
    with pytest.raises(ConfigError, match="vision.max_faces"):
        VisionConfig(max_faces=0)
    with pytest.raises(ConfigError, match="looks_zero_deg"):
        VisionConfig(looks_full_deg=30.0, looks_zero_deg=20.0)


# ---------------------------------------------------------------- fusion, channels, overlay


def test_frame_faces_fuses_mesh_and_detections():
    mesh = mock_face(centre=(200, 200))[None].astype(np.float32)
    det = np.array([[140, 130, 260, 270], [145, 135, 258, 268], [500, 100, 560, 170]], np.float32)  # 2 on the mesh face
    rows = frame_faces(det, np.array([0.9, 0.8, 0.7], np.float32), mesh, VisionConfig())
    f = {n: i for i, n in enumerate(FACE_FIELDS)}
    assert rows.shape == (2, len(FACE_FIELDS))
    assert rows[0, f["has_mesh"]] == 1 and rows[0, f["det_score"]] == pytest.approx(0.9)
    assert rows[1, f["has_mesh"]] == 0 and np.isnan(rows[1, f["smile"]])
    assert rows[1, f["x1"]] == 500
    assert frame_faces(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 478, 3), np.float32), VisionConfig()).shape[0] == 0


def _synthetic_result(cfg=VisionConfig()):
    """Three ticks: both faces, infant turned to the adult while the adult looks back; only the adult; nobody."""
    p = VisionConfig()
    infant = mock_face(yaw=80, pitch=25, centre=(160, 330), scale=0.8, mouth_w=40, lift=5.0)  # smiling, narrow mouth, lower
    adult = mock_face(yaw=-80, pitch=-25, centre=(480, 170), scale=1.0, mouth_w=50)
    rows0 = frame_faces(np.zeros((0, 4)), np.zeros(0), np.stack([infant, adult]).astype(np.float32), p)
    rows1 = frame_faces(np.zeros((0, 4)), np.zeros(0), adult[None].astype(np.float32), p)
    data = np.concatenate([rows0, rows1])
    return build_result(
        np.array([0.0, 0.1, 0.2]), np.array([[640, 480]] * 3, np.int32), np.array([0, 0, 1], np.int32),
        np.array([0, 1, 1], np.int32), data, cfg,
    )  # fmt: skip


def test_build_result_channels():
    res = _synthetic_result()
    assert VISION_COLUMNS == (
        "faces", "infant_present", "adult_present", "infant_face_x", "infant_face_y", "adult_face_x", "adult_face_y",
        "infant_gaze_yaw_deg", "infant_gaze_pitch_deg", "adult_gaze_yaw_deg", "adult_gaze_pitch_deg",
        "infant_looks_at_adult", "adult_looks_at_infant", "mutual_gaze", "infant_smile", "adult_smile",
        "infant_mouth_open", "adult_mouth_open",
    )  # fmt: skip
    assert set(VISION_COLUMNS + EXTRA_COLUMNS) == set(res.channels)
    for v in res.channels.values():
        assert v.shape == (3,) and v.dtype == np.float32
    ch = res.channels
    assert ch["faces"].tolist() == [2, 1, 0]
    assert ch["infant_present"].tolist() == [1, 0, 0]
    assert ch["adult_present"].tolist() == [1, 1, 0]
    assert ch["infant_face_x"][0] == pytest.approx(0.25, abs=0.02)
    assert ch["adult_face_y"][0] == pytest.approx(170 / 480, abs=0.02)
    assert np.isnan(ch["infant_face_x"][1:]).all() and np.isnan(ch["infant_gaze_yaw_deg"][1:]).all()
    assert ch["infant_gaze_yaw_deg"][0] > 60 and ch["adult_gaze_yaw_deg"][0] < -60
    assert ch["infant_looks_at_adult"][0] > 0.5 and ch["adult_looks_at_infant"][0] > 0.5
    assert ch["mutual_gaze"][0] > 0.5
    # Tick 1: the infant is gone, but for 2 s the adult's ray is aimed at where it was.
    assert ch["adult_looks_at_infant"][1] > 0.5 and np.isnan(ch["mutual_gaze"][1])
    assert ch["infant_smile"][0] > ch["adult_smile"][0]
    for c in ("infant_looks_at_adult", "adult_looks_at_infant", "mutual_gaze", "infant_smile", "adult_smile"):
        v = ch[c][np.isfinite(ch[c])]
        assert np.all((v >= 0) & (v <= 1)), c
    assert res.face_rows(0).tolist() == [0, 1] and res.face_rows(2).tolist() == []


def test_build_result_partner_memory_off():
    res = _synthetic_result(VisionConfig(partner_memory_s=0.0))
    assert np.isnan(res.channels["adult_looks_at_infant"][1])


def test_parent_in_view_share_of_frames_around():
    t = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 2.0])
    present = np.array([1, 0, 0, 0, 1, 0], np.float32)
    # Within 0.1 s: frame 0 sees 1 of 2 (full: half), frame 2 0 of 3, frame 3 1 of 3 (2/3 of full), the lone frame 0.
    assert parent_in_view(present, t, 0.1).round(3).tolist() == [1.0, 0.667, 0.0, 0.667, 1.0, 0.0]
    assert parent_in_view(present, t, 10.0).round(3).tolist() == [0.667] * 6


def test_baby_look_at_a_parent_out_of_view_counts_less():
    p = VisionConfig()
    infant = mock_face(yaw=80, pitch=25, centre=(160, 330), scale=0.8, mouth_w=40)
    adult = mock_face(yaw=-80, pitch=-25, centre=(480, 170), scale=1.0, mouth_w=50)
    both = frame_faces(np.zeros((0, 4)), np.zeros(0), np.stack([infant, adult]).astype(np.float32), p)
    alone = frame_faces(np.zeros((0, 4)), np.zeros(0), infant[None].astype(np.float32), p)
    data = np.concatenate([both] + [alone] * 5)  # the parent seen in the first of six frames, then gone
    frame = np.array([0, 0, 1, 2, 3, 4, 5], np.int32)
    args = (np.arange(6) * 0.1, np.array([[640, 480]] * 6, np.int32), frame, np.array([0, 1, 0, 0, 0, 0, 0], np.int32), data)
    off = build_result(*args, VisionConfig(infant_look_seen_window_s=0.0)).channels["infant_looks_at_adult"]
    on = build_result(*args, VisionConfig(infant_look_seen_window_s=1.0)).channels["infant_looks_at_adult"]
    assert (off > 0.9).all()  # partner_memory_s aims every look at where she was
    assert on[0] == pytest.approx(off[0] / 3.0, abs=1e-5)  # 1 of 6 frames within 1 s: a third of "half the time"
    assert (on < 0.5).all()


def test_spurious_meshless_tracks_dropped():
    f = {n: i for i, n in enumerate(FACE_FIELDS)}
    data = np.full((4, len(FACE_FIELDS)), np.nan, np.float32)
    data[:, f["has_mesh"]] = [0, 0, 0, 1]
    data[:, f["det_score"]] = [0.62, 0.68, 0.9, 0.5]  # weak, brief, never meshed (track 5): dropped
    keep = spurious_track_mask(np.array([0, 1, 1, 2]), np.array([5, 5, 6, 7]), data, np.array([0.0, 0.1, 0.2]))
    assert keep.tolist() == [False, False, True, True]
    # The same weak, meshless track lasting over a second is a real face (a parent's partial profile).
    long = spurious_track_mask(np.array([0, 1]), np.array([5, 5]), data[:2], np.array([0.0, 1.5]))
    assert long.tolist() == [True, True]


def test_a_crop_mesh_does_not_confirm_a_face_only_the_search_found():
    f = {n: i for i, n in enumerate(FACE_FIELDS)}
    data = np.full((3, len(FACE_FIELDS)), np.nan, np.float32)
    data[:, f["has_mesh"]] = [1, 0, 1]  # a crop mesh fitted the edge search's find once
    data[:, f["det_score"]] = [0.57, 0.60, 0.59]
    frames, tracks, pts = np.array([0, 1, 2]), np.array([4, 4, 4]), np.array([0.0, 0.04, 0.08])
    assert spurious_track_mask(frames, tracks, data, pts).tolist() == [True] * 3
    assert spurious_track_mask(frames, tracks, data, pts, np.array([True, True, True])).tolist() == [False] * 3
    # Seen by the whole-frame detector and its mesh once: confirmed.
    assert spurious_track_mask(frames, tracks, data, pts, np.array([False, True, True])).tolist() == [True] * 3
    # A strong find, or one lasting a second, stays.
    data[1, f["det_score"]] = 0.8
    assert spurious_track_mask(frames, tracks, data, pts, np.array([True, True, True])).tolist() == [True] * 3


def test_blendshapes_are_read_on_the_adults_faces_only():
    f = {n: i for i, n in enumerate(FACE_FIELDS)}
    data = np.full((4, len(FACE_FIELDS)), np.nan, np.float32)
    due = np.array([True, True, False, True])  # row 2: a profile, not read
    points = np.zeros((3, 146, 2), np.float32)
    points[:, 0, 0] = [0.1, 0.2, 0.3]  # the stand-in model's "smile" is the first point's x

    class FirstX:
        calls = 0

        def smile_of_points(self, p):
            FirstX.calls += len(p)
            return p[:, 0, 0].astype(np.float64)

    read_adult_blendshapes(data, due, points, np.array([2, 1, 2, 2], np.int8), FirstX())  # 2 adult, 1 infant
    assert np.allclose(data[[0, 3], f["blend_smile"]], [0.1, 0.3]) and np.isnan(data[[1, 2], f["blend_smile"]]).all()
    assert FirstX.calls == 2


def test_render_overlay_draws_on_a_copy():
    res = _synthetic_result()
    img = np.zeros((480, 640, 3), np.uint8)
    out = render_overlay(Frame(0, 0.0, img), res, 0)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert img.max() == 0 and out.max() > 0
    big = render_overlay(Frame(0, 0.0, np.zeros((960, 1280, 3), np.uint8)), res, 0)  # other size: coordinates rescaled
    assert big.shape == (960, 1280, 3)
    assert render_overlay(Frame(2, 0.2, img), res, 2).max() == 0  # nobody seen: nothing drawn
    with pytest.raises(IndexError):
        render_overlay(Frame(3, 0.3, img), res, 3)


def test_group_median_and_long_recording_is_fast():
    import time

    from vigclips.vision.roles import group_median

    assert group_median(np.array([1, 1, 0, 1]), np.array([4.0, 2.0, 7.0, 3.0]), 3).tolist()[:2] == [7.0, 3.0]
    assert np.isnan(group_median(np.array([0]), np.array([1.0]), 2)[1])
    # 20,000 ticks (33 min at 10/s), two faces each, a new pair of tracks every 30 s: roles and channels stay fast.
    n = 20_000
    ff = np.repeat(np.arange(n), 2).astype(np.int32)
    tid = (np.arange(2 * n) % 2 + 2 * (ff // 300)).astype(np.int32)
    data = np.zeros((2 * n, len(FACE_FIELDS)), np.float32)
    lower = tid % 2 == 0
    data[:, 0], data[:, 1] = np.where(lower, 100, 400), np.where(lower, 300, 100)
    data[:, 2], data[:, 3] = data[:, 0] + 100, data[:, 1] + 100
    data[:, 4], data[:, 5], data[:, 6] = 0.9, 1.0, 40.0
    t0 = time.perf_counter()
    res = build_result(np.arange(n) / 10.0, np.tile([640, 480], (n, 1)).astype(np.int32), ff, tid, data, VisionConfig())
    assert time.perf_counter() - t0 < 5.0
    assert np.all(res.channels["infant_face_y"] > res.channels["adult_face_y"])  # the lower face, every tick


def test_vision_section_loads_from_toml(tmp_path):
    from vigclips.config import load_config

    p = tmp_path / "c.toml"
    p.write_text('[vision]\ninfant = "left"\nlooks_full_deg = 10\n', encoding="utf-8")
    cfg = load_config(p)
    assert cfg.vision.infant == "left" and cfg.vision.looks_full_deg == 10.0
    p.write_text('[vision]\ninfant = "baby"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="vision.infant"):
        load_config(p)


def test_far_face_is_a_full_range_detection_without_a_short_range_twin():
    near = [100, 100, 200, 220]
    near_full = [95, 90, 210, 230]  # the same face as the full-range model boxes it (bigger, shifted)
    far = [500, 50, 520, 72]
    src = np.array
    assert not has_far_face(np.array([near, near_full], np.float32), src([0, 1], np.int8))
    assert has_far_face(np.array([near, near_full, far], np.float32), src([0, 1, 1], np.int8))
    assert has_far_face(np.array([far], np.float32), src([1], np.int8))
    assert not has_far_face(np.array([near], np.float32), src([0], np.int8))  # short-range only
    assert not has_far_face(np.zeros((0, 4), np.float32), np.zeros(0, np.int8))


def test_crop_mesh_backoff_tries_a_failing_face_less_and_less_often_and_a_found_one_every_frame():
    plan = CropMeshBackoff(first_wait_s=0.1, max_wait_s=0.8)
    box = np.array([[100.0, 100.0, 160.0, 160.0]])
    tried = []
    for i in range(25):
        t = round(0.1 * i, 1)
        box_now = box + 2.0 * i  # the face drifts: still matched from frame to frame
        due = plan.due(t, box_now)
        if due[0]:
            tried.append(t)
        plan.record(np.full(int(due.sum()), t >= 1.5))  # the crop mesh fails until 1.5 s, then finds the face
    assert tried == [0.0, 0.1, 0.3, 0.7, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.4]


def test_crop_mesh_backoff_keeps_each_face_apart_and_forgets_faces_no_longer_missed():
    plan = CropMeshBackoff(first_wait_s=0.1, max_wait_s=0.8)
    a, b = [10.0, 10.0, 60.0, 60.0], [300.0, 50.0, 380.0, 130.0]
    assert plan.due(0.0, np.array([a, b])).tolist() == [True, True]
    plan.record(np.array([False, True]))  # a failed, b found
    assert plan.due(0.1, np.array([b, a])).tolist() == [True, True]  # order of boxes does not matter
    plan.record(np.array([True, False]))  # a failed twice: waits 0.2 s
    assert plan.due(0.2, np.array([a, b])).tolist() == [False, True]
    plan.record(np.array([True]))
    assert plan.due(0.3, np.zeros((0, 4))).tolist() == []  # the tracking mesh has both faces now
    plan.record(np.zeros(0, bool))
    assert plan.due(0.4, np.array([a])).tolist() == [True]  # missed again: tried at once


class _CropMeshModel:
    """Stands in for MediaPipeFaces.mesh_in_boxes: records the boxes it is given and finds no face in any."""

    def __init__(self) -> None:
        self.calls: list[np.ndarray] = []

    def mesh_in_boxes(self, image_bgr, boxes_xyxy):
        self.calls.append(np.asarray(boxes_xyxy))
        return np.full((len(boxes_xyxy), 478, 3), np.nan, np.float32)


def test_fill_from_crop_meshes_skips_faces_the_backoff_holds_back():
    rows = np.full((2, len(FACE_FIELDS)), np.nan, np.float32)
    rows[:, 0:4] = [[10, 10, 60, 60], [300, 50, 380, 130]]
    rows[:, FACE_FIELDS.index("has_mesh")] = 0.0
    model, plan = _CropMeshModel(), CropMeshBackoff(first_wait_s=0.1, max_wait_s=0.8)
    image = np.zeros((480, 640, 3), np.uint8)
    for t in (0.0, 0.1, 0.2, 0.3):
        fill_from_crop_meshes(rows, model, image, VisionConfig(max_faces=4), backoff=plan, t_s=t)
    assert [len(c) for c in model.calls] == [2, 2, 2]  # tried at 0.0, 0.1 and 0.3 s: nothing at 0.2 s
    assert model.calls[0][0].tolist() == [300, 50, 380, 130]  # largest face first
    assert np.all(rows[:, FACE_FIELDS.index("has_mesh")] == 0.0)


def test_full_range_runs_every_half_second_and_every_tick_while_it_finds_far_faces():
    plan = FullRangeSchedule(0.5)
    ticks = [round(0.1 * i, 1) for i in range(12)]
    assert [t for t in ticks if plan.due(t)] == [0.0, 0.5, 1.0]
    plan.saw_far_face(1.0)  # a small, far face at 1.0 s: followed on every tick until 2 s after it was last seen
    ticks = [round(1.2 + 0.1 * i, 1) for i in range(35)]
    due = [t for t in ticks if plan.due(t)]
    assert due[:19] == [round(1.2 + 0.1 * i, 1) for i in range(19)] and due[19:] == [3.5, 4.0, 4.5]
    every_tick = FullRangeSchedule(0.0)
    assert all(every_tick.due(0.1 * i) for i in range(20))


def _turning_baby(cfg: VisionConfig):
    """Six ticks 0.1 s apart: a smiling baby on the left measured by face mesh at tick 0, then seen only by the detector
    (face mesh lost the turned face) at ticks 1–4, and gone at tick 5; an adult on the right throughout."""
    p = VisionConfig()
    baby = mock_face(yaw=40, centre=(160, 330), scale=0.8, mouth_w=40, lift=5.0, gap=12.0)
    adult = mock_face(yaw=-40, centre=(480, 170), mouth_w=50)
    baby_box = np.array([[110.0, 270.0, 210.0, 390.0]])
    rows, frame, track = [], [], []
    for i in range(6):
        meshes = [baby, adult] if i == 0 else [adult]
        boxes, scores = (baby_box, np.array([0.9])) if 1 <= i <= 4 else (np.zeros((0, 4)), np.zeros(0))
        r = frame_faces(boxes, scores, np.stack(meshes).astype(np.float32), p)
        rows.append(r)
        frame += [i] * len(r)
        # rows come meshes first, then detections without a mesh: the baby is row 0 at tick 0, the last row after
        track += [0, 1] if i == 0 else ([1, 0] if 1 <= i <= 4 else [1])
    data = np.concatenate(rows)
    return build_result(np.arange(6) * 0.1, np.array([[640, 480]] * 6, np.int32), np.array(frame, np.int32),
                        np.array(track, np.int32), data, cfg)  # fmt: skip


def test_infant_smile_held_while_the_mouth_is_unmeasured():
    held = _turning_baby(VisionConfig(infant="left")).channels["infant_smile"]
    assert held[0] > 0.5
    # seen at ticks 1-4 without a mouth measure: the smile measured 0.1-0.4 s earlier stands in for it
    assert held[1:5].tolist() == pytest.approx([held[0]] * 4)
    assert np.isnan(held[5])  # not seen: unknown, never held
    short = _turning_baby(VisionConfig(infant="left", infant_smile_hold_s=0.25)).channels["infant_smile"]
    assert short[1:3].tolist() == pytest.approx([held[0]] * 2) and np.isnan(short[3:]).all()
    off = _turning_baby(VisionConfig(infant="left", infant_smile_hold_s=0.0)).channels["infant_smile"]
    assert off[0] == pytest.approx(held[0]) and np.isnan(off[1:]).all()
    with pytest.raises(ConfigError):
        VisionConfig(infant_smile_hold_s=6.0)
