"""Infant laughter and infant-directed speech (issue 12): literal call lists and pitch tracks, synthetic sounds, and the
shared clips with tolerances; and how the ranking uses them."""

from __future__ import annotations

import numpy as np
import pytest

from vigclips.audio import AudioConfig, analyze_audio, count_turns, parse_rttm
from vigclips.audio.ids import ids_frames, ids_probability, phrase_measures, phrase_pieces
from vigclips.audio.laugh import LaughBout, find_bouts, relabel_laughs, split_by_speaker
from vigclips.audio.rttm import format_rttm
from vigclips.audio.voicetype import ADULT, CRY, INFANT, LAUGH, TypedSegment
from vigclips.errors import ConfigError
from vigclips.scoring import ScoringConfig, find_moments
from vigclips.types import VocalSegment

from signal_builders import mock_signals
from test_audio_vad import SR, place, run, voice

CFG = AudioConfig()


def calls(peaks: list[int], half: int = 8) -> tuple[np.ndarray, np.ndarray]:
    p = np.array(peaks, dtype=np.int64)
    return p, np.stack([p - half, p + half], axis=1)


# ------------------------------------------------------------------------------------------------ laugh bouts


def test_four_steady_short_calls_are_one_bout() -> None:
    [b] = find_bouts(*calls([100, 125, 151, 175, 400]), CFG)  # the lone call at 4 s is not part of it
    assert (b.start, b.end, b.calls, b.score) == (92, 183, 4, 0.5)


def test_more_calls_score_higher_and_saturate() -> None:
    [b5] = find_bouts(*calls([100, 125, 150, 175, 200]), CFG)
    [b7] = find_bouts(*calls([100 + 25 * k for k in range(7)]), CFG)
    assert b5.score == 0.75 and b7.score == 1.0


def test_three_calls_are_not_enough() -> None:
    assert find_bouts(*calls([100, 125, 150]), CFG) == []


def test_irregular_calls_are_speech_not_a_laugh() -> None:
    # intervals 0.15, 0.45, 0.15 s: far from their median
    assert find_bouts(*calls([100, 115, 160, 175]), CFG) == []


def test_a_long_expiration_ends_the_bout() -> None:
    peaks, runs = calls([100, 125, 150, 175, 200])
    runs[2] = (130, 190)  # 0.6 s: a cry's expiration, not a laugh call
    assert find_bouts(peaks, runs, CFG) == []


def test_calls_too_far_apart_are_no_bout() -> None:
    assert find_bouts(*calls([100, 180, 260, 340]), CFG) == []  # 0.8 s apart: slower than any laugh



def test_the_mothers_slow_calls_are_no_bout_but_the_toddlers_laugh_is() -> None:
    # Call peaks (10 ms frames) measured on the shared clips: 4JDccE.joke4.rep3 1.3-3.2 s, the mother's five calls
    # 0.42-0.51 s apart, and 4JDccE.joke1.rep1 34.0-35.2 s, the toddler's laugh 0.26-0.36 s apart.
    mother = [131, 178, 220, 270, 321]
    toddler = [3399, 3426, 3452, 3488, 3520]
    assert find_bouts(*calls(mother), CFG) == []
    [b] = find_bouts(*calls(toddler), CFG)
    assert b.calls == 5 and b.score == 0.75
    assert len(find_bouts(*calls(mother), AudioConfig(laugh_max_ioi_s=0.6))) == 1  # the old setting took it

def test_bout_goes_to_the_speaker_of_most_of_its_voiced_frames() -> None:
    labels = np.zeros(400, np.int8)
    labels[0:200] = CRY
    labels[200:400] = ADULT
    voiced = np.ones(400, bool)
    infant, adult = split_by_speaker([LaughBout(20, 150, 4, 0.5), LaughBout(190, 300, 5, 0.75)], labels, voiced)
    assert [b.start for b in infant] == [20] and [b.start for b in adult] == [190]


def test_a_laugh_inside_a_cry_is_a_laugh_and_the_rest_too_short_to_cry() -> None:
    seg = [TypedSegment(0, 250, CRY, 0.9, 450.0, -5.0)]
    out = relabel_laughs(seg, [LaughBout(60, 190, 5, 0.75)], CFG)
    assert [(s.start, s.end, s.label) for s in out] == [(0, 60, INFANT), (60, 190, LAUGH), (190, 250, INFANT)]


