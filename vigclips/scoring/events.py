"""Finding the discrete events the principles are built on: baby initiatives, parent responses, encouraged
initiatives, shared laughs and vocal turns (issue 5, ../shared/DOMAIN.md). Pure numpy on the cues' masks.

:func:`find_events` fills a :class:`vigclips.scoring.cues.Cues` whose masks are set; :func:`derive_turns` finds turns
from the voice masks alone.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues, Response, SharedLaugh, TurnEvent, attribution
from vigclips.scoring.settings import ScoringConfig

_GROUP_S = 0.5
"""Baby initiatives of different kinds starting within this many seconds are one initiative ("looked up and smiled")."""

_UNDIRECTED_WEIGHT = 0.3
"""Weight of a parent response made while the parent was seen not looking at the baby (accidental contiguity)."""

_UNKNOWN_DIRECTION_WEIGHT = 0.6
"""Weight of a parent response when where the parent looked was not seen (face not seen, or gaze not measured at
all): orientation is evidence, and an unseen face is no evidence either way (issue 11)."""


def find_events(cues: Cues, cfg: ScoringConfig, turns: object | None = None) -> None:
    """Fill the events of ``cues`` (whose masks are set): responses, encouraged initiatives, shared laughs and turns.

    Args:
        cues: the recording's cues; ``responses``, ``encouraged_*``, ``shared_laughs`` and ``turns`` are filled in place.
        cfg: thresholds and timings.
        turns: optional turns from the audio stage (see :func:`vigclips.scoring.principles.compute_cues`); when
            ``None`` turns are derived from the voice masks (:func:`derive_turns`).
    """
    _find_responses(cues, cfg)
    _find_encouraged(cues, cfg)
    _find_shared_laughs(cues, cfg)
    cues.turns = _turns_from_object(turns, cues, cfg) if turns is not None else derive_turns(cues, cfg)


def _group_initiatives(cues: Cues) -> tuple[NDArray[np.int64], list[frozenset[str]]]:
    """Onsets of baby looks, smiles and vocalisations, grouped when they start within ``_GROUP_S`` of each other."""
    kinds = {"look": cues.infant_look, "smile": cues.infant_smile, "voice": cues.infant_voice}
    ticks: list[NDArray[np.int64]] = []
    labels: list[NDArray[np.int64]] = []
    for k, (_, mask) in enumerate(kinds.items()):
        on = iv.onsets(mask)
        ticks.append(on)
        labels.append(np.full(on.shape, k, dtype=np.int64))
    t = np.concatenate(ticks)
    lab = np.concatenate(labels)
    if t.size == 0:
        return t, []
    order = np.argsort(t, kind="stable")
    t, lab = t[order], lab[order]
    gap = max(1, round(_GROUP_S / cues.tick_s))
    new = np.ones(t.shape, dtype=bool)
    new[1:] = np.diff(t) > gap
    group = np.cumsum(new) - 1
    names = list(kinds)
    starts = t[new]
    sets: list[set[str]] = [set() for _ in range(starts.shape[0])]
    for g, k in zip(group.tolist(), lab.tolist(), strict=True):
        sets[g].add(names[k])
    return starts, [frozenset(s) for s in sets]


def _find_responses(cues: Cues, cfg: ScoringConfig) -> None:
    """Fill ``cues.responses``: baby initiatives answered by a parent look, smile or voice within the response window."""
    init_ticks, init_kinds = _group_initiatives(cues)
    if init_ticks.size == 0:
        return
    window = max(1, round(cfg.response_window_s / cues.tick_s))
    # Nobody answers within a blink: a parent act starting sooner than min_answer_gap_s after the baby's was under way
    # already (accidental contiguity), and a parent voice starting while the baby still sounds is overlap (issue 22).
    soonest = max(1, round(cfg.min_answer_gap_s / cues.tick_s))
    resp_kinds = {"look": cues.adult_look, "smile": cues.adult_smile, "voice": cues.adult_voice}
    best_tick = np.full(init_ticks.shape, np.iinfo(np.int64).max, dtype=np.int64)
    found: list[list[str]] = [[] for _ in range(init_ticks.shape[0])]
    for name, mask in resp_kinds.items():
        on = iv.onsets(mask)
        if name == "voice":
            on = on[~overlapping(on, baby_sounding(cues), cfg.min_answer_gap_s, cues.tick_s)]
        elif name == "smile" and cues.adult_to_camera is not None:
            on = on[~cues.adult_to_camera[on]]  # a smile into the camera is not a smile back at the baby (issue 22)
        if on.size == 0:
            continue
        j = np.searchsorted(on, init_ticks + soonest, side="left")  # first parent onset soon enough after the initiative
        ok = j < on.size
        cand = np.where(ok, on[np.minimum(j, on.size - 1)], np.iinfo(np.int64).max)
        ok &= cand <= init_ticks + window
        for i in np.flatnonzero(ok).tolist():
            found[i].append(name)
            best_tick[i] = min(best_tick[i], int(cand[i]))
    # Returned eye contact: the baby looks up at a parent who is already looking at the baby.
    for i, (t0, kinds) in enumerate(zip(init_ticks.tolist(), init_kinds, strict=True)):
        if "look" in kinds and cues.adult_look[t0] and "look" not in found[i]:
            found[i].append("eye contact")
            if len(found[i]) == 1:
                best_tick[i] = t0  # latency is that of an active response when there is one
    for i, (t0, kinds) in enumerate(zip(init_ticks.tolist(), init_kinds, strict=True)):
        if not found[i]:
            continue
        rt = int(best_tick[i])
        at = min(rt, cues.n_ticks - 1)
        if cues.adult_look[at] or "eye contact" in found[i]:
            weight, orientation = 1.0, "at baby"
        elif cues.adult_gaze_seen is not None and cues.adult_gaze_seen[at]:
            weight, orientation = _UNDIRECTED_WEIGHT, "elsewhere"
        else:
            weight, orientation = _UNKNOWN_DIRECTION_WEIGHT, "unknown"
        # Both acts must be the right person's: the baby's initiative and the parent's response.
        response = frozenset(found[i])
        sure = min(attribution(cues, t0, kinds), attribution(cues, rt, response))
        cues.responses.append(
            Response(t0, rt, kinds, response, max(0.0, (rt - t0) * cues.tick_s), weight * sure, sure, orientation)
        )


def baby_sounding(cues: Cues) -> NDArray[np.bool_]:
    """(T,) the baby making any sound: a vocalisation, a laugh or a cry."""
    out = cues.infant_voice | cues.cry
    return out | cues.infant_laugh if cues.infant_laugh is not None else out


def overlapping(onsets: NDArray[np.int64], other: NDArray[np.bool_], min_gap_s: float, tick_s: float) -> NDArray[np.bool_]:
    """Which ``onsets`` start while ``other`` sounds, or less than ``min_gap_s`` after it stopped: overlap, not an answer.

    Example:
        >>> other = np.array([0, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
        >>> overlapping(np.array([2, 4, 5, 6]), other, 0.2, 0.1).tolist()
        [True, True, True, False]
    """
    if onsets.size == 0:
        return np.zeros(0, dtype=bool)
    look_back = max(0, round(min_gap_s / tick_s))
    c = np.concatenate(([0], np.cumsum(other, dtype=np.int64)))
    hi = np.clip(onsets + 1, 0, other.shape[0])
    lo = np.clip(onsets - look_back, 0, other.shape[0])
    return (c[hi] - c[lo]) > 0


def smiled_together(
    infant_smile: NDArray[np.bool_], adult_smile: NDArray[np.bool_], turned: NDArray[np.bool_] | None, window: int
) -> NDArray[np.bool_]:
    """(T,) ticks of a shared smile: baby and parent turned to each other, one smiling and the other's smile within
    ``window`` ticks (issue 22: a parent grinning into the camera while the baby smiles at a toy is not a shared smile).

    Args:
        infant_smile, adult_smile: (T,) bool smiles.
        turned: (T,) bool baby and parent turned to each other; None where looks were not measured (then both
            smiling within ``window`` ticks of each other counts).
        window: ticks either side within which the other's smile counts (0: at the same tick).

    Example:
        >>> b = np.array([0, 1, 1, 0, 0, 0, 0, 0, 0], dtype=bool)
        >>> p = np.array([0, 0, 0, 1, 1, 0, 0, 0, 1], dtype=bool)
        >>> smiled_together(b, p, np.ones(9, dtype=bool), 1).astype(int).tolist()
        [0, 0, 1, 1, 0, 0, 0, 0, 0]
        >>> smiled_together(b, p, np.array([0, 0, 0, 0, 0, 0, 1, 1, 1], dtype=bool), 2).astype(int).tolist()  # turned late
        [0, 0, 0, 0, 0, 0, 0, 0, 0]
    """
    near_infant = iv.near(infant_smile, window)
    near_adult = iv.near(adult_smile, window)
    shared = (infant_smile & near_adult) | (adult_smile & near_infant)
    return shared & turned if turned is not None else shared


def _find_encouraged(cues: Cues, cfg: ScoringConfig) -> None:
    """Fill ``cues.encouraged_*``: baby initiatives after a parent pause of ``pause_before_s``.

    The parent must have been waiting: looked at the baby in the pause, or spoke within ``encourage_lookback_s``
    before it. Needs voices.
    """
    if "voice" not in cues.measured:
        return
    init_ticks, init_kinds = _group_initiatives(cues)
    if init_ticks.size == 0:
        return
    # A look or smile is the baby's only as surely as the roles are known (see attribution).
    sure = np.array([attribution(cues, t, k) for t, k in zip(init_ticks.tolist(), init_kinds, strict=True)])
    pause = max(1, round(cfg.pause_before_s / cues.tick_s))
    lookback = round(cfg.encourage_lookback_s / cues.tick_s)
    c = np.concatenate(([0], np.cumsum(cues.adult_voice.astype(np.int64))))
    # The whole pause must fit inside the recording and hold no parent voice.
    ok = init_ticks >= pause
    ticks, sure = init_ticks[ok], sure[ok]
    silent = (c[ticks] - c[ticks - pause]) == 0
    ticks, sure = ticks[silent], sure[silent]
    pause_start = ticks - pause
    spoke = (c[pause_start] - c[np.clip(pause_start - lookback, 0, None)]) > 0
    if "gaze" in cues.measured:
        cl = np.concatenate(([0], np.cumsum(cues.adult_look.astype(np.int64))))
        looked = (cl[ticks] - cl[pause_start]) > 0
        weights = np.where(looked, 1.0, np.where(spoke, 0.5, 0.0))
    else:
        weights = np.where(spoke, _UNKNOWN_DIRECTION_WEIGHT, 0.0)
    weights = weights * sure
    keep = weights > 0
    cues.encouraged_ticks = ticks[keep].astype(np.int64)
    cues.encouraged_weights = weights[keep].astype(np.float64)


def _find_shared_laughs(cues: Cues, cfg: ScoringConfig) -> None:
    """Fill ``cues.shared_laughs``: each baby laugh onset met by a parent laugh or smile within the window.

    A parent laugh counts before a smile (both heard and seen); a parent already laughing or smiling when the baby
    starts counts with latency 0.
    """
    if cues.infant_laugh is None:
        return
    window = max(1, round(cfg.shared_laugh_window_s / cues.tick_s))
    along = [("laughed", cues.adult_laugh)] if cues.adult_laugh is not None else []
    if "smile" in cues.measured:
        along.append(("smiled", cues.adult_smile))
    for t0 in iv.onsets(cues.infant_laugh).tolist():
        for name, mask in along:
            hit = np.flatnonzero(mask[t0 : min(cues.n_ticks, t0 + window + 1)])
            if hit.size:
                rt = t0 + int(hit[0])
                weight = 1.0 if name == "laughed" else attribution(cues, rt, frozenset({"smile"}))
                cues.shared_laughs.append(SharedLaugh(t0, rt, name, (rt - t0) * cues.tick_s, weight))
                break


def derive_turns(cues: Cues, cfg: ScoringConfig) -> list[TurnEvent]:
    """Vocal turns from the voice masks: consecutive segments of different speakers with a gap ≤ ``turn_max_gap_s``.

    Segments of both speakers are sorted by start; each neighbouring pair by different speakers whose gap (next start
    − previous end) is at least ``min_answer_gap_s`` and at most ``turn_max_gap_s`` is one turn, initiated by the
    earlier speaker: a reply that starts while the other still sounds is overlap, not an answer (issue 22).
    Nobody speaks in between by construction, so this follows LENA's rule with a shorter gap. A turn is *contingent*
    when the reply starts within ``response_window_s`` and the responder is not seen turned to someone or something
    else when it starts (orientation is evidence, not a gate: issue 11); ``oriented`` when the responder is seen
    looking at the initiator then.
    """
    segs: list[tuple[int, int, str]] = []
    for label, mask in (("ADULT", cues.adult_voice), ("INFANT", cues.infant_voice)):
        for s, e in iv.mask_to_intervals(mask).tolist():
            segs.append((s, e, label))
    segs.sort()
    max_gap = cfg.turn_max_gap_s / cues.tick_s
    gaze = "gaze" in cues.measured
    out: list[TurnEvent] = []
    elsewhere = {"ADULT": cues.adult_elsewhere, "INFANT": cues.infant_elsewhere}
    for (s0, e0, l0), (s1, e1, l1) in itertools.pairwise(segs):
        if l0 == l1:
            continue
        gap = s1 - e0
        # A reply that starts while the other still sounds (or within min_answer_gap_s of its end) is overlap.
        if gap > max_gap or gap * cues.tick_s < cfg.min_answer_gap_s - 1e-9:
            continue
        latency_s = gap * cues.tick_s
        at = min(s1, cues.n_ticks - 1)
        away = elsewhere[l1]
        directed = away is None or not bool(away[at])
        oriented = bool((cues.adult_look if l1 == "ADULT" else cues.infant_look)[at]) if gaze else None
        out.append(
            TurnEvent(
                l0,
                s0 * cues.tick_s,
                e0 * cues.tick_s,
                s1 * cues.tick_s,
                e1 * cues.tick_s,
                latency_s,
                latency_s <= cfg.response_window_s and directed,
                oriented,
            )
        )
    return out


def _span(obj: object, part: str) -> tuple[float, float]:
    """Start/end of ``part`` (initiative/response) of a duck-typed turn: nested object, tuple, or flat attributes."""
    sub = getattr(obj, part, None)
    if sub is not None:
        if hasattr(sub, "start_s"):
            return float(sub.start_s), float(sub.end_s)
        if isinstance(sub, (tuple, list)) and len(sub) == 2:
            return float(sub[0]), float(sub[1])
    return float(getattr(obj, f"{part}_start_s")), float(getattr(obj, f"{part}_end_s"))


def _turns_from_object(turns: object, cues: Cues, cfg: ScoringConfig) -> list[TurnEvent]:
    """Turns from the audio stage, held to the same rule as :func:`derive_turns`: a reply sooner than
    ``min_answer_gap_s`` (overlap) or more than ``turn_max_gap_s`` after the initiative is not a turn here (LENA counts gaps up to 5 s; a serve-and-return asks
    for a prompt reply). The audio stage's own counts (``turns_lena``) are not affected."""
    items = getattr(turns, "turns", turns)
    out: list[TurnEvent] = []
    for t in list(items or []):
        i0, i1 = _span(t, "initiative")
        r0, r1 = _span(t, "response")
        # The audio stage reports small overlaps as negative latencies (LENA's count tolerates them): here a reply that
        # starts while the other still sounds, or sooner than min_answer_gap_s after, is overlap, not an answer (issue 22).
        latency = float(getattr(t, "latency_s", r0 - i1))
        if latency > cfg.turn_max_gap_s + 1e-9 or latency < cfg.min_answer_gap_s - 1e-9:
            continue
        initiator = str(getattr(t, "initiator", "")).upper()
        contingent = bool(getattr(t, "contingent", latency <= cfg.response_window_s))
        oriented = getattr(t, "oriented", None)
        out.append(TurnEvent(initiator, i0, i1, r0, r1, latency, contingent, None if oriented is None else bool(oriented)))
    out.sort(key=lambda x: x.response_start_s)
    return out
