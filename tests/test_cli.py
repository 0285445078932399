"""The command line, in process: the contract of issue #2 (files, exit codes, one-line errors, nothing half-written)."""

from __future__ import annotations

import csv
import json
import os
import re

import pytest
from click.testing import CliRunner

from vigclips.cli import main
from vigclips.media import probe

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def analysed_sample(tmp_path_factory, sample_video):
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(main, ["analyze", str(sample_video), "-o", str(out), "--top", "3"])
    assert result.exit_code == 0, result.output
    return out / sample_video.stem


def test_analyze_writes_the_contract_files(analysed_sample, sample_video):
    document = json.loads((analysed_sample / "moments.json").read_text())
    assert document["version"] == 1
    source = document["source"]
    assert source["file_name"] == sample_video.name and len(source["sha256"]) == 64 and source["fps"] == "15/1"
    assert "summary" in document and len(document["moments"]) == 3
    for rank, moment in enumerate(document["moments"], start=1):
        assert moment["rank"] == rank and moment["status"] == "candidate" and moment["reasons"]
        assert 0 <= moment["start_s"] < moment["end_s"] <= source["duration_s"]
    with open(analysed_sample / "signals.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "time_s" and len(rows) - 1 == pytest.approx(300, abs=1)  # 30 s at 10 ticks per second
    assert float(rows[2][0]) == pytest.approx(0.1)
    modes = {p.name: p.stat().st_mode & 0o777 for p in analysed_sample.iterdir() if p.is_file()}
    assert set(modes.values()) == {0o600}, modes  # readable by the owner only
    assert (analysed_sample.stat().st_mode & 0o777) == 0o700


def test_export_all_cuts_every_candidate(analysed_sample):
    result = CliRunner().invoke(main, ["export", str(analysed_sample), "--all"])
    assert result.exit_code == 0, result.output
    document = json.loads((analysed_sample / "moments.json").read_text())
    with open(analysed_sample / "clips" / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(document["moments"])
    by_id = {m["id"]: m for m in document["moments"]}
    for row in rows:
        clip = probe(analysed_sample / "clips" / row["clip_file"])
        moment = by_id[row["moment_id"]]
        assert clip.duration_s == pytest.approx(moment["end_s"] - moment["start_s"], abs=1 / 15 + 0.011)
        assert clip.has_audio and clip.video_codec == "h264"


def test_export_without_confirmed_moments_says_so(analysed_sample, tmp_path):
    result = CliRunner().invoke(main, ["export", str(analysed_sample)])
    assert result.exit_code == 0
    assert "no confirmed moments" in result.output


def test_reanalysis_keeps_review_decisions(analysed_sample, sample_video):
    moments_path = analysed_sample / "moments.json"
    original = moments_path.read_text()
    document = json.loads(original)
    document["moments"][0]["status"] = "confirmed"
    moments_path.write_text(json.dumps(document))
    try:
        result = CliRunner().invoke(main, ["analyze", str(sample_video), "-o", str(analysed_sample.parent)])
        assert result.exit_code == 2 and "holds review work" in result.output
        assert json.loads(moments_path.read_text())["moments"][0]["status"] == "confirmed"
        del document["moments"][0]["status"]
        document["moments"][0].update(status="candidate", note="lovely moment, show first")
        moments_path.write_text(json.dumps(document))
        result = CliRunner().invoke(main, ["analyze", str(sample_video), "-o", str(analysed_sample.parent)])
        assert result.exit_code == 2 and "holds review work" in result.output  # a note alone is work too
    finally:
        moments_path.write_text(original)


def _bad_inputs(tmp_path, lavfi_clip):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    text = tmp_path / "notes.mp4"
    text.write_text("this is a shopping list\n")
    good = lavfi_clip("for_truncation.mp4", seconds=8.0, extra=["-movflags", "+faststart"])
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return {
        "missing": (tmp_path / "missing.mp4", "file not found"),
        "empty": (empty, "file is empty"),
        "text": (text, "is a text file"),
        "truncated": (truncated, "truncated"),
        "folder": (tmp_path, "folder"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "text", "truncated", "folder"])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(tmp_path, lavfi_clip, case):
    path, problem = _bad_inputs(tmp_path, lavfi_clip)[case]
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["analyze", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and problem in lines[0], result.output
    assert "Traceback" not in result.output
    leftovers = [p for p in out.rglob("*")] if out.exists() else []
    assert not [p for p in leftovers if p.name == "moments.json"], leftovers


def test_debug_switch_shows_the_exception(tmp_path, monkeypatch):
    monkeypatch.setenv("VIGCLIPS_DEBUG", "1")
    result = CliRunner().invoke(main, ["analyze", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "o")])
    assert result.exit_code != 0 and result.exception is not None and "file not found" in str(result.exception)


def test_one_bad_file_does_not_stop_the_others(tmp_path, shared_media):
    result = CliRunner().invoke(main, ["analyze", str(tmp_path / "missing.mp4"), str(shared_media / "pyfeat_single_face.mp4"),
                                       "-o", str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code == 2
    assert (tmp_path / "o" / "pyfeat_single_face" / "moments.json").is_file()
    # Progress per recording, what came of it, and what to do next (#15).
    assert "[2/2] pyfeat_single_face.mp4: analysing…" in result.output
    assert re.search(r"pyfeat_single_face\.mp4: results in \S+ \((\d+ candidate moments?|no candidate moments), \d+ s\)",
                     result.output)
    assert f"Next: vigclips review {tmp_path / 'o' / 'pyfeat_single_face'}" in result.output


def test_analyze_on_a_folder_suggests_batch(tmp_path):
    (tmp_path / "recordings").mkdir()
    result = CliRunner().invoke(main, ["analyze", str(tmp_path / "recordings"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {tmp_path / 'recordings'}: is a folder: to analyse every recording in it, run "
                                     f"`vigclips batch {tmp_path / 'recordings'} -o {tmp_path / 'out'}`")  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_bad_config_and_bad_review_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[analysis]\nfsp = 3\n")
    result = CliRunner().invoke(main, ["analyze", "x.mp4", "-o", str(tmp_path), "--config", str(config)])
    assert result.exit_code == 2 and "unknown setting analysis.fsp" in result.output
    result = CliRunner().invoke(main, ["export", str(tmp_path)])
    assert result.exit_code == 2 and "moments.json: not found" in result.output


def test_usage_errors_exit_2():
    assert CliRunner().invoke(main, ["analyze"]).exit_code == 2
    assert CliRunner().invoke(main, ["analyze", "x.mp4", "-o", "o", "--fps", "0"]).exit_code == 2


@pytest.mark.parametrize("command", [[], ["analyze"], ["export"], ["review"], ["batch"], ["learn"]])
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output and len(result.output) > 200


@pytest.mark.slow
def test_analyze_every_shared_video(shared_media, tmp_path):
    """Issue #2: analyze succeeds on every video in ../shared/media, or exits 2 with a clear one-line message."""
    videos = sorted(p for p in shared_media.iterdir() if p.suffix.lower() in {".mp4", ".mov", ".mpg", ".avi"})
    for video in videos:
        result = CliRunner().invoke(main, ["analyze", str(video), "-o", str(tmp_path)])
        assert result.exit_code in (0, 2), (video.name, result.output)
        assert "Traceback" not in result.output
        if result.exit_code == 0:
            assert (tmp_path / video.stem / "moments.json").is_file()
        else:
            assert len(result.output.strip().splitlines()) == 1
    assert os.listdir(tmp_path)


def test_learn_fits_weights_from_decisions(analysed_sample, tmp_path):
    import shutil

    folder = tmp_path / "reviewed"
    shutil.copytree(analysed_sample, folder)
    document = json.loads((folder / "moments.json").read_text())
    for moment, status in zip(document["moments"], ["confirmed", "rejected", "rejected"]):
        moment["status"] = status
    (folder / "moments.json").write_text(json.dumps(document))
    weights = tmp_path / "weights.json"
    result = CliRunner().invoke(main, ["learn", str(folder), "-o", str(weights)])
    assert result.exit_code == 0, result.output
    assert f"weights saved to {weights}" in result.output
    saved = json.loads(weights.read_text())
    assert saved["trained_on"] == {"confirmed": 1, "rejected": 2, "recordings": 1}
    result = CliRunner().invoke(main, ["learn", str(analysed_sample), "-o", str(tmp_path / "w2.json")])
    assert result.exit_code == 2  # nothing decided yet: a clear refusal, not a fit on nothing
