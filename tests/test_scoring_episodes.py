"""Issue 22, the scoring part, on literal signals: a candidate is one episode of interaction (between a take boundary,
a long pause, the parent turning to the camera or away, both turning away), at most about 15 s; a reply that starts
while the other is still sounding is overlap, not an answer; smiling together needs both turned to each other, the
smiles within about 1.5 s of each other, and the still of such a moment shows both smiling."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from signal_builders import HZ, mock_signals

from vigclips.scoring import ScoringConfig, find_moments
from vigclips.scoring.episodes import episode_breaks, pause_breaks, take_breaks, turn_away_breaks
from vigclips.scoring.events import overlapping, smiled_together
from vigclips.scoring.principles import compute_cues

CFG = ScoringConfig()


def _ticks(*spans: tuple[float, float], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for a, b in spans:
        out[round(a * HZ) : round(b * HZ)] = True
    return out


# --------------------------------------------------------------------------------------- overlap is not an answer


@pytest.mark.parametrize(
    ("infant_voice", "answered"),
    [
        ([(4.0, 6.0)], False),  # the baby starts while the parent still speaks (2–5 s): overlap
        ([(5.0, 6.0)], False),  # the very tick the parent stops: no gap at all
        ([(5.1, 6.0)], False),  # 0.1 s after: too soon to be an answer
        ([(5.3, 6.0)], True),  # 0.3 s after: an answer
        ([(6.5, 7.5)], True),  # 1.5 s after
    ],
    ids=["overlap", "latched", "0.1s", "0.3s", "1.5s"],
)
def test_a_reply_that_starts_while_the_other_sounds_is_not_a_turn(infant_voice, answered):
    sig = mock_signals(20, adult_voice=[(2.0, 5.0)], infant_voice=infant_voice)
    cues = compute_cues(sig, CFG)
    assert (len(cues.turns) == 1) is answered, cues.turns
    if answered:
        assert cues.turns[0].latency_s >= CFG.min_answer_gap_s - 1e-9


@pytest.mark.parametrize(("latency_s", "kept"), [(-0.4, False), (0.0, False), (0.1, False), (0.2, True), (1.2, True)])
def test_turns_from_the_audio_stage_that_overlap_are_not_answers(latency_s, kept):
    turn = SimpleNamespace(initiator="INFANT", initiative_start_s=1.0, initiative_end_s=2.0,
                           response_start_s=2.0 + latency_s, response_end_s=4.0, latency_s=latency_s, contingent=True)
    cues = compute_cues(mock_signals(10), CFG, SimpleNamespace(turns=[turn]))
    assert (len(cues.turns) == 1) is kept


def test_overlapping_onsets_literal():
    sounding = np.array([0, 0, 1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
    # onsets at 3 (inside), 5 (just after: 0.0 s gap), 6 (0.1 s), 7 (0.2 s: an answer), 9
    assert overlapping(np.array([3, 5, 6, 7, 9]), sounding, 0.2, 0.1).tolist() == [True, True, True, False, False]
    assert overlapping(np.array([], dtype=np.int64), sounding, 0.2, 0.1).tolist() == []


def test_a_parent_talking_over_the_baby_is_not_answering_her():
    # The baby babbles 2.0–4.0 s; the parent starts talking at 3.0 s, over her: no response, no "answered" reason.
    sig = mock_signals(20, infant_voice=[(2.0, 4.0)], adult_voice=[(3.0, 6.0)])
    cues = compute_cues(sig, CFG)
    assert not any("voice" in r.response for r in cues.responses)
    [m] = find_moments(sig, CFG, top_n=1)
    assert not any("answered" in r for r in m.reasons), m.reasons
    # A parent waiting until the baby has stopped (babble 2.0–3.0 s, the parent at 3.5 s) answers her.
    sig = mock_signals(20, infant_voice=[(2.0, 3.0)], adult_voice=[(3.5, 6.0)])
    cues = compute_cues(sig, CFG)
    assert [r.response for r in cues.responses if "voice" in r.response]
    [m] = find_moments(sig, CFG, top_n=1)
    assert any("answered within 0.5 s" in r for r in m.reasons), m.reasons


def test_no_response_comes_sooner_than_a_person_can_answer():
    # The parent's look starts 0.1 s after the baby's: it was under way already, not an answer to her look.
    sig = mock_signals(20, infant_looks_at_adult=[(5.0, 8.0)], adult_looks_at_infant=[(5.1, 8.0)])
    assert not [r for r in compute_cues(sig, CFG).responses if "look" in r.response]
    sig = mock_signals(20, infant_looks_at_adult=[(5.0, 8.0)], adult_looks_at_infant=[(5.6, 8.0)])
    assert [r for r in compute_cues(sig, CFG).responses if "look" in r.response]


# ---------------------------------------------------------------------------------------------- smiling together


def test_smiled_together_literal():
    baby = np.array([0, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    parent = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1], dtype=bool)
    turned = np.ones(10, dtype=bool)
    assert not smiled_together(baby, parent, turned, 2).any()  # 6 ticks apart: two smiles, not a shared one
    assert smiled_together(baby, parent, turned, 6).any()
    assert not smiled_together(baby, parent, np.zeros(10, dtype=bool), 6).any()  # not turned to each other
    assert smiled_together(baby, parent, None, 6).any()  # looks not measured: smiles close in time count


def test_a_parent_smiling_into_the_camera_does_not_smile_with_the_baby():
    # Both smile at once, but the parent faces the camera (not turned to the baby): no shared smile, no reason for it.
    spans = {"infant_smile": [(5.0, 9.0)], "adult_smile": [(5.0, 9.0)], "infant_looks_at_adult": [(5.0, 9.0)]}
    sig = mock_signals(20, **spans, adult_looks_at_infant=[(0.0, 0.1)])
    assert not compute_cues(sig, CFG).shared_smile.any()
    assert not any("smiled together" in r for m in find_moments(sig, CFG, top_n=2) for r in m.reasons)


def test_smiles_a_second_apart_while_turned_to_each_other_are_shared():
    # Face to face 4–12 s; the baby smiles 5–6 s, the parent smiles back 7–8 s (1 s after): smiling together, at the
    # ticks where the other's smile is within shared_smile_window_s (1.5 s).
    face_to_face = [(4.0, 12.0)]
    sig = mock_signals(30, infant_looks_at_adult=face_to_face, adult_looks_at_infant=face_to_face,
                       mutual_gaze=face_to_face, infant_smile=[(5.0, 6.0)], adult_smile=[(7.0, 8.0)])
    shared = compute_cues(sig, CFG).shared_smile
    assert shared[round(5.8 * HZ)] and shared[round(7.2 * HZ)] and not shared[round(7.8 * HZ)]
    # Three seconds apart is two smiles, not one shared.
    sig["adult_smile"] = _ticks((9.0, 10.0), n=len(sig)).astype(np.float32)
    assert not compute_cues(sig, CFG).shared_smile.any()


def test_the_still_of_a_shared_smile_shows_both_smiling():
    # Face to face 2–14 s; the parent grins at the camera at 3 s (both faces seen, but she is not turned to the baby),
    # the baby smiles 6–9 s and the parent smiles back 8–10 s: the still is a frame where both smile (8–9 s).
    n_s = 20
    sig = mock_signals(n_s, infant_looks_at_adult=[(2.0, 14.0)], adult_looks_at_infant=[(2.0, 2.8), (4.0, 14.0)],
                       mutual_gaze=[(4.0, 14.0)], infant_smile=[(6.0, 9.0)], adult_smile=[(2.8, 4.0), (8.0, 10.0)])
    sig["adult_gaze_yaw_deg"] = np.where(_ticks((2.8, 4.0), n=len(sig)), 0.0, -70.0).astype(np.float32)
    [m] = find_moments(sig, CFG, top_n=1)
    assert any("smiled together" in r for r in m.reasons), m.reasons
    assert 8.0 <= m.details["best_still_t_s"] < 9.0, m.details


# --------------------------------------------------------------------------------------------- episode boundaries


def test_a_take_boundary_is_a_break_no_candidate_crosses():
    # Two takes of one joined recording, 1 s of black and silence between them (10.0–11.0 s): faces gone, nothing heard.
    spans = {"mutual_gaze": [(2.0, 10.0), (11.0, 19.0)], "infant_looks_at_adult": [(2.0, 10.0), (11.0, 19.0)],
             "adult_looks_at_infant": [(2.0, 10.0), (11.0, 19.0)], "infant_present": [(0.0, 10.0), (11.0, 30.0)],
             "adult_present": [(0.0, 10.0), (11.0, 30.0)]}
    sig = mock_signals(30, **spans)
    cues = compute_cues(sig, CFG)
    breaks = take_breaks(cues, CFG)
    assert np.flatnonzero(breaks).tolist() == list(range(100, 110))
    for m in find_moments(sig, CFG, top_n=3):
        assert m.end_s <= 10.0 + 1e-6 or m.start_s >= 11.0 - 1e-6, (m.start_s, m.end_s)
    # A blink of both faces with sound going on is no take boundary; nor is a silent stretch with faces seen.
    sig2 = mock_signals(30, **{**spans, "adult_voice": [(9.5, 11.5)]})
    assert not take_breaks(compute_cues(sig2, CFG), CFG).any()
    short = {**spans, "infant_present": [(0.0, 10.0), (10.3, 30.0)], "adult_present": [(0.0, 10.0), (10.3, 30.0)]}
    assert not take_breaks(compute_cues(mock_signals(30, **short), CFG), CFG).any()  # 0.3 s < take_gap_s


def test_the_parent_turning_to_the_camera_ends_the_exchange():
    # Turned to each other 2–9 s; at 9 s the parent turns to the camera (gaze yaw 0) and stays so to 20 s.
    spans = {"mutual_gaze": [(2.0, 9.0)], "infant_looks_at_adult": [(2.0, 12.0)], "adult_looks_at_infant": [(2.0, 9.0)],
             "infant_smile": [(3.0, 12.0)]}
    sig = mock_signals(20, **spans)
    sig["adult_gaze_yaw_deg"] = np.where(_ticks((9.0, 20.0), n=len(sig)), 2.0, -70.0).astype(np.float32)
    cues = compute_cues(sig, CFG)
    assert np.flatnonzero(turn_away_breaks(cues, CFG)).tolist() == [90]  # the turn, not the whole stretch after it
    [m] = find_moments(sig, CFG, top_n=1)
    assert m.start_s <= 3.0 and m.end_s <= 9.0 + 1e-6, (m.start_s, m.end_s)
    # Without the turn (her gaze unknown), the same moment runs on while the baby still smiles at her.
    del sig.channels["adult_gaze_yaw_deg"]
    assert not turn_away_breaks(compute_cues(sig, CFG), CFG).any()


def test_both_turned_away_and_a_long_pause_are_breaks():
    sig = mock_signals(30, infant_looks_elsewhere=[(10.0, 12.0)], adult_looks_elsewhere=[(10.5, 13.0)],
                       infant_looks_at_adult=[(2.0, 10.0), (13.0, 14.0)], adult_looks_at_infant=[(2.0, 10.5)])
    cues = compute_cues(sig, CFG)
    away = turn_away_breaks(cues, CFG)
    assert away[105:120].all() and not away[:100].any() and not away[121:].any()
    # 14–30 s: nobody looks, smiles or makes a sound: a long pause, less the half second a clip may lead in and out.
    pause = pause_breaks(cues, CFG)
    assert np.flatnonzero(pause).tolist() == list(range(145, 295))
    assert (episode_breaks(cues, CFG) == (take_breaks(cues, CFG) | away | pause)).all()
    # Nothing measured at all: no pauses, only unknowns (every stretch may still hold a candidate).
    assert not pause_breaks(compute_cues(mock_signals(30, faces=False), CFG), CFG).any()


def test_a_candidate_is_one_episode_of_at_most_about_15_s():
    # Face to face and smiling, with turns, for 40 s without a break: still no candidate over max_moment_s (15 s).
    spans = {k: [(0.0, 40.0)] for k in ("mutual_gaze", "infant_looks_at_adult", "adult_looks_at_infant")}
    voices = {"infant_voice": [(t, t + 1.0) for t in range(1, 40, 3)],
              "adult_voice": [(t + 1.5, t + 2.5) for t in range(1, 40, 3)]}
    moments = find_moments(mock_signals(40, **spans, **voices), CFG, top_n=3)
    assert CFG.max_moment_s == 15.0
    assert all(m.end_s - m.start_s <= 15.0 + 1e-6 for m in moments), [(m.start_s, m.end_s) for m in moments]


def test_a_smile_into_the_camera_is_not_a_smile_back():
    # The baby smiles at 5 s; the parent's smile starts 0.8 s later while she faces the camera (gaze yaw 3°): no response.
    sig = mock_signals(20, infant_smile=[(5.0, 8.0)], adult_smile=[(5.8, 8.0)], adult_looks_at_infant=[(0.0, 0.1)])
    sig["adult_gaze_yaw_deg"] = np.full(len(sig), 3.0, dtype=np.float32)
    assert not [r for r in compute_cues(sig, CFG).responses if "smile" in r.response]
    # The same smile while she is turned to the baby (yaw −70°, looking at her) is one.
    sig["adult_gaze_yaw_deg"] = np.full(len(sig), -70.0, dtype=np.float32)
    sig["adult_looks_at_infant"] = np.ones(len(sig), dtype=np.float32)
    assert [r for r in compute_cues(sig, CFG).responses if "smile" in r.response]


def test_a_peak_in_a_sliver_of_an_episode_keeps_to_its_take():
    # Take 1 (0–10 s) ends with a burst of interaction at 7–9.5 s after a long pause; then 1 s of black and silence
    # (10–11 s) and take 2. The episode (6.5–10 s) is shorter than the 5 s asked for: the candidate grows into the rest of
    # its take, never across the gap.
    face_to_face = [(7.0, 9.5)]
    spans = {"mutual_gaze": face_to_face, "infant_looks_at_adult": face_to_face, "adult_looks_at_infant": face_to_face,
             "infant_smile": face_to_face, "adult_smile": face_to_face,
             "infant_present": [(0.0, 10.0), (11.0, 30.0)], "adult_present": [(0.0, 10.0), (11.0, 30.0)]}
    [m] = find_moments(mock_signals(30, **spans), ScoringConfig(min_moment_s=5.0), top_n=1)
    assert m.end_s <= 10.0 + 1e-6 and m.end_s - m.start_s >= 5.0 - 1e-6, (m.start_s, m.end_s)
