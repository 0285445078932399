"""Expression coefficients from face mesh landmarks: MediaPipe's blendshapes model, run by onnxruntime.

The lip-corner measure (:func:`vigclips.vision.mouth.smile_score`) is geometry written by hand for faces seen from the
front; on a parent turned to her baby at 3/4 it misreads the mouth (issue 22). MediaPipe's blendshapes model (Google,
Apache-2.0; the "Blendshape V2" of its Face Landmarker task) was trained to read 52 ARKit-style coefficients, among
them ``mouthSmileLeft`` / ``mouthSmileRight``, from the same face mesh vigclips already fits, so it costs no new
image pass. ``models/convert_blendshapes_model.py`` converted it to ONNX once (see ``models/README.md``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips.model_assets import BLENDSHAPES_MODEL, load_onnx
from vigclips.vision.face_rows import _F

LANDMARK_SUBSET: tuple[int, ...] = (
    0, 1, 4, 5, 6, 7, 8, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63, 65, 66, 67, 70, 78, 80,
    81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133, 136, 144, 145, 146, 148, 149, 150, 152, 153, 154,
    155, 157, 158, 159, 160, 161, 162, 163, 168, 172, 173, 176, 178, 181, 185, 191, 195, 197, 234, 246, 249, 251, 263,
    267, 269, 270, 276, 282, 283, 284, 285, 288, 291, 293, 295, 296, 297, 300, 308, 310, 311, 312, 314, 317, 318, 321,
    323, 324, 332, 334, 336, 338, 356, 361, 362, 365, 373, 374, 375, 377, 378, 379, 380, 381, 382, 384, 385, 386, 387,
    388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454, 466, 468, 469, 470, 471, 472, 473, 474, 475, 476, 477,
)  # fmt: skip
"""The 146 of face mesh's 478 landmarks the model reads (MediaPipe's ``kLandmarksSubsetIdxs``), x and y in pixels."""
BLENDSHAPES: tuple[str, ...] = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff",
    "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight",
    "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight",
    "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen", "jawRight",
    "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel", "mouthLeft",
    "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight",
)  # fmt: skip
"""The model's 52 outputs, in order."""
_SMILE = [BLENDSHAPES.index("mouthSmileLeft"), BLENDSHAPES.index("mouthSmileRight")]

MAX_YAW_DEG = 30.0
"""The model reads only faces turned at most this far from the camera, by face mesh's yaw or the detector's keypoints,
whichever is larger (face mesh reads a 3/4 head too frontal). Beyond it the tracking mesh misfits the mouth and the
model's smile says nothing, or the opposite: on the labelled home seconds where the parent is turned to the child, the
smile from vigclips' own mesh ranks smiling seconds below the others (area under the ROC curve 0.45), while MediaPipe's
Face Landmarker, whose newer mesh is fitted on a crop turned upright, reads the same seconds at 0.89
(``bench/eval_smile_models.py``). It also halves the model's cost on the VIG shot."""


def readable(rows: NDArray[np.float32]) -> NDArray[np.bool_]:
    """(k,) which face rows with a mesh the model reads: turned at most :data:`MAX_YAW_DEG` (an unknown yaw counts
    as frontal where the other is known).

    Example:
        >>> r = np.full((3, len(_F)), np.nan, np.float32)
        >>> r[:, _F["has_mesh"]] = 1.0, 1.0, 0.0
        >>> r[:, _F["head_yaw_deg"]] = -20.0, -20.0, 0.0
        >>> r[:, _F["kp_yaw_deg"]] = np.nan, -50.0, 0.0
        >>> readable(r).tolist()
        [True, False, False]
    """
    yaw = np.fmax(np.abs(rows[:, _F["head_yaw_deg"]]), np.abs(rows[:, _F["kp_yaw_deg"]]))
    with np.errstate(invalid="ignore"):
        return (rows[:, _F["has_mesh"]] == 1) & ~(yaw > MAX_YAW_DEG)


def smile_from_blendshapes(scores: NDArray[np.floating]) -> NDArray[np.float64]:
    """(k,) the smile of each face: the mean of ``mouthSmileLeft`` and ``mouthSmileRight`` (a turned face shows one
    side of its mouth better than the other; the mean is what a symmetric smile reads).

    Example:
        >>> s = np.zeros((1, 52)); s[0, 44], s[0, 45] = 0.8, 0.4
        >>> smile_from_blendshapes(s).round(2).tolist()
        [0.6]
    """
    return np.asarray(scores, np.float64).reshape(-1, len(BLENDSHAPES))[:, _SMILE].mean(axis=1)


class BlendshapeModel:
    """The bundled blendshapes model (about 0.6 ms a face on one core)."""

    def __init__(self) -> None:
        self._net = load_onnx(BLENDSHAPES_MODEL, "blendshapes model")

    def scores(self, meshes_px: NDArray[np.floating]) -> NDArray[np.float32]:
        """(k, 52) blendshape scores (:data:`BLENDSHAPES`) of k face meshes ``(k, 478, 2 or 3)`` in pixels."""
        return self.scores_of_points(model_points(meshes_px))

    def scores_of_points(self, points_px: NDArray[np.floating]) -> NDArray[np.float32]:
        """(k, 52) blendshape scores of the model's points of k faces (:func:`model_points`)."""
        points = np.asarray(points_px, np.float32).reshape(-1, len(LANDMARK_SUBSET), 2)
        out = np.zeros((points.shape[0], len(BLENDSHAPES)), np.float32)
        for k in range(points.shape[0]):  # the converted graph takes one face per call
            out[k] = np.asarray(self._net.run(points[k : k + 1]), np.float32).reshape(-1)
        return out

    def smile(self, meshes_px: NDArray[np.floating]) -> NDArray[np.float64]:
        """(k,) :func:`smile_from_blendshapes` of k face meshes in pixels."""
        return smile_from_blendshapes(self.scores(meshes_px))

    def smile_of_points(self, points_px: NDArray[np.floating]) -> NDArray[np.float64]:
        """(k,) :func:`smile_from_blendshapes` of the model's points of k faces (:func:`model_points`)."""
        return smile_from_blendshapes(self.scores_of_points(points_px))


def model_points(meshes_px: NDArray[np.floating]) -> NDArray[np.float32]:
    """(k, 146, 2) the points of k face meshes ``(k, 478, 2 or 3)`` the model reads (:data:`LANDMARK_SUBSET`, x and y
    in pixels): all a face's reading needs, kept until the roles say whose face it is.

    Example:
        >>> model_points(np.zeros((2, 478, 3))).shape
        (2, 146, 2)
    """
    return np.asarray(meshes_px, np.float32)[:, LANDMARK_SUBSET, :2]
