"""Pure-numpy face geometry from MediaPipe face mesh landmarks: head pose, eye gaze, smile, mouth opening, looking at a partner.

Conventions (issue 3, and the ``signals.csv`` columns):

* Image coordinates: ``x`` to the right, ``y`` down, ``z`` away from the camera (MediaPipe's landmark ``z``), all in pixels.
* ``yaw_deg`` 0 = facing the camera; positive = turned towards the image's right *as a viewer sees it*.
* ``pitch_deg`` positive = up. ``roll_deg`` positive = the eye line rotated clockwise in the image.
* Landmark indices are MediaPipe face mesh indices (``refine_landmarks=True``: 478 points, irises at 468–477).
  "Right"/"left" in the names below are the *subject's* sides, as MediaPipe names them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.settings import VisionConfig

# Landmark indices (MediaPipe face mesh topology).
R_EYE_OUTER, R_EYE_INNER, R_EYE_UPPER, R_EYE_LOWER = 33, 133, 159, 145
L_EYE_OUTER, L_EYE_INNER, L_EYE_UPPER, L_EYE_LOWER = 263, 362, 386, 374
R_IRIS, L_IRIS = 468, 473
"""Iris centres; 469–472 and 474–477 are points on each iris's edge."""
MOUTH_R, MOUTH_L = 61, 291
"""Lip corners (the landmarks a lip-corner pull, AU12, moves)."""
LIP_UPPER_OUTER, LIP_LOWER_OUTER = 0, 17
LIP_UPPER_INNER, LIP_LOWER_INNER = 13, 14
NOSE_TIP, CHIN, FOREHEAD = 1, 152, 10
FACE_R, FACE_L = 234, 454
"""Face outline at the cheekbones (the face's width)."""

# Keypoint indices of MediaPipe's face detector (subject's right/left).
KP_R_EYE, KP_L_EYE, KP_NOSE, KP_MOUTH, KP_R_EAR, KP_L_EAR = range(6)

KP_EAR_SPREAD_PER_NOSE_DEPTH = 1.3
"""Ear-to-ear breadth over the nose tip's depth in front of the ear line (about 14.5 cm over 11 cm in adults; infants'
proportions are close): the factor that turns the keypoints' nose offset into yaw (:func:`keypoint_head_pose`)."""

KP_PITCH_DEG_PER_DROP = -46.0
"""Head pitch per unit drop of the nose tip below the ear line (in face-box widths), and :data:`KP_PITCH_OFFSET_DEG`:
a line fitted to face mesh pitch on the first 786 faces of the shared ``lookit_laughter`` clips that both models measured
(issue 11; on all 2722 such faces of those and the LAEO clips: median difference 6°, r = 0.63). Calibrated against the
other model, never against labels."""
KP_PITCH_OFFSET_DEG = -5.0

FEATURE_NAMES = (
    "head_yaw_deg",
    "head_pitch_deg",
    "head_roll_deg",
    "gaze_yaw_deg",
    "gaze_pitch_deg",
    "smile",
    "mouth_open",
    "eye_height_ratio",
    "mouth_width_ratio",
)
"""Columns of :func:`face_features` (one row per face)."""


_DEFAULTS = VisionConfig()


