"""The only module that imports :mod:`mediapipe`: bundled face detection, face mesh (with iris) and hand models.

Uses the legacy ``mp.solutions`` API because its models (``face_detection_short_range.tflite``,
``face_detection_full_range_sparse.tflite``, ``face_landmark_with_attention.tflite``, ``palm_detection_lite.tflite``,
``hand_landmark_lite.tflite``) ship inside the mediapipe 0.10.21 wheel:
no download at run time. Results are converted to numpy arrays in **pixel** units, ``float32``, the way
``supervision``'s ``KeyPoints.from_mediapipe`` does; empty arrays (not ``None``) when nothing is found.

Input images are BGR uint8 (OpenCV order); the conversion to the RGB MediaPipe expects happens here.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from vigclips.errors import ModelAssetError
from vigclips.vision.search_regions import EDGE_MARGIN_SHARE, EDGE_STRIP_SHARE, LEFT, RIGHT, at_the_edge, edge_strips

SHORT_RANGE, FULL_RANGE = 0, 1
"""Values of :attr:`FaceDetections.source`, and MediaPipe's ``model_selection`` of each detector."""

N_MESH_LANDMARKS = 478
"""Face mesh landmarks with ``refine_landmarks=True``: 468 face points plus 5 per iris (468–472 and 473–477)."""
N_HAND_LANDMARKS = 21
"""Hand landmarks per hand (wrist, then four points along each finger)."""


