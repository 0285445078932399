"""Channels from face rows (pure numpy): roles decided over the whole recording, then per tick each role's place, head
pose, gaze, smile and mouth, whether each looks at the other or elsewhere, and the shared states (:func:`build_result`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips.vision import roles
from vigclips.vision.face_rows import _F, head_confidence, with_profile_yaw
from vigclips.vision.head_pose import eye_trust
from vigclips.vision.looking import angle_to_partner_deg, cone_score, face_positions_3d
from vigclips.vision.result import EXTRA_COLUMNS, VISION_COLUMNS, VisionResult
from vigclips.vision.settings import VisionConfig

GAZE_FROM_EYES_TRUST = 0.5
"""Weight of the irises in a gaze (:func:`vigclips.vision.head_pose.eye_trust`) from which the gaze counts as the eyes'."""

PROPORTIONS_MAX_YAW_DEG = 15.0
"""Face mesh proportions (eye height, mouth width) count as role evidence only on faces turned at most this far from
the camera: they were measured on near-frontal faces (issue 3), and on a baby at 3/4 they read adult-like (issue 11)."""

EXPRESSION_FROM_YAW_DEG = 15.0
"""A baby's smile is face mesh's alone on faces turned at most this far (as for the role proportions, face mesh was
measured on near-frontal faces); the expression classifier's share grows to one half at twice this (:func:`infant_smile`)."""

ADULT_EXPRESSION_SHARE = 0.5
"""Share of the expression classifier in a parent's smile on a face turned at most :data:`EXPRESSION_FROM_YAW_DEG` (the
rest is face mesh's mouth measure); it grows to all of it at twice that (:func:`adult_smile`)."""

TURNED_SMILE_SURE_FROM = 0.65
"""Detector score below which the classifier's smile on a turned parent's face counts for nothing: a head seen from
behind or in lost profile still gets a box (the iCatcher mother nuzzling her baby: median score 0.64), whose crop the
classifier reads as a weak smile as readily as a real profile (issue 22: 82 % of her turned ticks read as smiles)."""
TURNED_SMILE_SURE_AT = 0.85
"""Detector score from which it counts fully (a mother's profile at her baby in 2UWdXP scores 0.8–0.9); in proportion
between."""

SLACK_FULL_YAW_DEG = 20.0
"""The partner's depth counts as unknown (``looks_depth_slack``) in full for a head turned this far or more from the
camera, and in proportion for less: a face turned to the camera is seen at its true direction."""

PARENT_IN_VIEW_FULL = 0.5
"""Share of the frames around a baby's look in which her parent's face must be in view for the look to count fully
(:func:`parent_in_view`): more often seen than not. Set by that reasoning, not fitted; 0.75 was also measured (issue
23: 2UWdXP's baby looks 0.809–0.831 over windows of 0.5–3 s, but 4JDccE lost one of its three looks at 0.5 s and 3 s)."""

INFANT_IOD_M = 0.045
"""Typical infant inter-ocular distance in metres (for rough depth from face size)."""
ADULT_IOD_M = 0.063
"""Typical adult inter-ocular distance in metres."""
EYES_HIDDEN_SHARE = 1.0
"""Share of a face's two eyes under hands from which its eyes count as hidden: both (a hand on one cheek, or over the
far eye of a 3/4 face, leaves the other eye free to look)."""


