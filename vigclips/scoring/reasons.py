"""Plain-language reasons with figures for a placed moment, and the details and caveats behind them (issue 5, #15).

Reasons are short positive sentences about what can be seen or heard in the clip, in words a parent could hear (#15):
no zero counts, no thresholds, no jargon. What the guider should check by eye (unsure roles, faces hard to see, crying,
a measurement missing) is a *caveat*, kept apart in ``details["caveats"]`` and never given as a reason.

:func:`describe` gives a moment's reasons and details; :func:`add_perception_caveats` adds the faces the program saw
but could not read.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips import intervals as iv
from vigclips.scoring.cues import Cues, Response
from vigclips.scoring.principles import PRINCIPLES
from vigclips.scoring.settings import ScoringConfig
from vigclips.scoring.still import best_still
from vigclips.types import Signals

_UNSURE_ROLES = 0.75
"""Below this role certainty (:func:`vigclips.scoring.cues.attribution`) a reason says the roles are unsure."""

_INIT_WORDS = {"look": "looked up at the parent", "smile": "smiled", "voice": "made a sound"}
_RESP_WORDS = {"smile": "smiled back", "voice": "answered", "look": "looked at the baby", "eye contact": "met the baby's eyes"}
# Say what was seen (issue 11): where a gaze's direction came from the head's orientation alone (a profile, a steep 3/4
# view: the eyes unresolved), the person is told as *turned to* the other, not as looking at them. A baby turned to
# her mother may have her eyes on the toy in her mother's hand; "turned to" stays true, "looked at" would not.
_INIT_TURNED = {**_INIT_WORDS, "look": "turned to the parent"}
_RESP_TURNED = {**_RESP_WORDS, "look": "turned to the baby", "eye contact": "was already turned to the baby"}
_LOOK_TOLD_S = 1.0
"""A look that starts an initiative or a response is told from its first second: seen with the eyes or not."""
_WEAK_FACES_FRAC = 0.5
"""Below this share of the moment with both faces seen, a caveat says the faces were hard to see (check by eye)."""
MAX_REASONS = 5
"""A guider reads a candidate's reasons at a glance (issue 22: candidates ran to eight or ten reasons): the strongest
five, by principle, are the reasons; the rest stay in ``details["more_reasons"]``."""


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _secs(mask: NDArray[np.bool_], s: int, e: int, tick_s: float) -> tuple[float, float]:
    runs = iv.run_lengths_within(mask, s, e)
    if runs.size == 0:
        return 0.0, 0.0
    return float(runs.sum() * tick_s), float(runs.max() * tick_s)


def _times(n: int) -> str:
    """" 2 times" (empty for once: the sentence already says it happened)."""
    return "" if n <= 1 else f" {n} times"


def _seen_with_eyes(cues: Cues, mask: NDArray[np.bool_], s: int, e: int, *who: str) -> bool:
    """Whether most ticks of ``mask`` in ``[s, e)`` had the gaze of each of ``who`` (``infant``, ``adult``) from the
    eyes, so a look is told as a look; True where that was not measured (or ``mask`` is off throughout)."""
    eyes = [getattr(cues, f"{w}_gaze_eyes") for w in who]
    on = mask[s:e]
    if any(x is None for x in eyes) or not on.any():
        return True
    return bool(np.logical_and.reduce([x[s:e][on] for x in eyes]).mean() >= 0.5)


def _response_text(cues: Cues, r: Response) -> str:
    """"baby smiled; parent smiled back within 0.8 s": what the baby did and how the parent answered."""
    span = max(1, round(_LOOK_TOLD_S / cues.tick_s))
    t0, t1 = r.initiative_tick, r.response_tick
    baby_eyes = _seen_with_eyes(cues, cues.infant_look, t0, t0 + span, "infant")
    init = _join([(_INIT_WORDS if baby_eyes else _INIT_TURNED)[k] for k in ("look", "smile", "voice") if k in r.initiative])
    resp_words = _RESP_WORDS if _seen_with_eyes(cues, cues.adult_look, t1, t1 + span, "adult") else _RESP_TURNED
    resp_kinds = [k for k in ("smile", "voice", "look", "eye contact") if k in r.response]
    if resp_kinds == ["eye contact"]:
        met = resp_words if baby_eyes else _RESP_TURNED  # eyes met only where both pairs of eyes were seen
        return f"baby {init}; parent {met['eye contact']}"
    # Eye contact is already told by the looking-at-each-other reason; name the active responses and how soon they came.
    resp = _join([resp_words[k] for k in resp_kinds if k != "eye contact"])
    return f"baby {init}; parent {resp} within {max(r.latency_s, 0.1):.1f} s"


def _response_caveats(cues: Cues, r: Response) -> list[str]:
    """What to check about a response: whether it was meant for the baby, and which face is the baby."""
    out = []
    # Say what was seen (issue 11): "looking elsewhere" only when seen so; "could not see" when where they looked was unseen.
    if r.parent_orientation == "elsewhere":
        out.append("the parent may have been looking elsewhere when answering: check by eye")
    elif r.parent_orientation == "unknown" and "gaze" in cues.measured:
        out.append("the program could not see where the parent was looking when they answered: check by eye")
    if r.role_certainty < _UNSURE_ROLES:
        out.append("the program is not sure which face is the baby's here: check by eye")
    return out


def _together_reasons(cues: Cues, s: int, e: int, details: dict[str, object]) -> list[str]:
    """Looking at each other and smiling together (developing attuned interactions)."""
    tick = cues.tick_s
    mg_total, mg_long = _secs(cues.mutual, s, e, tick)
    ss_total, _ = _secs(cues.shared_smile, s, e, tick)
    details.update(mutual_gaze_s=round(mg_total, 2), longest_mutual_gaze_s=round(mg_long, 2), shared_smile_s=round(ss_total, 2))
    out = []
    if mg_total >= 0.5:
        looked = _seen_with_eyes(cues, cues.mutual, s, e, "infant", "adult")
        extra = f" (the longest {'look ' if looked else ''}{mg_long:.1f} s)" if mg_long < mg_total - 1e-6 else ""
        out.append(f"baby and parent {'looked at' if looked else 'turned to'} each other for {mg_total:.1f} s{extra}")
    if ss_total >= 0.3:
        out.append(f"baby and parent smiled together for {ss_total:.1f} s")
    return out


def _turn_reason(cues: Cues, s: int, e: int, details: dict[str, object]) -> list[str]:
    """Vocal turns whose reply starts inside the moment (developing attuned interactions: serve and return)."""
    tick = cues.tick_s
    t0_s, t1_s = s * tick, e * tick
    # A turn belongs to the moment when its reply starts inside it and its initiative is (at least partly) inside.
    turns = [t for t in cues.turns if t0_s - 1e-6 <= t.response_start_s < t1_s and t.initiative_end_s > t0_s]
    by_infant = sum(t.initiator == "INFANT" for t in turns)
    details.update(turns_count=len(turns), turns_by_infant=by_infant, turns_prompt=sum(bool(t.contingent) for t in turns))
    details["turns"] = [
        {
            "initiator": t.initiator,
            "initiative_start_s": round(t.initiative_start_s, 2),
            "response_start_s": round(t.response_start_s, 2),
            "latency_s": round(t.latency_s, 2),
            "contingent": bool(t.contingent),
        }
        for t in turns
    ]
    if not turns:
        return []
    if len(turns) == 1:
        serve = "the baby made a sound and the parent" if by_infant else "the parent spoke and the baby"
        return [f"{serve} answered within {max(turns[0].latency_s, 0.1):.1f} s"]
    span = max(t.response_end_s for t in turns) - min(t.initiative_start_s for t in turns)
    text = f"baby and parent took turns making sounds, {len(turns)} turns in {max(span, tick, 1.0):.0f} s"
    if by_infant == len(turns):
        text += ", each started by the baby"
    elif by_infant:
        text += f", {by_infant} started by the baby"
    return [text]


def _receiving_reason(cues: Cues, s: int, e: int, details: dict[str, object], caveats: list[str]) -> list[str]:
    """The best answered baby initiative (receiving initiatives)."""
    # A response that counts for nothing (roles unknown) is no reason to show the moment.
    responses = [r for r in cues.responses if s <= r.initiative_tick < e and r.response_tick < e and r.weight > 0]
    details["responses"] = len(responses)
    if not responses:
        return []
    best = max(responses, key=lambda r: (r.weight, len(r.response), -r.latency_s))
    details["best_response_latency_s"] = round(best.latency_s, 2)
    caveats.extend(_response_caveats(cues, best))
    text = _response_text(cues, best)
    if len(responses) > 1:
        text += f" (this happened {len(responses)} times here)"
    return [text]


def _encouraging_reason(cues: Cues, s: int, e: int) -> list[str]:
    """The parent paused and the baby took the lead (encouraging initiatives)."""
    n = int(((cues.encouraged_ticks >= s) & (cues.encouraged_ticks < e)).sum())
    return [f"the parent waited and the baby took the lead{_times(n)}"] if n else []


def _attentive_reasons(cues: Cues, s: int, e: int, details: dict[str, object]) -> list[str]:
    """The parent looking at the baby, and watching quietly while the baby is active (being attentive)."""
    if "gaze" not in cues.measured:
        return []
    out = []
    look_frac = float(cues.adult_look[s:e].mean())
    details["adult_look_frac"] = round(look_frac, 3)
    looked = _seen_with_eyes(cues, cues.adult_look, s, e, "adult")
    at_baby = "looked at the baby" if looked else "was turned to the baby"
    if look_frac >= 0.95:
        out.append(f"the parent {at_baby} all through the moment")
    elif look_frac >= 0.5:
        out.append(f"the parent {at_baby} for {100 * look_frac:.0f}% of the moment")
    active = cues.infant_voice | cues.infant_smile | cues.infant_look
    quiet = cues.adult_look & ~cues.adult_voice & active
    quiet_s = float(quiet[s:e].sum() * cues.tick_s)
    if quiet_s >= 1.0:
        if out:  # one sentence about the parent's attention, not two
            out[0] += f", quiet for {quiet_s:.1f} s of it while the baby was busy"
        else:
            watched = "watched quietly" if _seen_with_eyes(cues, quiet, s, e, "adult") else "was turned to the baby and quiet"
            out.append(f"the parent {watched} while the baby was busy for {quiet_s:.1f} s")
    return out


def _seen_reasons(cues: Cues, s: int, e: int) -> list[str]:
    """Single cues (a smile, a look, a sound) for a moment no principle's cue stands out in: still what the clip shows."""
    tick = cues.tick_s
    out = []
    baby_looked = _seen_with_eyes(cues, cues.infant_look, s, e, "infant")
    parent_looked = _seen_with_eyes(cues, cues.adult_look, s, e, "adult")
    for mask, text, min_s in (
        (cues.infant_smile, "the baby smiled for {:.1f} s", 0.3),
        (cues.adult_smile, "the parent smiled for {:.1f} s", 0.3),
        (cues.infant_look, f"the baby {'looked at' if baby_looked else 'was turned to'} the parent for {{:.1f}} s", 0.5),
        (cues.adult_look, f"the parent {'looked at' if parent_looked else 'was turned to'} the baby for {{:.1f}} s", 0.5),
        (cues.infant_voice & ~cues.cry, "the baby made sounds for {:.1f} s", 0.3),
    ):
        total, _ = _secs(mask, s, e, tick)
        if total >= min_s:
            out.append(text.format(total))
    return out


