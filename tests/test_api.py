"""Runnable usage examples of the library API (what the README promises is one import away)."""

from __future__ import annotations

import json

import numpy as np
import pytest


def test_analyze_find_moments_and_export(sample_video, tmp_path):
    from vigclips import analyze, analyze_to_folder, export_clips, find_moments, load_config

    cfg = load_config(None, {"analysis.top": 2})
    analysis = analyze(sample_video, cfg)
    assert len(analysis.signals) == 300  # 30 s at 10 ticks per second
    assert analysis.signals["adult_present"].shape == (300,)
    assert np.nanmax(analysis.signals["faces"]) >= 2  # both faces are visible in the demo's middle part
    moments = find_moments(analysis, cfg)
    assert 1 <= len(moments) <= 2 and moments[0].rank == 1 and moments[0].reasons

    folder = analyze_to_folder(sample_video, tmp_path, cfg)
    document = json.loads((folder / "moments.json").read_text())
    document["moments"][0]["status"] = "confirmed"  # what the review page would do
    (folder / "moments.json").write_text(json.dumps(document))
    clips = export_clips(folder)
    assert len(clips) == 1 and clips[0].suffix == ".mp4"
    assert (folder / "clips" / f"{sample_video.stem}_chosen.edl").is_file()  # the chosen moments as a timeline

    # ranked again from the saved signals with other settings: the confirmed moment stays as it is (#13)
    from vigclips import rank_folder

    report = rank_folder(folder, load_config(None, {"analysis.top": 1, "scoring.weight_developing": 3.0}))
    assert report.kept == 1 and json.loads((folder / "moments.json").read_text())["moments"][0] == document["moments"][0]


def test_audio_only_recording_gives_voice_signals_only(shared_media):
    from vigclips import analyze

    analysis = analyze(shared_media / "divime_aclew_starter_test.wav")
    assert np.all(np.isnan(analysis.signals.get("faces")))
    assert np.nanmax(analysis.signals["adult_voice"]) > 0.5


def test_errors_are_domain_exceptions(tmp_path):
    from vigclips import BadInputError, analyze

    with pytest.raises(BadInputError, match="file not found"):
        analyze(tmp_path / "missing.mp4")
