"""The face row: the few floats kept per face seen in a frame (:data:`FACE_FIELDS`), and the readings later steps take
from rows: the yaw a turned head is judged by (:func:`with_profile_yaw`) and how sure its orientation is
(:func:`head_confidence`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.features import FEATURE_NAMES

FACE_FIELDS: tuple[str, ...] = (
    "x1",
    "y1",
    "x2",
    "y2",
    "det_score",
    "has_mesh",
    "iod_px",
    "kp_yaw_deg",
    "kp_pitch_deg",
    "eye_r_x",
    "eye_r_y",
    "eye_l_x",
    "eye_l_y",
    "eyes_under_hands",
    "expression_smile",
    "expression_surprise",
    "blend_smile",
) + FEATURE_NAMES
"""Columns of :attr:`vigclips.vision.result.VisionResult.face_data`: box in pixels, detector score (NaN = mesh only),
whether face mesh measured it (1/0), inter-ocular distance, head yaw and pitch from the detector's keypoints (NaN
without a detection), the subject's right and left eye centres in pixels (face mesh's where it measured the face, else
the detector's keypoints), the share of those two eyes under a hand (0, 0.5 or 1; NaN where hands were not looked for
in that frame), the expression classifier's smile probability (:func:`vigclips.vision.expression.smile_probability`;
NaN where it did not run) and its surprise against the same denominator
(:func:`vigclips.vision.expression.surprise_share`), the blendshapes model's smile from the face's mesh
(:func:`vigclips.vision.blendshapes.smile_from_blendshapes`; NaN without a mesh or where it did not run), then :data:`vigclips.vision.features.FEATURE_NAMES`. Without face mesh (profiles, steep 3/4
views) the head pose and gaze columns hold the keypoint head pose (where the head points is most of where a person
looks) and the rest is NaN."""
_F = {name: i for i, name in enumerate(FACE_FIELDS)}
"""Column of each name of :data:`FACE_FIELDS` in a face row."""
_FEATURES = _F[FEATURE_NAMES[0]]
"""First column of the face mesh features in a face row."""
_EYES = [_F["eye_r_x"], _F["eye_r_y"], _F["eye_l_x"], _F["eye_l_y"]]
"""Columns of the two eye centres in a face row."""

HEAD_CONFIDENCE_MESH = 1.0
"""Head orientation confidence of a face that face mesh measured; from keypoints alone it is the detector's score
(0.5–1: profiles score lower), so a ``looks at`` decision from a profile is weighed as the detector saw it."""


PROFILE_YAW_SPAN_DEG = 30.0
"""The keypoint yaw replaces face mesh's fully this many degrees beyond ``profile_yaw_from_deg``."""


def with_profile_yaw(rows: NDArray[np.float32], from_deg: float) -> NDArray[np.float32]:
    """Face rows whose face mesh yaw reads less turned than the detector's keypoints, where those say the head is turned
    ``from_deg`` or more, take the keypoint yaw (a copy; issue 11).

    Face mesh is fitted to frontal and 3/4 faces and reads low towards profile: on the shared home clips a mother
    turned to her baby at 3/4 read -15° to -26° by face mesh and -42° to -77° from the keypoints, which hold in
    profile. From ``from_deg`` the keypoint yaw is mixed in, fully :data:`PROFILE_YAW_SPAN_DEG` further on, only where it
    is the larger turn the same way: near the camera the mesh is the better measure. Head and gaze yaw both change (the
    irises no longer count on so turned a face, :data:`vigclips.vision.head_pose.EYES_IGNORED_YAW_DEG`).

    Example:
        >>> r = np.full((1, len(FACE_FIELDS)), np.nan, np.float32)
        >>> r[0, [_F["has_mesh"], _F["kp_yaw_deg"], _F["head_yaw_deg"], _F["gaze_yaw_deg"]]] = 1, -70, -20, -22
        >>> with_profile_yaw(r, 30.0)[0, [_F["head_yaw_deg"], _F["gaze_yaw_deg"]]].tolist()
        [-70.0, -70.0]
    """
    out = rows.copy()
    kp = rows[:, _F["kp_yaw_deg"]].astype(np.float64)
    head = rows[:, _F["head_yaw_deg"]].astype(np.float64)
    w = np.clip((np.abs(kp) - from_deg) / PROFILE_YAW_SPAN_DEG, 0.0, 1.0)
    with np.errstate(invalid="ignore"):
        use = (rows[:, _F["has_mesh"]] > 0) & (np.abs(kp) > np.abs(head)) & (np.sign(kp) == np.sign(head)) & (w > 0)
    for col in ("head_yaw_deg", "gaze_yaw_deg"):
        v = rows[use, _F[col]].astype(np.float64)
        out[use, _F[col]] = (1.0 - w[use]) * v + w[use] * kp[use]
    return out


def head_confidence(rows: NDArray[np.float32]) -> NDArray[np.float32]:
    """(k,) how sure the head orientation of face rows is: :data:`HEAD_CONFIDENCE_MESH` with face mesh, else the
    detector's score when the keypoints gave a pose, else NaN."""
    has_pose = np.isfinite(rows[:, _F["head_yaw_deg"]])
    conf = np.where(rows[:, _F["has_mesh"]] > 0, HEAD_CONFIDENCE_MESH, rows[:, _F["det_score"]])
    return np.where(has_pose, conf, np.nan).astype(np.float32)
