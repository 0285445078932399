"""Overnight batch (issue 7): input expansion, output names, skip of done work, crash recovery, summary, events, Dask."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vigclips.batch import (
    EVENTS,
    BATCH_LOG_FILE,
    MARKER_FILE,
    STATE_DIR,
    SUMMARY_COLUMNS,
    RecordingResult,
    config_key,
    find_recordings,
    format_event,
    output_names,
    read_marker,
    run_batch,
    write_summary,
)
from vigclips.config import PipelineConfig
from vigclips.errors import BadInputError

REPO = Path(__file__).resolve().parents[1]

# Short real clips (2.4–3 s): a smiling man, three men in a corridor, a talking man (MPEG-1 in MPEG-PS).
CLIP_A = "pyfeat_single_face.mp4"
CLIP_B = "laeo_ava_9Y_l9NsnYE0_01323.mp4"
CLIP_C = "grid_lipnet_id2_swwp2s.mpg"


def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _link(target: Path, link: Path) -> Path:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


def _inbox(shared_media: Path, root: Path, bad: bool = True) -> Path:
    """root/in: a/clip.mp4 and b/clip.mp4 (same stem, different folders), a/grid.mpg, and b/bad.mp4 (text, not media)."""
    inbox = root / "in"
    _link(shared_media / CLIP_A, inbox / "a" / "clip.mp4")
    _link(shared_media / CLIP_B, inbox / "b" / "clip.mp4")
    _link(shared_media / CLIP_C, inbox / "a" / "grid.mpg")
    if bad:
        _touch(inbox / "b" / "bad.mp4", "not a video\n")
    return inbox


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return True


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------------------------------------------------------------
# Pure logic


def test_find_recordings_expands_folders_and_globs_and_skips_what_is_not_a_recording(tmp_path):
    x = _touch(tmp_path / "rec" / "x.mp4")
    y = _touch(tmp_path / "rec" / "day2" / "y.MOV")
    w = _touch(tmp_path / "rec" / "day2" / "voice.wav")
    for name in [".hidden.mp4", ".cache/z.mp4", "notes.txt", "copy.mp4.part", "dl.mp4.crdownload", "z.partial.mp4",
                 "out/old/overlay.mp4"]:  # fmt: skip
        _touch(tmp_path / "rec" / name)
    _link(x, tmp_path / "rec" / "again.mp4")  # the same file twice (through a symlink) is listed once
    out = tmp_path / "rec" / "out"

    found = find_recordings([tmp_path / "rec"], out)
    assert found == sorted([tmp_path / "rec" / "again.mp4", w, y], key=str) or found == sorted([x, w, y], key=str)
    assert len(found) == 3

    assert find_recordings([str(tmp_path / "rec" / "**" / "*.mp4")], out) in ([tmp_path / "rec" / "again.mp4"], [x])
    assert find_recordings([str(tmp_path / "rec" / "*" / "*.wav")], out) == [w]
    explicit = _touch(tmp_path / "elsewhere" / "named.txt")  # named explicitly: taken, and will fail with its error
    assert find_recordings([explicit]) == [explicit]
    with pytest.raises(BadInputError, match="not found"):
        find_recordings([tmp_path / "missing.mp4"])
    with pytest.raises(BadInputError, match="no recordings found"):
        find_recordings([str(tmp_path / "rec" / "*.mkv")])


def test_output_names_keep_the_stem_and_add_a_stable_hash_only_on_clashes():
    paths = [Path("/r/a/clip.mp4"), Path("/r/b/CLIP.mov"), Path("/r/b/other.mp4"), Path("/r/batch.log.mp4")]
    names = output_names(paths)
    assert names[Path("/r/b/other.mp4")] == "other"
    assert names[Path("/r/a/clip.mp4")].startswith("clip-") and names[Path("/r/b/CLIP.mov")].startswith("CLIP-")
    assert len({n.casefold() for n in names.values()}) == 4
    assert names[Path("/r/batch.log.mp4")] != "batch.log"  # would clash with OUT/batch.log
    assert output_names(list(reversed(paths))) == names  # the same inputs always give the same folders


def test_a_second_batch_on_the_same_output_folder_is_refused(tmp_path):
    from vigclips.batch import exclusive

    _touch(tmp_path / "in" / "x.mp4")
    with exclusive(tmp_path / "out"):
        with pytest.raises(BadInputError, match="another vigclips batch is writing here"):
            run_batch([tmp_path / "in"], tmp_path / "out")


def test_config_key_changes_with_settings_and_overlay_only():
    base = PipelineConfig()
    assert config_key(base) == config_key(PipelineConfig())
    assert config_key(base) != config_key(base.with_overrides({"analysis.top": 3}))
    assert config_key(base) != config_key(base, overlay=True)


def test_format_event_lines_are_readable():
    line = format_event({"event": "recording_done", "time_utc": "T", "folder": "b", "finished": 2, "total": 5, "time_s": 75,
                         "candidates": 4, "duration_s": 3725, "eta_s": 4000})  # fmt: skip
    assert line == "T [2/5] b: done in 75 s, 4 candidate(s) in 1:02:05 of recording (batch about 67 min left)"
    assert format_event({"event": "recording_progress", "time_utc": "T", "folder": "b", "fraction": 0.5,
                         "eta_recording_s": 30}) == "T b: 50%, about 30 s left"  # fmt: skip


def test_write_summary_csv_and_html_are_atomic_private_and_escaped(tmp_path):
    folder = tmp_path / "day one"
    still = _touch(folder / "stills" / "m01.jpg")
    results = [
        RecordingResult(Path("/r/day one.mp4"), folder, "done", duration_s=65.0, candidates=3, top_score=0.8, top_start_s=10.0,
                        top_end_s=18.0, top_reasons=["mutual gaze 4 s; both smiling", "a <b> smile"],
                        top_still="day one/stills/m01.jpg", time_s=12.3),  # fmt: skip
        RecordingResult(Path("/r/bad.mp4"), tmp_path / "bad", "failed", time_s=0.1,
                        error="/r/bad.mp4: is a text file, not a recording"),
    ]
    csv_path, html_path = write_summary(tmp_path, results)
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert list(rows[0]) == list(SUMMARY_COLUMNS)
    assert rows[0]["status"] == "done" and rows[0]["top_reasons"] == "mutual gaze 4 s; both smiling | a <b> smile"
    assert rows[0]["folder"] == "day one" and rows[0]["top_still"] == "day one/stills/m01.jpg"
    assert rows[1]["status"] == "failed" and rows[1]["error"].endswith("not a recording")
    page = html_path.read_text(encoding="utf-8")
    assert 'src="day%20one/stills/m01.jpg"' in page and still.is_file()
    assert "<li>mutual gaze 4 s; both smiling</li><li>a &lt;b&gt; smile</li>" in page and "<b>" not in page
    assert "1:05" in page and "0:10.0–0:18.0" in page and "FAILED" in page  # moment times exactly as the review page shows
    assert _mode(csv_path) == 0o600 and _mode(html_path) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


# ---------------------------------------------------------------------------------------------------------------------
# Real media (short clips)


def test_batch_analyses_folders_records_a_bad_file_and_skips_done_work_on_rerun(shared_media, tmp_path):
    inbox = _inbox(shared_media, tmp_path)
    out = tmp_path / "out"
    events: list[dict] = []
    report = run_batch([inbox], out, workers=2, progress_events=events.append)

    assert report.exit_code == 1 and report.failed_count == 1 and report.ok_count == 3
    by_name = {r.folder.name: r for r in report.results}
    clip_names = sorted(n for n in by_name if n.startswith("clip-"))
    assert len(clip_names) == 2  # same stem in two folders: two distinct, hashed output folders
    assert by_name["bad"].status == "failed" and "\n" not in by_name["bad"].error and "bad.mp4" in by_name["bad"].error
    for name in [*clip_names, "grid"]:
        folder = out / name
        assert by_name[name].status == "done" and (folder / "moments.json").is_file()
        marker = read_marker(folder)
        assert marker["config_key"] == config_key(PipelineConfig()) and len(marker["sha256"]) == 64
        assert _mode(folder) == 0o700 and _mode(folder / MARKER_FILE) == 0o600
    assert not (out / "bad").exists()
    assert not list((out / STATE_DIR / "work").iterdir())  # nothing left in flight

    # events: known names, JSON-serialisable, one start and one done, each recording finished exactly once
    assert {e["event"] for e in events} <= set(EVENTS)
    for e in events:
        json.loads(json.dumps(e))
    assert [e["event"] for e in events][0] == "start" and events[-1]["event"] == "done" and events[-1]["exit_code"] == 1
    finished = [e["folder"] for e in events if e["event"] in ("recording_done", "recording_failed")]
    assert sorted(finished) == sorted(by_name)
    assert events[-1]["finished"] == 4 and events[-1]["failed"] == 1

    rows = list(csv.DictReader((out / "summary.csv").open(encoding="utf-8")))
    assert sorted(r["status"] for r in rows) == ["done", "done", "done", "failed"]
    assert "clip-" in (out / "summary.html").read_text(encoding="utf-8")
    log_text = (out / BATCH_LOG_FILE).read_text(encoding="utf-8")
    assert "bad: FAILED:" in log_text and "batch finished" in log_text

    # rerun: the three done recordings are skipped (not started again), the bad one is tried again
    first_markers = {name: read_marker(out / name)["run_id"] for name in [*clip_names, "grid"]}
    events2: list[dict] = []
    report2 = run_batch([inbox], out, workers=1, progress_events=events2.append)
    assert report2.exit_code == 1 and report2.skipped_count == 3
    started = [e["folder"] for e in events2 if e["event"] == "recording_started"]
    assert started == ["bad"]
    assert {name: read_marker(out / name)["run_id"] for name in first_markers} == first_markers
    rows = list(csv.DictReader((out / "summary.csv").open(encoding="utf-8")))
    assert sorted(r["status"] for r in rows) == ["failed", "skipped", "skipped", "skipped"]


def test_rerun_after_a_crash_redoes_only_what_was_in_flight(shared_media, tmp_path):
    """A crash leaves a staging folder, a half-swapped old folder and, for a recording never finished, no output folder
    (output folders only appear by rename). The rerun discards the leftovers and analyses only the unfinished recording."""
    inbox = _inbox(shared_media, tmp_path, bad=False)
    out = tmp_path / "out"
    report = run_batch([inbox], out, workers=1)
    assert report.exit_code == 0
    # what kill -9 during b/clip.mp4 leaves behind: its staging folder, never its output folder, and an old folder
    # half-way through a swap
    in_flight = next(r.folder for r in report.results if r.recording == inbox / "b" / "clip.mp4")
    shutil.rmtree(in_flight)
    staging = out / STATE_DIR / "work" / f"{in_flight.name}.deadbeef.999" / "clip"
    _touch(staging / "moments.json", "{}")
    _touch(out / ".grid.old-999" / "signals.csv")
    done_before = {p.name: read_marker(p)["run_id"] for p in out.iterdir() if read_marker(p)}

    events: list[dict] = []
    report = run_batch([inbox], out, workers=1, progress_events=events.append)
    assert report.exit_code == 0 and report.skipped_count == 2 and report.ok_count == 3
    started = [e["recording"] for e in events if e["event"] == "recording_started"]
    assert started == [str(inbox / "b" / "clip.mp4")]
    assert {n: read_marker(out / n)["run_id"] for n in done_before} == done_before
    assert not (out / ".grid.old-999").exists() and not staging.exists()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".") and p.is_dir()) == sorted(
        r.folder.name for r in report.results)


def test_changed_settings_reanalyse_but_never_replace_review_decisions(shared_media, tmp_path):
    inbox = _inbox(shared_media, tmp_path, bad=False)
    out = tmp_path / "out"
    assert run_batch([inbox / "b"], out, workers=1).exit_code == 0
    folder = next(p for p in out.iterdir() if p.name.startswith("clip"))
    moments = json.loads((folder / "moments.json").read_text())
    assert moments["moments"], "the corridor clip yields at least one candidate"
    moments["moments"][0]["status"] = "confirmed"  # a guider's decision
    (folder / "moments.json").write_text(json.dumps(moments))

    cfg = PipelineConfig().with_overrides({"analysis.top": 2})
    report = run_batch([inbox / "b"], out, cfg, workers=1)
    assert report.exit_code == 1
    assert "holds review work" in report.results[0].error and "\n" not in report.results[0].error
    assert json.loads((folder / "moments.json").read_text())["moments"][0]["status"] == "confirmed"


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_every_recording_completes_once(shared_media, tmp_path):
    inbox = _inbox(shared_media, tmp_path, bad=False)
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_first_worker(event: dict) -> None:
        if event["event"] == "recording_started" and not killed:
            pid = int(event["worker"].rsplit(":", 1)[1])
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    report = run_batch([inbox], out, workers=1, progress_events=kill_first_worker)
    assert killed
    assert report.exit_code == 0, [r.error for r in report.results]
    assert all(read_marker(r.folder) for r in report.results)
    assert not list((out / STATE_DIR / "work").iterdir())


@pytest.mark.slow
def test_kill_9_of_the_whole_batch_then_rerun_completes_every_recording_exactly_once(shared_media, tmp_path):
    inbox = _inbox(shared_media, tmp_path, bad=False)
    _link(shared_media / "lookit_causal_ex2.mp4", inbox / "c" / "lookit.mp4")  # 8 s: still in flight when killed
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "vigclips", "batch", str(inbox), "-o", str(out), "--workers", "1",
                             "--progress", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=REPO)  # fmt: skip
    first_done = None
    workers: set[int] = set()
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "recording_started":
            workers.add(int(event["worker"].rsplit(":", 1)[1]))
        if event["event"] == "recording_done":
            first_done = event["folder"]
            break
    assert first_done
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    worker_pids = workers
    deadline = time.monotonic() + 10.0  # the orphaned worker notices its batch is gone and exits (it checks once a second)
    while time.monotonic() < deadline and any(_alive(pid) for pid in worker_pids):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in worker_pids), "an orphaned worker outlived its killed batch"

    events: list[dict] = []
    report = run_batch([inbox], out, workers=1, progress_events=events.append)
    assert report.exit_code == 0 and report.ok_count == 4
    skipped = {e["folder"] for e in events if e["event"] == "recording_skipped"}
    analysed = {e["folder"] for e in events if e["event"] == "recording_done"}
    keys = {p.name: (read_marker(p) or {}).get("config_key") for p in out.iterdir() if p.is_dir()}
    assert first_done in skipped, f"done before the kill but not skipped; keys {keys}, now {config_key(PipelineConfig())}"
    assert not (skipped & analysed) and len(skipped | analysed) == 4
    assert not list((out / STATE_DIR / "work").iterdir())
    output_dirs = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(output_dirs) == 4 and all(read_marker(p) for p in output_dirs)


def test_cli_batch_json_progress_and_exit_codes(shared_media, tmp_path):
    from click.testing import CliRunner

    from vigclips.cli import main

    inbox = tmp_path / "in"
    _link(shared_media / CLIP_C, inbox / "grid.mpg")
    _touch(inbox / "broken.mp4", "not a video\n")
    runner = CliRunner()
    result = runner.invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "out"), "--workers", "1", "--progress", "json",
                                  "--top", "2"])  # fmt: skip
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [e["event"] for e in lines]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert {"recording_started", "recording_done", "recording_failed"} <= set(kinds)

    result = runner.invoke(main, ["batch", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "not found" in result.stderr
    result = runner.invoke(main, ["batch", str(inbox / "grid.mpg"), "-o", str(tmp_path / "out2"), "--workers", "1"])
    assert result.exit_code == 0 and "summary:" in result.stdout


def test_batch_on_a_dask_local_cluster(shared_media, tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask.distributed not installed: pip install 'vigclips[batch-dask]'")
    inbox = _inbox(shared_media, tmp_path)
    out = tmp_path / "out"
    events: list[dict] = []
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        report = run_batch([inbox], out, scheduler=cluster.scheduler_address, progress_events=events.append)
    assert report.exit_code == 1 and report.ok_count == 3 and report.failed_count == 1, [r.error for r in report.results]
    assert all(read_marker(r.folder) for r in report.results if r.status == "done")
    workers = {e["worker"] for e in events if e["event"] == "recording_started"}
    assert workers  # events came back from the cluster's workers
    assert events[0]["scheduler"] == cluster.scheduler_address and events[-1]["event"] == "done"
