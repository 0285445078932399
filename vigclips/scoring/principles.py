"""Per-tick evidence and per-window scores for the four attunement principles (issue 5, ../shared/DOMAIN.md).

Pipeline of this module (all pure numpy):

1. :func:`compute_cues` binarises the 0–1 channels of :class:`vigclips.types.Signals` with hysteresis (NaN = not seen =
   off), bridges blinks, drops blips, and finds the discrete events the principles are built on (baby initiatives,
   parent responses, vocal turns: :mod:`vigclips.scoring.events`), giving the :class:`vigclips.scoring.cues.Cues`.
2. :func:`principle_evidence` turns cues into one (T,) float evidence array per principle (formulas in each docstring).
3. :func:`window_scores` averages evidence over a centred sliding window of ``cfg.window_s`` and saturates it to 0–1;
   :func:`combine` makes one score of them.

A cue whose channels were never measured (absent, or all NaN) contributes nothing; it is never guessed from other cues.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues
from vigclips.scoring.events import find_events, smiled_together
from vigclips.scoring.settings import ScoringConfig
from vigclips.types import Signals

PRINCIPLES: tuple[str, ...] = ("attentive", "encouraging", "receiving", "developing")
"""The four principles scored, in DOMAIN.md order: being attentive, encouraging initiatives, receiving initiatives,
developing attuned interactions."""


def _measured(signals: Signals, *names: str) -> bool:
    return any(name in signals and bool(np.isfinite(signals[name]).any()) for name in names)


def _binarise(x: NDArray[np.floating], on: float, cfg: ScoringConfig, tick_s: float) -> NDArray[np.bool_]:
    mask = iv.hysteresis(x, on, on - cfg.hysteresis)
    return iv.clean_mask(mask, round(cfg.bridge_gap_s / tick_s), max(1, round(cfg.min_event_s / tick_s)))


def _from_eyes(signals: Signals, who: str) -> NDArray[np.bool_] | None:
    """Ticks where ``who``'s gaze came from the eyes (``{who}_gaze_from_eyes``), or None where that was not measured."""
    name = f"{who}_gaze_from_eyes"
    return np.nan_to_num(signals[name], nan=0.0) >= 0.5 if _measured(signals, name) else None


def _seen(signals: Signals, who: str, cfg: ScoringConfig, tick_s: float) -> tuple[NDArray[np.bool_], bool]:
    """Face-seen mask for ``who`` (infant/adult): the presence channel, else a finite face position."""
    pres = f"{who}_present"
    if _measured(signals, pres):
        return _binarise(signals[pres], cfg.presence_on, cfg, tick_s), True
    pos = f"{who}_face_x"
    if _measured(signals, pos):
        return np.isfinite(signals[pos]), True
    return np.zeros(len(signals), dtype=bool), False


def _role_certainty(signals: Signals) -> NDArray[np.float64] | None:
    """Map the vision stage's ``role_confidence`` (0.5 = a coin toss between the faces, 1 = sure) to 0–1 certainty.

    Unknown ticks (no two faces to tell apart) count as certain: they are judged by the visibility factor instead.
    """
    if not _measured(signals, "role_confidence"):
        return None
    confidence = np.nan_to_num(signals["role_confidence"].astype(np.float64), nan=1.0)
    return np.clip((confidence - 0.5) / 0.5, 0.0, 1.0)


BABY_SEEN_CERTAINTY = 0.5
"""Role certainty (from :func:`_role_certainty`) from which a face "seen as the baby" counts as the baby being there:
0.5 = role_confidence 0.75, the vision stage fairly sure which face is the baby's."""


def baby_around(
    infant_seen: NDArray[np.bool_], certainty: NDArray[np.float64] | None, infant_heard: NDArray[np.bool_], near: int
) -> NDArray[np.bool_]:
    """(T,) ticks with a baby around: seen (where the roles are measured, only as surely as :data:`BABY_SEEN_CERTAINTY`)
    or heard, within ``near`` ticks either side. The gate on the parent's sing-song voice (``ids_baby_near_s``).

    Example:
        >>> seen = np.array([1, 0, 0, 0, 0, 0, 0, 1], bool); heard = np.zeros(8, bool); heard[4] = True
        >>> baby_around(seen, np.array([1.0, 1, 1, 1, 1, 1, 1, 0.2]), heard, 1).astype(int).tolist()
        [1, 1, 0, 1, 1, 1, 0, 0]
    """
    seen = infant_seen if certainty is None else infant_seen & (certainty >= BABY_SEEN_CERTAINTY)
    return iv.near(seen | infant_heard, near)


