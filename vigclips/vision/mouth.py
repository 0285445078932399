"""Mouth measures from face mesh landmarks (pure numpy): lip-corner geometry, the adult smile score and the mouth's opening.

Conventions as in :mod:`vigclips.vision.landmarks`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.landmarks import (
    LIP_LOWER_INNER,
    LIP_LOWER_OUTER,
    LIP_UPPER_INNER,
    LIP_UPPER_OUTER,
    MOUTH_L,
    MOUTH_R,
    in_face,
    inter_ocular_px,
)
from vigclips.vision.settings import VisionConfig


def mouth_measures(landmarks: NDArray[np.floating], axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Raw mouth geometry in head axes, normalised by face size.

    Args:
        landmarks: (n, 478, 3) pixels.
        axes: (n, 3, 3) from :func:`~vigclips.vision.landmarks.face_axes`.

    Returns:
        (n, 3) float64: ``width_ratio`` (lip-corner distance / inter-ocular distance), ``lift`` (how far the lip
        corners sit above the midpoint of the lips, in inter-ocular distances; positive = corners up, the lip-corner
        pull of a smile), ``gap_ratio`` (inner-lip gap / lip-corner distance).
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    iod = np.maximum(inter_ocular_px(lm), 1e-6)
    corners = (lm[:, MOUTH_R] + lm[:, MOUTH_L]) / 2.0
    centre = (lm[:, LIP_UPPER_OUTER] + lm[:, LIP_LOWER_OUTER]) / 2.0
    width = np.linalg.norm(in_face(lm[:, MOUTH_L] - lm[:, MOUTH_R], axes)[:, :2], axis=-1)
    lift = in_face(corners - centre, axes)[:, 1] / iod
    gap = np.maximum(in_face(lm[:, LIP_UPPER_INNER] - lm[:, LIP_LOWER_INNER], axes)[:, 1], 0.0)
    return np.stack([width / iod, lift, gap / np.maximum(width, 1e-6)], axis=1)


def smile_score(mouth: NDArray[np.float64], cfg: VisionConfig) -> NDArray[np.float64]:
    """Smile intensity 0–1 from lip-corner geometry (AU12-like: corners pulled up and out).

    Args:
        mouth: (n, 3) from :func:`mouth_measures`.
        cfg: vision settings (``smile_width_neutral``, ``smile_width_span``, ``smile_lift_span``).

    Returns:
        (n,) float64 in [0, 1]: the mean of the widening and the lift, each scaled to 0–1 by its span.
    """
    widen = np.clip((mouth[:, 0] - cfg.smile_width_neutral) / cfg.smile_width_span, 0.0, 1.0)
    lift = np.clip(mouth[:, 1] / cfg.smile_lift_span, 0.0, 1.0)
    return 0.5 * (widen + lift)


def mouth_open_score(mouth: NDArray[np.float64], cfg: VisionConfig) -> NDArray[np.float64]:
    """(n,) mouth opening 0–1: inner-lip gap over mouth width, scaled by ``cfg.mouth_open_span``."""
    return np.clip(mouth[:, 2] / cfg.mouth_open_span, 0.0, 1.0)