def _recording_caveats(cues: Cues, s: int, e: int, cfg: ScoringConfig, details: dict[str, object]) -> list[str]:
    """What the guider should check by eye about this moment or the whole recording's measurements."""
    out = []
    tick = cues.tick_s
    if "faces" in cues.measured:
        details["infant_face_frac"] = round(float(cues.infant_seen[s:e].mean()), 3)
        details["adult_face_frac"] = round(float(cues.adult_seen[s:e].mean()), 3)
        details["both_faces_frac"] = round(float(cues.both_seen[s:e].mean()), 3)
        if float(details["both_faces_frac"]) < _WEAK_FACES_FRAC:  # type: ignore[arg-type]
            out.append("the faces were hard to see here: check by eye")
        for mask, who in ((cues.infant_seen, "baby"), (cues.adult_seen, "parent")):
            if mask.mean() < cfg.face_role_min_frac:
                out.append(f"the program found the {who}'s face in only {100 * mask.mean():.0f}% of the recording, "
                           "so it could not check the moments for it")  # fmt: skip
    if cues.role_certainty is not None and float(cues.role_certainty[s:e].mean()) < _UNSURE_ROLES:
        out.append("the program is not sure which face is the baby's here: check by eye")
    if "cry" in cues.measured:
        cry_s = float(cues.cry[s:e].sum() * tick)
        details["cry_s"] = round(cry_s, 2)
        if cry_s >= 0.5:
            out.append(f"the baby cries for {cry_s:.1f} s of it")
    vision = cues.measured & {"faces", "gaze", "smile"}
    audio = cues.measured & {"voice", "cry"}
    if not vision and not audio:
        out.append("nothing could be measured in this recording: the moments are spread over it, check each by eye")
    elif not vision:
        out.append("only the sound was used: the faces were not analysed")
    elif "voice" not in cues.measured:
        out.append("only the picture was used: the voices were not analysed")
    return out


