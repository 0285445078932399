"""Per-frame face measurement: one frame's detections and face meshes fused into face rows
(:mod:`vigclips.vision.face_rows`), face mesh on crops of the faces the tracking mesh missed, and eyes under hands.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.blendshapes import readable
from vigclips.vision.face_rows import _EYES, _F, _FEATURES, FACE_FIELDS
from vigclips.vision.features import face_features
from vigclips.vision.hands import eyes_under_hands
from vigclips.vision.head_pose import keypoint_head_pose
from vigclips.vision.landmarks import KP_L_EYE, KP_R_EYE, eye_centres_px, inter_ocular_px
from vigclips.vision.schedules import CropMeshBackoff
from vigclips.vision.settings import VisionConfig
from vigclips.vision.tracking import DEDUP_MATCH, MESH_MATCH, greedy_match, match_score

IOD_PER_BOX_WIDTH = 0.42
"""Inter-ocular distance / detector box width, to size faces the mesh missed."""


def frame_faces(
    det_xyxy: NDArray[np.float32],
    det_score: NDArray[np.float32],
    meshes: NDArray[np.float32],
    cfg: VisionConfig,
    det_keypoints: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """Fuse one frame's detections and face meshes into face rows (pure numpy).

    Overlapping detections (short- and full-range both firing) are merged; each mesh becomes a face with features,
    taking the score of the detection it overlaps; detections with no mesh become faces without features.

    Args:
        det_xyxy: (n, 4) detection boxes in pixels.
        det_score: (n,) detector scores.
        meshes: (m, 478, 3) face mesh landmarks in pixels.
        cfg: vision settings (the landmark measures' calibration).
        det_keypoints: (n, 6, 2) the detector's keypoints in pixels; without them faces face mesh missed have no pose.

    Returns:
        (k, len(FACE_FIELDS)) float32 rows, columns :data:`FACE_FIELDS`.
    """
    det_xyxy = np.asarray(det_xyxy, np.float64).reshape(-1, 4)
    det_score = np.asarray(det_score, np.float64).reshape(-1)
    if det_keypoints is None:
        kp_pose = np.full((det_xyxy.shape[0], 2), np.nan)
        kp_eyes = np.full((det_xyxy.shape[0], 2, 2), np.nan)
    else:
        kp_pose = keypoint_head_pose(det_keypoints, det_xyxy[:, 2] - det_xyxy[:, 0])
        kp_eyes = np.asarray(det_keypoints, np.float64).reshape(-1, 6, 2)[:, [KP_R_EYE, KP_L_EYE]]
    # Non-maximum suppression across the detectors.
    keep: list[int] = []
    for i in np.argsort(-det_score, kind="stable"):
        # match_score, not IoU alone: the two detectors' boxes for one face differ in size (measured IoU < 0.3).
        if not keep or np.max(match_score(det_xyxy[i : i + 1], det_xyxy[keep])) < DEDUP_MATCH:
            keep.append(int(i))
    det_xyxy, det_score, kp_pose, kp_eyes = det_xyxy[keep], det_score[keep], kp_pose[keep], kp_eyes[keep]
    kp_cols = [_F["kp_yaw_deg"], _F["kp_pitch_deg"]]
    m = meshes.shape[0]
    rows = np.full((m + det_xyxy.shape[0], len(FACE_FIELDS)), np.nan, np.float32)
    det_used = np.zeros(det_xyxy.shape[0], bool)
    if m:
        pts = meshes[:, :468, :2]
        mesh_box = np.concatenate([pts.min(axis=1), pts.max(axis=1)], axis=1)
        rows[:m, 0:4] = mesh_box
        rows[:m, _F["has_mesh"]] = 1.0
        rows[:m, _F["iod_px"]] = inter_ocular_px(meshes)
        rows[:m, _FEATURES:] = face_features(meshes, cfg)
        rows[:m, _EYES] = eye_centres_px(meshes).reshape(-1, 4)
        for r, c in greedy_match(match_score(mesh_box, det_xyxy), MESH_MATCH):
            rows[r, _F["det_score"]] = det_score[c]
            rows[r, kp_cols] = kp_pose[c]
            det_used[c] = True
    extra = np.flatnonzero(~det_used)
    k = m + extra.size
    rows[m:k, 0:4] = det_xyxy[extra]
    rows[m:k, _F["det_score"]] = det_score[extra]
    rows[m:k, _F["has_mesh"]] = 0.0
    rows[m:k, _F["iod_px"]] = (det_xyxy[extra, 2] - det_xyxy[extra, 0]) * IOD_PER_BOX_WIDTH
    rows[m:k, kp_cols] = kp_pose[extra]
    rows[m:k, _EYES] = kp_eyes[extra].reshape(-1, 4)
    _pose_from_keypoints(rows[m:k])
    return rows[:k]


def mark_eyes_under_hands(rows: NDArray[np.float32], hands_px: NDArray[np.float32]) -> None:
    """Fill ``eyes_under_hands`` of one frame's face rows from the hands found in that frame, in place.

    Args:
        rows: (k, len(FACE_FIELDS)) rows from :func:`frame_faces`.
        hands_px: (h, 21, 2) hand landmarks in pixels (h may be 0: no hand, so no eye is hidden).
    """
    eyes = rows[:, _EYES].astype(np.float64).reshape(-1, 2, 2)
    rows[:, _F["eyes_under_hands"]] = eyes_under_hands(eyes, rows[:, 0:4], hands_px)


def _pose_from_keypoints(rows: NDArray[np.float32]) -> None:
    """Head pose and gaze columns of rows without face mesh, from their keypoint head pose (in place)."""
    for col in ("head_yaw_deg", "gaze_yaw_deg"):
        rows[:, _F[col]] = rows[:, _F["kp_yaw_deg"]]
    for col in ("head_pitch_deg", "gaze_pitch_deg"):
        rows[:, _F[col]] = rows[:, _F["kp_pitch_deg"]]


def fill_from_crop_meshes(
    rows: NDArray[np.float32],
    models: object,
    image_bgr: NDArray[np.uint8],
    cfg: VisionConfig,
    backoff: CropMeshBackoff | None = None,
    t_s: float = 0.0,
    blend_smile: Callable[[NDArray[np.float32]], NDArray[np.float64]] | None = None,
) -> None:
    """Measure faces the tracking mesh missed (small, far) with face mesh on a crop around their detection, in place.

    Args:
        rows: (k, len(FACE_FIELDS)) rows from :func:`frame_faces`; rows with ``has_mesh == 0`` are tried, largest first.
        models: a :class:`vigclips.vision.face_mediapipe.MediaPipeFaces`.
        image_bgr: the frame.
        cfg: vision settings: the landmark measures' calibration, and ``max_faces``, the most crops per frame (bounds the
            cost: ~3 ms each).
        backoff: skips faces where the crop mesh keeps failing (None: try every face on every frame).
        t_s: the frame's time, for ``backoff``.
        blend_smile: the blendshapes model's smile of meshes in pixels (None: ``blend_smile`` stays NaN).
    """
    todo = np.flatnonzero(rows[:, _F["has_mesh"]] == 0)
    if todo.size == 0 and backoff is None:
        return
    area = (rows[todo, 2] - rows[todo, 0]) * (rows[todo, 3] - rows[todo, 1])
    todo = todo[np.argsort(-area, kind="stable")][: cfg.max_faces]
    due = backoff.due(t_s, rows[todo, 0:4]) if backoff is not None else np.ones(todo.size, bool)
    meshes = models.mesh_in_boxes(image_bgr, rows[todo[due], 0:4]) if np.any(due) else np.zeros((0, 1, 3), np.float32)
    found = np.isfinite(meshes[:, 0, 0])
    if backoff is not None:
        backoff.record(found)
    todo = todo[due]
    if not np.any(found):
        return
    r, m = todo[found], meshes[found]
    rows[r, _F["has_mesh"]] = 1.0
    rows[r, _F["iod_px"]] = inter_ocular_px(m)
    rows[r, _FEATURES:] = face_features(m, cfg)
    rows[r[:, None], _EYES] = eye_centres_px(m).reshape(-1, 4)
    if blend_smile is not None:
        due = readable(rows[r])
        if due.any():
            rows[r[due], _F["blend_smile"]] = blend_smile(m[due])
