"""Head pose and eye gaze (pure numpy): from face mesh landmarks (head axes plus the irises) and, on the profiles face
mesh cannot fit, from the face detector's keypoints; and the yaw/pitch <-> 3-D direction conversions.

Conventions as in :mod:`vigclips.vision.landmarks`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.landmarks import (
    KP_L_EAR,
    KP_NOSE,
    KP_R_EAR,
    L_EYE_INNER,
    L_EYE_LOWER,
    L_EYE_OUTER,
    L_EYE_UPPER,
    L_IRIS,
    R_EYE_INNER,
    R_EYE_LOWER,
    R_EYE_OUTER,
    R_EYE_UPPER,
    R_IRIS,
    in_face,
    unit,
)
from vigclips.vision.settings import VisionConfig

KP_EAR_SPREAD_PER_NOSE_DEPTH = 1.3
"""Ear-to-ear breadth over the nose tip's depth in front of the ear line (about 14.5 cm over 11 cm in adults; infants'
proportions are close): the factor that turns the keypoints' nose offset into yaw (:func:`keypoint_head_pose`)."""

KP_PITCH_DEG_PER_DROP = -46.0
"""Head pitch per unit drop of the nose tip below the ear line (in face-box widths), and :data:`KP_PITCH_OFFSET_DEG`:
a line fitted to face mesh pitch on the first 786 faces of the shared ``lookit_laughter`` clips that both models measured
(issue 11; on all 2722 such faces of those and the LAEO clips: median difference 6°, r = 0.63). Calibrated against the
other model, never against labels."""
KP_PITCH_OFFSET_DEG = -5.0