def test_short_remainders_join_the_laugh_and_adult_speech_is_untouched() -> None:
    seg = [TypedSegment(0, 150, INFANT, 0.9, 450.0, -15.0), TypedSegment(160, 300, ADULT, 0.1, 200.0, -20.0)]
    out = relabel_laughs(seg, [LaughBout(20, 130, 4, 0.5)], CFG)
    assert [(s.start, s.end, s.label) for s in out] == [(0, 150, LAUGH), (160, 300, ADULT)]


def test_laugh_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="laugh_min_ioi_s"):
        AudioConfig(laugh_min_ioi_s=0.7, laugh_max_ioi_s=0.6)
    with pytest.raises(ConfigError, match="laugh_min_calls"):
        AudioConfig(laugh_min_calls=1)


def synthetic_laugh(n_calls: int, f0_hz: float = 450.0, ioi_s: float = 0.25, call_s: float = 0.12) -> list:
    """Short high voiced calls with breathy (noise) gaps between them: "ha-ha-ha"."""
    rng = np.random.default_rng(12)
    parts = []
    for k in range(n_calls):
        parts.append((k * ioi_s, voice(f0_hz * (1 - 0.03 * k), call_s, level=0.25)))
        breath = (0.004 * rng.standard_normal(int((ioi_s - call_s) * SR))).astype(np.float32)
        parts.append((k * ioi_s + call_s, breath))
    return parts


def test_a_synthetic_infant_laugh_is_a_laugh_segment_and_channel() -> None:
    x = place([(1.0 + t, s) for t, s in synthetic_laugh(6)], 4.0)
    res = run(x)
    laughs = [s for s in res.segments if s.label == "LAUGH"]
    assert len(laughs) == 1 and laughs[0].start_s == pytest.approx(1.0, abs=0.15)
    assert laughs[0].end_s == pytest.approx(2.37, abs=0.2)
    il = res.channels["infant_laugh"]
    assert il[15] == pytest.approx(1.0) and il[5] == 0.0 and il[35] == 0.0
    assert res.channels["infant_voice"][15] > 0.5  # a laugh is an infant vocalisation (not a cry)
    assert res.channels["infant_cry"][15] == 0.0
    assert np.nanmax(res.channels["adult_laugh"]) == 0.0


def test_a_sustained_cry_is_never_a_laugh() -> None:
    cry = voice(480, 1.3, level=0.3, tilt=0.5)
    x = place([(0.5, cry), (2.1, cry), (3.7, cry)], 5.5)
    res = run(x)
    assert {s.label for s in res.segments} <= {"CRY", "INFANT"}
    assert np.nanmax(res.channels["infant_laugh"]) == 0.0


def test_a_laugh_counts_as_the_infants_turn_and_is_written_as_laugh() -> None:
    segs = [VocalSegment(0.0, 1.2, "LAUGH"), VocalSegment(1.6, 3.0, "ADULT")]
    s = count_turns(segs, None, CFG)
    assert s.turns_lena == 1 and s.turns[0].initiator == "INFANT"
    assert [x.label for x in parse_rttm(format_rttm(segs, "rec"))] == ["LAUGH", "ADULT"]


# --------------------------------------------------------------------------------------------- infant-directed speech


def test_phrase_measures_from_a_literal_pitch_track() -> None:
    # 200 Hz gliding up one semitone every 10 frames (10 st/s), unvoiced frames in between don't count
    st = np.arange(40) / 10.0
    track = np.log2(200.0) + st / 12.0
    track[::7] = np.nan
    f0, glide = phrase_measures(track)
    assert f0 == pytest.approx(200 * 2 ** (np.nanmedian(np.where(np.isnan(track), np.nan, st)) / 12), rel=0.01)
    assert glide == pytest.approx(10.0, rel=1e-6)
    assert phrase_measures(track[:15]) is None  # under 0.2 s of voicing: not scored


def test_ids_probability_rises_with_pitch_and_glides() -> None:
    p = ids_probability(np.array([0.0, 3.0, 0.0]), np.array([10.0, 10.0, 25.0]))
    assert p[1] > p[0] and p[2] > p[0] and np.all((p > 0) & (p < 1))