def build_result(
    pts_s: NDArray[np.float64],
    image_wh: NDArray[np.int32],
    face_frame: NDArray[np.int32],
    face_track: NDArray[np.int32],
    face_data: NDArray[np.float32],
    cfg: VisionConfig,
    decision: roles.RoleDecision | None = None,
) -> VisionResult:
    """Decide roles over the recording and build every channel from face rows (pure numpy).

    Args:
        pts_s: (N,) frame times.
        image_wh: (N, 2) frame sizes.
        face_frame: (M,) sorted frame index of each face row.
        face_track: (M,) track ids.
        face_data: (M, len(FACE_FIELDS)) rows from :func:`vigclips.vision.measure.frame_faces`.
        cfg: vision settings (``infant`` override, gaze tolerances, partner memory, depth).
        decision: the roles, where the caller already decided them from these rows (:func:`decide_face_roles`).

    Returns:
        The :class:`VisionResult`.
    """
    n = pts_s.shape[0]
    D = with_profile_yaw(face_data, cfg.profile_yaw_from_deg)
    fw = image_wh[face_frame, 0].astype(np.float64) if n else np.zeros(0)
    fh = image_wh[face_frame, 1].astype(np.float64) if n else np.zeros(0)
    cx_px = (D[:, 0] + D[:, 2]) / 2.0
    cy_px = (D[:, 1] + D[:, 3]) / 2.0
    if decision is None:
        decision = decide_face_roles(image_wh, face_frame, face_track, face_data, cfg)
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
    adult_seen = role_row["adult"] >= 0
    if cfg.adult_smile_expression:  # off by default: see VisionConfig (issue 22)
        ch["adult_smile"][adult_seen] = adult_smile(D[role_row["adult"][adult_seen]], cfg)
    else:
        ch["adult_smile"][adult_seen] = adult_mesh_smile(D[role_row["adult"][adult_seen]], cfg)
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
        if looker == "infant" and cfg.infant_look_seen_window_s > 0:
            look = look * parent_in_view(ch["adult_present"], pts_s, cfg.infant_look_seen_window_s)
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
    Lookit child at 0–5 s, whom face mesh and the eye both see neutral). The classifier's part is
    :func:`infant_expression_smile`, which counts its "surprise" against a smile (``infant_smile_surprise``).
    """
    mesh = np.fmax(rows[:, _F["smile"]], infant_play_smile(rows, cfg))
    smile = infant_expression_smile(rows) if cfg.infant_smile_surprise else rows[:, _F["expression_smile"]]
    expression = np.clip(smile.astype(np.float64) / cfg.expression_smile_full, 0.0, 1.0)
    turned = np.clip((np.abs(rows[:, _F["head_yaw_deg"]]) - EXPRESSION_FROM_YAW_DEG) / EXPRESSION_FROM_YAW_DEG, 0.0, 1.0)
    weight = np.where(np.isfinite(expression), 0.5 * np.nan_to_num(turned), 0.0)  # the classifier's share
    return np.where(np.isfinite(mesh), weight * np.nan_to_num(expression) + (1.0 - weight) * mesh, np.nan)


def infant_expression_smile(rows: NDArray[np.float32]) -> NDArray[np.float64]:
    """(k,) the classifier's smile probability for a baby: happy / (happy + neutral + sad + surprise), from the face
    rows' ``expression_smile`` (happy / (happy + neutral + sad)) and ``expression_surprise`` (surprise over the same
    denominator); ``expression_smile`` alone where the surprise is unknown (issue 23).

    An open, attentive mouth is not a smile (the label protocol: "open without a smile: surprise, attention" is 0),
    and "surprise" is the classifier's name for that face: the 2UWdXP baby watching her mother tear paper, turned
    50–60°, read as smiling on 8 of 27 labelled not-smiling seconds while happy was set against neutral and sad only.
    Fear and anger stay out, as before: the classifier spreads a baby's face over them whether she smiles or not.

    Example:
        >>> r = np.full((2, len(_F)), np.nan, np.float32)
        >>> r[:, _F["expression_smile"]] = 0.6, 0.6
        >>> r[:, _F["expression_surprise"]] = 0.5, np.nan
        >>> infant_expression_smile(r).round(2).tolist()
        [0.4, 0.6]
    """
    smile = rows[:, _F["expression_smile"]].astype(np.float64)
    surprise = rows[:, _F["expression_surprise"]].astype(np.float64)
    return np.where(np.isfinite(surprise), smile / (1.0 + np.maximum(surprise, 0.0)), smile)


def adult_mesh_smile(rows: NDArray[np.float32], cfg: VisionConfig) -> NDArray[np.float64]:
    """(k,) a parent's smile 0–1 from her face mesh: the blendshapes model's smile where it ran, scaled so that
    ``adult_blend_full`` counts as a full smile, else the lip-corner measure; NaN without a mesh (issue 22).

    The lip-corner measure was written for faces seen from the front and misreads a mouth turned at 3/4; the
    blendshapes model, trained on the same mesh, reads it (``bench/eval_smile_models.py``).

    Example:
        >>> r = np.full((3, len(_F)), np.nan, np.float32)
        >>> r[:, _F["smile"]] = 0.9, 0.9, np.nan
        >>> r[:, _F["blend_smile"]] = 0.2, np.nan, np.nan
        >>> adult_mesh_smile(r, VisionConfig(adult_blend_full=0.4)).round(2).tolist()
        [0.5, 0.9, nan]
    """
    mesh = rows[:, _F["smile"]].astype(np.float64)
    blend = np.clip(rows[:, _F["blend_smile"]].astype(np.float64) / cfg.adult_blend_full, 0.0, 1.0)
    return np.where(np.isfinite(blend), blend, mesh)


def adult_smile(rows: NDArray[np.float32], cfg: VisionConfig) -> NDArray[np.float64]:
    """(k,) a parent's smile 0–1 from face rows: face mesh's mouth measure mixed with the expression classifier's smile
    probability, whose scale follows the head's turn (issue 22).

    A mother smiling at her baby is seen at 3/4 or in profile, where face mesh misreads the lips or does not fit at all
    (the parent's smile was seen only when she faced the camera: 0.50 balanced accuracy on the labelled turned seconds
    of the shared home clips). The classifier still sees the smile there, but weakly: on a profile its smile
    probability stays low even for a laugh, so its full-smile value falls with the turn, from
    ``adult_expression_full`` facing the camera to ``adult_expression_full_turned`` at twice
    :data:`EXPRESSION_FROM_YAW_DEG` and beyond. Facing the camera the two measures count
    :data:`ADULT_EXPRESSION_SHARE` each (unlike a toddler's calm face, an adult's neutral face is not read "happy");
    the classifier's share grows with the turn to all of it. On a turned face the classifier's smile counts only as far
    as the detector is sure of the face (:data:`TURNED_SMILE_SURE_FROM`, :data:`TURNED_SMILE_SURE_AT`): the back of a
    head is not a profile. One alone where the other did not measure; NaN where neither did. ``rows`` carry the yaw
    of :func:`vigclips.vision.face_rows.with_profile_yaw`.

    Example:
        >>> r = np.full((2, len(_F)), np.nan, np.float32)
        >>> r[:, _F["smile"]] = 0.2, np.nan
        >>> r[:, _F["expression_smile"]] = 0.6, 0.15
        >>> r[:, _F["head_yaw_deg"]] = 5.0, -75.0
        >>> adult_smile(r, VisionConfig(adult_expression_full=0.6, adult_expression_full_turned=0.1)).round(2).tolist()
        [0.6, 1.0]
    """
    mesh = adult_mesh_smile(rows, cfg)
    turned = np.clip((np.abs(rows[:, _F["head_yaw_deg"]]) - EXPRESSION_FROM_YAW_DEG) / EXPRESSION_FROM_YAW_DEG, 0.0, 1.0)
    turned = np.where(np.isfinite(turned), turned, 1.0)  # no pose at all: not seen from the front
    full = (1.0 - turned) * cfg.adult_expression_full + turned * cfg.adult_expression_full_turned
    det = rows[:, _F["det_score"]].astype(np.float64)
    sure = np.clip((det - TURNED_SMILE_SURE_FROM) / (TURNED_SMILE_SURE_AT - TURNED_SMILE_SURE_FROM), 0.0, 1.0)
    sure = np.where(np.isfinite(det), sure, 1.0)  # a face only face mesh found: it fitted the face
    expression = np.clip(rows[:, _F["expression_smile"]].astype(np.float64) / full, 0.0, 1.0)
    expression = expression * (1.0 - turned + turned * sure)
    share = ADULT_EXPRESSION_SHARE + (1.0 - ADULT_EXPRESSION_SHARE) * turned
    mixed = share * expression + (1.0 - share) * mesh
    return np.where(np.isfinite(mesh), np.where(np.isfinite(expression), mixed, mesh), expression)


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


def parent_in_view(present: NDArray[np.float32], t_s: NDArray[np.float64], half_window_s: float) -> NDArray[np.float64]:
    """(N,) how far a baby's look at her parent counts at each frame, by how often the parent's face was in view around
    it: fully where it was seen in at least :data:`PARENT_IN_VIEW_FULL` of the frames within ``half_window_s`` before
    or after (the frame itself included), in proportion below (issue 23).

    In the VIG shot the mother's face leaves the view (out of the frame, cut by its edge, behind the paper or toy she
    holds up) exactly when her hands and what they hold come between the two, and that is what the baby's eyes follow:
    on 2UWdXP's labelled seconds, 14 of the 42 the program read as looks while the labels say "no" had the mother's
    face unseen in most ticks, and none of the 29 true looks did. ``partner_memory_s`` still aims the look at where she
    was last seen; this only says how much such a look is worth.

    Example:
        >>> t = np.arange(6) * 0.5
        >>> parent_in_view(np.array([1, 1, 0, 0, 0, 0], np.float32), t, 0.5).round(2).tolist()
        [1.0, 1.0, 0.67, 0.0, 0.0, 0.0]
    """
    seen = np.concatenate([[0.0], np.cumsum(present > 0)])
    lo = np.searchsorted(t_s, t_s - half_window_s - 1e-9, side="left")
    hi = np.searchsorted(t_s, t_s + half_window_s + 1e-9, side="right")
    share = (seen[hi] - seen[lo]) / np.maximum(hi - lo, 1)
    return np.clip(share / PARENT_IN_VIEW_FULL, 0.0, 1.0)


def decide_face_roles(
    image_wh: NDArray[np.int32],
    face_frame: NDArray[np.int32],
    face_track: NDArray[np.int32],
    face_data: NDArray[np.float32],
    cfg: VisionConfig,
) -> roles.RoleDecision:
    """Who is the baby and who the adult over the whole recording, from its face rows: the first step of
    :func:`build_result`; the analysis takes it before the channels, to read only the adult's blendshapes, and hands it on."""
    fw = np.maximum(image_wh[face_frame, 0].astype(np.float64), 1) if face_data.shape[0] else np.ones(0)
    fh = np.maximum(image_wh[face_frame, 1].astype(np.float64), 1) if face_data.shape[0] else np.ones(0)
    # Face proportions tell infants from adults only on faces seen from the front (issue 11: a baby at 3/4 measured
    # adult-like and lost its role to its mother), so turned faces give no proportion evidence.
    # Face mesh's own yaw here, not the keypoints' (with_profile_yaw): the proportions are face mesh's, and a mother's
    # partial back view that face mesh reads frontal but the keypoints in profile would otherwise lose its evidence.
    frontal = np.abs(face_data[:, _F["head_yaw_deg"]]) <= PROPORTIONS_MAX_YAW_DEG
    return roles.decide_roles(
        face_frame,
        face_track,
        (face_data[:, 0] + face_data[:, 2]) / 2.0 / fw,
        (face_data[:, 1] + face_data[:, 3]) / 2.0 / fh,
        (face_data[:, 3] - face_data[:, 1]) / fh,
        np.where(frontal, face_data[:, _F["eye_height_ratio"]], np.nan),
        np.where(frontal, face_data[:, _F["mouth_width_ratio"]], np.nan),
        cfg.infant,
    )
