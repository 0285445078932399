"""Turn logic of issue 4 with literal segment lists: LENA's pair counting, the 5 s rule, overlaps, cries,
someone in between, contingent latency and the responder's orientation."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigclips.audio import AudioConfig, count_turns
from vigclips.errors import ConfigError
from vigclips.types import Signals, VocalSegment

CFG = AudioConfig()


def seq(*items: tuple[str, float, float]) -> list[VocalSegment]:
    """``seq(("C", 0, 1), ("A", 1.5, 2))``: C = INFANT, A = ADULT, X = CRY, O = someone else."""
    names = {"C": "INFANT", "A": "ADULT", "X": "CRY", "O": "OTHER"}
    return [VocalSegment(float(a), float(b), names[k]) for k, a, b in items]


def chain(labels: str, dur: float = 1.0, gap: float = 0.5) -> list[VocalSegment]:
    """Alternating segments of ``dur`` seconds separated by ``gap``: ``chain("CAC")``."""
    out, t = [], 0.0
    for k in labels:
        out.append((k, t, t + dur))
        t += dur + gap
    return seq(*out)


@pytest.mark.parametrize(
    ("labels", "lena"),
    [("CA", 1), ("AC", 1), ("CAC", 1), ("CACA", 2), ("CACAC", 2), ("ACACAC", 3), ("CC", 0), ("CCA", 1), ("AAC", 1),
     ("C", 0), ("", 0)],
    ids=lambda v: str(v),
)
def test_lena_pairs(labels: str, lena: int) -> None:
    assert count_turns(chain(labels), None, CFG).turns_lena == lena


def test_initiator_is_recorded() -> None:
    s = count_turns(chain("ACA"), None, CFG)
    assert [(t.initiator, t.responder, t.counted_lena) for t in s.turns] == [
        ("ADULT", "INFANT", True),
        ("INFANT", "ADULT", False),  # C-A-C = 1: the second switch is consumed by the first pair
    ]


@pytest.mark.parametrize(("gap", "lena"), [(0.0, 1), (4.9, 1), (4.999, 1), (5.0, 0), (5.1, 0), (30.0, 0)])
def test_five_second_rule(gap: float, lena: int) -> None:
    assert count_turns(seq(("C", 0, 1), ("A", 1 + gap, 2 + gap)), None, CFG).turns_lena == lena


def test_pause_ends_conversation_and_a_new_one_starts() -> None:
    # C-A, 6 s pause, C-A: two conversations of one turn each
    s = count_turns(seq(("C", 0, 1), ("A", 1.5, 2.5), ("C", 8.5, 9), ("A", 9.5, 10)), None, CFG)
    assert s.turns_lena == 2
    # C-A-C, 6 s pause, A: the last C and A are 6 s apart, so only the first pair counts
    s = count_turns(seq(("C", 0, 1), ("A", 1.5, 2.5), ("C", 3, 4), ("A", 10, 11)), None, CFG)
    assert s.turns_lena == 1


def test_same_speaker_run_then_switch_measures_from_the_last_segment() -> None:
    s = count_turns(seq(("C", 0, 1), ("C", 3, 4), ("A", 4.5, 5)), None, CFG)
    assert s.turns_lena == 1
    (t,) = s.turns
    assert t.initiator == "INFANT" and t.initiative_end_s == 4.0 and t.latency_s == pytest.approx(0.5)


def test_small_overlap_counts_large_overlap_does_not() -> None:
    assert count_turns(seq(("C", 0, 1), ("A", 0.9, 2)), None, CFG).turns_lena == 1  # 0.1 s <= tolerance
    assert count_turns(seq(("C", 0, 2), ("A", 1, 3)), None, CFG).turns_lena == 0  # 1 s of overlapping speech


def test_segment_inside_a_longer_one_is_overlap() -> None:
    # the adult speaks 0-5 s; the infant vocalises at 1-2 s inside it: overlapping speech, no turn either way
    s = count_turns(seq(("A", 0, 5), ("C", 1, 2)), None, CFG)
    assert s.turns_lena == 0
    # the infant answers after the adult's long segment, which encloses a short adult one: latency from 5 s
    s = count_turns(seq(("A", 0, 5), ("A", 1, 2), ("C", 5.5, 6)), None, CFG)
    assert s.turns_lena == 1 and s.turns[0].latency_s == pytest.approx(0.5)


def test_cries_are_not_turns() -> None:
    assert count_turns(seq(("X", 0, 2), ("A", 2.5, 3)), None, CFG).turns_lena == 0
    assert count_turns(seq(("A", 0, 1), ("X", 1.5, 3)), None, CFG).turns_lena == 0
    assert count_turns(seq(("X", 0, 2), ("X", 3, 4)), None, CFG).turns_lena == 0
    # a cry is the infant's own sound: it is dropped, not "someone in between"
    s = count_turns(seq(("C", 0, 1), ("X", 1.2, 1.8), ("A", 2, 3)), None, CFG)
    assert s.turns_lena == 1 and s.infant_cry_s == pytest.approx(0.6) and s.infant_vocal_s == pytest.approx(1.0)


def test_someone_in_between_breaks_the_turn() -> None:
    assert count_turns(seq(("C", 0, 1), ("O", 1.2, 1.5), ("A", 2, 3)), None, CFG).turns_lena == 0
    # C-O-A-C: only the A-C pair
    s = count_turns(seq(("C", 0, 1), ("O", 1.2, 1.5), ("A", 2, 3), ("C", 3.5, 4)), None, CFG)
    assert s.turns_lena == 1 and s.turns[0].initiator == "ADULT"


def test_unsorted_input() -> None:
    segs = chain("CACA")
    assert count_turns(list(reversed(segs)), None, CFG).turns_lena == 2


@pytest.mark.parametrize(("gap", "contingent"), [(0.0, True), (1.0, True), (2.0, True), (2.01, False), (4.0, False)])
def test_contingent_latency(gap: float, contingent: bool) -> None:
    s = count_turns(seq(("C", 0, 1), ("A", 1 + gap, 2 + gap)), None, CFG)
    assert s.turns_lena == 1
    assert s.turns_contingent == int(contingent)
    assert s.turns[0].contingent is contingent and s.turns[0].latency_s == pytest.approx(gap)


def test_contingent_latency_is_configurable() -> None:
    segs = seq(("C", 0, 1), ("A", 4, 5))
    assert count_turns(segs, None, AudioConfig(contingent_max_latency_s=3.5)).turns_contingent == 1
    assert count_turns(segs, None, CFG).turns_contingent == 0


def test_contingent_pairs_skip_slow_switches() -> None:
    # C -(3 s)- A -(0.5 s)- C -(0.5 s)- A: LENA pairs (C,A),(C,A) = 2; contingent pairs only from the prompt switches:
    # A-C and C-A are adjacent, so one disjoint pair
    segs = seq(("C", 0, 1), ("A", 4, 5), ("C", 5.5, 6), ("A", 6.5, 7))
    s = count_turns(segs, None, CFG)
    assert (s.turns_lena, s.turns_contingent) == (2, 1)
    assert [t.counted_contingent for t in s.turns] == [False, True, False]


def _signals(duration_s: float, **channels: float | tuple[float, float, float]) -> Signals:
    """Signals at 10 Hz; each channel is a constant, or (value_inside, start_s, end_s) with NaN outside."""
    sig = Signals.empty_like_ticks(Fraction(10), int(duration_s * 10))
    for name, spec in channels.items():
        if isinstance(spec, tuple):
            v, a, b = spec
            sig[name] = np.where((sig.t_s >= a) & (sig.t_s < b), v, np.nan)
        else:
            sig[name] = np.full(len(sig), spec)
    return sig


def test_orientation_of_the_responder_is_evidence_not_a_gate() -> None:
    # issue 11: a prompt reply counts unless the responder is seen turned to someone or something else
    segs = seq(("C", 0, 1), ("A", 1.5, 3))  # the adult responds: the adult's channels matter
    looking = count_turns(segs, _signals(4, adult_looks_at_infant=1.0, adult_looks_elsewhere=0.0, infant_looks_at_adult=0.0), CFG)
    assert looking.turns[0].oriented is True and looking.turns[0].turned_away is False and looking.turns_contingent == 1
    # facing the camera: not looking at the baby, but not turned to anything else either (the Lookit exchange)
    neutral = count_turns(segs, _signals(4, adult_looks_at_infant=0.0, adult_looks_elsewhere=0.0), CFG)
    assert neutral.turns[0].oriented is False and neutral.turns_contingent == 1
    away = count_turns(segs, _signals(4, adult_looks_at_infant=0.0, adult_looks_elsewhere=1.0, infant_looks_elsewhere=0.0), CFG)
    assert away.turns[0].turned_away is True and away.turns_contingent == 0 and away.turns_lena == 1
    # the initiator's orientation does not decide it
    other = count_turns(segs, _signals(4, adult_looks_elsewhere=0.0, infant_looks_elsewhere=1.0), CFG)
    assert other.turns_contingent == 1
    unseen = count_turns(segs, _signals(4, adult_looks_at_infant=np.nan, adult_looks_elsewhere=np.nan), CFG)
    assert unseen.turns[0].oriented is None and unseen.turns[0].turned_away is None and unseen.turns_contingent == 1
    no_channel = count_turns(segs, _signals(4), CFG)
    assert no_channel.turns[0].oriented is None and no_channel.turns_contingent == 1
    lenient = count_turns(segs, _signals(4, adult_looks_elsewhere=1.0), AudioConfig(require_orientation=False))
    assert lenient.turns[0].turned_away is True and lenient.turns_contingent == 1


def test_orientation_needs_the_face_seen_long_enough() -> None:
    segs = seq(("A", 0, 1), ("C", 1.5, 3))  # the infant responds
    # seen only 0.2 s of the 1 s window: unknown
    brief = count_turns(segs, _signals(4, infant_looks_at_adult=(0.0, 1.5, 1.7)), CFG)
    assert brief.turns[0].oriented is None and brief.turns_contingent == 1
    # seen the whole window, looking at the adult
    seen = count_turns(segs, _signals(4, infant_looks_at_adult=(1.0, 1.5, 2.5)), CFG)
    assert seen.turns[0].oriented is True


def test_within_window_counts_add_up() -> None:
    segs = chain("CACACA", dur=1.0, gap=0.5)  # responses start at 1.5, 3.0, 4.5, 6.0, 7.5
    s = count_turns(segs, None, CFG)
    assert s.turns_lena == 3
    a, b = s.within(0, 4), s.within(4, 100)
    assert a["turns_lena"] + b["turns_lena"] == 3
    assert a["turns_contingent"] + b["turns_contingent"] == s.turns_contingent
    assert a["adult_speech_s"] + b["adult_speech_s"] == pytest.approx(s.adult_speech_s)
    assert s.within(0, 2.0) == {"turns_lena": 1, "turns_contingent": 1, "adult_speech_s": 0.5, "infant_vocal_s": 1.0,
                                "infant_cry_s": 0.0}


def test_vocal_time_counts_overlaps_once() -> None:
    s = count_turns(seq(("A", 0, 2), ("A", 1, 3), ("C", 5, 6)), None, CFG)
    assert s.adult_speech_s == pytest.approx(3.0) and s.infant_vocal_s == pytest.approx(1.0)


_seg = st.tuples(st.sampled_from("CAXO"), st.floats(0, 60), st.floats(0.05, 4))


@settings(max_examples=200, deadline=None)
@given(st.lists(_seg, max_size=25))
def test_contingent_never_exceeds_lena_and_pairs_are_disjoint(items: list[tuple[str, float, float]]) -> None:
    spans = {(a, a + d): k for k, a, d in items}  # one segment per span, so a segment is known by its times
    segs = seq(*[(k, a, b) for (a, b), k in spans.items()])
    s = count_turns(segs, None, CFG)
    assert 0 <= s.turns_contingent <= s.turns_lena <= len(s.turns)
    assert s.turns_lena == sum(t.counted_lena for t in s.turns)
    for t in s.turns:
        assert t.initiator in ("ADULT", "INFANT")
        assert -CFG.overlap_tolerance_s - 1e-9 <= t.latency_s < CFG.turn_pause_s
        assert not t.counted_contingent or t.contingent
    # two counted LENA pairs never share a segment: consecutive counted turns cannot chain response -> initiative
    counted = [t for t in s.turns if t.counted_lena]
    for p, q in zip(counted, counted[1:]):
        assert q.initiative_start_s >= p.response_start_s
        assert (q.initiative_start_s, q.initiative_end_s) != (p.response_start_s, p.response_end_s)


@pytest.mark.parametrize(
    "kwargs",
    [{"turn_pause_s": 0.1}, {"contingent_max_latency_s": 0.0}, {"contingent_max_latency_s": 6.0},
     {"vad_max_aperiodicity": 0.9}, {"infant_f0_hz": 50.0}, {"overlap_tolerance_s": -1.0}],
    ids=lambda k: next(iter(k)),
)
def test_config_ranges(kwargs: dict) -> None:
    with pytest.raises(ConfigError, match="audio\\."):
        AudioConfig(**kwargs)
