"""bench/eval_reasons.py reads the claims a reason makes as the scoring stage words them (issue 11: reasons that are
true), and judges each claim from the labels inside the candidate."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def er():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("eval_reasons", BENCH / "eval_reasons.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.parametrize(
    "reason, cues",
    [
        ("baby and parent looked at each other for 12.4 s (the longest look 4.3 s)", ["mutual"]),
        ("baby and parent smiled together for 1.2 s", ["ismile"]),
        ("baby looked up at the parent, smiled and made a sound; parent smiled back, answered and looked at the baby "
         "within 1.0 s", ["i2p", "ismile", "p2i"]),
        ("baby looked up at the parent; parent met the baby's eyes (this happened 5 times here)", ["i2p", "mutual"]),
        ("baby made a sound; parent looked at the baby within 0.1 s", ["p2i"]),
        ("baby smiled; parent smiled back within 0.8 s", ["ismile"]),  # the parent's smile has no label
        ("the parent looked at the baby for 68% of the moment", ["p2i"]),
        ("the parent watched quietly while the baby was busy for 12.1 s", ["p2i"]),
        ("the baby looked at the parent for 1.5 s", ["i2p"]),
        ("the baby smiled for 0.3 s", ["ismile"]),
        ("baby laughed; parent laughed along within 0.4 s", ["ismile"]),
        ("the parent smiled for 2.0 s", []),
        ("baby and parent took turns making sounds, 5 turns in 17 s, 2 started by the baby", []),
        ("the parent waited and the baby took the lead 8 times", []),
        ("parent spoke in a sing-song voice for 3 s", []),
    ],
)
def test_claims_follow_the_reasons_wording(er, reason, cues):
    assert er.claims(reason) == [(c, "look") for c in cues]


@pytest.mark.parametrize(
    "reason, cues",
    [
        ("baby and parent turned to each other for 2.4 s (the longest 1.5 s)", [("mutual", "turn")]),
        ("baby turned to the parent and smiled; parent smiled back, answered and turned to the baby within 1.0 s",
         [("i2p", "turn"), ("ismile", "look"), ("p2i", "turn")]),
        ("baby turned to the parent; parent was already turned to the baby", [("i2p", "turn"), ("mutual", "turn")]),
        ("the parent was turned to the baby for 68% of the moment", [("p2i", "turn")]),
        ("the parent was turned to the baby and quiet while the baby was busy for 3.9 s", [("p2i", "turn")]),
        ("the baby was turned to the parent for 1.5 s", [("i2p", "turn")]),
    ],
)
def test_looks_seen_from_the_head_alone_are_claims_of_turning(er, reason, cues):
    assert er.claims(reason) == cues


def test_every_wording_of_the_scoring_stage_is_read(er):
    # The reasons the scoring stage writes for an attuned episode, with the eyes seen and from the head alone.
    from signal_builders import attuned_episode, merge, mock_signals

    from vigclips.scoring import ScoringConfig, find_moments

    episode = attuned_episode(50)
    for eyes in ([(0, 120)], []):
        sig = mock_signals(120, **merge(episode, {"infant_gaze_from_eyes": eyes, "adult_gaze_from_eyes": eyes}))
        [m] = find_moments(sig, ScoringConfig(), top_n=1)
        claimed = {c for r in m.reasons for c in er.claims(r)}
        how = "look" if eyes else "turn"
        assert {("mutual", how), ("i2p", how), ("p2i", how), ("ismile", "look")} <= claimed, m.reasons


def test_a_claim_is_true_false_or_unchecked(er):
    assert er.verdict([0, 0, 1]) == "true"
    assert er.verdict([0, 0]) == "false"
    assert er.verdict([]) == "unchecked"
