"""Issue 11: head orientation from the detector's keypoints (profiles), looking at a partner across the image with
unknown depth, "turned elsewhere", and orientation as evidence for contingent turns. Literal keypoints and boxes."""

from __future__ import annotations

import numpy as np
import pytest

from vigclips.scoring import ScoringConfig
from vigclips.scoring.events import derive_turns
from vigclips.scoring.principles import compute_cues
from vigclips.vision import VisionConfig
from vigclips.vision.channels import build_result
from vigclips.vision.face_rows import FACE_FIELDS, head_confidence, with_profile_yaw
from vigclips.vision.head_pose import keypoint_head_pose
from vigclips.vision.looking import angle_to_partner_deg, looks_at
from vigclips.vision.measure import frame_faces

from signal_builders import mock_signals

F = {n: i for i, n in enumerate(FACE_FIELDS)}
LOOKS_DEG = (VisionConfig().looks_full_deg, VisionConfig().looks_zero_deg)
"""The default tolerance cone of :func:`looks_at`."""


def head_keypoints(yaw_deg: float, pitch_deg: float = 0.0, centre=(100.0, 100.0), r: float = 40.0) -> np.ndarray:
    """(6, 2) keypoints of a head of radius ``r`` seen from the camera (x right, y down), MediaPipe's order.

    Adult proportions: ears 0.72 r either side of the centre line, the nose tip 1.1 r in front of the ear line; rotated
    by yaw then pitch, and projected orthographically.
    """
    local = np.array([  # x (subject's left = image right when frontal), y down, z towards the camera
        [-0.35, -0.1, 0.9], [0.35, -0.1, 0.9], [0.0, 0.2, 1.1], [0.0, 0.5, 0.9], [-0.72, 0.2, 0.0], [0.72, 0.2, 0.0],
    ]) * r  # fmt: skip
    y, p = np.radians(yaw_deg), np.radians(pitch_deg)
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])  # +yaw turns the nose image-right
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])  # +pitch lifts the nose
    pts = local @ rx.T @ ry.T
    return pts[:, :2] + np.asarray(centre)


@pytest.mark.parametrize("yaw", [-85.0, -60.0, -30.0, 0.0, 30.0, 60.0, 85.0], ids=lambda v: f"yaw{v:+.0f}")
def test_keypoint_yaw_follows_the_head_to_profile(yaw: float) -> None:
    pose = keypoint_head_pose(head_keypoints(yaw)[None], np.array([80.0]))
    assert pose[0, 0] == pytest.approx(yaw, abs=6.0)


def test_keypoint_pitch_sign() -> None:
    down = keypoint_head_pose(head_keypoints(60.0, pitch_deg=-30.0)[None], np.array([80.0]))[0, 1]
    level = keypoint_head_pose(head_keypoints(60.0, pitch_deg=0.0)[None], np.array([80.0]))[0, 1]
    up = keypoint_head_pose(head_keypoints(60.0, pitch_deg=25.0)[None], np.array([80.0]))[0, 1]
    assert down < level < up


def test_looking_across_the_image_with_unknown_depth() -> None:
    # a looker at the left turned 50° to the right, towards a partner at the right at the same height
    me, you = np.array([[0.0, 0, 0]]), np.array([[1.0, 0, 0]])
    assert looks_at(np.array([50.0]), np.array([0.0]), me, you, *LOOKS_DEG)[0] == 0.0  # exact depth: only 90° counts
    assert looks_at(np.array([50.0]), np.array([0.0]), me, you, *LOOKS_DEG, depth_slack=1.0)[0] == pytest.approx(1.0)
    # facing the camera is not looking at someone beside you: 45° from the nearest allowed direction
    cam = angle_to_partner_deg(np.array([0.0]), np.array([0.0]), me, you, depth_slack=1.0)[0]
    assert cam == pytest.approx(45.0, abs=0.1)
    assert looks_at(np.array([0.0]), np.array([0.0]), me, you, *LOOKS_DEG, depth_slack=1.0)[0] == 0.0
    # turned the other way: far beyond the "elsewhere" angle
    away = angle_to_partner_deg(np.array([-50.0]), np.array([0.0]), me, you, depth_slack=1.0)[0]
    assert away > 90.0
    # looking down at the table in front of the partner: not at the partner
    assert looks_at(np.array([50.0]), np.array([-50.0]), me, you, *LOOKS_DEG, depth_slack=1.0)[0] == 0.0


