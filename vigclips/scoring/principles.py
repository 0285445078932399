"""Per-tick evidence and per-window scores for the four attunement principles (issue 5, ../shared/DOMAIN.md).

Pipeline of this module (all pure numpy):

1. :func:`compute_cues` binarises the 0–1 channels of :class:`vigclips.types.Signals` with hysteresis (NaN = not seen =
   off), bridges blinks, drops blips, and finds the discrete events the principles are built on: baby initiatives, parent
   responses, vocal turns.
2. :func:`principle_evidence` turns cues into one (T,) float evidence array per principle (formulas in each docstring).
3. :func:`window_scores` averages evidence over a centred sliding window of ``cfg.window_s`` and saturates it to 0–1.

A cue whose channels were never measured (absent, or all NaN) contributes nothing; it is never guessed from other cues.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.scoring.settings import ScoringConfig
from vigclips.types import Signals

PRINCIPLES: tuple[str, ...] = ("attentive", "encouraging", "receiving", "developing")
"""The four principles scored, in DOMAIN.md order: being attentive, encouraging initiatives, receiving initiatives,
developing attuned interactions."""

_GROUP_S = 0.5
"""Baby initiatives of different kinds starting within this many seconds are one initiative ("looked up and smiled")."""

_UNDIRECTED_WEIGHT = 0.3
"""Weight of a parent response made while the parent was seen not looking at the baby (accidental contiguity)."""

_UNKNOWN_DIRECTION_WEIGHT = 0.6
"""Weight of a parent response when where the parent looked was not seen (face not seen, or gaze not measured at
all): orientation is evidence, and an unseen face is no evidence either way (issue 11)."""

_TURN_WEIGHT_ORIENTED = 1.0
"""Weight of a contingent turn whose responder was seen looking at the initiator (being turned to the partner
strengthens a turn, issue 11)."""
_TURN_WEIGHT_CONTINGENT = 0.8
"""Weight of a contingent turn whose responder's orientation was not seen to be towards the initiator."""
_TURN_WEIGHT_OTHER = 0.5
"""Weight of a turn that was not contingent (slow, or the responder was seen turned elsewhere)."""


@dataclass(frozen=True, slots=True)
class TurnEvent:
    """One vocal turn: an initiative by one partner answered by the other.

    ``initiator`` is ``"ADULT"`` or ``"INFANT"``; times in seconds; ``contingent`` means prompt (within
    ``response_window_s``) and the responder not seen turned to someone or something else; ``oriented`` that the
    responder was seen looking at the initiator (None: not known).
    """

    initiator: str
    initiative_start_s: float
    initiative_end_s: float
    response_start_s: float
    response_end_s: float
    latency_s: float
    contingent: bool
    oriented: bool | None = None

    @property
    def weight(self) -> float:
        """How much the turn counts as serve and return (module constants ``_TURN_WEIGHT_*``)."""
        if not self.contingent:
            return _TURN_WEIGHT_OTHER
        return _TURN_WEIGHT_ORIENTED if self.oriented else _TURN_WEIGHT_CONTINGENT


@dataclass(frozen=True, slots=True)
class Response:
    """A baby initiative answered by the parent (the "receiving" principle).

    ``initiative`` and ``response`` are sets of cue kinds: ``look``, ``smile``, ``voice``; ``weight`` is 1 for a
    response directed at the baby, lower otherwise (see module constants), times ``role_certainty``.
    """

    initiative_tick: int
    response_tick: int
    initiative: frozenset[str]
    response: frozenset[str]
    latency_s: float
    weight: float
    role_certainty: float = 1.0
    """How sure the roles behind this event are (:func:`attribution`); already folded into ``weight``."""
    parent_orientation: str = "unknown"
    """What was seen of the parent as they answered: ``"at baby"`` (looking at the baby), ``"elsewhere"`` (seen looking
    somewhere else) or ``"unknown"`` (where the parent looked was not seen)."""


