"""Issue 14's reproductions, run again: races with a live review server, kills, leftovers, unreadable files (#14).

Each test names the item of issue 14 it reproduces. The analysis of the demo recording is made once per module; tests that
need "an analysis running while something else happens" wrap it, so they take a second, not a minute.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

import vigclips.pipeline as pipeline
from vigclips.errors import BadInputError, OutputError
from vigclips.results.layout import MOMENTS_FILE
from vigclips.results.moments import read_moments
from vigclips.results.folder import BACKUP_PREFIX, discard_stale_work, work_folder
from vigclips.review.server import TOKEN_HEADER, ReviewServer


@pytest.fixture(scope="module")
def demo_analysis(sample_video):
    return pipeline.analyze(sample_video)


@pytest.fixture()
def analysed(demo_analysis, sample_video, tmp_path, monkeypatch):
    """OUT with the demo analysed once; later analyze_to_folder calls reuse the analysis (``hook`` runs inside them)."""
    hooks: list = []

    def fake_analyze(path, cfg=None, progress=None, *, threads=None):
        for hook in hooks:
            hook()
        return demo_analysis

    monkeypatch.setattr(pipeline, "analyze", fake_analyze)
    out = tmp_path / "out"
    folder = pipeline.analyze_to_folder(sample_video, out)
    return out, folder, hooks


def _post(server: ReviewServer, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={TOKEN_HEADER: server.token, "Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _leftovers(out: Path) -> list[str]:
    """Hidden entries of OUT besides the swap locks (which stay, as lock files do)."""
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".") and not p.name.endswith(".swap.lock"))


def test_14_1_a_decision_saved_while_a_reanalysis_runs_is_kept(analysed, sample_video):
    out, folder, hooks = analysed
    server = ReviewServer(folder).start()
    try:
        answers = []
        hooks.append(lambda: answers.append(_post(server, "/api/moments/m01", {"revision": 0, "status": "confirmed"})))
        with pytest.raises(BadInputError, match="saved while this analysis ran.*discarded"):
            pipeline.analyze_to_folder(sample_video, out)
        assert answers[0][0] == 200  # the guider was told it was saved...
        assert read_moments(folder)["moments"][0]["status"] == "confirmed"  # ...and it still is
        assert _leftovers(out) == []  # no partial folder, no old folder, no lock file
    finally:
        server.stop()


def test_14_1_force_keeps_a_backup_and_a_stale_page_cannot_write_onto_the_new_moments(analysed, sample_video):
    out, folder, hooks = analysed
    server = ReviewServer(folder).start()
    try:
        hooks.append(lambda: _post(server, "/api/moments/m01", {"revision": 0, "status": "confirmed", "note": "keep me"}))
        pipeline.analyze_to_folder(sample_video, out, force=True)
        new = read_moments(folder)
        assert new["moments"][0]["status"] == "candidate"
        backups = sorted(folder.glob(f"{BACKUP_PREFIX}*.json"))
        assert len(backups) == 1 and json.loads(backups[0].read_text())["moments"][0]["note"] == "keep me"
        assert new["revision"] == 2  # continues after the old file's revision 1
        status, answer = _post(server, "/api/moments/m01", {"revision": 1, "status": "rejected"})  # the page saw revision 1
        assert status == 409 and "reload" in answer["error"]
    finally:
        server.stop()


def test_24_4_a_reanalysis_of_a_folder_nobody_decided_on_still_moves_the_revision_on(analysed, sample_video):
    """A client that knows only the revision number (an .eaf, a script) must not write onto the new moments either."""
    from vigclips.results.decisions import DecisionStore, StaleRevisionError

    out, folder, _hooks = analysed
    assert read_moments(folder)["revision"] == 0
    pipeline.analyze_to_folder(sample_video, out)
    assert read_moments(folder)["revision"] == 1
    with pytest.raises(StaleRevisionError):
        DecisionStore(folder).decide(0, "m01", {"status": "confirmed"})


@pytest.mark.parametrize("force", [False, True], ids=["refused", "force-keeps-a-copy"])
def test_14_2_a_typo_in_moments_json_never_wipes_the_decisions(analysed, sample_video, force):
    out, folder, _ = analysed
    path = folder / MOMENTS_FILE
    document = json.loads(path.read_text())
    document["moments"][0]["status"] = "confirmed"  # a guider's decision, then a hand edit with one trailing comma
    text = json.dumps(document, indent=2)
    end = text.rindex("]")
    broken = (text[:end].rstrip() + ",\n" + text[end:]).encode()
    path.write_bytes(broken)
    if not force:
        with pytest.raises(BadInputError, match="moments.json cannot be read .*not valid JSON.*left as it is"):
            pipeline.analyze_to_folder(sample_video, out)
        assert path.read_bytes() == broken
    else:
        pipeline.analyze_to_folder(sample_video, out, force=True)
        assert read_moments(folder)["revision"] == 0
        (backup,) = folder.glob(f"{BACKUP_PREFIX}*.json")
        assert backup.read_bytes() == broken
        assert (backup.stat().st_mode & 0o077) == 0


def test_14_2_batch_also_refuses_over_an_unreadable_moments_json(shared_media, tmp_path, sample_video):
    from vigclips.batch import run_batch

    out = tmp_path / "out"
    (out / "demo_play").mkdir(parents=True)
    (out / "demo_play" / MOMENTS_FILE).write_text('{"version": 1,}')
    report = run_batch([sample_video], out, workers=1)
    assert report.exit_code == 1
    assert "cannot be read" in report.results[0].error
    assert (out / "demo_play" / MOMENTS_FILE).read_text() == '{"version": 1,}'


_HOLD_WORK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from vigclips.results.folder import work_folder
    with work_folder(Path(sys.argv[1]), "rec") as work:
        (work / "signals.csv").write_text("half written")
        print(work, flush=True)
        time.sleep(60)
""")


