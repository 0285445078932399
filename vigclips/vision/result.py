"""What the vision stage hands on: the per-tick channel names (:data:`VISION_COLUMNS`, :data:`EXTRA_COLUMNS`) and
:class:`VisionResult`, which holds the channels with the compact face record they were built from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigclips.vision import roles
from vigclips.vision.settings import VisionConfig

VISION_COLUMNS: tuple[str, ...] = (
    "faces",
    "infant_present",
    "adult_present",
    "infant_face_x",
    "infant_face_y",
    "adult_face_x",
    "adult_face_y",
    "infant_gaze_yaw_deg",
    "infant_gaze_pitch_deg",
    "adult_gaze_yaw_deg",
    "adult_gaze_pitch_deg",
    "infant_looks_at_adult",
    "adult_looks_at_infant",
    "mutual_gaze",
    "infant_smile",
    "adult_smile",
    "infant_mouth_open",
    "adult_mouth_open",
)
"""The ``signals.csv`` columns of issue 3, in order."""

EXTRA_COLUMNS: tuple[str, ...] = (
    "infant_head_yaw_deg",
    "infant_head_pitch_deg",
    "infant_head_roll_deg",
    "adult_head_yaw_deg",
    "adult_head_pitch_deg",
    "adult_head_roll_deg",
    "shared_smile",
    "role_confidence",
    "infant_head_confidence",
    "adult_head_confidence",
    "infant_looks_elsewhere",
    "adult_looks_elsewhere",
    "infant_eyes_hidden",
    "adult_eyes_hidden",
    "infant_gaze_from_eyes",
    "adult_gaze_from_eyes",
)
"""Extra channels appended after :data:`VISION_COLUMNS`: head pose per role, both smiling (the smaller of the two
smiles), how sure the role decision of the tick's faces is (0.5 = a guess, 1 = certain), and how sure each role's head
orientation is (:data:`~vigclips.vision.face_rows.HEAD_CONFIDENCE_MESH` with face mesh, the detector's score from
keypoints alone; NaN unseen), and whether each is seen turned to something other than the partner (1/0; NaN where the
face or the partner's place is unknown): a reply made so is not a contingent turn (issue 11); and whether each one's
eyes are seen hidden behind hands (1/0; NaN where hands were not looked for): then the look is 0 and where they look is
unknown, not "elsewhere"; and whether each one's gaze direction came from the eyes (1: face mesh's irises weigh at least
:data:`~vigclips.vision.channels.GAZE_FROM_EYES_TRUST` in it) or from the head's orientation alone (0: a profile or
steep 3/4 view; NaN unseen), so that a reason says "turned to" rather than "looked at" where only the head was seen
(issue 11)."""


@dataclass(slots=True)
class VisionResult:
    """Output of :func:`vigclips.vision.analyze.analyze_frames`.

    Attributes:
        pts_s: (N,) float64 presentation time of each frame received.
        channels: every name of :data:`VISION_COLUMNS` and :data:`EXTRA_COLUMNS` -> (N,) float32; NaN where the
            value is unknown (face not seen, or seen without landmarks).
        image_wh: (N, 2) int32 analysed frame width and height.
        face_frame: (M,) int32 frame index of each face row (sorted).
        face_track: (M,) int32 track id of each face row.
        face_data: (M, len(FACE_FIELDS)) float32, columns :data:`~vigclips.vision.face_rows.FACE_FIELDS`.
        face_role: (M,) int8 role code (:data:`vigclips.vision.roles.ROLE_INFANT` etc.).
        face_role_confidence: (M,) float32.
        infant_track_ids: tracks decided as the infant.
        config: the settings used.
    """

    pts_s: NDArray[np.float64]
    channels: dict[str, NDArray[np.float32]]
    image_wh: NDArray[np.int32]
    face_frame: NDArray[np.int32]
    face_track: NDArray[np.int32]
    face_data: NDArray[np.float32]
    face_role: NDArray[np.int8]
    face_role_confidence: NDArray[np.float32]
    infant_track_ids: tuple[int, ...]
    config: VisionConfig

    def __len__(self) -> int:
        return int(self.pts_s.shape[0])

    def face_rows(self, frame_index: int) -> NDArray[np.int64]:
        """Row indices into the ``face_*`` arrays of the faces seen in frame ``frame_index``."""
        a = np.searchsorted(self.face_frame, frame_index, side="left")
        b = np.searchsorted(self.face_frame, frame_index, side="right")
        return np.arange(a, b)

    @property
    def role_confidence(self) -> float:
        """Mean confidence of the role decisions over all face rows given a role (NaN if none)."""
        has = self.face_role != roles.ROLE_OTHER
        return float(np.mean(self.face_role_confidence[has])) if np.any(has) else float("nan")
