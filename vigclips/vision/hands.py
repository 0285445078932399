"""Eyes hidden behind hands (pure numpy): whether points lie under a hand's landmarks, and how much of each face's eyes a
hand reaching in from outside the face covers (issue 11: peekaboo).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

HAND_MARGIN = 0.1
"""A point counts as under a hand within this share of the hand's size (its landmarks' larger extent) outside the
convex hull of its landmarks: the landmarks run along the fingers' middle, the skin reaches a little further."""


def convex_hull(points: NDArray[np.floating]) -> NDArray[np.float64]:
    """(h, 2) corners of the convex hull of (n, 2) points, counter-clockwise in a y-up frame (Andrew's monotone chain).

    Example:
        >>> convex_hull(np.array([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2]], float)).tolist()
        [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]]
    """
    pts = sorted({(float(x), float(y)) for x, y in np.asarray(points, dtype=np.float64).reshape(-1, 2)})
    if len(pts) <= 2:
        return np.array(pts, dtype=np.float64).reshape(-1, 2)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def chain(seq: list[tuple[float, float]]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for p in seq:
            while len(out) >= 2 and cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = chain(pts), chain(pts[::-1])
    return np.array(lower[:-1] + upper[:-1], dtype=np.float64)


def under_hands(points_px: NDArray[np.floating], hands_px: NDArray[np.floating], margin: float = HAND_MARGIN) -> NDArray[np.bool_]:
    """(n,) whether each point lies under a hand: inside the convex hull of one hand's landmarks, or within ``margin`` ×
    that hand's size outside it (issue 11: a parent's hands over her eyes in peekaboo hide where she looks).

    Args:
        points_px: (n, 2) points in pixels (e.g. a face's eyes); NaN rows are never under a hand.
        hands_px: (k, 21, 2) hand landmarks in pixels (k may be 0).
        margin: see above.

    Returns:
        (n,) bool.

    Example:
        >>> hand = np.array([[[0, 0], [10, 0], [10, 10], [0, 10]] + [[5, 5]] * 17], float)
        >>> under_hands(np.array([[5.0, 5.0], [10.5, 5.0], [13.0, 5.0]]), hand).tolist()
        [True, True, False]
    """
    pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
    out = np.zeros(pts.shape[0], bool)
    for hand in np.asarray(hands_px, dtype=np.float64).reshape(-1, 21, 2):
        if not np.isfinite(hand).all():
            continue
        hull = convex_hull(hand)
        if hull.shape[0] < 3:
            continue
        size = float(np.max(hand.max(axis=0) - hand.min(axis=0)))
        a, b = hull, np.roll(hull, -1, axis=0)
        edge = b - a
        length = np.maximum(np.hypot(edge[:, 0], edge[:, 1]), 1e-9)
        # Signed distance of each point to each edge's line, positive on the hull's inner side (counter-clockwise).
        rel = pts[:, None, :] - a[None, :, :]
        inner = (edge[None, :, 0] * rel[..., 1] - edge[None, :, 1] * rel[..., 0]) / length[None, :]
        with np.errstate(invalid="ignore"):
            out |= np.all(inner >= -margin * size, axis=1)
    return out


HAND_WRIST = 0
"""Index of the wrist among the 21 hand landmarks."""


def eyes_under_hands(eyes_px: NDArray[np.floating], boxes_xyxy: NDArray[np.floating], hands_px: NDArray[np.floating]) -> NDArray[np.float64]:
    """(k,) share of each face's two eyes that lie under a hand reaching in from outside the face (0, 0.5 or 1).

    Only hands whose wrist is outside the face's box count: a hand over the eyes is about as long as the face, so its
    wrist is below or beside it, while the hand model also fires on a bald baby's head, a "hand" lying on the face
    itself (measured on the shared home clips, issue 11).

    Args:
        eyes_px: (k, 2, 2) each face's right and left eye centres in pixels (NaN = unknown: never under a hand).
        boxes_xyxy: (k, 4) face boxes in pixels.
        hands_px: (h, 21, 2) hand landmarks in pixels.

    Returns:
        (k,) float64.

    Example:
        >>> hand = np.array([[[5, 30], [0, 0], [10, 0], [10, 10], [0, 10]] + [[5, 5]] * 16], float)  # wrist below
        >>> eyes_under_hands(np.array([[[3.0, 5], [7, 5]]]), np.array([[0.0, 0, 10, 20]]), hand).tolist()
        [1.0]
        >>> eyes_under_hands(np.array([[[3.0, 5], [7, 5]]]), np.array([[0.0, 0, 10, 40]]), hand).tolist()
        [0.0]
    """
    eyes = np.asarray(eyes_px, dtype=np.float64).reshape(-1, 2, 2)
    boxes = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    hands = np.asarray(hands_px, dtype=np.float64).reshape(-1, 21, 2)
    out = np.zeros(eyes.shape[0])
    for i in range(eyes.shape[0]):
        wrist = hands[:, HAND_WRIST]
        x1, y1, x2, y2 = boxes[i]
        outside = (wrist[:, 0] < x1) | (wrist[:, 0] > x2) | (wrist[:, 1] < y1) | (wrist[:, 1] > y2)
        out[i] = under_hands(eyes[i], hands[outside]).mean()
    return out
