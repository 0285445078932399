"""`vigclips rank`: re-rank from the saved signals with new settings, keeping every guider decision (issue 13)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vigclips.results.layout import ANALYSIS_FILE
from vigclips.results.saved import read_analysis
from vigclips.config import PipelineConfig, load_config
from vigclips.errors import ReviewFileError
from vigclips.rerank import rank_folder
from vigclips.results.decisions import DecisionStore

from signal_builders import noisy_recording, write_output_folder


@pytest.fixture
def folder(tmp_path):
    sig, segs = noisy_recording(900)
    out = tmp_path / "out" / "play"
    write_output_folder(out, sig, segs)
    return out


def _doc(folder):
    return json.loads((folder / "moments.json").read_text())


def test_saved_analysis_round_trips_exactly(folder) -> None:
    sig, segs = noisy_recording(900)
    saved = read_analysis(folder / ANALYSIS_FILE)
    assert saved.signals.tick_hz == sig.tick_hz and set(saved.signals.channels) == set(sig.channels)
    for name, values in sig.channels.items():
        np.testing.assert_array_equal(saved.signals[name], values)
    assert saved.segments == segs
    assert saved.key["sha256"] == _doc(folder)["source"]["sha256"]
    assert set(saved.key["settings"]) == {"analysis", "vision", "audio"}


def test_rank_with_the_same_settings_gives_the_same_candidates(folder) -> None:
    before = _doc(folder)
    report = rank_folder(folder, PipelineConfig(), stills=False, timeline=False)
    after = _doc(folder)
    assert report.kept == 0 and report.candidates == len(before["moments"])
    assert [(m["id"], m["start_s"], m["end_s"], m["score"]) for m in after["moments"]] == \
           [(m["id"], m["start_s"], m["end_s"], m["score"]) for m in before["moments"]]  # fmt: skip
    assert after["revision"] == before["revision"] + 1  # an open review page is told the list changed


def test_rank_keeps_every_decision_and_applies_new_settings(folder) -> None:
    store = DecisionStore(folder)
    doc = store.read()
    first, second, third = doc["moments"][:3]
    doc = store.decide(doc["revision"], first["id"], {"status": "confirmed", "start_s": first["start_s"] + 1.0,
                                                      "tags": ["receiving"]})  # fmt: skip
    doc = store.decide(doc["revision"], second["id"], {"status": "rejected"})
    doc = store.decide(doc["revision"], third["id"], {"note": "look at the hands"})
    doc, added = store.add(doc["revision"], 850.0, 858.0, note="missed one")
    decided = {m["id"]: m for m in store.read()["moments"] if m["id"] in {first["id"], second["id"], third["id"], added}}

    report = rank_folder(folder, load_config(None, {"analysis.top": 8, "scoring.weight_receiving": 3.0}), stills=False,
                         timeline=False)  # fmt: skip
    after = _doc(folder)
    by_id = {m["id"]: m for m in after["moments"]}
    for moment_id, moment in decided.items():
        assert by_id[moment_id] == moment  # exactly as the guider left it
    fresh = [m for m in after["moments"] if m["id"] not in decided]
    assert report.kept == 4 and len(fresh) == report.candidates == 8
    assert all(m["status"] == "candidate" for m in fresh)
    assert len({m["id"] for m in after["moments"]}) == len(after["moments"])
    for m in fresh:  # no fresh candidate repeats a kept moment
        for k in decided.values():
            shared = min(m["end_s"], k["end_s"]) - max(m["start_s"], k["start_s"])
            assert shared <= 0.5 * min(m["end_s"] - m["start_s"], k["end_s"] - k["start_s"])
    assert min(m["rank"] for m in fresh) > max(m["rank"] for m in decided.values())
    assert after["analysis"]["ranked"]["top"] == 8 and after["analysis"]["ranked"]["scoring"]["weight_receiving"] == 3.0
    # the reports follow the new list: VTT and EDL without the rejected moment, the EAF with the decisions
    vtt = (folder / "moments.vtt").read_text()
    assert second["id"] not in vtt.split() and f"confirmed, #{first['rank']}" in vtt
    eaf = (folder / "play.eaf").read_text()
    assert f"confirmed {first['id']}" in eaf and f"rejected {second['id']}" in eaf and "look at the hands" in eaf


def test_rank_refuses_a_saved_analysis_of_another_recording(folder) -> None:
    doc = _doc(folder)
    doc["source"]["sha256"] = "0" * 64
    (folder / "moments.json").write_text(json.dumps(doc))
    with pytest.raises(ReviewFileError, match="analysis.npz: was made from another recording"):
        rank_folder(folder, stills=False, timeline=False)


def test_rank_of_a_folder_without_saved_analysis_says_what_to_do(folder) -> None:
    (folder / ANALYSIS_FILE).unlink()
    with pytest.raises(ReviewFileError, match="older vigclips; run `vigclips analyze` again"):
        rank_folder(folder, stills=False, timeline=False)


def test_rank_finds_a_moved_recording_for_the_new_stills(tmp_path, lavfi_clip) -> None:
    from vigclips.media import probe
    from vigclips.results.moments import sha256_file

    video = lavfi_clip("rank_source.mp4", video="testsrc2=size=160x120:rate=10", seconds=120.0)
    sig, segs = noisy_recording(120, every_s=30)
    folder = tmp_path / "out" / "play"
    doc = write_output_folder(folder, sig, segs)
    info = probe(video)
    doc["source"].update(path=str(tmp_path / "gone.mp4"), size_bytes=info.size_bytes, sha256=sha256_file(video), fps="10/1",
                         width=info.width, height=info.height)
    (folder / "moments.json").write_text(json.dumps(doc))
    saved = read_analysis(folder / ANALYSIS_FILE)
    from vigclips.results.saved import save_analysis

    save_analysis(folder / ANALYSIS_FILE, saved.signals, saved.segments, {**saved.key, "sha256": doc["source"]["sha256"]})
    weights = tmp_path / "w.json"
    coef = {"attentive": 3.0, "encouraging": 0.1, "receiving": 0.1, "developing": 0.1}
    weights.write_text(json.dumps({"version": 1, "model": "logistic", "features": [], "intercept": -1.0, "coef": coef}))
    cfg = load_config(None, {"scoring.weights_file": str(weights), "analysis.top": 3})
    rank_folder(folder, cfg, source=video, timeline=False)
    after = _doc(folder)
    new = [m for m in after["moments"] if m["id"] not in {d["id"] for d in doc["moments"]}]
    assert new  # other weights, other candidates
    for m in new:
        assert m["still"] and (folder / m["still"]).stat().st_size > 500
    assert (folder / "timeline.png").exists() is False  # not asked for