def compute_cues(signals: Signals, cfg: ScoringConfig, turns: object | None = None) -> Cues:
    """Binarise the channels and find initiatives, responses and turns.

    Args:
        signals: per-tick channels (names in :func:`vigclips.scoring.find_moments`); any may be absent.
        cfg: thresholds and timings.
        turns: optional object with a list attribute ``turns`` of duck-typed turns (``initiator``, initiative and
            response start/end, ``latency_s``, ``contingent``) from the audio stage; when ``None`` turns are derived
            from ``adult_voice``/``infant_voice``.

    Returns:
        The :class:`Cues` of the recording.
    """
    n = len(signals)
    tick_s = 1.0 / float(signals.tick_hz) if signals.tick_hz else 0.1
    measured: set[str] = set()
    infant_seen, m1 = _seen(signals, "infant", cfg, tick_s)
    adult_seen, m2 = _seen(signals, "adult", cfg, tick_s)
    if m1 or m2:
        measured.add("faces")
    elif _measured(signals, "faces"):
        # Only a face count: two faces = both seen, one face = we cannot say whose, so neither is credited.
        both = np.nan_to_num(signals["faces"], nan=0.0) >= 2
        infant_seen, adult_seen = both.copy(), both.copy()
        measured.add("faces")

    def chan(name: str, on: float) -> NDArray[np.bool_]:
        return _binarise(signals.get(name), on, cfg, tick_s)

    infant_look = chan("infant_looks_at_adult", cfg.gaze_on)
    adult_look = chan("adult_looks_at_infant", cfg.gaze_on)
    if _measured(signals, "mutual_gaze"):
        mutual = chan("mutual_gaze", cfg.gaze_on)
    else:
        mutual = infant_look & adult_look
    if _measured(signals, "infant_looks_at_adult", "adult_looks_at_infant", "mutual_gaze"):
        measured.add("gaze")
    elsewhere = {
        who: chan(f"{who}_looks_elsewhere", 0.5) if _measured(signals, f"{who}_looks_elsewhere") else None
        for who in ("infant", "adult")
    }
    infant_smile = chan("infant_smile", cfg.smile_on)
    adult_smile = chan("adult_smile", cfg.smile_on)
    if _measured(signals, "infant_smile", "adult_smile"):
        measured.add("smile")
    adult_voice = chan("adult_voice", cfg.voice_on)
    infant_voice = chan("infant_voice", cfg.voice_on)
    if _measured(signals, "adult_voice", "infant_voice"):
        measured.add("voice")
    cry = chan("infant_cry", cfg.cry_on)
    if _measured(signals, "infant_cry"):
        measured.add("cry")
    # A cry is not a babble: crying ticks do not count as an infant vocal initiative.
    infant_voice = infant_voice & ~cry
    infant_laugh = chan("infant_laugh", cfg.laugh_on) & ~cry if _measured(signals, "infant_laugh") else None
    adult_laugh = chan("adult_laugh", cfg.laugh_on) if _measured(signals, "adult_laugh") else None
    adult_ids = chan("adult_ids", cfg.ids_on) & adult_voice if _measured(signals, "adult_ids") else None
    if adult_ids is not None:  # sing-song speech encourages only a baby who is there (not a lone adult on stage)
        infant_heard = infant_voice | cry | (infant_laugh if infant_laugh is not None else False)
        adult_ids &= baby_around(infant_seen, _role_certainty(signals), infant_heard, round(cfg.ids_baby_near_s / tick_s))
    if infant_laugh is not None:
        measured.add("laugh")
    if adult_ids is not None:
        measured.add("ids")

    cues = Cues(
        tick_s=tick_s,
        n_ticks=n,
        measured=frozenset(measured),
        infant_seen=infant_seen,
        adult_seen=adult_seen,
        infant_look=infant_look,
        adult_look=adult_look,
        mutual=mutual,
        infant_smile=infant_smile,
        adult_smile=adult_smile,
        adult_voice=adult_voice,
        infant_voice=infant_voice,
        cry=cry,
        infant_elsewhere=elsewhere["infant"],
        adult_elsewhere=elsewhere["adult"],
        adult_gaze_seen=np.isfinite(signals["adult_looks_at_infant"]) if "adult_looks_at_infant" in signals else None,
        infant_gaze_eyes=_from_eyes(signals, "infant"),
        adult_gaze_eyes=_from_eyes(signals, "adult"),
        infant_laugh=infant_laugh,
        adult_laugh=adult_laugh,
        adult_ids=adult_ids,
        # role_weight 0 ignores the roles' certainty altogether (window factor and attribution of acts alike).
        role_certainty=_role_certainty(signals) if cfg.role_weight > 0 else None,
    )
    # Smiling together needs both turned to each other (issue 22); where looks were not measured, smiles close in time.
    turned = mutual | (infant_look & adult_look) if "gaze" in measured else None
    cues.smiled_together = smiled_together(infant_smile, adult_smile, turned, round(cfg.shared_smile_window_s / tick_s))
    cues.adult_to_camera = _to_camera(signals, cfg, tick_s, adult_seen & ~adult_look)
    find_events(cues, cfg, turns)
    return cues