def _hold_work_in_subprocess(out: Path) -> tuple[subprocess.Popen, Path]:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD_WORK, str(out)], stdout=subprocess.PIPE, text=True)
    return proc, Path(proc.stdout.readline().strip())


def test_14_6_another_process_work_in_progress_is_never_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc, work = _hold_work_in_subprocess(out)
    try:
        discard_stale_work(out)  # what every analyze and batch does at its start
        assert (work / "signals.csv").read_text() == "half written"
    finally:
        proc.kill()
        proc.wait()


def test_14_6_batch_leaves_a_running_analyze_alone(tmp_path, sample_video):
    from vigclips.batch import discard_leftovers

    out = tmp_path / "out"
    out.mkdir()
    proc, work = _hold_work_in_subprocess(out)
    try:
        discard_leftovers(out)
        assert work.is_dir()
    finally:
        proc.kill()
        proc.wait()


def test_14_11_work_left_by_a_kill_9_is_removed_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc, work = _hold_work_in_subprocess(out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert work.is_dir()  # what the issue saw: the kill leaves it
    discard_stale_work(out)
    assert _leftovers(out) == []


def test_14_11_an_interrupted_swap_is_put_back_not_thrown_away(analysed):
    out, folder, _ = analysed
    # killed between the swap's two renames: only the old folder holds the recording's results
    os.replace(folder, out / f".{folder.name}.old-12345")
    discard_stale_work(out)
    assert read_moments(folder)["moments"]
    assert _leftovers(out) == []


def test_14_11_part_files_of_a_killed_review_server_are_cleaned_by_the_next_server_and_save(analysed):
    out, folder, _ = analysed
    leftover = folder / f".{MOMENTS_FILE}.x1y2z3.part.json"
    leftover.write_text("{")
    server = ReviewServer(folder).start()
    try:
        assert not leftover.exists()  # the next server start
        leftover.write_text("{")
        assert _post(server, "/api/moments/m01", {"revision": 0, "status": "rejected"})[0] == 200
        assert not leftover.exists()  # and every save
    finally:
        server.stop()


def test_work_folder_is_private_and_gone_after_use(tmp_path):
    with work_folder(tmp_path, "rec") as work:
        assert (work.stat().st_mode & 0o077) == 0
        assert work.name.startswith(".rec.partial-")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_14_11_kill_9_of_a_real_analyze_leaves_nothing_the_next_run_keeps(tmp_path, sample_video):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "vigclips", "analyze", str(sample_video), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(".partial-" in p.name for p in (out.iterdir() if out.exists() else [])):
        assert time.monotonic() < deadline and proc.poll() is None, "analyze never started writing"
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    result = subprocess.run([sys.executable, "-m", "vigclips", "analyze", str(sample_video), "-o", str(out)],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _leftovers(out) == []
    assert read_moments(out / "demo_play")["moments"]


# ----------------------------------------------------------------------------------------------------------------------
# 14.8: output problems are found before the long work, and a full disk names the path


@pytest.fixture()
def counting_analyze(demo_analysis, monkeypatch):
    """pipeline.analyze replaced by the cached demo analysis; ``calls`` counts how often the long work started."""
    calls: list[int] = []
    hooks: list = []

    def fake_analyze(path, cfg=None, progress=None, *, threads=None):
        calls.append(1)
        for hook in hooks:
            hook()
        return demo_analysis

    monkeypatch.setattr(pipeline, "analyze", fake_analyze)
    return calls, hooks


@pytest.fixture()
def small_tmpfs(tmp_path):
    """Factory: a tmpfs of ``size_mb`` (root only; skips where the machine does not allow mounting)."""
    mounted: list[Path] = []

    def make(size_mb: int, *, read_only: bool = False) -> Path:
        point = tmp_path / f"tmpfs{len(mounted)}"
        point.mkdir()
        options = f"size={size_mb}m,mode=0700" + (",ro" if read_only else "")
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.strip() or 'not root'}): the full-disk case needs one")
        mounted.append(point)
        return point

    yield make
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_14_8_an_output_folder_that_cannot_exist_is_refused_before_the_analysis(counting_analyze, sample_video, tmp_path):
    calls, _ = counting_analyze
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputError, match=r"a-file/out: cannot write the results there \(not a directory\)"):
        pipeline.analyze_to_folder(sample_video, tmp_path / "a-file" / "out")
    assert calls == []