@dataclass(frozen=True, slots=True)
class GeometryParams:
    """Calibration of the landmark measures; defaults are :class:`~vigclips.vision.settings.VisionConfig`'s (one
    source of truth), described there.

    Attributes:
        eye_yaw_gain_deg: eye-in-head yaw for an iris displaced by one half eye-width from the eye centre.
        eye_pitch_gain_deg: the same, vertically (iris displacement in half eye-widths).
        smile_width_neutral: mouth width / inter-ocular distance of a neutral mouth.
        smile_width_span: how much wider than neutral a full smile is (same units).
        smile_lift_span: lip-corner lift above the lip centre, in inter-ocular distances, for a full smile.
        mouth_open_span: inner-lip gap / mouth width for a fully open mouth.
    """

    eye_yaw_gain_deg: float = _DEFAULTS.eye_yaw_gain_deg
    eye_pitch_gain_deg: float = _DEFAULTS.eye_pitch_gain_deg
    smile_width_neutral: float = _DEFAULTS.smile_width_neutral
    smile_width_span: float = _DEFAULTS.smile_width_span
    smile_lift_span: float = _DEFAULTS.smile_lift_span
    mouth_open_span: float = _DEFAULTS.mouth_open_span

    @classmethod
    def from_config(cls, cfg: VisionConfig) -> "GeometryParams":
        """The calibration part of the vision settings."""
        return cls(**{f: getattr(cfg, f) for f in cls.__dataclass_fields__})


def _unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


def face_axes(landmarks: NDArray[np.floating]) -> NDArray[np.float64]:
    """Orthonormal head axes from landmarks.

    Args:
        landmarks: (n, 478, 3) landmarks in pixels (image ``x`` right, ``y`` down, ``z`` away from the camera).

    Returns:
        (n, 3, 3) float64: rows are the head's *x* axis (the subject's right eye towards left eye, i.e. image right for
        a frontal face), *up* axis (chin to forehead) and *forward* axis (out of the face; ``(0, 0, -1)`` when facing
        the camera).
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    x = _unit(lm[:, L_EYE_OUTER] - lm[:, R_EYE_OUTER])
    up = lm[:, FOREHEAD] - lm[:, CHIN]
    up = _unit(up - np.sum(up * x, axis=-1, keepdims=True) * x)
    fwd = _unit(np.cross(x, up))
    return np.stack([x, up, fwd], axis=1)


def head_pose_deg(axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Yaw, pitch and roll from head axes.

    Args:
        axes: (n, 3, 3) from :func:`face_axes`.

    Returns:
        (n, 3) float64 ``yaw_deg, pitch_deg, roll_deg`` (conventions in the module docstring).
    """
    x, fwd = axes[:, 0], axes[:, 2]
    yaw = np.degrees(np.arctan2(fwd[:, 0], -fwd[:, 2]))
    pitch = np.degrees(np.arctan2(-fwd[:, 1], np.hypot(fwd[:, 0], fwd[:, 2])))
    roll = np.degrees(np.arctan2(x[:, 1], x[:, 0]))
    return np.stack([yaw, pitch, roll], axis=1)


def direction_from_angles(yaw_deg: NDArray[np.floating], pitch_deg: NDArray[np.floating]) -> NDArray[np.float64]:
    """Unit 3-D direction (image axes) for a yaw/pitch: ``(0, 0, -1)`` is towards the camera.

    Args:
        yaw_deg: (n,) positive = towards the image's right.
        pitch_deg: (n,) positive = up.

    Returns:
        (n, 3) float64 unit vectors.
    """
    yaw = np.radians(np.asarray(yaw_deg, dtype=np.float64))
    pitch = np.radians(np.asarray(pitch_deg, dtype=np.float64))
    return np.stack([np.sin(yaw) * np.cos(pitch), -np.sin(pitch), -np.cos(yaw) * np.cos(pitch)], axis=-1)


def angles_from_direction(d: NDArray[np.floating]) -> NDArray[np.float64]:
    """Inverse of :func:`direction_from_angles`: (n, 3) directions to (n, 2) ``yaw_deg, pitch_deg``."""
    d = _unit(np.asarray(d, dtype=np.float64))
    yaw = np.degrees(np.arctan2(d[:, 0], -d[:, 2]))
    pitch = np.degrees(np.arctan2(-d[:, 1], np.hypot(d[:, 0], d[:, 2])))
    return np.stack([yaw, pitch], axis=1)