def _to_camera(signals: Signals, cfg: ScoringConfig, tick_s: float, free: NDArray[np.bool_]) -> NDArray[np.bool_] | None:
    """(T,) the parent's gaze within ``camera_yaw_deg`` of the camera, at ticks of ``free`` (seen, not turned to the
    baby); None where the parent's gaze direction was not measured."""
    if not _measured(signals, "adult_gaze_yaw_deg"):
        return None
    yaw = np.asarray(signals["adult_gaze_yaw_deg"], dtype=np.float64)
    at_camera = np.abs(np.nan_to_num(yaw, nan=180.0)) <= cfg.camera_yaw_deg
    return iv.clean_mask(at_camera & free, round(cfg.bridge_gap_s / tick_s), max(1, round(cfg.min_event_s / tick_s)))


def _box(ticks: NDArray[np.int64], weights: NDArray[np.float64], n: int, width: int) -> NDArray[np.float64]:
    """(n,) array with ``weights[k]`` over ``[ticks[k], ticks[k] + width)``; overlapping boxes keep the larger weight."""
    out = np.zeros(n, dtype=np.float64)
    if ticks.size == 0 or n == 0:
        return out
    # Boxes are short and few; a maximum over a small stack of shifted impulses keeps this O(n · width / tick).
    imp = np.zeros(n, dtype=np.float64)
    np.maximum.at(imp, np.clip(ticks, 0, n - 1), weights)
    for k in range(width):
        np.maximum(out[k:], imp[: n - k], out=out[k:])
    return out


