"""Who is the infant: role decisions over a whole recording, from face tracks (pure numpy).

Cues (issue 3): position (the infant is usually the lower face: on a lap, in a chair in front of the parent; iCatcher+
picks "the lowest face" for the same reason), face proportions from the mesh (an infant's eyes sit lower in the face
and its mouth is narrower relative to the eye distance), and the track: a person keeps their role for the whole track.
A guider can override with ``infant = left|right|top|bottom|largest|smallest``.

Decisions are made per *track* (a person), then per tick:

1. every track gets a score ``s`` (higher = more infant-like) from its medians over the recording: how low its face
   is, its face proportions, and how small its face is (issue 23: a toddler standing beside her kneeling mother is not
   the lower face, but hers is the smaller one);
2. in ticks with two or more faces, the highest-scoring face is the infant and the partner is the most adult-like
   (``auto``) or the largest remaining face (overrides);
3. a face seen alone takes the role its track had when seen with others; a track never seen with others is compared
   with the threshold learned from tracks that were, or (no such tracks) with absolute proportion cues.

How sure a two-face role is (``auto``, :func:`pair_confidence`) is judged from what the two faces look like *around
that tick*, not only from how far apart their scores are: being the more infant-like of two faces does not make a face
an infant. Two adults (a parent and a visitor, two people on a television) must not give a confident "baby", so the
confidence weighs three explanations of the pair: this face is the infant, the other one is, or neither is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

ROLE_OTHER, ROLE_INFANT, ROLE_ADULT = 0, 1, 2
"""Role codes in :attr:`RoleDecision.role`."""

EYE_HEIGHT_ADULT = 0.665
"""Eye-line height / chin-to-forehead height separating infant-like (below) from adult-like faces in the mesh.
Measured on the shared media (issue 3): children 0.62–0.64 and adults 0.645–0.74 at similar poses; a weak cue alone."""
EYE_HEIGHT_SCALE = 0.02
MOUTH_WIDTH_ADULT = 0.78
"""Neutral mouth width / inter-ocular distance separating infants (narrower) from adults; measured 0.56–0.77 on
children and 0.73–0.87 on neutral adults."""
MOUTH_WIDTH_SCALE = 0.06
EYE_WEIGHT = 0.5
LOWNESS_SCALE = 0.15
"""A face 15 % of the frame height lower counts as much as one unit of proportion evidence."""
LONE_FACE_INFANT_PRIOR = 0.5
"""Logit added for a face never seen beside another: the camera in a VIG recording is usually aimed at the infant."""
EVIDENCE_GAIN = 2.0
"""Log-likelihood per unit of score (proportion evidence, or 15 % of the frame height of lowness): a score difference
of 1 between two faces makes the lower-scoring one the infant at odds 1 : e^2 (about 1 : 7)."""
PROPORTION_PRIOR_ROWS = 10
"""Pseudo-count of evidence-free rows a track's mean proportion evidence is shrunk with (1 s at the default 10 Hz): a
track measured frontally in one frame carries a tenth of the weight of one measured for a second. Issue 11: a toddler
turned 3/4 beside her mother was measured frontally once, with an open mouth (-2.9, adult-like), and that single frame
outweighed 44 frames of the talking mother (-1.8), so the mother was taken as the infant for the whole clip."""
LOCAL_EVIDENCE_TICKS = 30
"""Half-width, in ticks (3 s at the default 10 Hz), of the window over which a face's proportion evidence is averaged
for the confidence of a tick: what this person looks like now, not the average of a track that may, after a cut or a
tracking slip, have followed someone else. 3 s keeps a real child's confidence above 0.8 on the Lookit clips (at 1 s,
single noisy frames pull some ticks to 0.5) while a track that runs on into another clip soon stops counting."""

SIZE_LOG_SCALE = 0.4
"""Natural log of the face-height ratio that counts as one unit of infant-likeness in the decision (like 15 % of the
frame height of lowness): a toddler's face is about two thirds the height of an adult's (e^-0.4 = 0.67); on the
development families the child's face was 0.65-0.9 of the parent's (2UWdXP, 4JDccE) and 0.93-0.96 at the Lookit
webcams. Set from those proportions, not fitted: roles on 2UWdXP and 4JDccE are the same for any scale from 0.3 to 0.6
(``bench/eval_roles.py``). Two adults at different depths differ as much, so size decides which of two faces is the
child but does not make the decision surer (:func:`pair_confidence` does not see it)."""


@dataclass(slots=True)
class RoleDecision:
    """Roles per face row and per tick.

    Attributes:
        role: (M,) int8 per face row, :data:`ROLE_INFANT`, :data:`ROLE_ADULT` or :data:`ROLE_OTHER`.
        confidence: (M,) float32 0.5–1 how sure the role is: in multi-face ticks :func:`pair_confidence` (``auto``)
            or 1 (overrides); a face seen alone, how consistently its track had that role beside others.
        track_score: dict track id -> infant-likeness score used.
        infant_tracks: track ids decided as the infant on most of their ticks.
    """

    role: NDArray[np.int8]
    confidence: NDArray[np.float32]
    track_score: dict[int, float]
    infant_tracks: tuple[int, ...]


def proportion_evidence(eye_height_ratio: NDArray[np.floating], mouth_width_ratio: NDArray[np.floating]) -> NDArray[np.float64]:
    """Infant-likeness from face proportions, in logit-like units (positive = infant-like, 0 = unknown).

    Args:
        eye_height_ratio: (n,) from :func:`vigclips.vision.features.eye_height_ratio` (NaN = no mesh).
        mouth_width_ratio: (n,) mouth width / inter-ocular distance (NaN = no mesh).

    Returns:
        (n,) float64: each cue clipped to ±2, the mouth cue weighted 1 and the eye cue 0.5 (the mouth separated
        children from adults better on the shared media); NaN where a cue is missing.
    """
    eye = np.clip((EYE_HEIGHT_ADULT - np.asarray(eye_height_ratio, np.float64)) / EYE_HEIGHT_SCALE, -2, 2)
    mouth = np.clip((MOUTH_WIDTH_ADULT - np.asarray(mouth_width_ratio, np.float64)) / MOUTH_WIDTH_SCALE, -2, 2)
    return EYE_WEIGHT * eye + mouth


def group_median(inverse: NDArray[np.integer], values: NDArray[np.floating], n_groups: int) -> NDArray[np.float64]:
    """Median of ``values`` per group (NaN-free input), in O(M log M).

    Args:
        inverse: (M,) group index 0..n_groups-1 of each value.
        values: (M,) values.
        n_groups: number of groups.

    Returns:
        (n_groups,) float64 medians (NaN for an empty group).

    Example:
        >>> group_median(np.array([0, 0, 1, 0]), np.array([3.0, 1.0, 5.0, 2.0]), 2).tolist()
        [2.0, 5.0]
    """
    inverse = np.asarray(inverse, np.int64)
    values = np.asarray(values, np.float64)
    order = np.lexsort((values, inverse))
    g, v = inverse[order], values[order]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    out = np.full(n_groups, np.nan)
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2.0
    return out


def _sigmoid(x: NDArray[np.float64] | float) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def pair_confidence(
    evidence_infant: NDArray[np.floating] | float,
    evidence_adult: NDArray[np.floating] | float,
    lowness: NDArray[np.floating] | float,
) -> NDArray[np.float64]:
    """Probability that the face called the infant is the infant and its partner an adult.

    Three explanations of two faces are weighed with equal prior odds: *I* (the face called the infant is the infant,
    the other an adult), *A* (the other way round) and *N* (neither is an infant: two adults). Each face's own
    proportion evidence ``e`` (:func:`proportion_evidence`, 0 when unknown) is a log-likelihood ratio infant : adult;
    the height difference is evidence only between *I* and *A* (the infant sits lower; two adults say nothing about
    it), split evenly around *N*. With ``l = lowness / 2`` and :data:`EVIDENCE_GAIN` ``g``::

        P(I) = exp(g (e_i + l)) / (exp(g (e_i + l)) + exp(g (e_a - l)) + 1)

    Without *N* this is ``sigmoid(g (score_i - score_a))``, the plain comparison of the two faces' scores. With it, a
    face that is only *more* infant-like than an adult-looking partner but itself looks adult (``e_i <= 0``) at about
    the same height gives about 0.5, whereas a clearly lower face, or one with infant proportions, stays near 1.

    Args:
        evidence_infant: (n,) proportion evidence of the face called the infant (NaN = no mesh, counts as 0).
        evidence_adult: (n,) the same for its partner.
        lowness: (n,) how much lower the infant's face is, in units of :data:`LOWNESS_SCALE` of the frame height.

    Returns:
        (n,) float64 in (0, 1).

    Example:
        >>> round(float(pair_confidence(0.0, -1.0, 0.0)), 2)  # two adult-looking faces at one height
        0.47
        >>> round(float(pair_confidence(1.5, 0.0, 2.0)), 2)  # a lower, infant-proportioned face
        0.99
    """
    e_i = np.nan_to_num(np.asarray(evidence_infant, np.float64), nan=0.0)
    e_a = np.nan_to_num(np.asarray(evidence_adult, np.float64), nan=0.0)
    half = 0.5 * np.asarray(lowness, np.float64)
    w_i = EVIDENCE_GAIN * (e_i + half)
    w_a = EVIDENCE_GAIN * (e_a - half)
    top = np.maximum(np.maximum(w_i, w_a), 0.0)  # log-sum-exp, safe for large evidence
    return np.exp(w_i - top) / (np.exp(w_i - top) + np.exp(w_a - top) + np.exp(-top))


def local_track_mean(
    frame_index: NDArray[np.integer], track_id: NDArray[np.integer], values: NDArray[np.floating], half_ticks: int
) -> NDArray[np.float64]:
    """Mean of a track's finite ``values`` within ±``half_ticks`` of each row, in O(M log M).

    Args:
        frame_index: (M,) tick index of each row.
        track_id: (M,) track of each row.
        values: (M,) values, NaN where unknown.
        half_ticks: window half-width in ticks.

    Returns:
        (M,) float64 means; NaN where the window holds no finite value of the row's track.

    Example:
        >>> local_track_mean(np.array([0, 1, 5, 0]), np.array([1, 1, 1, 2]), np.array([1.0, 3.0, 9.0, np.nan]), 1).tolist()
        [2.0, 2.0, 9.0, nan]
    """
    fi = np.asarray(frame_index, np.int64)
    v = np.asarray(values, np.float64)
    _, tr = np.unique(np.asarray(track_id, np.int64), return_inverse=True)
    if fi.size == 0:
        return np.zeros(0)
    rel = fi - fi.min()
    span = int(rel.max()) + 2 * int(half_ticks) + 2
    key = tr.astype(np.int64) * span + rel  # one sorted axis, tracks further apart than any window
    order = np.argsort(key, kind="stable")
    k = key[order]
    ok = np.isfinite(v[order])
    c_sum = np.r_[0.0, np.cumsum(np.where(ok, v[order], 0.0))]
    c_n = np.r_[0, np.cumsum(ok)]
    lo = np.searchsorted(k, k - half_ticks, side="left")
    hi = np.searchsorted(k, k + half_ticks, side="right")
    n = c_n[hi] - c_n[lo]
    out = np.full(fi.shape[0], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[order] = np.where(n > 0, (c_sum[hi] - c_sum[lo]) / np.maximum(n, 1), np.nan)
    return out


def decide_roles(
    frame_index: NDArray[np.integer],
    track_id: NDArray[np.integer],
    cx: NDArray[np.floating],
    cy: NDArray[np.floating],
    size: NDArray[np.floating],
    eye_height_ratio: NDArray[np.floating],
    mouth_width_ratio: NDArray[np.floating],
    infant: str = "auto",
) -> RoleDecision:
    """Decide infant and adult among face rows of a whole recording.

    Args:
        frame_index: (M,) tick index of each face row (rows of one tick share it).
        track_id: (M,) track of each row.
        cx: (M,) face centre x as a fraction of the width (0 = left).
        cy: (M,) face centre y as a fraction of the height (0 = top).
        size: (M,) face height as a fraction of the frame height.
        eye_height_ratio: (M,) mesh proportion cue, NaN where no mesh.
        mouth_width_ratio: (M,) mesh proportion cue, NaN where no mesh.
        infant: ``auto`` or an override (``left``, ``right``, ``top``, ``bottom``, ``largest``, ``smallest``).

    Returns:
        A :class:`RoleDecision`.

    Example:
        >>> d = decide_roles(np.array([0, 0]), np.array([0, 1]), np.array([0.3, 0.7]), np.array([0.7, 0.3]),
        ...                  np.array([0.2, 0.2]), np.array([np.nan, np.nan]), np.array([np.nan, np.nan]))
        >>> d.role.tolist()
        [1, 2]
    """
    frame_index = np.asarray(frame_index, np.int64)
    track_id = np.asarray(track_id, np.int64)
    m = frame_index.shape[0]
    role = np.zeros(m, np.int8)
    conf = np.full(m, 0.5, np.float32)
    if m == 0:
        return RoleDecision(role, conf, {}, ())
    cx, cy, size = (np.asarray(a, np.float64) for a in (cx, cy, size))
    prop = proportion_evidence(eye_height_ratio, mouth_width_ratio)

    tracks, inv = np.unique(track_id, return_inverse=True)
    # Per-track medians/means in O(M log M) (a 2-hour recording has ~10^5 face rows and thousands of tracks).
    mx_, my_, ms_ = (group_median(inv, a, tracks.size) for a in (cx, cy, size))
    finite = np.isfinite(prop)
    n_prop = np.bincount(inv[finite], minlength=tracks.size)
    sum_prop = np.bincount(inv[finite], weights=prop[finite], minlength=tracks.size)
    mp_ = sum_prop / (n_prop + PROPORTION_PRIOR_ROWS)  # mesh rows only, shrunk to 0 (no evidence) when few
    med = {int(t): (float(mx_[k]), float(my_[k]), float(ms_[k]), float(mp_[k])) for k, t in enumerate(tracks)}
    score: dict[int, float] = {}
    for t, (mx, my, ms, mp) in med.items():
        score[t] = {
            "auto": (my - 0.5) / LOWNESS_SCALE + mp,
            "left": -mx,
            "right": mx,
            "top": -my,
            "bottom": my,
            "largest": ms,
            "smallest": -ms,
        }[infant]
    if infant == "auto":
        # The smaller face is the more child-like (issue 23: a toddler standing beside her kneeling mother is not the
        # lower face, but hers is the smaller one); relative to the recording's median face.
        ref = float(np.median(size[size > 0])) if np.any(size > 0) else 1.0
        for k, t in enumerate(tracks):
            if ms_[k] > 0:
                score[int(t)] -= float(np.log(ms_[k] / ref)) / SIZE_LOG_SCALE
    s_row = np.array([score[int(t)] for t in tracks], np.float64)[inv]
    # What each face looks like around its tick, for the confidence (auto only). A row without a mesh counts as no
    # evidence (0) rather than being skipped: proportions measured in one frame of sixteen (the mesh fails on turned
    # and small faces, where proportions also mislead) must not count as if seen in all sixteen.
    prop_local = (
        local_track_mean(frame_index, track_id, np.nan_to_num(prop, nan=0.0), LOCAL_EVIDENCE_TICKS)
        if infant == "auto"
        else prop
    )

    # Multi-face ticks: infant = highest score; partner = most adult-like (auto) or largest remaining (override).
    votes: dict[int, list[int]] = {int(t): [0, 0] for t in tracks}
    order = np.argsort(frame_index, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(frame_index[order]) != 0])
    ends = np.r_[starts[1:], m]
    lone_rows: list[int] = []
    pairs: list[tuple[int, int]] = []
    for a, b in zip(starts, ends):
        rows = order[a:b]
        if rows.size == 1:
            lone_rows.append(int(rows[0]))
            continue
        i_inf = rows[np.argmax(s_row[rows])]
        rest = rows[rows != i_inf]
        i_ad = rest[np.argmin(s_row[rest])] if infant == "auto" else rest[np.argmax(size[rest])]
        role[i_inf], role[i_ad] = ROLE_INFANT, ROLE_ADULT
        pairs.append((int(i_inf), int(i_ad)))
        votes[int(track_id[i_inf])][0] += 1
        votes[int(track_id[i_ad])][1] += 1
    if pairs:
        p_inf, p_ad = np.array(pairs, np.int64).T
        if infant == "auto":
            c = pair_confidence(prop_local[p_inf], prop_local[p_ad], (cy[p_inf] - cy[p_ad]) / LOWNESS_SCALE)
        else:
            c = np.ones(p_inf.size)
        conf[p_inf] = conf[p_ad] = np.maximum(c, 0.5)

    # Threshold learned from tracks that were seen beside another face (midpoint of the two groups' scores).
    inf_s = [score[t] for t, v in votes.items() if v[0] > v[1]]
    ad_s = [score[t] for t, v in votes.items() if v[1] > v[0]]
    threshold = (float(np.mean(inf_s)) + float(np.mean(ad_s))) / 2.0 if inf_s and ad_s else None
    for r in lone_rows:
        t = int(track_id[r])
        n_inf, n_ad = votes[t]
        if n_inf + n_ad > 0:
            is_inf = n_inf >= n_ad
            c = max(n_inf, n_ad) / (n_inf + n_ad)
        elif threshold is not None:
            is_inf = score[t] >= threshold
            c = float(_sigmoid(abs(score[t] - threshold) * 2.0))
        elif infant == "auto":
            p = float(_sigmoid(med[t][3] + LONE_FACE_INFANT_PRIOR))
            is_inf, c = p >= 0.5, max(p, 1 - p)
        elif infant in ("left", "right", "top", "bottom"):
            centre = 0.5 if infant in ("right", "bottom") else -0.5
            is_inf = score[t] >= centre
            c = 0.6
        else:  # largest/smallest with nothing to compare: fall back to proportions
            p = float(_sigmoid(med[t][3] + LONE_FACE_INFANT_PRIOR))
            is_inf, c = p >= 0.5, max(p, 1 - p)
        role[r] = ROLE_INFANT if is_inf else ROLE_ADULT
        conf[r] = max(c, 0.5)
    n_inf = np.bincount(inv, weights=(role == ROLE_INFANT).astype(np.float64), minlength=tracks.size)
    n_all = np.bincount(inv, minlength=tracks.size)
    infant_tracks = tuple(int(t) for t in tracks[n_inf * 2 > n_all])
    return RoleDecision(role, conf, score, infant_tracks)