class _SolutionOutputTypes:
    """Stands in for :mod:`collections` inside mediapipe's ``solution_base``: its ``process`` builds a new namedtuple
    class on every call (``collections.namedtuple('SolutionOutputs', <the graph's output streams>)``, about 0.35 ms
    with its ``eval``: 7 % of the vision stage's CPU on ``icatcher_test_vid_1000.mp4`` under cProfile) and returns
    that class with the call's outputs set on it as class attributes, every stream each time (the value or ``None``).
    The class depends only on the stream names, so each thread keeps one per set of names. A result is then the
    same object as the next result with the same streams on the same thread: safe here because every call in this
    module reads its result before the next call, and the detectors, which run in another thread than face mesh,
    get their own classes.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def namedtuple(self, typename: str, field_names: object) -> type:
        types: dict[tuple[str, tuple[str, ...]], type] = self._local.__dict__.setdefault("types", {})
        key = (typename, tuple(field_names))  # type: ignore[arg-type]
        if key not in types:
            types[key] = collections.namedtuple(typename, key[1])  # type: ignore[misc]
        return types[key]


def _reuse_solution_output_types(solution_base: object, mediapipe_version: str) -> None:
    """Install :class:`_SolutionOutputTypes` in mediapipe's ``solution_base`` once, only for the pinned 0.10.21, whose
    ``process`` is the one described there."""
    if mediapipe_version == "0.10.21" and getattr(solution_base, "collections", None) is collections:
        solution_base.collections = _SolutionOutputTypes()  # type: ignore[attr-defined]


@dataclass(slots=True)
class FaceDetections:
    """Face detections of one image (columnar, like ``supervision.Detections``).

    Attributes:
        xyxy_px: (n, 4) float32 boxes ``x1, y1, x2, y2`` in pixels.
        score: (n,) float32 detector confidence.
        keypoints_px: (n, 6, 2) float32 MediaPipe's six keypoints (right eye, left eye, nose tip, mouth, right ear,
            left ear; "right" is the subject's right) in pixels.
        source: (n,) int8, 0 = short-range model, 1 = full-range model.
    """

    xyxy_px: NDArray[np.float32]
    score: NDArray[np.float32]
    keypoints_px: NDArray[np.float32]
    source: NDArray[np.int8]

    def __post_init__(self) -> None:
        n = self.xyxy_px.shape[0]
        for name, arr, shape in (
            ("xyxy_px", self.xyxy_px, (n, 4)),
            ("score", self.score, (n,)),
            ("keypoints_px", self.keypoints_px, (n, 6, 2)),
            ("source", self.source, (n,)),
        ):
            if arr.shape != shape:
                raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")

    def __len__(self) -> int:
        return int(self.xyxy_px.shape[0])

    @classmethod
    def empty(cls) -> "FaceDetections":
        return cls(
            np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), np.zeros((0, 6, 2), np.float32), np.zeros((0,), np.int8)
        )

    @classmethod
    def merge(cls, parts: list["FaceDetections"]) -> "FaceDetections":
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.xyxy_px for p in parts]),
            np.concatenate([p.score for p in parts]),
            np.concatenate([p.keypoints_px for p in parts]),
            np.concatenate([p.source for p in parts]),
        )


class MediaPipeFaces:
    """Bundled MediaPipe face models behind one small interface.

    Args:
        detector: which face detector(s) to run: ``"short"`` (faces within ~2 m, the model face mesh uses
            internally), ``"full"`` (small / far faces, up to ~5 m), ``"both"`` or ``"none"``.
        mesh: run face mesh with iris refinement (needed for pose, gaze, smile and mouth).
        max_faces: most faces face mesh tracks at once.
        min_detection_confidence: detector threshold, 0–1.
        min_tracking_confidence: face mesh tracking threshold, 0–1 (below it, mesh re-runs its detector).
        static_image_mode: ``False`` for video (mesh tracks faces between calls: frames must arrive in time order),
            ``True`` for unrelated stills.
        hands: also load the hand model (palm detection + hand landmarks, the light variant) for :meth:`hands`.
        search: also load a short-range detector of its own for :meth:`detect_at_edges` (faces cut by the frame edge)
            and :meth:`detect_in_squares` (faces lost for a moment).

    Raises:
        ModelAssetError: the bundled models cannot be loaded.

    Example:
        >>> with MediaPipeFaces() as models:            # doctest: +SKIP
        ...     detections, meshes = models.process(image_bgr)
    """

    def __init__(
        self,
        detector: str = "both",
        mesh: bool = True,
        max_faces: int = 4,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        static_image_mode: bool = False,
        hands: bool = False,
        search: bool = False,
    ) -> None:
        if detector not in ("short", "full", "both", "none"):
            raise ValueError(f"detector must be short, full, both or none, got {detector!r}")
        try:
            self._build(detector=detector, mesh=mesh, max_faces=max_faces,
                        min_detection_confidence=min_detection_confidence,
                        min_tracking_confidence=min_tracking_confidence, static_image_mode=static_image_mode,
                        hands=hands, search=search)
        except (ImportError, RuntimeError, FileNotFoundError) as exc:
            raise ModelAssetError(
                f"cannot load the MediaPipe face models bundled with mediapipe ({exc.__class__.__name__}: {exc}); "
                "reinstall mediapipe==0.10.21"
            ) from None

    def _build(self, *, detector: str, mesh: bool, max_faces: int, min_detection_confidence: float,
               min_tracking_confidence: float, static_image_mode: bool, hands: bool, search: bool) -> None:  # fmt: skip
        import mediapipe as mp  # the project's only mediapipe import
        from mediapipe.python import solution_base

        _reuse_solution_output_types(solution_base, mp.__version__)
        sol = mp.solutions
        self._detectors: list[tuple[int, object]] = [
            (source, sol.face_detection.FaceDetection(model_selection=source, min_detection_confidence=min_detection_confidence))
            for source, names in ((SHORT_RANGE, ("short", "both")), (FULL_RANGE, ("full", "both")))
            if detector in names
        ]
        self._mesh = (
            sol.face_mesh.FaceMesh(
                static_image_mode=static_image_mode,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            if mesh
            else None
        )
        # Second, stateless face mesh for crops around detections the tracking mesh missed (small/far faces):
        # its own detector only finds faces within ~2 m, so a crop scaled up lets it see them.
        self._crop_mesh = (
            sol.face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=1,
                refine_landmarks=True,
                min_detection_confidence=min_detection_confidence,
            )
            if mesh
            else None
        )
        # Stateless: it runs on a few ticks a second at most (~12 ms a call, mostly the palm detector), so there is no
        # hand to follow from one call to the next.
        self._hands = (
            sol.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=0,
                            min_detection_confidence=min_detection_confidence)  # fmt: skip
            if hands
            else None
        )
        # Its own instance: the frame detectors may be busy on the next frame in another thread meanwhile.
        self._search_detector = (
            sol.face_detection.FaceDetection(model_selection=SHORT_RANGE, min_detection_confidence=min_detection_confidence)
            if search
            else None
        )

    def __enter__(self) -> "MediaPipeFaces":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the MediaPipe graphs (safe to call twice)."""
        for _, det in self._detectors:
            det.close()
        self._detectors = []
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None
        if self._crop_mesh is not None:
            self._crop_mesh.close()
            self._crop_mesh = None
        if self._hands is not None:
            self._hands.close()
            self._hands = None
        if self._search_detector is not None:
            self._search_detector.close()
            self._search_detector = None

    def process(self, image_bgr: NDArray[np.uint8]) -> tuple[FaceDetections, NDArray[np.float32]]:
        """Run the configured models on one image.

        Args:
            image_bgr: (H, W, 3) uint8 BGR image.

        Returns:
            ``(detections, meshes)``: :class:`FaceDetections` from the detector(s), and (m, 478, 3) float32 face mesh
            landmarks ``x, y`` in pixels and ``z`` (relative depth, smaller = nearer the camera) scaled like ``x``.
        """
        rgb = to_rgb(image_bgr)
        return self.detect(rgb), self.mesh(rgb)

    def detect(self, rgb: NDArray[np.uint8], *, full_range: bool = True) -> FaceDetections:
        """The detector(s) on one read-only RGB image from :func:`to_rgb`.

        ``full_range=False`` skips the full-range model (the costlier one) for this image.

        The detectors keep no state between images, and MediaPipe releases the GIL while a graph runs, so this may run
        in another thread at the same time as :meth:`mesh` (on the same or another image).
        """
        h, w = rgb.shape[:2]
        return FaceDetections.merge([_detections_to_arrays(det.process(rgb), source, w, h) for source, det in self._detectors
                                     if full_range or source != FULL_RANGE])  # fmt: skip

    def mesh(self, rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Face mesh on one read-only RGB image from :func:`to_rgb`: (m, 478, 3) landmarks (see :meth:`process`).

        In video mode the mesh follows faces from one call to the next: call it from one thread, frames in time order.
        """
        meshes = np.zeros((0, N_MESH_LANDMARKS, 3), np.float32)
        if self._mesh is not None:
            h, w = rgb.shape[:2]
            res = self._mesh.process(rgb)
            if res.multi_face_landmarks:
                meshes = np.stack([_landmarks_to_array(lm, w, h) for lm in res.multi_face_landmarks])
        return meshes

    def hands(self, rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Hands on one read-only RGB image from :func:`to_rgb`: (k, 21, 2) float32 landmarks ``x, y`` in pixels
        (k = 0, 1 or 2; empty without ``hands=True``)."""
        out = np.zeros((0, N_HAND_LANDMARKS, 2), np.float32)
        if self._hands is None:
            return out
        h, w = rgb.shape[:2]
        res = self._hands.process(rgb)
        if res.multi_hand_landmarks:
            out = np.stack([_landmarks_to_array(lm, w, h, N_HAND_LANDMARKS)[:, :2] for lm in res.multi_hand_landmarks])
        return out

    def detect_at_edges(self, rgb: NDArray[np.uint8], share: float = EDGE_STRIP_SHARE,
                        sides: tuple[int, ...] = (LEFT, RIGHT)) -> FaceDetections:  # fmt: skip
        """Faces cut by the left or right frame edge, which the detector misses on the whole frame: the short-range
        detector on each side strip (``share`` of the width) padded outwards with black (:mod:`vigclips.vision.search_regions`),
        on the given ``sides`` (:data:`~vigclips.vision.search_regions.LEFT`, ``RIGHT``).

        Returns:
            :class:`FaceDetections` in frame pixels (boxes and keypoints may reach past the frame edge), only boxes
            at the edge; empty without ``search=True``.
        """
        if self._search_detector is None:
            return FaceDetections.empty()
        w = rgb.shape[1]
        found = []
        for strip in edge_strips(w, share):
            if strip.side not in sides:
                continue
            part = rgb[:, strip.x0 : strip.x1]
            pad = (strip.pad_px, 0) if strip.side == LEFT else (0, strip.pad_px)
            padded = cv2.copyMakeBorder(part, 0, 0, pad[0], pad[1], cv2.BORDER_CONSTANT, value=0)
            dets = _detections_to_arrays(self._search_detector.process(padded), SHORT_RANGE, padded.shape[1], padded.shape[0])
            if not len(dets):
                continue
            dets.xyxy_px[:, [0, 2]] = strip.to_frame_x(dets.xyxy_px[:, [0, 2]])
            dets.keypoints_px[:, :, 0] = strip.to_frame_x(dets.keypoints_px[:, :, 0])
            keep = at_the_edge(dets.xyxy_px, strip, w, EDGE_MARGIN_SHARE)
            found.append(FaceDetections(dets.xyxy_px[keep], dets.score[keep], dets.keypoints_px[keep], dets.source[keep]))
        return FaceDetections.merge(found)

    def detect_in_squares(self, rgb: NDArray[np.uint8], squares: list[tuple[int, int, int, int]],
                          min_px: int | None = None) -> FaceDetections:  # fmt: skip
        """The short-range detector on each square ``(x0, y0, x1, y1)`` of the frame
        (:func:`vigclips.vision.search_regions.lost_face_square`), scaled up to at least ``min_px``: a small, dim or
        blurred face the detector loses on the whole frame, whose input is 128 px for the whole image, is larger there.
        ``min_px`` defaults to :data:`CROP_MIN_PX`.

        Returns:
            :class:`FaceDetections` in frame pixels; empty without ``search=True``.
        """
        found = []
        for x0, y0, x1, y1 in squares if self._search_detector is not None else ():
            if x1 - x0 < 8 or y1 - y0 < 8:
                continue
            crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])  # MediaPipe takes contiguous images only
            scale = max(1.0, (min_px or CROP_MIN_PX) / max(crop.shape[:2]))
            if scale > 1.0:
                crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
            dets = _detections_to_arrays(self._search_detector.process(crop), SHORT_RANGE, crop.shape[1], crop.shape[0])
            dets.xyxy_px[:] = dets.xyxy_px / scale + np.array([x0, y0, x0, y0], np.float32)
            dets.keypoints_px[:] = dets.keypoints_px / scale + np.array([x0, y0], np.float32)
            found.append(dets)
        return FaceDetections.merge(found)

    def mesh_in_boxes(self, image_bgr: NDArray[np.uint8], boxes_xyxy: NDArray[np.floating]) -> NDArray[np.float32]:
        """Face mesh on a square crop around each box (for faces the tracking mesh did not pick up).

        Args:
            image_bgr: (H, W, 3) uint8 BGR image.
            boxes_xyxy: (k, 4) face boxes in pixels (e.g. detections).

        Returns:
            (k, 478, 3) float32 landmarks in full-image pixels; rows of NaN where no face was found in the crop.
        """
        boxes = np.asarray(boxes_xyxy, np.float64).reshape(-1, 4)
        out = np.full((boxes.shape[0], N_MESH_LANDMARKS, 3), np.nan, np.float32)
        if self._crop_mesh is None:
            return out
        h, w = image_bgr.shape[:2]
        for i, (x1, y1, x2, y2) in enumerate(boxes):
            side = CROP_CONTEXT * max(x2 - x1, y2 - y1, 1.0)
            cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
            ax, ay = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
            bx, by = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
            if bx - ax < 8 or by - ay < 8:
                continue
            crop = image_bgr[ay:by, ax:bx]
            scale = max(1.0, CROP_MIN_PX / max(crop.shape[:2]))
            if scale > 1.0:
                crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
            res = self._crop_mesh.process(to_rgb(crop))
            if not res.multi_face_landmarks:
                continue
            ch, cw = crop.shape[:2]
            lm = _landmarks_to_array(res.multi_face_landmarks[0], cw, ch) / scale
            lm[:, 0] += ax
            lm[:, 1] += ay
            out[i] = lm
        return out


