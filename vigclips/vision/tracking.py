"""Face tracks: each person keeps one identity across ticks, through brief misses (pure numpy)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


DEDUP_MATCH = 0.3
""":func:`match_score` from which two detections in one frame (short- and full-range both firing) are one face."""
MESH_MATCH = 0.3
""":func:`match_score` from which a face mesh's box and a detection, or a face's boxes on consecutive frames, are one
face."""


def box_iou(a: NDArray[np.floating], b: NDArray[np.floating]) -> NDArray[np.float64]:
    """Pairwise intersection-over-union.

    Args:
        a: (n, 4) boxes ``x1, y1, x2, y2``.
        b: (m, 4) boxes.

    Returns:
        (n, m) float64 IoU in [0, 1].

    Example:
        >>> box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 3, 2]]))
        array([[0.33333333]])
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def match_score(a: NDArray[np.floating], b: NDArray[np.floating]) -> NDArray[np.float64]:
    """Pairwise similarity of boxes for association: IoU, or a centre-distance score when boxes barely overlap.

    The centre score is ``0.5 * (1 - d / s)`` for centre distance ``d`` below the larger box side ``s``, so a face that
    moved fast or whose box changed shape (detector box vs mesh box) still matches its track.

    Args:
        a: (n, 4) boxes.
        b: (m, 4) boxes.

    Returns:
        (n, m) float64 in [0, 1].
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    iou = box_iou(a, b)
    ca = (a[:, :2] + a[:, 2:]) / 2.0
    cb = (b[:, :2] + b[:, 2:]) / 2.0
    d = np.linalg.norm(ca[:, None, :] - cb[None, :, :], axis=-1)
    sa = np.max(a[:, 2:] - a[:, :2], axis=1)
    sb = np.max(b[:, 2:] - b[:, :2], axis=1)
    s = np.maximum(np.maximum(sa[:, None], sb[None, :]), 1e-6)
    centre = np.clip(0.5 * (1.0 - d / s), 0.0, 0.5)
    return np.maximum(iou, centre)


def greedy_match(score: NDArray[np.float64], min_score: float) -> list[tuple[int, int]]:
    """One-to-one pairs ``(row, col)`` taken best-first while the score is at least ``min_score``.

    Args:
        score: (n, m) similarity.
        min_score: lowest acceptable similarity.

    Returns:
        List of index pairs; each row and each column appears at most once.

    Example:
        >>> greedy_match(np.array([[0.9, 0.8], [0.85, 0.3]]), 0.2)
        [(0, 0), (1, 1)]
    """
    pairs: list[tuple[int, int]] = []
    if score.size == 0:
        return pairs
    order = np.argsort(-score, axis=None, kind="stable")
    used_r: set[int] = set()
    used_c: set[int] = set()
    for flat in order:
        r, c = divmod(int(flat), score.shape[1])
        if score[r, c] < min_score:
            break
        if r in used_r or c in used_c:
            continue
        pairs.append((r, c))
        used_r.add(r)
        used_c.add(c)
    return pairs


class FaceTracker:
    """Greedy box tracker: each face continues the most similar live track or starts a new one.

    Frames must arrive in time order; a step back in time, or a gap longer than ``max_gap_s``, ends every track
    (style S6: reset at a seek or a gap).

    Args:
        max_gap_s: a track survives this long without a matching face.
        min_score: least :func:`match_score` to continue a track.

    Example:
        >>> tr = FaceTracker(max_gap_s=1.0, min_score=0.2)
        >>> tr.update(0.0, np.array([[0, 0, 10, 10]])).tolist(), tr.update(0.1, np.array([[1, 0, 11, 10]])).tolist()
        ([0], [0])
    """

    def __init__(self, max_gap_s: float = 1.0, min_score: float = 0.2) -> None:
        self.max_gap_s = float(max_gap_s)
        self.min_score = float(min_score)
        self._next_id = 0
        self._boxes = np.zeros((0, 4), np.float64)
        self._ids = np.zeros((0,), np.int32)
        self._last_t = np.zeros((0,), np.float64)
        self._t: float | None = None

    def reset(self) -> None:
        """End every track (identities are never reused)."""
        self._boxes = np.zeros((0, 4), np.float64)
        self._ids = np.zeros((0,), np.int32)
        self._last_t = np.zeros((0,), np.float64)

    def recent_boxes(self, t_s: float) -> NDArray[np.float64]:
        """(k, 4) the last box of every track seen within ``max_gap_s`` before ``t_s`` (call before :meth:`update`)."""
        if self._t is None or t_s < self._t:
            return np.zeros((0, 4), np.float64)
        return self._boxes[(t_s - self._last_t) <= self.max_gap_s + 1e-9].copy()

    def update(self, t_s: float, boxes_xyxy: NDArray[np.floating]) -> NDArray[np.int32]:
        """Assign track ids to this tick's faces.

        Args:
            t_s: the tick time in seconds.
            boxes_xyxy: (n, 4) face boxes in pixels.

        Returns:
            (n,) int32 track ids.
        """
        boxes = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
        if self._t is not None and (t_s < self._t or t_s - self._t > self.max_gap_s):
            self.reset()
        self._t = t_s
        alive = (t_s - self._last_t) <= self.max_gap_s + 1e-9
        self._boxes, self._ids, self._last_t = self._boxes[alive], self._ids[alive], self._last_t[alive]
        out = np.full((boxes.shape[0],), -1, np.int32)
        for r, c in greedy_match(match_score(boxes, self._boxes), self.min_score):
            out[r] = self._ids[c]
            self._boxes[c] = boxes[r]
            self._last_t[c] = t_s
        new = np.flatnonzero(out < 0)
        if new.size:
            new_ids = np.arange(self._next_id, self._next_id + new.size, dtype=np.int32)
            self._next_id += new.size
            out[new] = new_ids
            self._boxes = np.concatenate([self._boxes, boxes[new]])
            self._ids = np.concatenate([self._ids, new_ids])
            self._last_t = np.concatenate([self._last_t, np.full(new.size, t_s)])
        return out
