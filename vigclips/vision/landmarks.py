"""Face mesh and face detector landmarks, and the head frame every face measure is taken in (pure numpy).

Conventions (issue 3, and the ``signals.csv`` columns), shared by every module that measures faces:

* Image coordinates: ``x`` to the right, ``y`` down, ``z`` away from the camera (MediaPipe's landmark ``z``), all in pixels.
* ``yaw_deg`` 0 = facing the camera; positive = turned towards the image's right *as a viewer sees it*.
* ``pitch_deg`` positive = up. ``roll_deg`` positive = the eye line rotated clockwise in the image.
* Landmark indices are MediaPipe face mesh indices (``refine_landmarks=True``: 478 points, irises at 468–477).
  "Right"/"left" in the names below are the *subject's* sides, as MediaPipe names them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Landmark indices (MediaPipe face mesh topology).
R_EYE_OUTER, R_EYE_INNER, R_EYE_UPPER, R_EYE_LOWER = 33, 133, 159, 145
L_EYE_OUTER, L_EYE_INNER, L_EYE_UPPER, L_EYE_LOWER = 263, 362, 386, 374
R_IRIS, L_IRIS = 468, 473
"""Iris centres; 469–472 and 474–477 are points on each iris's edge."""
MOUTH_R, MOUTH_L = 61, 291
"""Lip corners (the landmarks a lip-corner pull, AU12, moves)."""
LIP_UPPER_OUTER, LIP_LOWER_OUTER = 0, 17
LIP_UPPER_INNER, LIP_LOWER_INNER = 13, 14
NOSE_TIP, CHIN, FOREHEAD = 1, 152, 10
FACE_R, FACE_L = 234, 454
"""Face outline at the cheekbones (the face's width)."""

# Keypoint indices of MediaPipe's face detector (subject's right/left).
KP_R_EYE, KP_L_EYE, KP_NOSE, KP_MOUTH, KP_R_EAR, KP_L_EAR = range(6)


def unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """``v`` scaled to length 1 along its last axis (a zero vector stays zero)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


def face_axes(landmarks: NDArray[np.floating]) -> NDArray[np.float64]:
    """Orthonormal head axes from landmarks.

    Args:
        landmarks: (n, 478, 3) landmarks in pixels (image ``x`` right, ``y`` down, ``z`` away from the camera).

    Returns:
        (n, 3, 3) float64: rows are the head's *x* axis (the subject's right eye towards left eye, i.e. image right for
        a frontal face), *up* axis (chin to forehead) and *forward* axis (out of the face; ``(0, 0, -1)`` when facing
        the camera).
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    x = unit(lm[:, L_EYE_OUTER] - lm[:, R_EYE_OUTER])
    up = lm[:, FOREHEAD] - lm[:, CHIN]
    up = unit(up - np.sum(up * x, axis=-1, keepdims=True) * x)
    fwd = unit(np.cross(x, up))
    return np.stack([x, up, fwd], axis=1)


def in_face(v: NDArray[np.float64], axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, 3) vectors expressed in head axes (x, up, forward)."""
    return np.einsum("nij,nj->ni", axes, v)


def eye_centres_3d(landmarks: NDArray[np.floating]) -> NDArray[np.float64]:
    """(n, 2, 3) the subject's right and left eye centres (midpoints of each eye's corners), in pixels."""
    lm = np.asarray(landmarks, dtype=np.float64)
    r = (lm[:, R_EYE_OUTER] + lm[:, R_EYE_INNER]) / 2.0
    left = (lm[:, L_EYE_OUTER] + lm[:, L_EYE_INNER]) / 2.0
    return np.stack([r, left], axis=1)


def eye_centres_px(landmarks: NDArray[np.floating]) -> NDArray[np.float64]:
    """(n, 2, 2) the subject's right and left eye centres in the image, in pixels."""
    return eye_centres_3d(landmarks)[..., :2]


def inter_ocular_px(landmarks: NDArray[np.floating]) -> NDArray[np.float64]:
    """(n,) 3-D distance between the two eye centres, in pixels: the face-size unit used to normalise mouth measures."""
    eyes = eye_centres_3d(landmarks)
    return np.linalg.norm(eyes[:, 1] - eyes[:, 0], axis=-1)
