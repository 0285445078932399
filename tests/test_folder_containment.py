"""Issue 24: files that cannot be turned against their folder. Paths built from file content stay inside the output folder,
a killed export leaves nothing playable-looking in clips/, the locks lie inside the recording's folder, a symlinked folder
is refused plainly, and the review page's file key opens pictures and videos only (tests/test_review_server.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

from vigclips.media import probe
from vigclips.results.moments import build_document, sha256_file, source_record, write_moments

SIGNALS_CSV = "time_s,infant_face_x,infant_face_y,adult_face_x,adult_face_y,mutual_gaze\n" + "".join(
    f"{k / 10:.3f},0.25,0.5,0.75,0.5,{k % 2}\n" for k in range(40))


def _review_folder(folder: Path, recording: Path, moments: list[tuple[str, float, float, str]]) -> Path:
    records = [{"id": mid, "rank": i + 1, "start_s": a, "end_s": b, "score": 0.5, "reasons": ["test"], "status": status,
                "scores": {p: 0.5 for p in ("attentive", "encouraging", "receiving", "developing")}}
               for i, (mid, a, b, status) in enumerate(moments)]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    document = build_document(source_record(probe(recording), sha256_file(recording)), Fraction(10), {}, {}, records)
    write_moments(folder / "moments.json", document)
    (folder / "signals.csv").write_text(SIGNALS_CSV)
    return folder


def _hand_edit(folder: Path, change) -> None:
    """Change moments.json as a text editor would: no validation on the way."""
    path = folder / "moments.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def _settled(folder: Path, timeout_s: float = 15.0) -> None:
    """Wait until no file under ``folder`` changes any more (a killed run's ffmpeg finishes on its own)."""
    def snapshot():
        return sorted((str(p), p.stat().st_size) for p in folder.rglob("*") if p.is_file())

    last, deadline = None, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = snapshot()
        if now == last:
            return
        last = now
        time.sleep(0.5)


_KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
import vigclips.export.teaching as teaching
from vigclips.export import export_clips

real, drawn = teaching.draw_cues, []
def draw(*args, **kwargs):
    drawn.append(1)
    if len(drawn) == 20:
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 half-way through the teaching clip
    return real(*args, **kwargs)
teaching.draw_cues = draw
export_clips(Path(sys.argv[1]), annotate=True, contact_sheet=False)
"""


def test_24_6_a_killed_annotated_export_leaves_nothing_playable_and_the_next_export_cleans_up(lavfi_clip, tmp_path):
    from vigclips.export import export_clips

    video = lavfi_clip("annotate_kill.mp4", seconds=3.0)
    folder = _review_folder(tmp_path / "out" / "rec", video, [("m01", 0.2, 2.8, "confirmed")])
    checkout = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([checkout, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, str(folder)], env=env, capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    clips = folder / "clips"
    _settled(clips)
    finished = {p for p in clips.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix == ".mp4"}
    playable = [p for p in clips.rglob("*") if p.is_file() and p.suffix.lower() in (".mp4", ".mov", ".m4v") and p not in finished]
    assert playable == []  # the half-made teaching clip has a ".part" name, not a playable one
    assert not (clips / "annotated").exists() or not any(p.suffix == ".mp4" for p in (clips / "annotated").iterdir())

    export_clips(folder, contact_sheet=False)
    hidden = [p.relative_to(clips) for p in clips.rglob(".*")]
    assert hidden == []  # every leftover of the killed run is gone


@pytest.fixture()
def hostile_ids_pass_validation(monkeypatch):
    """Let any id through validation on read, to show the second line of defence on its own."""
    import re

    import vigclips.results.records as records

    monkeypatch.setattr(records, "MOMENT_ID", re.compile(r".{1,200}", re.S))


def test_24_3_a_hostile_moment_id_cannot_make_export_write_outside_the_folder(lavfi_clip, tmp_path, hostile_ids_pass_validation):
    from vigclips.errors import UnsafePathError
    from vigclips.export import export_clips

    video = lavfi_clip("hostile_id.mp4", seconds=2.0)
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o755)
    victim.chmod(0o755)
    modes = {p: p.stat().st_mode & 0o777 for p in (tmp_path, victim)}
    folder = _review_folder(tmp_path / "out" / "rec", video, [("m01", 0.2, 1.5, "confirmed")])
    _hand_edit(folder, lambda doc: doc["moments"][0].update(id="x/../../../../victim/pwned"))
    with pytest.raises(UnsafePathError, match="leads outside"):
        export_clips(folder, contact_sheet=False)
    assert list(victim.iterdir()) == [] and not list(tmp_path.rglob("pwned*"))
    assert {p: p.stat().st_mode & 0o777 for p in modes} == modes  # no folder on the way was chmod-ed


def test_24_3_a_hostile_moment_id_cannot_make_the_previews_write_outside(lavfi_clip, tmp_path, hostile_ids_pass_validation):
    from vigclips.errors import UnsafePathError
    from vigclips.results.moments import read_moments
    from vigclips.results.previews import ensure_previews

    video = lavfi_clip("hostile_preview.mp4", seconds=2.0)
    folder = _review_folder(tmp_path / "out" / "rec", video, [("m01", 0.2, 1.5, "candidate")])
    _hand_edit(folder, lambda doc: doc["moments"][0].update(id="../../../escaped"))
    with pytest.raises(UnsafePathError):
        ensure_previews(folder, read_moments(folder), video)
    assert not list(tmp_path.rglob("escaped*"))


def test_24_3_a_hand_edited_still_outside_the_folder_is_never_copied_or_served(lavfi_clip, tmp_path):
    from vigclips.export import export_clips
    from vigclips.review.server import ReviewServer

    video = lavfi_clip("hostile_still.mp4", seconds=2.0)
    (tmp_path / "secret.jpg").write_bytes(b"family address")
    folder = _review_folder(tmp_path / "out" / "rec", video, [("m01", 0.2, 1.5, "confirmed")])
    _hand_edit(folder, lambda doc: doc["moments"][0].update(still="../../secret.jpg", preview="../../secret.jpg",
                                                             details={"best_still_t_s": 1.0}))
    export_clips(folder, stills=True, contact_sheet=False)
    copied = list((folder / "clips" / "stills").iterdir())
    assert len(copied) == 1 and copied[0].read_bytes() != b"family address"  # cut from the recording instead
    state = ReviewServer(folder, listen=False).page_state()
    assert state["document"]["moments"][0]["still_url"] is None


def test_24_3_make_private_dir_chmods_only_the_folders_it_made(tmp_path):
    from vigclips.fileio import make_private_dir

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    tmp_path.chmod(0o755)
    made = make_private_dir(shared / "new" / ".." / "other" / "deep")
    assert made == shared / "new" / ".." / "other" / "deep" and (shared / "other" / "deep").is_dir()
    assert shared.stat().st_mode & 0o777 == 0o755 and tmp_path.stat().st_mode & 0o777 == 0o755
    assert (shared / "other").stat().st_mode & 0o777 == 0o700 and (shared / "other" / "deep").stat().st_mode & 0o777 == 0o700
    make_private_dir(shared / "new" / "..")  # names an existing folder: left as it is
    assert shared.stat().st_mode & 0o777 == 0o755


def test_24_3_inside_refuses_names_that_leave_the_folder(tmp_path):
    from vigclips.errors import UnsafePathError
    from vigclips.fileio import inside

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    assert inside(tmp_path / "out", "stills/m01.jpg") == tmp_path / "out" / "stills" / "m01.jpg"
    for name in ("../x", "a/../../x", "/etc/passwd", "", ".", "link/x"):
        with pytest.raises(UnsafePathError):
            inside(tmp_path / "out", name)


def test_24_9_a_symlinked_recording_folder_is_refused_in_one_line_and_left_as_it_is(lavfi_clip, tmp_path):
    from click.testing import CliRunner

    from vigclips.cli import main
    from vigclips.errors import BadInputError
    from vigclips.results.folder import swap_in_folder

    video = lavfi_clip("linked.mp4", seconds=2.0)
    encrypted = _review_folder(tmp_path / "encrypted" / "linked", video, [("m01", 0.2, 1.5, "candidate")])
    before = (encrypted / "moments.json").read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    (out / "linked").symlink_to(encrypted, target_is_directory=True)
    result = CliRunner().invoke(main, ["analyze", str(video), "-o", str(out), "--force"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and f"is a link to {encrypted}" in lines[0] and f"-o {encrypted.parent}" in lines[0]
    assert (out / "linked").is_symlink() and sorted(p.name for p in out.iterdir()) == ["linked"]  # no .old-*, no partial
    assert (encrypted / "moments.json").read_bytes() == before
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(BadInputError, match="is a link to"):  # and again at the swap
        swap_in_folder(work, out / "linked", force=True)
    assert (out / "linked").is_symlink() and work.is_dir()


def _server_folder(folder: Path, revision: int = 0) -> Path:
    moments = [{"id": "m01", "rank": 1, "start_s": 1.0, "end_s": 3.0, "score": 0.4, "reasons": ["r"], "status": "candidate"}]
    folder.mkdir(parents=True, exist_ok=True)
    write_moments(folder / "moments.json", {"version": 1, "revision": revision, "summary": {}, "moments": moments,
                                            "source": {"file_name": "rec.mp4", "duration_s": 10.0, "fps": "25/1"}})
    return folder


def test_24_8_saving_and_exporting_put_no_lock_beside_the_recording_folder(lavfi_clip, tmp_path):
    from vigclips.export import export_clips
    from vigclips.results.decisions import DecisionStore

    video = lavfi_clip("locks_inside.mp4", seconds=2.0)
    folder = _review_folder(tmp_path / "out" / "rec", video, [("m01", 0.2, 1.5, "candidate")])
    DecisionStore(folder).decide(0, "m01", {"status": "confirmed"})
    export_clips(folder, contact_sheet=False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["rec"]  # the parent is never written to
    assert {".moments.lock", ".export.lock"} <= {p.name for p in folder.iterdir()}


@pytest.fixture()
def read_only_parent(tmp_path):
    """``parent/rec``: ``rec`` writable, ``parent`` read-only (bind mounts; root only, skips elsewhere)."""
    parent = tmp_path / "parent"
    parent.mkdir()
    mounted: list[Path] = []

    def mount(*args: str) -> None:
        result = subprocess.run(["mount", *args], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount here ({result.stderr.strip() or 'not root'}): the read-only parent needs it")

    try:
        mount("-t", "tmpfs", "-o", "size=20m,mode=0700", "tmpfs", str(parent))
        mounted.append(parent)
        folder = _server_folder(parent / "rec")
        mount("--bind", str(folder), str(folder))
        mounted.insert(0, folder)
        mount("-o", "remount,bind,ro", str(parent))
        with pytest.raises(OSError):
            (parent / "probe").write_text("x")
        yield folder
    finally:
        for point in mounted:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_24_8_a_writable_folder_in_a_read_only_parent_can_be_saved_to(read_only_parent):
    import urllib.request

    from vigclips.review.server import TOKEN_HEADER, ReviewServer
    from vigclips.results.moments import read_moments

    server = ReviewServer(read_only_parent).start()
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/moments/m01", method="POST",
                                         data=json.dumps({"revision": 0, "status": "confirmed"}).encode(),
                                         headers={TOKEN_HEADER: server.token, "Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == 200
        assert read_moments(read_only_parent)["moments"][0]["status"] == "confirmed"
    finally:
        server.stop()


def test_24_8_a_save_that_arrives_during_a_swap_waits_and_lands_on_the_new_folder_as_a_409(tmp_path, monkeypatch):
    import threading

    import vigclips.results.folder as folder_module
    from vigclips.results.decisions import DecisionStore, StaleRevisionError
    from vigclips.results.moments import read_moments

    folder = _server_folder(tmp_path / "out" / "rec", revision=3)  # the page loaded revision 3
    work = _server_folder(tmp_path / "out" / ".rec.partial-1")
    outcome: list[object] = []
    writer = threading.Thread(target=lambda: outcome.append(_try(lambda: DecisionStore(folder).decide(3, "m01",
                                                                                                       {"status": "rejected"}))))
    real_rename = folder_module._rename_folder

    def rename_slowly(old: Path, new: Path) -> None:
        assert (old / ".replacing").exists()  # checked, marked, and its lock let go (Windows renames no open folder)
        writer.start()  # a save from the page arrives now, between the check and the rename
        time.sleep(0.5)
        assert outcome == []  # it waits for the new folder...
        real_rename(old, new)

    monkeypatch.setattr(folder_module, "_rename_folder", rename_slowly)
    folder_module.swap_in_folder(work, folder)
    writer.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], StaleRevisionError)  # ...where the revision moved on: reload
    document = read_moments(folder)
    assert document["revision"] == 4 and document["moments"][0]["status"] == "candidate"
    assert not (folder / ".replacing").exists()
    assert DecisionStore(folder).decide(4, "m01", {"status": "confirmed"})["moments"][0]["status"] == "confirmed"


def _try(action):
    try:
        return action()
    except Exception as exc:  # handed to the test's thread
        return exc


def test_24_8_a_swap_killed_after_marking_the_folder_does_not_block_saves(tmp_path):
    from vigclips.results.decisions import DecisionStore
    from vigclips.results.folder import discard_stale_work

    folder = _server_folder(tmp_path / "out" / "rec")
    (folder / ".replacing").touch()  # killed between the check and the rename: no swap lock is held
    assert DecisionStore(folder).decide(0, "m01", {"status": "confirmed"})["revision"] == 1
    assert not (folder / ".replacing").exists()
    # killed between the two renames: the old folder, marked, is put back and unmarked
    (folder / ".replacing").touch()
    os.replace(folder, tmp_path / "out" / ".rec.old-1234")
    discard_stale_work(tmp_path / "out")
    assert folder.is_dir() and not (folder / ".replacing").exists()
    assert DecisionStore(folder).decide(1, "m01", {"status": "rejected"})["revision"] == 2


def test_24_8_a_folder_whose_lock_cannot_be_written_is_refused_in_one_line_by_the_swap(tmp_path, monkeypatch):
    import vigclips.results.moments as moments_module
    from vigclips.errors import OutputError
    from vigclips.results.folder import swap_in_folder
    from vigclips.results.moments import read_moments

    folder = _server_folder(tmp_path / "out" / "rec", revision=2)
    work = _server_folder(tmp_path / "out" / ".rec.partial-1")
    real_locked = moments_module.locked

    def read_only(path, *args, **kwargs):  # as a read-only folder answers (root may write anywhere, so it is faked)
        if Path(path).name == ".moments.lock":
            raise PermissionError(13, "Permission denied", str(path))
        return real_locked(path, *args, **kwargs)

    monkeypatch.setattr(moments_module, "locked", read_only)
    with pytest.raises(OutputError, match=r"rec: cannot be replaced: its lock cannot be written \(permission denied\)"):
        swap_in_folder(work, folder)
    assert read_moments(folder)["revision"] == 2 and work.is_dir()