def principle_evidence(cues: Cues, cfg: ScoringConfig) -> dict[str, NDArray[np.float64]]:
    """Per-tick evidence (T,) in 0–1 for each principle.

    Formulas (``look``, ``smile``, ``voice`` are the binarised channels; ``box(E)`` is 1 (or the event's weight) for
    ``event_box_s`` after each event in ``E``):

    - **attentive** = ``adult_look · (0.7 + 0.3 · q)`` with ``q = (not adult_voice) · (infant_voice or infant_smile
      or infant_look)``: the parent looks at the baby, and counts fully when quiet while the baby is active.
    - **encouraging** = ``box(baby initiatives that follow ≥ pause_before_s of parent silence)`` where the parent was
      waiting: weight 1 if the parent looked at the baby during the pause; else, if the parent spoke within
      ``encourage_lookback_s`` before the pause, 0.5 (gaze measured, not looking) or 0.6 (gaze not measured); else 0.
      Times :func:`~vigclips.scoring.cues.attribution` of the initiative (a look or smile alone counts only as surely as
      the roles are known).
    - **receiving** = ``box(parent responses)`` placed at the response: a baby look/smile/vocalisation answered within
      ``response_window_s`` by a parent look, smile or vocalisation (or met by a parent already looking), weighted
      1 if the parent looked at the baby, 0.3 if the parent was seen looking elsewhere, 0.6 if that was not seen;
      times the lower :func:`~vigclips.scoring.cues.attribution` of the initiative and the response.
    - **developing** = ``0.4 · mutual_gaze + 0.3 · (infant_smile · adult_smile) + 0.3 · box(turns)``, a turn
      weighing 1 if contingent with the responder looking at the initiator, 0.8 if contingent, 0.5 otherwise
      (serve and return, mutual gaze, shared fun); plus ``0.3 · box(shared laughs)`` (the baby laughs and the parent
      laughs or smiles along within ``shared_laugh_window_s``, placed at the parent's answer), capped at 1.
    - **encouraging** also takes ``0.5 · adult_ids`` where it is larger: a parent speaking in an infant-directed,
      sing-song voice invites the baby to take part (only with a baby around, seen or heard within
      ``ids_baby_near_s``: :func:`baby_around`).

    Args:
        cues: from :func:`compute_cues`.
        cfg: ``event_box_s`` is used.

    Returns:
        Dict keyed by :data:`PRINCIPLES`, each (T,) float64.
    """
    n = cues.n_ticks
    width = max(1, round(cfg.event_box_s / cues.tick_s))
    # A look, a mutual gaze or a shared smile is the parent's and the baby's only as surely as the roles are known
    # (as for initiatives and responses, see cues.attribution): two adults looking at each other are not a dyad (issue 11,
    # now that looks across the image are seen).
    sure = cues.role_certainty if cues.role_certainty is not None else 1.0
    active = cues.infant_voice | cues.infant_smile | cues.infant_look
    q = (~cues.adult_voice) & active
    attentive = cues.adult_look * (0.7 + 0.3 * q) * sure
    encouraging = _box(cues.encouraged_ticks, cues.encouraged_weights, n, width)
    if cues.responses:
        rt = np.array([r.response_tick for r in cues.responses], dtype=np.int64)
        rw = np.array([r.weight for r in cues.responses], dtype=np.float64)
    else:
        rt, rw = np.zeros(0, dtype=np.int64), np.zeros(0)
    receiving = _box(rt, rw, n, width)
    if cues.turns:
        tt = np.array([round(t.response_start_s / cues.tick_s) for t in cues.turns], dtype=np.int64)
        tw = np.array([t.weight for t in cues.turns], dtype=np.float64)
    else:
        tt, tw = np.zeros(0, dtype=np.int64), np.zeros(0)
    developing = (0.4 * cues.mutual + 0.3 * cues.shared_smile) * sure + 0.3 * _box(tt, tw, n, width)
    if cues.shared_laughs:
        lt = np.array([x.along_tick for x in cues.shared_laughs], dtype=np.int64)
        lw = np.array([x.weight for x in cues.shared_laughs], dtype=np.float64)
        developing = np.minimum(1.0, developing + 0.3 * _box(lt, lw, n, width))
    if cues.adult_ids is not None:
        encouraging = np.maximum(encouraging, 0.5 * cues.adult_ids)
    return {
        "attentive": attentive.astype(np.float64),
        "encouraging": encouraging,
        "receiving": receiving,
        "developing": developing.astype(np.float64),
    }


def window_scores(
    evidence: dict[str, NDArray[np.float64]],
    cfg: ScoringConfig,
    tick_s: float,
    bounds: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Window score per principle: ``S_p(t) = min(1, mean(evidence_p over the window_s centred on t) / sat_p)``.

    With ``bounds`` (each tick's take, :func:`vigclips.intervals.run_bounds`) a window stays inside its tick's take:
    what happens in another take never lifts this one (issue 22).

    ``sat_p`` (``cfg.sat_<principle>``) is the evidence density that counts as a full score, e.g. with the defaults
    receiving saturates at about two answered initiatives in a 6 s window.

    Returns:
        Dict keyed by :data:`PRINCIPLES`, each (T,) float64 in 0–1.
    """
    width = max(1, round(cfg.window_s / tick_s))
    sat = {
        "attentive": cfg.sat_attentive,
        "encouraging": cfg.sat_encouraging,
        "receiving": cfg.sat_receiving,
        "developing": cfg.sat_developing,
    }
    return {p: np.minimum(1.0, iv.window_mean(evidence[p], width, bounds) / sat[p]) for p in PRINCIPLES}


def combine(
    scores: dict[str, NDArray[np.float64]], weights: dict[str, float], intercept: float | None = None
) -> NDArray[np.float64]:
    """Combined 0–1 score from per-principle scores.

    Without ``intercept`` (hand-set weights): the weighted mean ``Σ w_p S_p / Σ w_p``. With ``intercept`` (learned
    weights, :mod:`vigclips.scoring.learn`): the logistic model's probability ``σ(b + Σ w_p S_p)``.
    """
    total = sum(weights[p] * scores[p] for p in PRINCIPLES)
    if intercept is None:
        denom = sum(weights[p] for p in PRINCIPLES)
        return total / denom if denom > 0 else total * 0.0
    return 1.0 / (1.0 + np.exp(-(intercept + total)))
