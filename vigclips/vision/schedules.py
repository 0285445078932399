"""When the costly models run on a frame: the full-range face detector (:class:`FullRangeSchedule`, with
:func:`has_far_face`), face mesh on crops of faces the tracking mesh missed (:class:`CropMeshBackoff`), the hand model
(:class:`HandSchedule`) and the detector on the frame's side strips (:class:`EdgeSchedule`).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.face_mediapipe import FULL_RANGE, SHORT_RANGE
from vigclips.vision.search_regions import LEFT, RIGHT
from vigclips.vision.tracking import DEDUP_MATCH, MESH_MATCH, greedy_match, match_score

FAR_FACE_HOLD_S = 2.0
"""After the full-range detector last found a face the short-range one missed, it keeps running on every tick this long."""
HANDS_HOLD_S = 1.0
"""After the hand model last found a hand over a face's eye, it keeps running on every tick this long."""
EDGE_HOLD_S = 1.0
"""After the side-strip detector last found a face the frame edge cuts, it keeps running on every tick this long."""


class FullRangeSchedule:
    """When the full-range face detector runs: every ``every_s`` (0 = every tick), and on every tick while it keeps
    finding faces the short-range detector misses (until :data:`FAR_FACE_HOLD_S` after the last one).

    Example:
        >>> plan = FullRangeSchedule(0.5)
        >>> [plan.due(t) for t in (0.0, 0.1, 0.2, 0.5)]
        [True, False, False, True]
    """

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self._last_run_s = -np.inf
        self._last_far_face_s = -np.inf

    def due(self, t_s: float) -> bool:
        """Whether to run it on the frame at ``t_s`` (call once per frame, in time order)."""
        if t_s - self._last_run_s >= self.every_s - 1e-6 or t_s - self._last_far_face_s <= FAR_FACE_HOLD_S:
            self._last_run_s = t_s
            return True
        return False

    def saw_far_face(self, t_s: float) -> None:
        """The run on the frame at ``t_s`` found a face the short-range detector missed."""
        self._last_far_face_s = max(self._last_far_face_s, t_s)


CROP_RETRY_FIRST_S = 0.1
"""After one failed crop mesh on a face, the next try waits this long; each further failure doubles the wait."""
CROP_RETRY_MAX_S = 0.8
"""Longest wait between crop mesh tries on one face. On the usual VIG shot the crop mesh fails on 97 % of the tries on a
baby seen in profile or from behind (2UWdXP), each try costing as much as the tracking mesh on a whole frame; a face
turning back to the camera is measured again at most this much later (the keypoint head pose covers the gap)."""


class CropMeshBackoff:
    """Which faces missed by the tracking mesh get a crop mesh on this frame: every face at first, and, after
    consecutive failures on the same face (matched by box from frame to frame), exponentially less often, from
    :data:`CROP_RETRY_FIRST_S` up to :data:`CROP_RETRY_MAX_S`.

    Call :meth:`due` then :meth:`record` once per frame, in time order.

    Example:
        >>> plan, box = CropMeshBackoff(), np.array([[10.0, 10.0, 60.0, 60.0]])
        >>> tried = []
        >>> for t_s in np.round(np.arange(0.0, 1.6, 0.1), 1):
        ...     due = plan.due(float(t_s), box)
        ...     tried += [float(t_s)] if due[0] else []
        ...     plan.record(np.zeros(int(due.sum()), bool))  # the crop mesh failed on every try
        >>> tried
        [0.0, 0.1, 0.3, 0.7, 1.5]
    """

    def __init__(self, first_wait_s: float = CROP_RETRY_FIRST_S, max_wait_s: float = CROP_RETRY_MAX_S) -> None:
        self.first_wait_s = first_wait_s
        self.max_wait_s = max_wait_s
        self._boxes = np.zeros((0, 4))
        self._failures = np.zeros(0, np.int64)
        self._next_try_s = np.zeros(0)
        self._t_s = 0.0
        self.due_mask = np.zeros(0, bool)
        """The last :meth:`due` answer."""

    def due(self, t_s: float, boxes_xyxy: NDArray[np.floating]) -> NDArray[np.bool_]:
        """(k,) whether to try each of this frame's faces without face mesh (boxes in pixels)."""
        boxes = np.asarray(boxes_xyxy, np.float64).reshape(-1, 4)
        failures = np.zeros(boxes.shape[0], np.int64)
        next_try_s = np.full(boxes.shape[0], -np.inf)
        if boxes.shape[0] and self._boxes.shape[0]:
            for r, c in greedy_match(match_score(boxes, self._boxes), MESH_MATCH):
                failures[r], next_try_s[r] = self._failures[c], self._next_try_s[c]
        # Faces not missed on this frame are forgotten: a face the mesh lost again starts afresh.
        self._boxes, self._failures, self._next_try_s, self._t_s = boxes, failures, next_try_s, t_s
        self.due_mask = t_s >= next_try_s - 1e-6
        return self.due_mask

    def record(self, found: NDArray[np.bool_]) -> None:
        """Whether the crop mesh found each face that :meth:`due` chose (in the same order)."""
        tried = np.flatnonzero(self.due_mask)
        failed = tried[~np.asarray(found, bool)]
        self._failures[tried] = np.where(np.asarray(found, bool), 0, self._failures[tried] + 1)
        wait_s = np.minimum(self.first_wait_s * 2.0 ** (self._failures[failed] - 1), self.max_wait_s)
        self._next_try_s[failed] = self._t_s + wait_s


