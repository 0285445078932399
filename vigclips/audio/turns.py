"""Conversational turns between adult and infant: LENA's count, and our contingent count (#4).

**LENA's count** (LENA Foundation; Gilkerson & Richards 2008; ../shared/DOMAIN.md): a turn is an
adult vocalisation and an infant vocalisation less than 5 s apart with nobody in between, counted in discrete
pairs, so C-A = 1, C-A-C = 1, C-A-C-A = 2; a pause of 5 s or more ends the conversation. Implemented on the
time-ordered segment list:

- ``CRY`` segments are dropped before counting (cries are not turns). They are the infant's own sounds, so they do
  not count as "someone in between" either.
- ``LAUGH`` segments (an infant laugh) are the infant's vocalisations: they count as ``INFANT``.
- Any other label (``OTHER``, a second child, a television) *is* someone in between: it separates its neighbours.
- Two neighbouring segments of different speakers form a *switch* when the second starts less than ``turn_pause_s``
  after the first ends, and does not start more than ``overlap_tolerance_s`` before the first ends (longer overlap is
  overlapping speech, which LENA labels separately and does not count).
- Switches are paired greedily from the start: a counted pair consumes both segments (C-A-C: the A-C switch is not
  counted again). Greedy left-to-right pairing is the maximum number of disjoint pairs, so it is well defined.

**Contingent turns** count the same way but only over switches whose response is *prompt* (starts no later than
``contingent_max_latency_s`` after the initiative ends) and not *turned away*: orientation is evidence, not a gate
(issue 11). A prompt reply counts unless the responder is seen turned to someone or something else
(``adult_looks_elsewhere`` / ``infant_looks_elsewhere``); a responder looking at the initiator (``adult_looks_at_infant``
/ ``infant_looks_at_adult``) makes it ``oriented``, which the ranking weighs higher; a face turned to the camera, or not
seen, neither blocks nor strengthens it. They are counted in pairs as LENA's are so both numbers have the same unit; the
contingent count can never exceed LENA's.

Every switch is kept as a :class:`Turn` with its initiator, latency and orientation, so a guider can see why it was
or was not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vigclips.audio.settings import AudioConfig
from vigclips.intervals import union_length
from vigclips.types import Signals, VocalSegment

ADULT = "ADULT"
INFANT = "INFANT"
CRY = "CRY"
LAUGH = "LAUGH"
PARTNERS = (ADULT, INFANT)
#: Per-tick channel telling whether the responder looks at the initiator, by responder label.
ORIENTATION_CHANNEL = {ADULT: "adult_looks_at_infant", INFANT: "infant_looks_at_adult"}
#: Per-tick channel telling whether the responder is seen turned to someone or something else, by responder label.
AWAY_CHANNEL = {ADULT: "adult_looks_elsewhere", INFANT: "infant_looks_elsewhere"}
#: A look channel value at or above this counts as looking (the vision stage's channels are 0-1).
_LOOKING = 0.5


@dataclass(frozen=True, slots=True)
class Turn:
    """One switch of speaker: an initiative answered by the other partner.

    Attributes:
        initiator: ``"ADULT"`` or ``"INFANT"``: who vocalised first.
        initiative_start_s, initiative_end_s: the initiative segment.
        response_start_s, response_end_s: the response segment.
        latency_s: response start minus initiative end (negative for a small overlap).
        contingent: the response was prompt and the responder was not seen turned to someone or something else.
        oriented: the responder looked at the initiator during the response's first ``orientation_window_s``;
            None when their face was not seen enough to say.
        turned_away: the responder was seen turned to someone or something else then; None when not seen enough.
        counted_lena: this switch is one of LENA's counted pairs.
        counted_contingent: this switch is one of the counted contingent pairs.
    """

    initiator: str
    initiative_start_s: float
    initiative_end_s: float
    response_start_s: float
    response_end_s: float
    latency_s: float
    contingent: bool
    oriented: bool | None
    counted_lena: bool
    counted_contingent: bool
    turned_away: bool | None = None

    @property
    def responder(self) -> str:
        """The partner who answered."""
        return INFANT if self.initiator == ADULT else ADULT


@dataclass(frozen=True, slots=True)
class TurnSummary:
    """Turn counts and vocal time of a recording; :meth:`within` gives the same for a window.

    Attributes:
        turns_lena: LENA's conversational-turn count.
        turns_contingent: our contingent-turn count (same pairing, prompt replies by a responder not seen turned away).
        adult_speech_s: total adult speech time (overlapping segments counted once).
        infant_vocal_s: total infant non-cry vocalisation time.
        infant_cry_s: total cry time.
        turns: every speaker switch, counted or not, in time order.
    """

    turns_lena: int
    turns_contingent: int
    adult_speech_s: float
    infant_vocal_s: float
    infant_cry_s: float
    turns: list[Turn] = field(default_factory=list)
    segments: tuple[VocalSegment, ...] = ()

    def within(self, start_s: float, end_s: float) -> dict[str, float | int]:
        """The counts for the window ``[start_s, end_s)``.

        A turn belongs to the window its response starts in, so the counts of windows that tile a recording add up
        to the recording's; vocal time is the part of each segment inside the window.

        Args:
            start_s: window start in seconds.
            end_s: window end in seconds.

        Returns:
            ``{"turns_lena", "turns_contingent", "adult_speech_s", "infant_vocal_s", "infant_cry_s"}``.

        Example:
            >>> segs = [VocalSegment(0.0, 1.0, "INFANT"), VocalSegment(1.5, 3.0, "ADULT")]
            >>> count_turns(segs, None, AudioConfig()).within(0.0, 2.0)["turns_lena"]
            1
        """
        in_win = [t for t in self.turns if start_s <= t.response_start_s < end_s]
        return {
            "turns_lena": sum(t.counted_lena for t in in_win),
            "turns_contingent": sum(t.counted_contingent for t in in_win),
            "adult_speech_s": round(_union_s(self.segments, ADULT, start_s, end_s), 3),
            "infant_vocal_s": round(_union_s(self.segments, INFANT, start_s, end_s), 3),
            "infant_cry_s": round(_union_s(self.segments, CRY, start_s, end_s), 3),
        }


def count_turns(segments: list[VocalSegment], signals: Signals | None, cfg: AudioConfig) -> TurnSummary:
    """Count LENA and contingent turns in labelled vocal segments.

    Args:
        segments: vocal segments (any order); labels ``ADULT``, ``INFANT``, ``CRY``; any other label is treated
            as another speaker who breaks a turn.
        signals: per-tick vision channels (``adult_looks_at_infant``, ``infant_looks_at_adult``; NaN where the face
            is not seen), or None for audio-only input (orientation is then unknown and does not block contingency).
        cfg: ``turn_pause_s``, ``contingent_max_latency_s``, ``overlap_tolerance_s``, orientation settings.

    Returns:
        The :class:`TurnSummary`.

    Example:
        >>> segs = [VocalSegment(0.0, 1.0, "INFANT"), VocalSegment(1.5, 3.0, "ADULT"), VocalSegment(3.2, 4.0, "INFANT")]
        >>> s = count_turns(segs, None, AudioConfig())
        >>> s.turns_lena, s.turns_contingent, [t.initiator for t in s.turns]
        (1, 1, ['INFANT', 'ADULT'])
    """
    ordered = sorted(segments, key=lambda s: (s.start_s, s.end_s))
    # A laugh is the infant's turn like any other vocalisation (the Turn then names it INFANT).
    seq = [VocalSegment(s.start_s, s.end_s, INFANT) if s.label == LAUGH else s for s in ordered if s.label != CRY]
    switches: list[tuple[int, VocalSegment, VocalSegment, float, bool, bool | None, bool | None]] = []
    latest = -1  # index of the segment that ends last among seq[:i+1]: it, not seq[i], is what b follows
    for i in range(len(seq) - 1):
        if latest < 0 or seq[i].end_s > seq[latest].end_s:
            latest = i
        a, b = seq[i], seq[i + 1]
        if a.label not in PARTNERS or b.label not in PARTNERS or a.label == b.label:
            continue
        if seq[latest].label != a.label:
            continue  # another speaker's longer segment is still running when b starts: overlapping speech
        a = VocalSegment(a.start_s, seq[latest].end_s, a.label)
        latency = b.start_s - a.end_s
        if latency >= cfg.turn_pause_s or latency < -cfg.overlap_tolerance_s:
            continue
        prompt = latency <= cfg.contingent_max_latency_s
        oriented = _seen_doing(b, signals, ORIENTATION_CHANNEL, cfg) if signals is not None else None
        away = _seen_doing(b, signals, AWAY_CHANNEL, cfg) if signals is not None else None
        undirected = away is True and cfg.require_orientation
        switches.append((i, a, b, latency, prompt and not undirected, oriented, away))

    lena_pairs = _greedy_pairs([i for i, *_ in switches])
    cont_pairs = _greedy_pairs([i for i, _a, _b, _l, contingent, _o, _w in switches if contingent])
    turns = [
        Turn(
            initiator=a.label,
            initiative_start_s=a.start_s,
            initiative_end_s=a.end_s,
            response_start_s=b.start_s,
            response_end_s=b.end_s,
            latency_s=round(latency, 3),
            contingent=contingent,
            oriented=oriented,
            counted_lena=i in lena_pairs,
            counted_contingent=i in cont_pairs,
            turned_away=away,
        )
        for i, a, b, latency, contingent, oriented, away in switches
    ]
    return TurnSummary(
        turns_lena=len(lena_pairs),
        turns_contingent=len(cont_pairs),
        adult_speech_s=_union_s(ordered, ADULT, -np.inf, np.inf),
        infant_vocal_s=_union_s(ordered, INFANT, -np.inf, np.inf),
        infant_cry_s=_union_s(ordered, CRY, -np.inf, np.inf),
        turns=turns,
        segments=tuple(ordered),
    )


def _greedy_pairs(starts: list[int]) -> set[int]:
    """Disjoint pairs (i, i+1) chosen left to right from the switch positions ``starts`` (sorted)."""
    chosen: set[int] = set()
    last_used = -1
    for i in starts:
        if i > last_used:
            chosen.add(i)
            last_used = i + 1
    return chosen


def _seen_doing(response: VocalSegment, signals: Signals, channels: dict[str, str], cfg: AudioConfig) -> bool | None:
    """Whether the responder is seen doing what ``channels`` (by responder) measures early in the response, such as
    looking at the initiator; None when not seen enough."""
    name = channels.get(response.label)
    if name is None or name not in signals:
        return None
    t = signals.t_s
    m = (t >= response.start_s) & (t < response.start_s + cfg.orientation_window_s)
    if not m.any():
        # a response shorter than a tick: take the nearest tick
        m = np.zeros(t.shape, bool)
        if t.shape[0]:
            m[int(np.argmin(np.abs(t - response.start_s)))] = True
    values = signals[name][m]
    seen = np.isfinite(values)
    if not seen.any() or seen.mean() < cfg.orientation_min_seen:
        return None
    return bool(np.mean(values[seen] >= _LOOKING) >= 0.5)


def _union_s(segments: tuple[VocalSegment, ...] | list[VocalSegment], label: str, start_s: float, end_s: float) -> float:
    """Seconds covered by segments of ``label`` inside [start_s, end_s), overlaps counted once."""
    spans = [(max(s.start_s, start_s), min(s.end_s, end_s)) for s in segments if s.label == label]
    return union_length(np.asarray(spans, dtype=np.float64).reshape(-1, 2))