def test_ids_is_scored_relative_to_the_speakers_own_pitch() -> None:
    flat = np.log2(200.0) + 0.02 * np.sin(np.arange(300) / 5.0)  # level talk at 200 Hz
    lively = np.log2(260.0) + 0.25 * np.sin(np.arange(300) / 5.0)  # 4.5 st higher, gliding
    track = np.concatenate([flat, flat, lively])
    typed = [TypedSegment(0, 300, ADULT, 0.1, 200, -20), TypedSegment(300, 600, ADULT, 0.1, 200, -20),
             TypedSegment(600, 900, ADULT, 0.2, 260, -20)]
    p = ids_frames(track, typed, min_reference_s=3.0)
    assert p[100] < 0.3 and p[700] > 0.8
    infant = [TypedSegment(0, 300, INFANT, 0.9, 450, -10)]
    assert np.isnan(ids_frames(track[:300], infant, 3.0)).all()  # only adult speech is scored


def test_long_phrases_are_cut_into_pieces() -> None:
    assert phrase_pieces(0, 300) == [(0, 300)]
    assert phrase_pieces(100, 700) == [(100, 400), (400, 700)]
    assert len(phrase_pieces(100, 701)) == 3  # no piece over 3 s


def test_adult_ids_is_empty_where_no_adult_speaks() -> None:
    x = place([(0.5, voice(210, 1.5)), (2.5, voice(480, 0.6))], 4.0)
    ids = run(x).channels["adult_ids"]
    assert np.isfinite(ids[10]) and 0 <= ids[10] <= 1
    assert np.isnan(ids[28]) and np.isnan(ids[37])  # the infant's sound and the silence after


# ------------------------------------------------------------------------------------------------------ ranking


def test_shared_laughter_and_sing_song_voice_are_reasons() -> None:
    sig = mock_signals(
        60,
        infant_laugh=[(20.0, 21.2)],
        infant_voice=[(20.0, 21.2)],
        adult_laugh=[(20.6, 21.8)],
        adult_voice=[(16.0, 19.5), (20.6, 21.8)],
        adult_ids=[(16.0, 19.5)],
        adult_looks_at_infant=[(15, 25)],
        infant_looks_at_adult=[(15, 25)],
        mutual_gaze=[(15, 25)],
    )
    [m] = find_moments(sig, ScoringConfig(), top_n=1)
    text = " | ".join(m.reasons)
    assert "baby laughed; parent laughed along within 0.6 s" in text
    assert "parent spoke in a sing-song voice for 4 s" in text
    assert m.details["shared_laughs"] == 1 and m.details["infant_laugh_s"] == pytest.approx(1.2)


def test_a_sing_song_voice_counts_only_with_a_baby_around() -> None:
    from vigclips.scoring.principles import compute_cues

    speech = {"adult_voice": [(10.0, 14.0)], "adult_ids": [(10.0, 14.0)], "adult_present": [(0.0, 30.0)]}
    alone = mock_signals(30, faces=False, infant_present=[], infant_voice=[], **speech)  # a lone performer
    assert not compute_cues(alone, ScoringConfig()).adult_ids.any()
    assert all("sing-song" not in r for m in find_moments(alone, ScoringConfig(), top_n=3) for r in m.reasons)
    # the baby heard from 15.5 s: the phrase's last 0.5 s lie within ids_baby_near_s (2 s) of it, the rest does not
    heard = mock_signals(30, faces=False, infant_present=[], infant_voice=[(15.5, 16.5)], **speech)
    ids = compute_cues(heard, ScoringConfig()).adult_ids
    assert ids[135:140].all() and not ids[:135].any()
    # seen: only a face the vision stage is fairly sure is the baby's
    seen = mock_signals(30, faces=False, infant_present=[(0.0, 30.0)], infant_voice=[], **speech)
    seen["role_confidence"] = np.full(len(seen), 0.9, np.float32)
    assert compute_cues(seen, ScoringConfig()).adult_ids[100:140].all()
    seen["role_confidence"] = np.full(len(seen), 0.6, np.float32)  # a coin toss between two faces: not the baby
    assert not compute_cues(seen, ScoringConfig()).adult_ids.any()
    assert compute_cues(seen, ScoringConfig(ids_baby_near_s=0.0)).adult_ids.sum() == 0