def test_meshless_face_gets_its_pose_from_keypoints() -> None:
    kp = head_keypoints(70.0, centre=(150.0, 200.0))[None].astype(np.float32)
    rows = frame_faces(np.array([[110, 160, 190, 240]], np.float32), np.array([0.7], np.float32),
                       np.zeros((0, 478, 3), np.float32), VisionConfig(), kp)  # fmt: skip
    assert rows.shape[0] == 1 and rows[0, F["has_mesh"]] == 0
    assert rows[0, F["head_yaw_deg"]] == pytest.approx(70.0, abs=6.0)
    assert rows[0, F["gaze_yaw_deg"]] == rows[0, F["head_yaw_deg"]]
    assert np.isnan(rows[0, F["smile"]])
    assert head_confidence(rows)[0] == pytest.approx(0.7)


def _two_profiles(infant_yaw: float, adult_yaw: float) -> dict[str, np.ndarray]:
    """One tick: a small face at the left and a larger one at the right, both seen only by the detector."""
    boxes = np.array([[100, 200, 160, 260], [420, 150, 520, 250]], np.float32)
    kps = np.stack([head_keypoints(infant_yaw, centre=(130, 230), r=30), head_keypoints(adult_yaw, centre=(470, 200), r=50)])
    rows = frame_faces(boxes, np.array([0.8, 0.9], np.float32), np.zeros((0, 478, 3), np.float32), VisionConfig(),
                       kps.astype(np.float32))  # fmt: skip
    res = build_result(np.array([0.0]), np.array([[640, 480]], np.int32), np.zeros(2, np.int32), np.array([0, 1], np.int32),
                       rows, VisionConfig(infant="left"))  # fmt: skip
    return res.channels


def test_two_profiles_facing_each_other_make_mutual_gaze() -> None:
    ch = _two_profiles(infant_yaw=65.0, adult_yaw=-55.0)
    assert ch["infant_looks_at_adult"][0] > 0.5 and ch["adult_looks_at_infant"][0] > 0.5 and ch["mutual_gaze"][0] > 0.5
    assert ch["infant_looks_elsewhere"][0] == 0 and ch["adult_looks_elsewhere"][0] == 0
    assert ch["infant_head_confidence"][0] == pytest.approx(0.8)
    # the parent turned away from the baby: no mutual gaze, and seen turned elsewhere
    away = _two_profiles(infant_yaw=65.0, adult_yaw=60.0)
    assert away["adult_looks_at_infant"][0] == 0 and away["mutual_gaze"][0] == 0 and away["adult_looks_elsewhere"][0] == 1
    # both to the camera: neither looks at the other, neither is turned elsewhere
    cam = _two_profiles(infant_yaw=0.0, adult_yaw=0.0)
    assert cam["mutual_gaze"][0] == 0 and cam["infant_looks_elsewhere"][0] == 0 and cam["adult_looks_elsewhere"][0] == 0


def test_derived_turns_orientation_is_evidence_not_a_gate() -> None:
    cfg = ScoringConfig()
    base = dict(infant_voice=[(1, 2)], adult_voice=[(2.5, 4)])
    neutral = derive_turns(compute_cues(mock_signals(10, adult_looks_at_infant=[], **base), cfg), cfg)
    assert [(t.contingent, t.oriented) for t in neutral] == [(True, False)]
    looking = derive_turns(compute_cues(mock_signals(10, adult_looks_at_infant=[(2, 5)], **base), cfg), cfg)
    assert [(t.contingent, t.oriented) for t in looking] == [(True, True)] and looking[0].weight > neutral[0].weight
    away = derive_turns(compute_cues(mock_signals(10, adult_looks_at_infant=[], adult_looks_elsewhere=[(2, 5)], **base), cfg), cfg)
    assert [t.contingent for t in away] == [False] and away[0].weight < neutral[0].weight


def test_profile_yaw_from_keypoints_where_face_mesh_reads_a_turned_head_too_frontal() -> None:
    def row(has_mesh: float, kp: float, mesh: float) -> list[float]:
        r = [np.nan] * len(FACE_FIELDS)
        r[F["has_mesh"]], r[F["kp_yaw_deg"]], r[F["head_yaw_deg"]], r[F["gaze_yaw_deg"]] = has_mesh, kp, mesh, mesh
        return r

    rows = np.array([row(1, -70, -20), row(1, 45, 25), row(1, 25, 10), row(1, 60, -10), row(1, -40, -50), row(0, 80, 80)],
                    np.float32)  # fmt: skip
    out = with_profile_yaw(rows, 30.0)
    # fully the keypoints' 30° past the start; half-way at 45°; below 30° the mesh; opposite signs or the mesh more turned:
    # the mesh; a face without mesh already has its keypoint pose
    assert out[:, F["head_yaw_deg"]].tolist() == pytest.approx([-70, 35, 10, -10, -50, 80])
    assert out[:, F["gaze_yaw_deg"]].tolist() == pytest.approx(out[:, F["head_yaw_deg"]].tolist())
    assert np.array_equal(with_profile_yaw(rows, 90.0), rows, equal_nan=True)  # 90 = never
    assert rows[0, F["head_yaw_deg"]] == -20  # a copy
