"""Laughter, crying and what the face says (issue 22): the rules on literal inputs, the model on shared recordings."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vigclips.audio.crylaugh import (
    LAUGH_MIN_FLATNESS,
    breathy_laughs,
    calls_near,
    cry_laugh_frames,
    held_voicing_share,
    retype_infant,
    room_corrected,
    room_floor,
)
from vigclips.audio.features import compute_features
from vigclips.audio.laughnet import FRAME_HZ, N_FRAMES, _mel_filters, log_mel, predict, windows_at
from vigclips.audio.voicetype import ADULT, CRY, INFANT, LAUGH, TypedSegment
from vigclips.export.teaching import face_markers
from vigclips.signals import face_confirms_laugh, face_says_not_crying, segments_after_face_veto
from vigclips.types import VocalSegment

# ------------------------------------------------------------------------------------ what the face says counts


def test_a_smiling_face_vetoes_the_cry_and_the_sound_becomes_delight() -> None:
    cry = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0], np.float32)
    smile = np.array([0.8, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0], np.float32)
    laugh = np.zeros(7, np.float32)
    voice = np.array([0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0], np.float32)
    c, lg, v = face_says_not_crying(cry, smile, laugh, voice, tick_hz=1.0)
    assert c.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]  # the last cry: the face is seen and not smiling
    assert lg.tolist() == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert v.tolist() == [1.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0]


def test_an_unseen_face_leaves_the_cry_to_the_sound() -> None:
    cry = np.array([1.0, 1.0, np.nan], np.float32)
    smile = np.full(3, np.nan, np.float32)
    c, lg, v = face_says_not_crying(cry, smile, np.zeros(3, np.float32), np.zeros(3, np.float32), tick_hz=10.0)
    assert c[:2].tolist() == [1.0, 1.0] and np.isnan(c[2])
    assert lg.tolist() == [0.0, 0.0, 0.0] and v.tolist() == [0.0, 0.0, 0.0]


def test_a_smile_half_a_second_away_still_vetoes_and_one_a_second_away_does_not() -> None:
    tick_hz = 10.0
    cry = np.zeros(40, np.float32)
    cry[20] = 1.0
    near, far = np.zeros(40, np.float32), np.zeros(40, np.float32)
    near[25] = 0.9  # 0.5 s after
    far[31] = 0.9  # 1.1 s after
    assert face_says_not_crying(cry, near, np.zeros(40), np.zeros(40), tick_hz)[0][20] == 0.0
    assert face_says_not_crying(cry, far, np.zeros(40), np.zeros(40), tick_hz)[0][20] == 1.0


def test_a_laugh_heard_beside_a_seen_straight_face_is_not_claimed() -> None:
    laugh = np.full(30, 0.9, np.float32)
    smile = np.zeros(30, np.float32)
    smile[:10] = np.nan  # face unseen for the first second
    smile[20] = 0.7  # a smile at 2.0 s
    smile[5] = 0.0  # a straight face at 0.5 s, 1.5 s from the smile
    got = face_confirms_laugh(laugh, smile, tick_hz=10.0)
    assert (got[:5] == np.float32(0.9)).all() and (got[6:10] == np.float32(0.9)).all()  # unseen: the sound decides
    assert got[5] == 0.0
    assert (got[10:30] == np.float32(0.9)).all()  # seen, within 1 s of the smile
    straight = face_confirms_laugh(laugh, np.zeros(30, np.float32), tick_hz=10.0)
    assert (straight == 0).all()


def test_the_segments_say_what_the_face_veto_left() -> None:
    """RTTM and ELAN read the segments: a cry the smiling face vetoed is a laugh there too, the rest of it a cry."""
    tick_hz = 10.0
    heard = np.zeros(60, np.float32)
    heard[10:50] = 1.0  # heard as a cry from 1.0 to 5.0 s
    smile = np.zeros(60, np.float32)
    smile[25:30] = 0.9  # smiling at 2.5-3.0 s: the veto reaches 0.5 s either side
    fused, _, _ = face_says_not_crying(heard, smile, np.zeros(60, np.float32), np.zeros(60, np.float32), tick_hz)
    segs = [VocalSegment(0.2, 0.8, "ADULT"), VocalSegment(1.0, 5.0, "CRY"), VocalSegment(5.5, 6.0, "INFANT")]
    got = [(round(x.start_s, 2), round(x.end_s, 2), x.label) for x in segments_after_face_veto(segs, heard, fused, tick_hz)]
    assert got == [(0.2, 0.8, "ADULT"), (1.0, 2.0, "CRY"), (2.0, 3.5, "LAUGH"), (3.5, 5.0, "CRY"), (5.5, 6.0, "INFANT")]
    unseen = np.full(60, np.nan, np.float32)  # no face: nothing vetoed, the segments unchanged
    fused_unseen, _, _ = face_says_not_crying(heard, unseen, np.zeros(60, np.float32), np.zeros(60, np.float32), tick_hz)
    assert segments_after_face_veto(segs, heard, fused_unseen, tick_hz) == segs


def test_teaching_clips_never_mark_one_face_crying_and_smiling() -> None:
    levels = (0.0, 0.49, 0.5, 1.0)
    for smile, cry, laugh, voice in itertools.product(levels, repeat=4):
        cues = {"infant_smile": smile, "infant_cry": cry, "infant_laugh": laugh, "infant_voice": voice}
        marks = face_markers("infant", cues)
        assert not {"crying", "smiling"} <= set(marks), cues
    assert face_markers("infant", {"infant_cry": 1.0, "infant_smile": 0.0}) == ["crying"]
    assert face_markers("infant", {"infant_cry": 1.0, "infant_smile": 0.9}) == ["smiling", "making a sound"]


# ---------------------------------------------------------------------------------------- cry versus laugh rules


def test_short_calls_are_not_held_voicing_and_long_expirations_are() -> None:
    laugh = np.zeros(500, bool)
    for a in range(50, 450, 30):  # 0.12 s calls every 0.3 s
        laugh[a : a + 12] = True
    cry = np.zeros(500, bool)
    for a in (20, 140, 260, 380):  # 0.9 s expirations with 0.3 s breaths
        cry[a : a + 90] = True
    assert held_voicing_share(laugh).max() == 0.0
    assert held_voicing_share(cry)[250] > 0.5
    assert calls_near(laugh)[250] >= 6


def test_the_sound_says_cry_only_with_held_voicing_and_laugh_only_with_short_calls() -> None:
    p = np.array([0.9, 0.9, 0.9, 0.3, np.nan, 0.9], np.float32)
    held = np.array([0.5, 0.0, 0.15, 0.5, 0.5, 0.0])
    calls = np.array([3, 3, 3, 3, 3, 1])
    cry, laugh = cry_laugh_frames(p, held, calls)
    assert cry.tolist() == [True, False, False, False, False, False]
    assert laugh.tolist() == pytest.approx([0.0, 0.9, 0.0, 0.0, 0.0, 0.0])  # unsure (0.15), lone call: nothing


def test_a_laugh_must_be_breathy_over_its_loud_frames() -> None:
    # three laughs of four frames: breathy (flatness 0.12), clean voicing (a parent's "nom nom nom", 0.008), and one
    # clean only where it is loud (the breathy frames are quiet: the room, not the voice)
    laugh = np.array([0.9] * 4 + [0.0] + [0.8] * 4 + [0.0] + [0.7] * 4, np.float32)
    flat = np.array([0.12, 0.10, 0.15, 0.11, 0.5, 0.008, 0.006, 0.01, 0.009, 0.5, 0.004, 0.3, 0.005, 0.4], np.float32)
    loud = np.array([True] * 10 + [True, False, True, False])
    out = breathy_laughs(laugh, flat, loud)
    assert out.tolist() == pytest.approx([0.9] * 4 + [0.0] * 10)
    assert laugh[0] == pytest.approx(0.9)  # the input is not changed


def _room_and_call(call: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """4 s of steady babble-like hiss with ``call`` (samples) added at 1.5 s; the laugh span covers the call."""
    rng = np.random.default_rng(7)
    x = 0.05 * rng.standard_normal(4 * 16000)
    x[24000 : 24000 + call.size] += call
    laugh = np.zeros(400, np.float32)
    laugh[150 : 150 + call.size // 160] = 0.9
    return x.astype(np.float32), laugh


def test_a_tonal_call_in_a_noisy_room_is_not_breathy_once_the_room_is_taken_out() -> None:
    t = np.arange(8000) / 16000  # 0.5 s calls
    squeal = 0.15 * np.sin(2 * np.pi * 750 * t) + 0.075 * np.sin(2 * np.pi * 1500 * t)  # a child's high tonal call
    x, laugh = _room_and_call(squeal)
    as_recorded = compute_features(x).flatness[150:200]
    assert float(np.median(as_recorded)) > LAUGH_MIN_FLATNESS  # the room's hiss between its harmonics reads as breath
    flat, loud = room_corrected(x, laugh)
    assert loud[150:200].mean() > 0.9 and np.isnan(flat[:150]).all() and not loud[:150].any()
    assert float(np.nanmedian(flat)) < LAUGH_MIN_FLATNESS  # with the room taken out it is tonal
    assert breathy_laughs(laugh, flat, loud).max() == 0.0
    # a breathy laugh: five 80-ms voiced calls a second, loud aspiration between them, far above the room
    rng = np.random.default_rng(3)
    bursts = np.where((t * 5) % 1 < 0.4, 0.3 * np.sin(2 * np.pi * 400 * t), 0.25 * rng.standard_normal(t.size))
    x, laugh = _room_and_call(bursts)
    flat, loud = room_corrected(x, laugh)
    assert float(np.median(flat[loud])) > 2 * LAUGH_MIN_FLATNESS
    assert breathy_laughs(laugh, flat, loud).max() == pytest.approx(0.9)


def test_the_room_is_each_bins_lower_quartile_as_a_standard_noise_tracker_takes_it() -> None:
    # four frames, two bins: the 25th percentile of 1, 2, 3, 4 is 1.75 (linear between the sorted values)
    power = np.array([[4.0, 8.0], [1.0, 2.0], [3.0, 6.0], [2.0, 4.0]])
    assert room_floor(power).tolist() == pytest.approx([1.75, 3.5])


def test_a_voice_in_under_three_quarters_of_the_stretch_is_not_taken_for_the_room() -> None:
    quiet, voice = 1.0, 100.0
    # a child's call loud in 5 of 8 frames (62 %): the room stays the quiet babble under it
    five = np.array([[quiet]] * 3 + [[voice]] * 5)
    assert room_floor(five).tolist() == pytest.approx([quiet])
    # a sound in 7 of 8 frames (a fan, continuous babble) is the room
    seven = np.array([[quiet]] + [[voice]] * 7)
    assert room_floor(seven).tolist() == pytest.approx([voice])


def test_breathiness_is_judged_per_laugh_at_the_threshold() -> None:
    laugh = np.array([0.6, 0.6, 0.0, 0.6], np.float32)
    above, below = LAUGH_MIN_FLATNESS * 1.01, LAUGH_MIN_FLATNESS * 0.99
    flat = np.array([above, above, 0.0, below], np.float32)
    assert breathy_laughs(laugh, flat, np.ones(4, bool)).tolist() == pytest.approx([0.6, 0.6, 0.0, 0.0])
    # a laugh with no loud frame at all is not heard as breathy
    assert breathy_laughs(laugh, flat, np.zeros(4, bool)).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_retype_keeps_adults_and_drops_the_old_cry_guess() -> None:
    segs = [TypedSegment(0, 100, ADULT, 0.1, 200.0, -20.0), TypedSegment(100, 400, CRY, 0.9, 450.0, -5.0)]
    cry = np.zeros(400, bool)
    laugh = np.zeros(400, np.float32)
    laugh[300:400] = 0.8
    out = [(s.start, s.end, s.label) for s in retype_infant(segs, cry, laugh, 0.3, 1.0)]
    assert out == [(0, 100, ADULT), (100, 300, INFANT), (300, 400, LAUGH)]
    cry[100:150] = True  # 0.5 s of cry evidence: too short to be a cry
    out = [(s.start, s.end, s.label) for s in retype_infant(segs, cry, np.zeros(400, np.float32), 0.3, 1.0)]
    assert out == [(0, 100, ADULT), (100, 400, INFANT)]


# ----------------------------------------------------------------------------------------------- the model


def test_mel_filterbank_and_features_put_a_tone_in_its_band() -> None:
    fb = _mel_filters()
    assert fb.shape == (128, 1025) and (fb >= 0).all()
    t = np.arange(16000 * 2) / 16000
    db = log_mel((0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32))
    assert db.shape == (1 + 16000 // 186, 128)
    centre_hz = np.argmax(fb, axis=1) * 4000 / 1024
    assert abs(centre_hz[int(np.argmax(db[40]))] - 1000) < 60


def test_window_normalisation_refers_each_window_to_its_own_maximum() -> None:
    db = np.zeros((100, 128), np.float32)
    db[:50] = -200.0
    db[10, 5] = -100.0
    w = windows_at(db, np.array([0, 56, 95]))
    assert w.shape == (3, 1, N_FRAMES, 128)
    assert w[0].max() == 0.0 and w[0].min() == -80.0
    assert (w[1] == 0.0).all()
    assert (w[2, 0, 5:] == -80.0).all()  # past the end: the floor


def test_the_model_hears_laughter_and_not_a_hum(shared_media) -> None:
    from vigclips.media.decode import decode_audio

    x = decode_audio(shared_media / "laughter_dev" / "laugh" / "laugh_2.m4a_3.wav", 16000)
    db = log_mel(x)
    starts = np.arange(0, db.shape[0] - N_FRAMES, int(FRAME_HZ))
    assert np.mean(predict(windows_at(db, starts)) >= 0.5) >= 0.75
    t = np.arange(16000 * 3) / 16000
    hum = (0.05 * np.sin(2 * np.pi * 120 * t)).astype(np.float32)
    hdb = log_mel(hum)
    assert predict(windows_at(hdb, np.array([0, 40]))).max() < 0.5


@pytest.mark.parametrize(("folder", "name", "laugh", "cry"), [
    ("laugh", "laugh_2.m4a_12.wav", True, False),
    ("cry", "Louise_01.m4a_0.wav", False, True),
])  # fmt: skip
def test_analysis_tells_a_laughing_chunk_from_a_crying_one(shared_media, folder, name, laugh, cry) -> None:
    from vigclips.audio import AudioConfig, analyze_audio
    from vigclips.media.decode import decode_audio

    x = decode_audio(shared_media / "laughter_dev" / folder / name, 16000)
    t = np.arange(50) / 10
    ch = analyze_audio(x, 16000, t, AudioConfig()).channels
    assert (np.nanmean(ch["infant_laugh"] >= 0.5) >= 0.10) == laugh
    assert (np.nanmean(ch["infant_cry"] >= 0.5) >= 0.10) == cry


def test_the_mothers_playful_high_voice_is_not_heard_as_laughter(shared_media) -> None:
    # "nom nom nom" at 0.9-2.9 s: the voice-type stage gives it to the infant and the model hears laughter in it
    # (before the breathiness rule: two laugh events, 1.6 s); it is clean voicing, not a breathy laugh
    from vigclips.audio import AudioConfig, analyze_audio
    from vigclips.media.decode import decode_audio

    x = decode_audio(shared_media / "lookit_laughter" / "2UWdXP.joke2.rep3.take1.NomNomNom.mp4", 16000)
    t = np.arange(40) / 10
    ch = analyze_audio(x, 16000, t, AudioConfig()).channels
    assert np.nanmean(ch["infant_voice"][5:30] >= 0.5) >= 0.3  # still heard as a voice the stage gives the infant
    assert not (np.nan_to_num(ch["infant_laugh"]) >= 0.5).any()