def head_pose_deg(axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Yaw, pitch and roll from head axes.

    Args:
        axes: (n, 3, 3) from :func:`~vigclips.vision.landmarks.face_axes`.

    Returns:
        (n, 3) float64 ``yaw_deg, pitch_deg, roll_deg`` (conventions of :mod:`vigclips.vision.landmarks`).
    """
    x, fwd = axes[:, 0], axes[:, 2]
    yaw = np.degrees(np.arctan2(fwd[:, 0], -fwd[:, 2]))
    pitch = np.degrees(np.arctan2(-fwd[:, 1], np.hypot(fwd[:, 0], fwd[:, 2])))
    roll = np.degrees(np.arctan2(x[:, 1], x[:, 0]))
    return np.stack([yaw, pitch, roll], axis=1)


def direction_from_angles(yaw_deg: NDArray[np.floating], pitch_deg: NDArray[np.floating]) -> NDArray[np.float64]:
    """Unit 3-D direction (image axes) for a yaw/pitch: ``(0, 0, -1)`` is towards the camera.

    Args:
        yaw_deg: (n,) positive = towards the image's right.
        pitch_deg: (n,) positive = up.

    Returns:
        (n, 3) float64 unit vectors.
    """
    yaw = np.radians(np.asarray(yaw_deg, dtype=np.float64))
    pitch = np.radians(np.asarray(pitch_deg, dtype=np.float64))
    return np.stack([np.sin(yaw) * np.cos(pitch), -np.sin(pitch), -np.cos(yaw) * np.cos(pitch)], axis=-1)


def angles_from_direction(d: NDArray[np.floating]) -> NDArray[np.float64]:
    """Inverse of :func:`direction_from_angles`: (n, 3) directions to (n, 2) ``yaw_deg, pitch_deg``."""
    d = unit(np.asarray(d, dtype=np.float64))
    yaw = np.degrees(np.arctan2(d[:, 0], -d[:, 2]))
    pitch = np.degrees(np.arctan2(-d[:, 1], np.hypot(d[:, 0], d[:, 2])))
    return np.stack([yaw, pitch], axis=1)


def eye_in_head(landmarks: NDArray[np.floating], axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Iris displacement within the eyes, averaged over both eyes.

    Args:
        landmarks: (n, 478, 3) pixels.
        axes: (n, 3, 3) from :func:`~vigclips.vision.landmarks.face_axes`.

    Returns:
        (n, 2) float64 ``(h, v)``: iris offset from the eye centre along the head's x and up axes, in half eye-widths
        (so ``h`` is about ±0.5 at an extreme sideways look; positive = towards the image's right / up).
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    out = np.zeros((lm.shape[0], 2))
    for outer, inner, upper, lower, iris in (
        (R_EYE_OUTER, R_EYE_INNER, R_EYE_UPPER, R_EYE_LOWER, R_IRIS),
        (L_EYE_OUTER, L_EYE_INNER, L_EYE_UPPER, L_EYE_LOWER, L_IRIS),
    ):
        half_w = np.linalg.norm(lm[:, outer] - lm[:, inner], axis=-1) / 2.0
        centre_h = (lm[:, outer] + lm[:, inner]) / 2.0
        centre_v = (lm[:, upper] + lm[:, lower]) / 2.0
        dh = in_face(lm[:, iris] - centre_h, axes)[:, 0]
        dv = in_face(lm[:, iris] - centre_v, axes)[:, 1]
        out[:, 0] += dh / np.maximum(half_w, 1e-6)
        out[:, 1] += dv / np.maximum(half_w, 1e-6)
    return out / 2.0


EYES_TRUSTED_YAW_DEG = 20.0
"""Up to this head yaw the irises count fully in the gaze; beyond it less, and from :data:`EYES_IGNORED_YAW_DEG` not at
all: the iris model needs both eyes seen from the front, and on a 3/4 face (far eye hidden) its offsets pulled a
mother's gaze back towards the camera while she looked at her baby (issue 11). There the head's direction is the gaze."""
EYES_IGNORED_YAW_DEG = 45.0


def eye_trust(yaw_deg: NDArray[np.floating]) -> NDArray[np.float64]:
    """How much the irises count in the gaze of a head turned ``yaw_deg`` from the camera: 1 up to
    :data:`EYES_TRUSTED_YAW_DEG`, 0 from :data:`EYES_IGNORED_YAW_DEG` (NaN stays NaN).

    Example:
        >>> eye_trust(np.array([10.0, -32.5, 60.0])).tolist()
        [1.0, 0.5, 0.0]
    """
    span = EYES_IGNORED_YAW_DEG - EYES_TRUSTED_YAW_DEG
    return np.clip((EYES_IGNORED_YAW_DEG - np.abs(np.asarray(yaw_deg, np.float64))) / span, 0.0, 1.0)


def gaze_deg(head_pose: NDArray[np.float64], eye_hv: NDArray[np.float64], cfg: VisionConfig) -> NDArray[np.float64]:
    """Eye gaze = head pose plus the eye-in-head rotation given by the iris, faded out on turned heads.

    Args:
        head_pose: (n, 3) ``yaw_deg, pitch_deg, roll_deg`` from :func:`head_pose_deg`.
        eye_hv: (n, 2) from :func:`eye_in_head`.
        cfg: vision settings (``eye_yaw_gain_deg``, ``eye_pitch_gain_deg``: iris displacement to degrees).

    Returns:
        (n, 2) float64 ``gaze_yaw_deg, gaze_pitch_deg`` (same conventions as head pose), each clipped to ±90.
    """
    trust = eye_trust(head_pose[:, 0])
    eye_yaw = trust * np.clip(eye_hv[:, 0] * cfg.eye_yaw_gain_deg, -60.0, 60.0)
    eye_pitch = trust * np.clip(eye_hv[:, 1] * cfg.eye_pitch_gain_deg, -45.0, 45.0)
    return np.clip(np.stack([head_pose[:, 0] + eye_yaw, head_pose[:, 1] + eye_pitch], axis=1), -90.0, 90.0)


def keypoint_head_pose(keypoints_px: NDArray[np.floating], box_width_px: NDArray[np.floating]) -> NDArray[np.float64]:
    """Head yaw and pitch from the face detector's six keypoints: the pose a profile still shows (issue 11).

    Face mesh needs most of the face and fails on profiles and steep 3/4 views, but the detector still returns eyes,
    nose tip, mouth and both ear tragions there. Seen from above, the ears sit at ±b either side of the head's centre
    line and the nose tip d in front of the ear line, so after a yaw the nose's sideways offset from the ears' midpoint
    is ``d sin(yaw)`` while the ears' spread is ``2b cos(yaw)``: ``tan(yaw) = (2b/d) · offset / spread``, with
    ``2b/d`` = :data:`KP_EAR_SPREAD_PER_NOSE_DEPTH` from adult head measurements. Against face mesh yaw on the 2722 faces
    both measured on the shared home and LAEO clips it agrees to a median 5° (r = 0.91; the mesh itself
    reads low towards profile, where it gives out). Pitch: how far the nose tip drops below the ear line, in face-box
    widths (:data:`KP_PITCH_DEG_PER_DROP`).

    Args:
        keypoints_px: (n, 6, 2) keypoints in pixels, MediaPipe's order (right eye, left eye, nose, mouth, right ear,
            left ear; the subject's sides).
        box_width_px: (n,) detection box widths in pixels (the face-size unit).

    Returns:
        (n, 2) float64 ``yaw_deg, pitch_deg`` (conventions of :mod:`vigclips.vision.landmarks`: yaw positive towards
        the image's right, pitch up).

    Example:
        >>> kp = np.array([[[40, 50], [60, 50], [50, 55], [50, 75], [20, 55], [80, 55]]], float)  # frontal
        >>> keypoint_head_pose(kp, np.array([80.0])).round()
        array([[ 0., -5.]])
    """
    kp = np.asarray(keypoints_px, dtype=np.float64).reshape(-1, 6, 2)
    w = np.maximum(np.asarray(box_width_px, dtype=np.float64).reshape(-1), 1e-6)
    ear_mid = (kp[:, KP_R_EAR] + kp[:, KP_L_EAR]) / 2.0
    ahead = kp[:, KP_NOSE, 0] - ear_mid[:, 0]
    spread = kp[:, KP_L_EAR, 0] - kp[:, KP_R_EAR, 0]
    yaw = np.degrees(np.arctan2(KP_EAR_SPREAD_PER_NOSE_DEPTH * ahead, spread))
    drop = (kp[:, KP_NOSE, 1] - ear_mid[:, 1]) / w
    pitch = KP_PITCH_DEG_PER_DROP * drop + KP_PITCH_OFFSET_DEG
    return np.stack([yaw, np.clip(pitch, -90.0, 90.0)], axis=1)
