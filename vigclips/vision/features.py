"""Every per-face measure from face mesh landmarks as one row (pure numpy): head pose, gaze, smile, mouth opening and the
face proportions that tell infants from adults (:data:`FEATURE_NAMES`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.head_pose import eye_in_head, gaze_deg, head_pose_deg
from vigclips.vision.landmarks import CHIN, FOREHEAD, L_EYE_INNER, L_EYE_OUTER, R_EYE_INNER, R_EYE_OUTER, face_axes, in_face
from vigclips.vision.mouth import mouth_measures, mouth_open_score, smile_score
from vigclips.vision.settings import VisionConfig

FEATURE_NAMES = (
    "head_yaw_deg",
    "head_pitch_deg",
    "head_roll_deg",
    "gaze_yaw_deg",
    "gaze_pitch_deg",
    "smile",
    "mouth_open",
    "eye_height_ratio",
    "mouth_width_ratio",
)
"""Columns of :func:`face_features` (one row per face)."""


def eye_height_ratio(landmarks: NDArray[np.floating], axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n,) height of the eye line above the chin over the chin-to-forehead height (in head axes).

    Infants' eyes sit lower in the face (a large cranium over a small lower face), so this is smaller for infants:
    one of the face-proportion cues for roles.
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    eyes = (lm[:, R_EYE_OUTER] + lm[:, R_EYE_INNER] + lm[:, L_EYE_OUTER] + lm[:, L_EYE_INNER]) / 4.0
    h_eyes = in_face(eyes - lm[:, CHIN], axes)[:, 1]
    h_face = in_face(lm[:, FOREHEAD] - lm[:, CHIN], axes)[:, 1]
    return h_eyes / np.maximum(h_face, 1e-6)


def face_features(landmarks: NDArray[np.floating], cfg: VisionConfig) -> NDArray[np.float32]:
    """All per-face measures at once.

    Args:
        landmarks: (n, 478, 3) face mesh landmarks in pixels.
        cfg: vision settings (the gaze gains and the smile and mouth calibration).

    Returns:
        (n, len(FEATURE_NAMES)) float32, columns as in :data:`FEATURE_NAMES`.

    Example:
        >>> face_features(np.zeros((0, 478, 3)), VisionConfig()).shape
        (0, 9)
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.ndim != 3 or lm.shape[1:] != (478, 3):
        raise ValueError(f"landmarks: expected shape (n, 478, 3), got {lm.shape}")
    if lm.shape[0] == 0:
        return np.zeros((0, len(FEATURE_NAMES)), np.float32)
    axes = face_axes(lm)
    pose = head_pose_deg(axes)
    gaze = gaze_deg(pose, eye_in_head(lm, axes), cfg)
    mouth = mouth_measures(lm, axes)
    cols = [
        pose[:, 0],
        pose[:, 1],
        pose[:, 2],
        gaze[:, 0],
        gaze[:, 1],
        smile_score(mouth, cfg),
        mouth_open_score(mouth, cfg),
        eye_height_ratio(lm, axes),
        mouth[:, 0],
    ]
    return np.stack(cols, axis=1).astype(np.float32)