def test_a_smile_along_counts_and_a_late_one_does_not() -> None:
    base = dict(infant_laugh=[(20.0, 21.0)], infant_voice=[(20.0, 21.0)], adult_looks_at_infant=[(15, 25)],
                infant_looks_at_adult=[(15, 25)])
    [m] = find_moments(mock_signals(60, adult_smile=[(20.4, 22.0)], **base), ScoringConfig(), top_n=1)
    assert "baby laughed; parent smiled along within 0.4 s" in m.reasons
    [late] = find_moments(mock_signals(60, adult_smile=[(23.0, 24.0)], **base), ScoringConfig(), top_n=1)
    assert not any("along" in r for r in late.reasons) and "baby laughed for 1.0 s" in late.reasons


def test_shared_laughter_lifts_the_developing_score() -> None:
    base = dict(infant_laugh=[(20.0, 21.0)], infant_voice=[(20.0, 21.0)])
    with_parent = find_moments(mock_signals(60, adult_laugh=[(20.3, 21.0)], **base), ScoringConfig(), top_n=1)[0]
    alone = find_moments(mock_signals(60, **base), ScoringConfig(), top_n=1)[0]
    assert with_parent.scores["developing"] > alone.scores["developing"]


# --------------------------------------------------------------------------------------------- shared clips


def _decode(path):
    from vigclips.media.decode import decode_audio

    return decode_audio(path, SR)


@pytest.mark.parametrize("name", ["donateacry_m-04-hu.wav", "donateacry_f-26-dc.wav", "donateacry_f-04-ti.wav"])
def test_real_cries_are_never_laughs(shared_media, name: str) -> None:
    res = run(_decode(shared_media / name))
    assert "LAUGH" not in {s.label for s in res.segments}
    assert np.nanmean(res.channels["infant_laugh"] >= 0.5) < 0.10


