"""Whether a person looks at their partner (pure numpy): the angle between a gaze ray and the direction to the partner's
face, allowing for the partner's unknown depth, scored in a tolerance cone; and rough 3-D face positions from one camera.

Conventions as in :mod:`vigclips.vision.landmarks`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips.vision.head_pose import direction_from_angles
from vigclips.vision.landmarks import unit


def looks_at(
    gaze_yaw_deg: NDArray[np.floating],
    gaze_pitch_deg: NDArray[np.floating],
    from_xyz: NDArray[np.floating],
    to_xyz: NDArray[np.floating],
    full_deg: float,
    zero_deg: float,
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
        full_deg: angle at and below which the score is 1 (the setting ``looks_full_deg``).
        zero_deg: angle at and above which the score is 0 (``looks_zero_deg``).
        depth_slack: how far the partner's depth may differ from its estimate, per unit of sideways distance (0 = the
            estimate is exact; 1 = up to 45° nearer or farther as the looker sees it).

    Returns:
        (n,) float64 in [0, 1]; NaN where any input is NaN.

    Example:
        >>> looks_at(np.array([90.0]), np.array([0.0]), np.array([[0.0, 0, 0]]), np.array([[100.0, 0, 0]]), 15.0, 40.0)
        array([1.])
        >>> looks_at(np.array([50.0]), np.array([0.0]), np.zeros((1, 3)), np.array([[100.0, 0, 0]]), 15.0, 40.0, depth_slack=1.0)
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
    cos = np.clip(np.sum(d * unit(p), axis=-1), -1.0, 1.0)
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