_READ_MIN_FRAC = 0.5
"""A face seen for a stretch but whose smile the program could read on less of it than this was "hard to read"."""


def add_perception_caveats(signals: Signals, s: int, e: int, details: dict[str, object]) -> None:
    """Say where the program saw a face but could not read it (turned away, in profile, too small): its smile and gaze
    are then unknown, so "nothing stood out" would mislead (#15: say the perception was weak instead)."""
    caveats = list(details.get("caveats") or [])  # type: ignore[call-overload]
    hard = []
    for role, who in (("infant", "baby"), ("adult", "parent")):
        present, smile = f"{role}_present", f"{role}_smile"
        if present not in signals or smile not in signals or not np.isfinite(signals[smile]).any():
            continue
        seen = np.nan_to_num(np.asarray(signals[present][s:e], dtype=np.float64), nan=0.0) >= 0.5
        if seen.mean() < 0.3:
            continue  # not seen at all is told by "the faces were hard to see"
        read = np.isfinite(np.asarray(signals[smile][s:e], dtype=np.float64))[seen].mean()
        if read < _READ_MIN_FRAC:
            hard.append(who)
    if not hard:
        return
    text = f"the program could not read the {' or the '.join(hard)}'s face for much of it (turned away or in profile): check by eye"
    caveats = [c for c in caveats if not c.startswith("nothing clear stood out")]
    details["caveats"] = [text, *caveats]