def _in_face(v: NDArray[np.float64], axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, 3) vectors expressed in head axes (x, up, forward)."""
    return np.einsum("nij,nj->ni", axes, v)


def eye_in_head(landmarks: NDArray[np.floating], axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Iris displacement within the eyes, averaged over both eyes.

    Args:
        landmarks: (n, 478, 3) pixels.
        axes: (n, 3, 3) from :func:`face_axes`.

    Returns:
        (n, 2) float64 ``(h, v)``: iris offset from the eye centre along the head's x and up axes, in half eye-widths
        (so ``h`` is about ±0.5 at an extreme sideways look; positive = towards the image's right / up).
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    out = np.zeros((lm.shape[0], 2))
    for outer, inner, upper, lower, iris in (
        (R_EYE_OUTER, R_EYE_INNER, R_EYE_UPPER, R_EYE_LOWER, R_IRIS),
        (L_EYE_OUTER, L_EYE_INNER, L_EYE_UPPER, L_EYE_LOWER, L_IRIS),
    ):
        half_w = np.linalg.norm(lm[:, outer] - lm[:, inner], axis=-1) / 2.0
        centre_h = (lm[:, outer] + lm[:, inner]) / 2.0
        centre_v = (lm[:, upper] + lm[:, lower]) / 2.0
        dh = _in_face(lm[:, iris] - centre_h, axes)[:, 0]
        dv = _in_face(lm[:, iris] - centre_v, axes)[:, 1]
        out[:, 0] += dh / np.maximum(half_w, 1e-6)
        out[:, 1] += dv / np.maximum(half_w, 1e-6)
    return out / 2.0


EYES_TRUSTED_YAW_DEG = 20.0
"""Up to this head yaw the irises count fully in the gaze; beyond it less, and from :data:`EYES_IGNORED_YAW_DEG` not at
all: the iris model needs both eyes seen from the front, and on a 3/4 face (far eye hidden) its offsets pulled a
mother's gaze back towards the camera while she looked at her baby (issue 11). There the head's direction is the gaze."""
EYES_IGNORED_YAW_DEG = 45.0


def eye_trust(yaw_deg: NDArray[np.floating]) -> NDArray[np.float64]:
    """How much the irises count in the gaze of a head turned ``yaw_deg`` from the camera: 1 up to
    :data:`EYES_TRUSTED_YAW_DEG`, 0 from :data:`EYES_IGNORED_YAW_DEG` (NaN stays NaN).

    Example:
        >>> eye_trust(np.array([10.0, -32.5, 60.0])).tolist()
        [1.0, 0.5, 0.0]
    """
    span = EYES_IGNORED_YAW_DEG - EYES_TRUSTED_YAW_DEG
    return np.clip((EYES_IGNORED_YAW_DEG - np.abs(np.asarray(yaw_deg, np.float64))) / span, 0.0, 1.0)


def gaze_deg(
    head_pose: NDArray[np.float64], eye_hv: NDArray[np.float64], params: GeometryParams = GeometryParams()
) -> NDArray[np.float64]:
    """Eye gaze = head pose plus the eye-in-head rotation given by the iris, faded out on turned heads.

    Args:
        head_pose: (n, 3) ``yaw_deg, pitch_deg, roll_deg`` from :func:`head_pose_deg`.
        eye_hv: (n, 2) from :func:`eye_in_head`.
        params: gains converting iris displacement to degrees.

    Returns:
        (n, 2) float64 ``gaze_yaw_deg, gaze_pitch_deg`` (same conventions as head pose), each clipped to ±90.
    """
    trust = eye_trust(head_pose[:, 0])
    eye_yaw = trust * np.clip(eye_hv[:, 0] * params.eye_yaw_gain_deg, -60.0, 60.0)
    eye_pitch = trust * np.clip(eye_hv[:, 1] * params.eye_pitch_gain_deg, -45.0, 45.0)
    return np.clip(np.stack([head_pose[:, 0] + eye_yaw, head_pose[:, 1] + eye_pitch], axis=1), -90.0, 90.0)


def eye_centres_3d(landmarks: NDArray[np.floating]) -> NDArray[np.float64]:
    """(n, 2, 3) the subject's right and left eye centres (midpoints of each eye's corners), in pixels."""
    lm = np.asarray(landmarks, dtype=np.float64)
    r = (lm[:, R_EYE_OUTER] + lm[:, R_EYE_INNER]) / 2.0
    left = (lm[:, L_EYE_OUTER] + lm[:, L_EYE_INNER]) / 2.0
    return np.stack([r, left], axis=1)


def eye_centres_px(landmarks: NDArray[np.floating]) -> NDArray[np.float64]:
    """(n, 2, 2) the subject's right and left eye centres in the image, in pixels."""
    return eye_centres_3d(landmarks)[..., :2]


