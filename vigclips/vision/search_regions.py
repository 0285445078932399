"""Where to look again for faces the detector missed on the whole frame (pure numpy, issue 23): the strips at the two
sides of a frame, padded outwards, for faces the frame edge cuts (:func:`edge_strips`), and a square around where a
face was last seen, scaled up, for a small, dim or blurred face lost for a moment (:func:`lost_face_square`).

Faces cut by the frame edge:

MediaPipe's face detectors rarely find a face the frame edge cuts through (a toddler standing at the side of a laptop
webcam's view, a mother kneeling at the edge): measured on the shared 4JDccE clips, a face half outside the frame is
missed on whole frames in a row, yet the same detector finds it on a strip of the frame's side padded outwards with
black, where the face no longer touches the image border. :class:`vigclips.vision.face_mediapipe.MediaPipeFaces`
runs the detector on the strips (:meth:`~vigclips.vision.face_mediapipe.MediaPipeFaces.detect_at_edges`); which frames
it does so on is :class:`vigclips.vision.schedules.EdgeSchedule`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.tracking import match_score

LEFT, RIGHT = 0, 1
"""Values of :attr:`EdgeStrip.side`."""
EDGE_STRIP_SHARE = 0.4
"""Width of each side strip searched, as a share of the frame's width."""
EDGE_MARGIN_SHARE = 0.25
"""A strip's face counts as cut by the edge when its box reaches within this share of its width of the frame edge."""


@dataclass(frozen=True, slots=True)
class EdgeStrip:
    """One side strip of a frame and its outward padding, in pixels.

    Attributes:
        side: :data:`LEFT` or :data:`RIGHT`.
        x0: first column of the strip in the frame.
        x1: one past its last column.
        pad_px: black columns added on the frame-edge side of the strip.
    """

    side: int
    x0: int
    x1: int
    pad_px: int

    def to_frame_x(self, x_px: NDArray[np.floating]) -> NDArray[np.float64]:
        """x in the padded strip → x in the frame (may fall outside the frame: the face goes on past its edge)."""
        x = np.asarray(x_px, np.float64)
        return x - self.pad_px + self.x0 if self.side == LEFT else x + self.x0


def edge_strips(width_px: int, share: float) -> tuple[EdgeStrip, EdgeStrip]:
    """The left and right strips, each ``share`` of the frame's width, padded outwards by as much again.

    Example:
        >>> [(s.x0, s.x1, s.pad_px) for s in edge_strips(640, 0.4)]
        [(0, 256, 256), (384, 640, 256)]
    """
    s = max(1, int(round(width_px * share)))
    return EdgeStrip(LEFT, 0, s, s), EdgeStrip(RIGHT, width_px - s, width_px, s)


def at_the_edge(xyxy_px: NDArray[np.floating], strip: EdgeStrip, width_px: int, margin_share: float) -> NDArray[np.bool_]:
    """(n,) whether each box (frame pixels) touches or crosses its strip's frame edge, within ``margin_share`` of
    the box's width: only faces the edge cuts are new; a face wholly inside the frame the full-frame detector sees.

    Example:
        >>> s = edge_strips(640, 0.4)
        >>> at_the_edge(np.array([[-30.0, 0, 50, 80], [100.0, 0, 180, 80]]), s[0], 640, 0.1).tolist()
        [True, False]
        >>> at_the_edge(np.array([[600.0, 0, 660, 80]]), s[1], 640, 0.1).tolist()
        [True]
    """
    b = np.asarray(xyxy_px, np.float64).reshape(-1, 4)
    slack = margin_share * (b[:, 2] - b[:, 0])
    if strip.side == LEFT:
        return b[:, 0] <= slack
    return b[:, 2] >= width_px - slack


def side_of(xyxy_px: NDArray[np.floating], width_px: int) -> NDArray[np.int64]:
    """(n,) :data:`LEFT` or :data:`RIGHT`: the half of the frame each box's centre lies in.

    Example:
        >>> side_of(np.array([[-20.0, 0, 40, 50], [600.0, 0, 660, 50]]), 640).tolist()
        [0, 1]
    """
    b = np.asarray(xyxy_px, np.float64).reshape(-1, 4)
    return np.where((b[:, 0] + b[:, 2]) / 2.0 < width_px / 2.0, LEFT, RIGHT).astype(np.int64)


def lost_face_square(box_xyxy: NDArray[np.floating], context: float, width_px: int, height_px: int) -> tuple[int, int, int, int]:
    """The square, ``context`` times the box's larger side, centred on a face's last box, clipped to the frame:
    ``(x0, y0, x1, y1)`` in pixels (empty, ``x1 <= x0``, when the box lies outside the frame).

    Example:
        >>> lost_face_square(np.array([100.0, 100, 140, 150]), 3.0, 640, 360)
        (45, 50, 195, 200)
        >>> lost_face_square(np.array([600.0, 10, 660, 70]), 2.0, 640, 360)
        (570, 0, 640, 100)
    """
    x1, y1, x2, y2 = (float(v) for v in np.asarray(box_xyxy, np.float64).reshape(4))
    half = context * max(x2 - x1, y2 - y1, 1.0) / 2.0
    cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    return (int(max(0.0, cx - half)), int(max(0.0, cy - half)), int(min(width_px, cx + half)), int(min(height_px, cy + half)))


def unmatched_boxes(recent_xyxy: NDArray[np.floating], now_xyxy: NDArray[np.floating], min_match: float) -> NDArray[np.float64]:
    """(k, 4) the boxes of ``recent_xyxy`` (faces seen lately) that no box of ``now_xyxy`` continues
    (:func:`vigclips.vision.tracking.match_score` below ``min_match``), largest first.

    Example:
        >>> unmatched_boxes(np.array([[0.0, 0, 10, 10], [50.0, 0, 70, 20]]), np.array([[1.0, 0, 11, 10]]), 0.3).tolist()
        [[50.0, 0.0, 70.0, 20.0]]
    """
    recent = np.asarray(recent_xyxy, np.float64).reshape(-1, 4)
    now = np.asarray(now_xyxy, np.float64).reshape(-1, 4)
    if recent.shape[0] and now.shape[0]:
        recent = recent[match_score(recent, now).max(axis=1) < min_match]
    area = (recent[:, 2] - recent[:, 0]) * (recent[:, 3] - recent[:, 1])
    return recent[np.argsort(-area, kind="stable")]