def describe(
    cues: Cues,
    s: int,
    e: int,
    p: int,
    scores: dict[str, float],
    weights: dict[str, float],
    t_s: NDArray[np.float64],
    cfg: ScoringConfig,
) -> tuple[list[str], dict[str, object]]:
    """Plain-language reasons with figures, and machine-readable details, for the moment ``[s, e)`` peaking at ``p``.

    Reasons are grouped by principle and ordered by each principle's weighted score, strongest first; each names
    a cue and a figure the guider can check by watching the clip. A moment no principle's cue stands out in gets the
    single cues seen in it (a smile, a look, a sound), if any. Caveats (missing measurements, faces hard to see, unsure
    roles, crying) go to ``details["caveats"]``, never among the reasons.

    Returns:
        ``(reasons, details)``; details hold ``caveats`` (list of str), ``mutual_gaze_s``, ``longest_mutual_gaze_s``,
        ``shared_smile_s``, ``responses``, ``turns`` (list of dicts), ``turns_count``, ``turns_by_infant``,
        ``turns_prompt``, ``more_reasons`` (beyond :data:`MAX_REASONS`, when any), ``adult_look_frac``,
        ``infant_face_frac``, ``adult_face_frac``, ``both_faces_frac``, ``cry_s``,
        ``best_still_t_s``, ``best_still_both_faces`` and ``measured``.
    """
    details: dict[str, object] = {"measured": sorted(cues.measured)}
    caveats: list[str] = []
    by_principle: dict[str, list[str]] = {
        "developing": _together_reasons(cues, s, e, details) + _turn_reason(cues, s, e, details),
        "receiving": _receiving_reason(cues, s, e, details, caveats),
        "encouraging": _encouraging_reason(cues, s, e),
        "attentive": _attentive_reasons(cues, s, e, details),
    }
    _laugh_and_ids_reasons(cues, s, e, by_principle, details)
    order = sorted(PRINCIPLES, key=lambda k: -weights.get(k, 0.0) * scores.get(k, 0.0))
    reasons = [r for k in order for r in by_principle[k]] or _seen_reasons(cues, s, e)
    if len(reasons) > MAX_REASONS:
        reasons, details["more_reasons"] = reasons[:MAX_REASONS], reasons[MAX_REASONS:]
    caveats.extend(_recording_caveats(cues, s, e, cfg, details))
    if not reasons and (cues.measured & {"faces", "gaze", "smile", "voice", "cry"}) and not any("hard to see" in c for c in caveats):
        caveats.insert(0, "nothing clear stood out to the program here; it was listed because there was room for one more")
    details["caveats"] = list(dict.fromkeys(caveats))  # each said once

    still, both = best_still(cues, s, e, p)
    details["best_still_t_s"] = round(float(t_s[still]), 3)
    details["best_still_both_faces"] = both
    return reasons, details


def _laugh_and_ids_reasons(
    cues: Cues, s: int, e: int, by_principle: dict[str, list[str]], details: dict[str, object]
) -> None:
    """Shared laughter (developing) and the parent's sing-song voice (encouraging), with figures; issue 12."""
    tick = cues.tick_s
    if cues.infant_laugh is not None:
        laugh_s, _ = _secs(cues.infant_laugh, s, e, tick)
        shared = [x for x in cues.shared_laughs if s <= x.laugh_tick < e and x.weight > 0]
        details["infant_laugh_s"] = round(laugh_s, 2)
        details["shared_laughs"] = len(shared)
        if shared:
            best = min(shared, key=lambda x: (x.along != "laughed", x.latency_s))
            text = f"baby laughed; parent {best.along} along within {max(best.latency_s, 0.1):.1f} s"
            if len(shared) > 1:
                text += f" ({len(shared)} times)"
            by_principle["developing"].append(text)
        elif laugh_s >= 0.3:
            by_principle["developing"].append(f"baby laughed for {laugh_s:.1f} s")
    if cues.adult_ids is not None:
        ids_s, _ = _secs(cues.adult_ids, s, e, tick)
        details["adult_ids_s"] = round(ids_s, 2)
        if ids_s >= 1.0:
            by_principle["encouraging"].append(f"parent spoke in a sing-song voice for {ids_s:.0f} s")