def test_14_8_a_read_only_output_folder_is_refused_before_the_analysis(counting_analyze, sample_video, small_tmpfs):
    calls, _ = counting_analyze
    read_only = small_tmpfs(5, read_only=True)
    with pytest.raises(OutputError, match="cannot write the results there .read-only file system"):
        pipeline.analyze_to_folder(sample_video, read_only)
    assert calls == []


def test_14_8_too_little_room_is_refused_before_the_analysis(counting_analyze, sample_video, small_tmpfs):
    calls, _ = counting_analyze
    small = small_tmpfs(8)
    with pytest.raises(OutputError, match=r"only 8 MB free; the results need about 5\d MB"):
        pipeline.analyze_to_folder(sample_video, small / "out")
    assert calls == []


def test_14_8_a_disk_filling_up_during_the_writing_names_the_path_and_leaves_nothing(counting_analyze, sample_video,
                                                                                       small_tmpfs):  # fmt: skip
    from vigclips.results.folder import MIN_FREE_BYTES

    calls, hooks = counting_analyze
    disk = small_tmpfs(MIN_FREE_BYTES // (1 << 20) + 4)

    def fill_the_disk():  # something else fills the disk while the analysis runs
        with open(disk / "other-program.bin", "wb") as fh:
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * (1 << 20))

    hooks.append(fill_the_disk)
    with pytest.raises(OutputError, match=rf"{disk}.*: cannot write the results \(no space left on (the )?device\)"):
        pipeline.analyze_to_folder(sample_video, disk / "out")
    assert sorted(p.name for p in (disk / "out").iterdir()) == []  # nothing half-written looks complete, no partial left