def inter_ocular_px(landmarks: NDArray[np.floating]) -> NDArray[np.float64]:
    """(n,) 3-D distance between the two eye centres, in pixels: the face-size unit used to normalise mouth measures."""
    eyes = eye_centres_3d(landmarks)
    return np.linalg.norm(eyes[:, 1] - eyes[:, 0], axis=-1)


def mouth_measures(landmarks: NDArray[np.floating], axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Raw mouth geometry in head axes, normalised by face size.

    Args:
        landmarks: (n, 478, 3) pixels.
        axes: (n, 3, 3) from :func:`face_axes`.

    Returns:
        (n, 3) float64: ``width_ratio`` (lip-corner distance / inter-ocular distance), ``lift`` (how far the lip
        corners sit above the midpoint of the lips, in inter-ocular distances; positive = corners up, the lip-corner
        pull of a smile), ``gap_ratio`` (inner-lip gap / lip-corner distance).
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    iod = np.maximum(inter_ocular_px(lm), 1e-6)
    corners = (lm[:, MOUTH_R] + lm[:, MOUTH_L]) / 2.0
    centre = (lm[:, LIP_UPPER_OUTER] + lm[:, LIP_LOWER_OUTER]) / 2.0
    width = np.linalg.norm(_in_face(lm[:, MOUTH_L] - lm[:, MOUTH_R], axes)[:, :2], axis=-1)
    lift = _in_face(corners - centre, axes)[:, 1] / iod
    gap = np.maximum(_in_face(lm[:, LIP_UPPER_INNER] - lm[:, LIP_LOWER_INNER], axes)[:, 1], 0.0)
    return np.stack([width / iod, lift, gap / np.maximum(width, 1e-6)], axis=1)


def smile_score(mouth: NDArray[np.float64], params: GeometryParams = GeometryParams()) -> NDArray[np.float64]:
    """Smile intensity 0–1 from lip-corner geometry (AU12-like: corners pulled up and out).

    Args:
        mouth: (n, 3) from :func:`mouth_measures`.
        params: calibration.

    Returns:
        (n,) float64 in [0, 1]: the mean of the widening and the lift, each scaled to 0–1 by its span.
    """
    widen = np.clip((mouth[:, 0] - params.smile_width_neutral) / params.smile_width_span, 0.0, 1.0)
    lift = np.clip(mouth[:, 1] / params.smile_lift_span, 0.0, 1.0)
    return 0.5 * (widen + lift)


def mouth_open_score(mouth: NDArray[np.float64], params: GeometryParams = GeometryParams()) -> NDArray[np.float64]:
    """(n,) mouth opening 0–1: inner-lip gap over mouth width, scaled by ``params.mouth_open_span``."""
    return np.clip(mouth[:, 2] / params.mouth_open_span, 0.0, 1.0)


def eye_height_ratio(landmarks: NDArray[np.floating], axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n,) height of the eye line above the chin over the chin-to-forehead height (in head axes).

    Infants' eyes sit lower in the face (a large cranium over a small lower face), so this is smaller for infants:
    one of the face-proportion cues for roles.
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    eyes = (lm[:, R_EYE_OUTER] + lm[:, R_EYE_INNER] + lm[:, L_EYE_OUTER] + lm[:, L_EYE_INNER]) / 4.0
    h_eyes = _in_face(eyes - lm[:, CHIN], axes)[:, 1]
    h_face = _in_face(lm[:, FOREHEAD] - lm[:, CHIN], axes)[:, 1]
    return h_eyes / np.maximum(h_face, 1e-6)


def face_features(landmarks: NDArray[np.floating], params: GeometryParams = GeometryParams()) -> NDArray[np.float32]:
    """All per-face measures at once.

    Args:
        landmarks: (n, 478, 3) face mesh landmarks in pixels.
        params: calibration.

    Returns:
        (n, len(FEATURE_NAMES)) float32, columns as in :data:`FEATURE_NAMES`.

    Example:
        >>> face_features(np.zeros((0, 478, 3))).shape
        (0, 9)
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.ndim != 3 or lm.shape[1:] != (478, 3):
        raise ValueError(f"landmarks: expected shape (n, 478, 3), got {lm.shape}")
    if lm.shape[0] == 0:
        return np.zeros((0, len(FEATURE_NAMES)), np.float32)
    axes = face_axes(lm)
    pose = head_pose_deg(axes)
    gaze = gaze_deg(pose, eye_in_head(lm, axes), params)
    mouth = mouth_measures(lm, axes)
    cols = [
        pose[:, 0],
        pose[:, 1],
        pose[:, 2],
        gaze[:, 0],
        gaze[:, 1],
        smile_score(mouth, params),
        mouth_open_score(mouth, params),
        eye_height_ratio(lm, axes),
        mouth[:, 0],
    ]
    return np.stack(cols, axis=1).astype(np.float32)


def keypoint_head_pose(keypoints_px: NDArray[np.floating], box_width_px: NDArray[np.floating]) -> NDArray[np.float64]:
    """Head yaw and pitch from the face detector's six keypoints: the pose a profile still shows (issue 11).

    Face mesh needs most of the face and fails on profiles and steep 3/4 views, but the detector still returns eyes,
    nose tip, mouth and both ear tragions there. Seen from above, the ears sit at ±b either side of the head's centre
    line and the nose tip d in front of the ear line, so after a yaw the nose's sideways offset from the ears' midpoint
    is ``d sin(yaw)`` while the ears' spread is ``2b cos(yaw)``: ``tan(yaw) = (2b/d) · offset / spread``, with
    ``2b/d`` = :data:`KP_EAR_SPREAD_PER_NOSE_DEPTH` from adult head measurements. Against face mesh yaw on the 2722 faces
    both measured on the shared home and LAEO clips it agrees to a median 5° (r = 0.91; the mesh itself
    reads low towards profile, where it gives out). Pitch: how far the nose tip drops below the ear line, in face-box
    widths (:data:`KP_PITCH_DEG_PER_DROP`).

    Args:
        keypoints_px: (n, 6, 2) keypoints in pixels, MediaPipe's order (right eye, left eye, nose, mouth, right ear,
            left ear; the subject's sides).
        box_width_px: (n,) detection box widths in pixels (the face-size unit).

    Returns:
        (n, 2) float64 ``yaw_deg, pitch_deg`` (module conventions: yaw positive towards the image's right, pitch up).

    Example:
        >>> kp = np.array([[[40, 50], [60, 50], [50, 55], [50, 75], [20, 55], [80, 55]]], float)  # frontal
        >>> keypoint_head_pose(kp, np.array([80.0])).round()
        array([[ 0., -5.]])
    """
    kp = np.asarray(keypoints_px, dtype=np.float64).reshape(-1, 6, 2)
    w = np.maximum(np.asarray(box_width_px, dtype=np.float64).reshape(-1), 1e-6)
    ear_mid = (kp[:, KP_R_EAR] + kp[:, KP_L_EAR]) / 2.0
    ahead = kp[:, KP_NOSE, 0] - ear_mid[:, 0]
    spread = kp[:, KP_L_EAR, 0] - kp[:, KP_R_EAR, 0]
    yaw = np.degrees(np.arctan2(KP_EAR_SPREAD_PER_NOSE_DEPTH * ahead, spread))
    drop = (kp[:, KP_NOSE, 1] - ear_mid[:, 1]) / w
    pitch = KP_PITCH_DEG_PER_DROP * drop + KP_PITCH_OFFSET_DEG
    return np.stack([yaw, np.clip(pitch, -90.0, 90.0)], axis=1)


def looks_at(
    gaze_yaw_deg: NDArray[np.floating],
    gaze_pitch_deg: NDArray[np.floating],
    from_xyz: NDArray[np.floating],
    to_xyz: NDArray[np.floating],
    full_deg: float = _DEFAULTS.looks_full_deg,
    zero_deg: float = _DEFAULTS.looks_zero_deg,
    depth_slack: float = 0.0,
) -> NDArray[np.float64]:
    """How well a gaze ray points at a partner, 0–1.

    Scored from the angle between the gaze direction and the direction from the looker's face to the partner's face:
    1 below ``full_deg``, 0 above ``zero_deg``, linear between (a tolerance cone: landmark gaze is only good to
    ~10–15°).

    One camera cannot tell how much nearer or farther the partner is (face size gives it only roughly), so with
    ``depth_slack`` > 0 the partner may sit anywhere from ``depth_slack`` × their sideways distance in front of their
    estimated position to as far behind it, and the angle is the smallest over that range (issue 11). Two people
    facing each other across the image are then looking at each other when each is turned towards the other by
    enough, whatever the camera's angle on them; a face turned to the camera is not looking at someone beside it.

    Args:
        gaze_yaw_deg: (n,) looker's gaze yaw.
        gaze_pitch_deg: (n,) looker's gaze pitch.
        from_xyz: (n, 3) looker's face position (any consistent 3-D units, image axes: x right, y down, z away from
            the camera; use z = 0 for both to ignore depth).
        to_xyz: (n, 3) partner's face position, same units.
        full_deg: angle at and below which the score is 1.
        zero_deg: angle at and above which the score is 0.
        depth_slack: how far the partner's depth may differ from its estimate, per unit of sideways distance (0 = the
            estimate is exact; 1 = up to 45° nearer or farther as the looker sees it).

    Returns:
        (n,) float64 in [0, 1]; NaN where any input is NaN.

    Example:
        >>> looks_at(np.array([90.0]), np.array([0.0]), np.array([[0.0, 0, 0]]), np.array([[100.0, 0, 0]]))
        array([1.])
        >>> looks_at(np.array([50.0]), np.array([0.0]), np.array([[0.0, 0, 0]]), np.array([[100.0, 0, 0]]), depth_slack=1.0)
        array([1.])
    """
    return cone_score(angle_to_partner_deg(gaze_yaw_deg, gaze_pitch_deg, from_xyz, to_xyz, depth_slack), full_deg, zero_deg)


def cone_score(angle_deg: NDArray[np.floating], full_deg: float, zero_deg: float) -> NDArray[np.float64]:
    """(n,) 1 at and below ``full_deg``, 0 at and above ``zero_deg``, linear between; NaN stays NaN."""
    ang = np.asarray(angle_deg, dtype=np.float64)
    score = np.clip((zero_deg - ang) / max(zero_deg - full_deg, 1e-6), 0.0, 1.0)
    score[np.isnan(ang)] = np.nan
    return score


def angle_to_partner_deg(
    gaze_yaw_deg: NDArray[np.floating],
    gaze_pitch_deg: NDArray[np.floating],
    from_xyz: NDArray[np.floating],
    to_xyz: NDArray[np.floating],
    depth_slack: float | NDArray[np.floating] = 0.0,
) -> NDArray[np.float64]:
    """(n,) angle in degrees between a gaze ray and the direction to the partner (arguments as :func:`looks_at`);
    NaN where any input is NaN. 0 = straight at the partner, 90 = sideways, 180 = turned right away.

    Example:
        >>> angle_to_partner_deg(np.array([-90.0]), np.array([0.0]), np.zeros((1, 3)), np.array([[1.0, 0, 0]]))
        array([180.])
    """
    d = direction_from_angles(gaze_yaw_deg, gaze_pitch_deg)
    p = np.asarray(to_xyz, dtype=np.float64) - np.asarray(from_xyz, dtype=np.float64)
    if np.any(np.asarray(depth_slack) > 0):
        p = _nearest_in_depth_range(d, p, np.asarray(depth_slack, dtype=np.float64))
    cos = np.clip(np.sum(d * _unit(p), axis=-1), -1.0, 1.0)
    ang = np.degrees(np.arccos(cos))
    bad = ~np.isfinite(d).all(axis=-1) | ~np.isfinite(p).all(axis=-1)
    ang[bad] = np.nan
    return ang


def _nearest_in_depth_range(d: NDArray[np.float64], p: NDArray[np.float64], slack: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, 3) offsets ``p`` with z moved, within ``p_z ± slack × |p_xy|``, to where the direction is nearest ``d``.

    Directions ``(p_x, p_y, z)`` sweep a half great circle as z varies; the one nearest ``d`` has
    ``z = |p_xy| d_z / (d · p̂_xy)`` when ``d`` points to the partner's side (else the end of the range towards ``d_z``).
    """
    lateral = np.hypot(p[:, 0], p[:, 1])
    toward = (d[:, 0] * p[:, 0] + d[:, 1] * p[:, 1]) / np.maximum(lateral, 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        best_z = np.where(toward > 1e-9, lateral * d[:, 2] / toward, np.sign(d[:, 2]) * np.inf)
    lo, hi = p[:, 2] - slack * lateral, p[:, 2] + slack * lateral
    out = p.copy()
    out[:, 2] = np.clip(np.nan_to_num(best_z, nan=0.0, posinf=np.inf, neginf=-np.inf), lo, hi)
    return out


def face_positions_3d(
    cx_px: NDArray[np.floating],
    cy_px: NDArray[np.floating],
    size_px: NDArray[np.floating],
    real_size: NDArray[np.floating] | float,
    image_wh: tuple[float, float] | tuple[NDArray[np.floating], NDArray[np.floating]],
    focal_px: float | None = None,
) -> NDArray[np.float64]:
    """Rough 3-D face positions from image position and apparent size (pinhole camera).

    Depth ``z = focal * real_size / size_px``; ``x, y`` follow from the pixel offsets from the image centre. Units are
    those of ``real_size``. Used to point gaze rays at a partner sitting nearer or farther than the looker.

    Args:
        cx_px: (n,) face centre x.
        cy_px: (n,) face centre y.
        size_px: (n,) apparent face size (e.g. inter-ocular distance or box height) in pixels.
        real_size: the same measure in the world (scalar or (n,)).
        image_wh: image width and height in pixels (scalars, or (n,) arrays when frames differ).
        focal_px: focal length in pixels; default = image width (a ~53° horizontal field of view, typical of phones
            and webcams).

    Returns:
        (n, 3) float64 positions.
    """
    w = np.asarray(image_wh[0], dtype=np.float64)
    h = np.asarray(image_wh[1], dtype=np.float64)
    f = np.float64(focal_px) if focal_px else w
    z = f * np.asarray(real_size, dtype=np.float64) / np.maximum(np.asarray(size_px, dtype=np.float64), 1e-6)
    x = (np.asarray(cx_px, dtype=np.float64) - w / 2.0) * z / f
    y = (np.asarray(cy_px, dtype=np.float64) - h / 2.0) * z / f
    return np.stack([x, y, z], axis=-1)


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