def to_rgb(image_bgr: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The read-only RGB copy of a BGR uint8 image that the models take (read-only lets MediaPipe skip a copy)."""
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
        raise ValueError(f"image_bgr: expected (H, W, 3) uint8, got {image_bgr.shape} {image_bgr.dtype}")
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    rgb.flags.writeable = False
    return rgb


CROP_CONTEXT = 2.0
"""Crop side / detection box side: face mesh's own detector needs the face with some surroundings."""
CROP_MIN_PX = 256
"""Crops smaller than this are scaled up so small faces reach the size face mesh works at."""


def _detections_to_arrays(result: object, source: int, w: int, h: int) -> FaceDetections:
    dets = getattr(result, "detections", None)
    if not dets:
        return FaceDetections.empty()
    n = len(dets)
    xyxy = np.zeros((n, 4), np.float32)
    score = np.zeros((n,), np.float32)
    kps = np.zeros((n, 6, 2), np.float32)
    for i, det in enumerate(dets):
        loc = det.location_data
        bb = loc.relative_bounding_box
        xyxy[i] = (bb.xmin * w, bb.ymin * h, (bb.xmin + bb.width) * w, (bb.ymin + bb.height) * h)
        score[i] = det.score[0] if det.score else 0.0
        for k, kp in enumerate(loc.relative_keypoints[:6]):
            kps[i, k] = (kp.x * w, kp.y * h)
    return FaceDetections(xyxy, score, kps, np.full((n,), source, np.int8))


def _landmarks_to_array(landmarks: object, w: int, h: int, expected: int = N_MESH_LANDMARKS) -> NDArray[np.float32]:
    pts = np.array([(p.x, p.y, p.z) for p in landmarks.landmark], dtype=np.float32)
    if pts.shape[0] != expected:
        raise ModelAssetError(f"a MediaPipe model returned {pts.shape[0]} landmarks, expected {expected}")
    pts *= np.array([w, h, w], np.float32)
    return pts