@dataclass(frozen=True, slots=True)
class SharedLaugh:
    """The baby laughs and the parent laughs or smiles along within ``cfg.shared_laugh_window_s`` (shared fun).

    ``along`` is ``"laughed"`` or ``"smiled"``; ``latency_s`` from the baby's laugh onset to the parent's (0 when the
    parent was already laughing or smiling); a smile counts ``role_certainty`` (a laugh is heard, not seen).
    """

    laugh_tick: int
    along_tick: int
    along: str
    latency_s: float
    weight: float


@dataclass(slots=True)
class Cues:
    """Binarised channels and events of one recording, on the signals' ticks.

    Masks are (T,) bool. ``measured`` names the cue families that have any finite value in the recording:
    ``faces``, ``gaze``, ``smile``, ``voice``, ``cry``.
    """

    tick_s: float
    n_ticks: int
    measured: frozenset[str]
    infant_seen: NDArray[np.bool_]
    adult_seen: NDArray[np.bool_]
    infant_look: NDArray[np.bool_]
    adult_look: NDArray[np.bool_]
    mutual: NDArray[np.bool_]
    infant_smile: NDArray[np.bool_]
    adult_smile: NDArray[np.bool_]
    adult_voice: NDArray[np.bool_]
    infant_voice: NDArray[np.bool_]
    cry: NDArray[np.bool_]
    infant_elsewhere: NDArray[np.bool_] | None = None
    """(T,) the baby seen turned to someone or something other than the parent (None: not measured)."""
    adult_elsewhere: NDArray[np.bool_] | None = None
    """(T,) the parent seen turned to someone or something other than the baby (None: not measured)."""
    adult_gaze_seen: NDArray[np.bool_] | None = None
    """(T,) where the parent looked is known (``adult_looks_at_infant`` measured at that tick; None: not measured)."""
    infant_gaze_eyes: NDArray[np.bool_] | None = None
    """(T,) the baby's gaze direction came from the eyes, not from the head's orientation alone (``infant_gaze_from_eyes``;
    None: not measured, and looks are then told as looks). ``adult_gaze_eyes`` likewise for the parent."""
    adult_gaze_eyes: NDArray[np.bool_] | None = None
    responses: list[Response] = field(default_factory=list)
    infant_laugh: NDArray[np.bool_] | None = None
    """Baby laughing (``infant_laugh`` channel); None when not measured. ``adult_laugh`` likewise for the parent."""
    adult_laugh: NDArray[np.bool_] | None = None
    adult_ids: NDArray[np.bool_] | None = None
    """Parent speaking in an infant-directed, sing-song voice (``adult_ids`` on, while the parent speaks)."""
    shared_laughs: list[SharedLaugh] = field(default_factory=list)
    encouraged_ticks: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    encouraged_weights: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    turns: list[TurnEvent] = field(default_factory=list)
    role_certainty: NDArray[np.float64] | None = None
    """(T,) 0–1: how sure the vision stage is which face is the baby (None when roles were not measured)."""

    @property
    def shared_smile(self) -> NDArray[np.bool_]:
        """Both smiling at the same tick."""
        return self.infant_smile & self.adult_smile

    @property
    def both_seen(self) -> NDArray[np.bool_]:
        """Both faces seen at the same tick."""
        return self.infant_seen & self.adult_seen


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