def test_14_8_cli_says_it_in_one_line_with_exit_2(counting_analyze, sample_video, tmp_path):
    from click.testing import CliRunner

    from vigclips.cli import main

    (tmp_path / "a-file").write_text("x")
    result = CliRunner().invoke(main, ["analyze", str(sample_video), "-o", str(tmp_path / "a-file" / "out")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {tmp_path}/a-file/out: cannot write the results there (not a "
                                                  "directory); choose another -o folder"]  # fmt: skip


def test_14_8_a_bad_weights_file_is_refused_before_the_analysis(counting_analyze, sample_video, tmp_path):
    from vigclips.config import load_config
    from vigclips.errors import ConfigError

    calls, _ = counting_analyze
    weights = tmp_path / "weights.json"
    weights.write_text('{"model": "logistic",')
    cfg = load_config(None, {"scoring.weights_file": str(weights)})
    with pytest.raises(ConfigError, match="weights.json: not a learned weights file"):
        pipeline.analyze_to_folder(sample_video, tmp_path / "out", cfg)
    assert calls == []


# ----------------------------------------------------------------------------------------------------------------------
# 14.10: a batch owns its children; after kill -9 of the batch none of them remains


_PARENT_WITH_CHILD = textwrap.dedent("""
    import multiprocessing as mp, sys, time
    from multiprocessing.managers import SyncManager
    from vigclips.batch import exit_with_parent

    def child(lifeline):
        exit_with_parent(lifeline)
        time.sleep(120)

    if __name__ == "__main__":
        ctx = mp.get_context("spawn")
        lifeline, held = ctx.Pipe(duplex=False)
        manager = SyncManager(ctx=ctx)
        manager.start(exit_with_parent, (lifeline,))
        proc = ctx.Process(target=child, args=(lifeline,))
        proc.start()
        print(proc.pid, manager._process.pid, flush=True)
        time.sleep(120)
""")


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat_file.read_text().rsplit(") ", 1)[1].split()
            parents[int(stat_file.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _wait_until_gone(pids: set[int], timeout_s: float) -> set[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return {p for p in pids if _alive(p)}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts processes through /proc (Linux)")
def test_14_10_children_and_the_manager_exit_when_their_batch_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(_PARENT_WITH_CHILD)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child_pid, manager_pid = map(int, parent.stdout.readline().split())
    family = _descendants(parent.pid)
    assert {child_pid, manager_pid} <= family  # and the resource tracker, where multiprocessing started one
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert _wait_until_gone(family, 5.0) == set(), "processes outlived their killed parent"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts processes through /proc (Linux)")
def test_14_10_kill_9_of_a_real_batch_leaves_no_process_after_5_s(tmp_path, sample_video):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "vigclips", "batch", str(sample_video), "-o", str(out), "--workers", "1",
                             "--progress", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    for line in proc.stdout:
        if json.loads(line)["event"] == "recording_started":
            break
    time.sleep(1.0)  # the worker is in the middle of its analysis (ffmpeg decoding, models loaded)
    family = _descendants(proc.pid)
    assert len(family) >= 3  # worker, Manager, resource tracker (and the worker's ffmpeg)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _wait_until_gone(family, 5.0) == set(), "processes outlived the killed batch"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts processes through /proc (Linux)")
def test_14_10_kill_9_of_analyze_in_the_middle_of_decoding_leaves_no_process_and_no_output(tmp_path, sample_video):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "vigclips", "analyze", str(sample_video), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    family: set[int] = set()
    # The picture decoder (ffmpeg) runs for the whole analysis; the sound decoder may already be done on a short file,
    # so waiting for both at once raced with the end of the run.
    while not family:
        assert time.monotonic() < deadline and proc.poll() is None, "analyze never started decoding"
        family = _descendants(proc.pid)
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _wait_until_gone(family, 5.0) == set(), "ffmpeg outlived the killed analysis"
    assert not (out / "demo_play").exists()