def _laugh_labels() -> list[dict[str, str]]:
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "labels" / "lookit_laughter_seconds.csv"
    with path.open(newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def test_the_toddlers_labelled_laugh_is_found(shared_media) -> None:
    # bench/labels/lookit_laughter_seconds.csv: 34-36 s of this clip is a laugh (a high held call, an open smile).
    res = run(_decode(shared_media / "lookit_laughter" / "4JDccE.joke1.rep1.take1.NomNomNom.mp4"))
    laughs = [s for s in res.segments if s.label == "LAUGH" and s.start_s < 36.0 and s.end_s > 34.0]
    assert len(laughs) == 1 and laughs[0].start_s == pytest.approx(34.0, abs=0.5), laughs
    il = np.nan_to_num(res.channels["infant_laugh"][335:385])  # the 5-s chunk around it, at 10 Hz
    assert np.mean(il >= 0.5) >= 0.10


@pytest.mark.slow
def test_laughter_stays_rare_where_the_labels_say_there_is_none_in_the_infants_clips(shared_media) -> None:
    # 2UWdXP: every second labelled 0 by a coder who could not listen (spectrograms and frames), and the parent says
    # she never laughed; the mother's speech, songs, paper. Issue 22's laughter model (which finds 20 of 20 chunks of
    # real home laughter, against 3 before) hears some of it as laughter: the baby's squeals of delight, which the
    # issue's guider heard as laughing, and some of the mother's playful high voice. 20 of 122 seconds on 2026-12-07
    # (0 before, when laughs were missed everywhere; README "Laughter and crying told apart"). This keeps it from
    # growing: at most a fifth of the seconds.
    rows = [r for r in _laugh_labels() if r["file"].startswith("2UWdXP") and r["label"] == "0"]
    names = sorted({r["file"] for r in rows})
    assert len(names) == 13
    seconds = heard = 0
    for name in names:
        laugh = np.nan_to_num(run(_decode(shared_media / "lookit_laughter" / name)).channels["infant_laugh"])
        for r in (r for r in rows if r["file"] == name):
            for second in range(int(float(r["start_s"])), int(float(r["end_s"]))):
                seconds += 1
                heard += bool(np.any(laugh[second * 10 : (second + 1) * 10] >= 0.5))  # 10 Hz ticks
    assert seconds >= 100
    assert heard <= 0.2 * seconds, (heard, seconds)


def test_manybabies_ids_clips_score_above_ads_clips_of_the_same_mother(shared_media) -> None:
    import csv

    rows = list(csv.DictReader((shared_media / "manybabies" / "labels.csv").open()))
    mine = [r for r in rows if r["mother"] == "1810"]
    parts = [_decode(shared_media / "manybabies" / r["file"]) for r in mine]
    gap = np.zeros(SR, np.float32)
    x = np.concatenate([p for q in parts for p in (q, gap)])
    res = analyze_audio(x, SR, np.arange(int(x.shape[0] / SR * 10)) / 10.0, CFG)
    t = np.arange(res.channels["adult_ids"].shape[0]) / 10.0
    start, scores = 0.0, []
    for p in parts:
        m = (t >= start) & (t < start + p.shape[0] / SR)
        scores.append(float(np.nanmean(res.channels["adult_ids"][m])) if np.isfinite(res.channels["adult_ids"][m]).any() else 0.5)
        start += (p.shape[0] + SR) / SR
    ids = [s for s, r in zip(scores, mine) if r["register"] == "IDS"]
    ads = [s for s, r in zip(scores, mine) if r["register"] == "ADS"]
    wins = np.mean([a > b for a in ids for b in ads])
    assert wins >= 0.8, (ids, ads)  # the bench's figure for this mother is 0.96 (tolerance for small changes)


def test_teaching_clips_mark_a_shared_laugh() -> None:
    from vigclips.export.teaching import MUTUAL_BGR, draw_cues

    image = np.zeros((240, 320, 3), dtype=np.uint8)
    faces = {"infant_face_x": 0.25, "infant_face_y": 0.5, "adult_face_x": 0.75, "adult_face_y": 0.5, "adult_smile": 0.9}
    plain = draw_cues(image, faces, "")
    fun = draw_cues(image, faces | {"infant_laugh": 1.0}, "")
    top = fun[:30]
    assert not np.array_equal(plain, fun)
    assert np.any(np.all(np.abs(top.astype(int) - np.array(MUTUAL_BGR)) <= 10, axis=-1))  # "having fun together"
    assert not np.any(np.all(np.abs(plain[:30].astype(int) - np.array(MUTUAL_BGR)) <= 10, axis=-1))


def test_the_timeline_shows_laughs_and_sing_song_rows(tmp_path) -> None:
    from vigclips.report.timeline import write_timeline_png

    sig = mock_signals(30, infant_laugh=[(10.0, 11.0)], adult_ids=[(5.0, 9.0)], adult_voice=[(5.0, 9.0)])
    moments = find_moments(sig, ScoringConfig(), top_n=1)
    with_rows = write_timeline_png(sig, moments, tmp_path / "a.png", ScoringConfig())
    del sig.channels["infant_laugh"], sig.channels["adult_ids"]
    without = write_timeline_png(sig, find_moments(sig, ScoringConfig(), top_n=1), tmp_path / "b.png", ScoringConfig())
    import cv2

    assert cv2.imread(str(with_rows)).shape[0] > cv2.imread(str(without)).shape[0]  # two more rows


def test_laughter_joins_keep_the_takes_apart(lavfi_clip, tmp_path, monkeypatch) -> None:
    # bench/eval_ranking.py --laughter joins a family's takes with a black, silent gap, so no sound runs across a cut.
    import importlib.util
    import sys
    from pathlib import Path

    from vigclips.media import probe
    from vigclips.media.decode import decode_audio

    path = Path(__file__).resolve().parents[1] / "bench" / "eval_ranking.py"
    spec = importlib.util.spec_from_file_location("eval_ranking", path)
    er = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "eval_ranking", er)  # its dataclasses look their module up there
    spec.loader.exec_module(er)
    a = lavfi_clip("take_a.mp4", seconds=1.0, audio="sine=frequency=440:sample_rate=16000")
    b = lavfi_clip("take_b.mp4", seconds=1.0, audio="sine=frequency=660:sample_rate=16000")
    order = [er.Clip(a.name, "laughed"), er.Clip(b.name, "no laugh")]
    out, layout = er.join_media(order, a.parent, tmp_path, gap_s=1.0)
    assert [(round(s, 1), round(e, 1)) for s, e, _ in layout] == [(0.0, 1.0), (2.0, 3.0)]
    assert probe(out).duration_s == pytest.approx(3.0, abs=0.1)
    x = decode_audio(out, SR)
    assert np.abs(x[int(1.2 * SR) : int(1.8 * SR)]).max() < 1e-3 < np.abs(x[int(0.2 * SR) : int(0.8 * SR)]).max()