def attribution(cues: Cues, tick: int, kinds: frozenset[str]) -> float:
    """How sure it is that an act of the kinds ``kinds`` at ``tick`` was made by the person the roles say (0–1).

    A vocalisation is told infant or adult by the audio stage (pitch, vocal type), whatever the faces; a look or a
    smile is the baby's or the parent's only as surely as the vision stage knows which face is the baby
    (:attr:`Cues.role_certainty` at that tick). So an act that includes a voice counts as certain; a look or smile
    alone counts with the role certainty. Two adults looking at each other, one taken for the baby, then do not make
    "baby initiatives".
    """
    if "voice" in kinds or cues.role_certainty is None or cues.n_ticks == 0:
        return 1.0
    return float(cues.role_certainty[min(max(tick, 0), cues.n_ticks - 1)])


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
    _find_responses(cues, cfg)
    _find_encouraged(cues, cfg)
    _find_shared_laughs(cues, cfg)
    cues.turns = _turns_from_object(turns, cues, cfg) if turns is not None else derive_turns(cues, cfg)
    return cues


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
    resp_kinds = {"look": cues.adult_look, "smile": cues.adult_smile, "voice": cues.adult_voice}
    best_tick = np.full(init_ticks.shape, np.iinfo(np.int64).max, dtype=np.int64)
    found: list[list[str]] = [[] for _ in range(init_ticks.shape[0])]
    for name, mask in resp_kinds.items():
        on = iv.onsets(mask)
        if on.size == 0:
            continue
        j = np.searchsorted(on, init_ticks, side="right")  # first parent onset strictly after the initiative
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
    − previous end, overlaps count as 0) is at most ``turn_max_gap_s`` is one turn, initiated by the earlier speaker.
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
        if gap > max_gap:
            continue
        latency_s = max(0.0, gap * cues.tick_s)
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
    """Turns from the audio stage, held to the same rule as :func:`derive_turns`: a reply more than
    ``turn_max_gap_s`` after the initiative is not a turn here (LENA counts gaps up to 5 s; a serve-and-return asks
    for a prompt reply). The audio stage's own counts (``turns_lena``) are not affected."""
    items = getattr(turns, "turns", turns)
    out: list[TurnEvent] = []
    for t in list(items or []):
        i0, i1 = _span(t, "initiative")
        r0, r1 = _span(t, "response")
        # The audio stage reports small overlaps as negative latencies; a reply cannot come before the start.
        latency = max(0.0, float(getattr(t, "latency_s", r0 - i1)))
        if latency > cfg.turn_max_gap_s + 1e-9:
            continue
        initiator = str(getattr(t, "initiator", "")).upper()
        contingent = bool(getattr(t, "contingent", latency <= cfg.response_window_s))
        oriented = getattr(t, "oriented", None)
        out.append(TurnEvent(initiator, i0, i1, r0, r1, latency, contingent, None if oriented is None else bool(oriented)))
    out.sort(key=lambda x: x.response_start_s)
    return out


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
      Times :func:`attribution` of the initiative (a look or smile alone counts only as surely as the roles are known).
    - **receiving** = ``box(parent responses)`` placed at the response: a baby look/smile/vocalisation answered within
      ``response_window_s`` by a parent look, smile or vocalisation (or met by a parent already looking), weighted
      1 if the parent looked at the baby, 0.3 if the parent was seen looking elsewhere, 0.6 if that was not seen;
      times the lower :func:`attribution` of the initiative and the response.
    - **developing** = ``0.4 · mutual_gaze + 0.3 · (infant_smile · adult_smile) + 0.3 · box(turns)``, a turn
      weighing 1 if contingent with the responder looking at the initiator, 0.8 if contingent, 0.5 otherwise
      (serve and return, mutual gaze, shared fun); plus ``0.3 · box(shared laughs)`` (the baby laughs and the parent
      laughs or smiles along within ``shared_laugh_window_s``, placed at the parent's answer), capped at 1.
    - **encouraging** also takes ``0.5 · adult_ids`` where it is larger: a parent speaking in an infant-directed,
      sing-song voice invites the baby to take part.

    Args:
        cues: from :func:`compute_cues`.
        cfg: ``event_box_s`` is used.

    Returns:
        Dict keyed by :data:`PRINCIPLES`, each (T,) float64.
    """
    n = cues.n_ticks
    width = max(1, round(cfg.event_box_s / cues.tick_s))
    # A look, a mutual gaze or a shared smile is the parent's and the baby's only as surely as the roles are known
    # (as for initiatives and responses, see attribution): two adults looking at each other are not a dyad (issue 11,
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


def window_scores(evidence: dict[str, NDArray[np.float64]], cfg: ScoringConfig, tick_s: float) -> dict[str, NDArray[np.float64]]:
    """Window score per principle: ``S_p(t) = min(1, mean(evidence_p over the window_s centred on t) / sat_p)``.

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
    return {p: np.minimum(1.0, iv.window_mean(evidence[p], width) / sat[p]) for p in PRINCIPLES}


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