class OnDemandSchedule:
    """When a model that looks for something only where it may be runs: on a frame where it is plausible, at most every
    ``every_s`` (0 = every such frame); and on every frame until ``hold_s`` after it last found it (:meth:`found`).

    Example:
        >>> plan = OnDemandSchedule(1.0, hold_s=1.0)
        >>> [plan.due(t, plausible) for t, plausible in ((0.0, False), (0.1, True), (0.2, True), (1.1, True))]
        [False, True, False, True]
    """

    def __init__(self, every_s: float, hold_s: float) -> None:
        self.every_s = every_s
        self.hold_s = hold_s
        self._last_run_s = -np.inf
        self._last_found_s = -np.inf

    def due(self, t_s: float, plausible: bool) -> bool:
        """Whether to run it on the frame at ``t_s`` (call once per frame, in time order)."""
        if t_s - self._last_found_s <= self.hold_s or (plausible and t_s - self._last_run_s >= self.every_s - 1e-6):
            self._last_run_s = t_s
            return True
        return False

    def found(self, t_s: float) -> None:
        """The run on the frame at ``t_s`` found what it looks for."""
        self._last_found_s = max(self._last_found_s, t_s)


class HandSchedule(OnDemandSchedule):
    """When the hand model runs: on a frame where hands may hide a face's eyes (``plausible``: a detected face that face
    mesh could not measure), at most every ``every_s``; and on every frame until :data:`HANDS_HOLD_S` after it last
    found a hand over an eye (:meth:`saw_hidden_eyes`)."""

    def __init__(self, every_s: float) -> None:
        super().__init__(every_s, HANDS_HOLD_S)

    def saw_hidden_eyes(self, t_s: float) -> None:
        """The run on the frame at ``t_s`` found a hand over a face's eye."""
        self.found(t_s)


class EdgeSchedule:
    """When, and on which sides, the detector looks at the frame's side strips for faces the edge cuts (issue 23): only
    on a frame with fewer than two faces (``plausible``; a frame where the whole-frame detector sees both needs no
    search), on both sides at most every ``every_s``, and, until :data:`EDGE_HOLD_S` after it last found one, on every
    such frame on the sides where it found them (each side is one detector call).

    Example:
        >>> plan = EdgeSchedule(0.5)
        >>> plan.sides_due(0.0, True), plan.sides_due(0.1, True)
        ((0, 1), ())
        >>> plan.found(0.0, [1])
        >>> plan.sides_due(0.2, False), plan.sides_due(0.3, True), plan.sides_due(0.6, True)
        ((), (1,), (0, 1))
    """

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self._last_both_s = -np.inf
        self._last_found_s = -np.inf
        self._sides: tuple[int, ...] = (LEFT, RIGHT)

    def sides_due(self, t_s: float, plausible: bool) -> tuple[int, ...]:
        """The sides to look at on the frame at ``t_s`` (``()``: none; call once per frame, in time order)."""
        if not plausible:
            return ()
        if t_s - self._last_both_s >= self.every_s - 1e-6:
            self._last_both_s = t_s
            return (LEFT, RIGHT)
        return self._sides if t_s - self._last_found_s <= EDGE_HOLD_S else ()

    def found(self, t_s: float, sides: Iterable[int]) -> None:
        """The look on the frame at ``t_s`` found a face the edge cuts, on these sides."""
        self._last_found_s = max(self._last_found_s, t_s)
        self._sides = tuple(sorted(set(sides)))


def has_far_face(det_xyxy: NDArray[np.float32], det_source: NDArray[np.int8]) -> bool:
    """Whether a full-range detection has no short-range detection of the same face (a face too small or far for it).

    Args:
        det_xyxy: (n, 4) boxes in pixels.
        det_source: (n,) :data:`~vigclips.vision.face_mediapipe.SHORT_RANGE` or ``FULL_RANGE`` per box.
    """
    full = det_xyxy[det_source == FULL_RANGE]
    if full.shape[0] == 0:
        return False
    short = det_xyxy[det_source == SHORT_RANGE]
    if short.shape[0] == 0:
        return True
    return bool(np.any(match_score(full, short).max(axis=1) < DEDUP_MATCH))
