"""The workspace (#25): its saved list, the file chooser's containment, bad files (one line each, the others go on),
owner-only files, the page's API rules, the launchers, and `vigclips` alone opening it."""

from __future__ import annotations

import http.client
import json
import os
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigclips.errors import BadInputError
from vigclips.workspace import Analyses, Chooser, Workspace, WorkspaceServer
from vigclips.workspace.launcher import _desktop_quote, create_launcher, desktop_entry, macos_command, windows_shortcut_script
from vigclips.workspace.state import ANALYSING, DONE, FAILED, STATE_FILE, WAITING

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the saved list -------------------------------------------------------------------------------------------------------


def test_the_list_is_saved_owner_only_and_a_recording_is_added_once(tmp_path):
    ws = Workspace(tmp_path / "ws")
    a = ws.add(tmp_path / "a.mp4")
    assert ws.add(tmp_path / "a.mp4").id == a.id and len(ws.entries) == 1
    ws.add(tmp_path / "b.mp4")
    assert _mode(ws.folder) == 0o700 and _mode(ws.folder / STATE_FILE) == 0o600
    again = Workspace(tmp_path / "ws")
    assert [e.name for e in again.ordered()] == ["a.mp4", "b.mp4"]
    assert all(e.status == WAITING for e in again.ordered())


def test_an_analysis_running_when_the_program_stopped_waits_again_and_a_failed_one_is_retried_when_added(tmp_path):
    ws = Workspace(tmp_path / "ws")
    running, failed, done = (ws.add(tmp_path / f"{n}.mp4") for n in ("r", "f", "d"))
    ws.set_status(running, ANALYSING)
    ws.set_status(failed, FAILED, "Is a text file, not a recording")
    ws.set_status(done, DONE)
    again = Workspace(tmp_path / "ws")
    assert {e.name: e.status for e in again.ordered()} == {"r.mp4": WAITING, "f.mp4": FAILED, "d.mp4": DONE}
    assert again.add(tmp_path / "f.mp4").status == WAITING and again.get(failed.id).error == ""
    assert again.next_waiting().name == "r.mp4"


def test_a_damaged_list_is_refused_with_its_name_and_a_damaged_entry_is_left_out(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add(tmp_path / "a.mp4")
    document = json.loads((ws.folder / STATE_FILE).read_text())
    document["recordings"].append({"id": "rforged", "source": "/etc/passwd", "folder_name": "../../x", "status": "done"})
    document["recordings"].append({"nonsense": 1})
    (ws.folder / STATE_FILE).write_text(json.dumps(document))
    assert [e.name for e in Workspace(ws.folder).ordered()] == ["a.mp4"]  # an id that is not the path's own is not trusted
    (ws.folder / STATE_FILE).write_text("{not json")
    with pytest.raises(BadInputError, match="workspace.json: cannot be read"):
        Workspace(ws.folder)


def test_one_program_at_a_time_holds_a_workspace(tmp_path):
    ws = Workspace(tmp_path / "ws")
    with ws.exclusive():
        with pytest.raises(BadInputError, match="already open"), Workspace(tmp_path / "ws").exclusive():
            pass


# -- the file chooser ------------------------------------------------------------------------------------------------------


@pytest.fixture()
def home(tmp_path):
    root = tmp_path / "home"
    (root / "Videos" / "day 1").mkdir(parents=True)
    (root / "Videos" / "play.mp4").write_bytes(b"x")
    (root / "Videos" / "notes.txt").write_text("x")
    (root / "Videos" / ".hidden.mp4").write_bytes(b"x")
    (root / "Videos" / "copy.mp4.part").write_bytes(b"x")
    (root / "secret").mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "theirs.mp4").write_bytes(b"x")
    (root / "Videos" / "link_out").symlink_to(outside)
    (root / "Videos" / "link_out.mp4").symlink_to(outside / "theirs.mp4")
    (root / "Videos" / "link_in.mp4").symlink_to(root / "Videos" / "play.mp4")
    return root


def test_the_chooser_lists_inside_its_folders_only_without_hidden_files_or_links_out(home):
    chooser = Chooser.over([home / "Videos"])
    listing = chooser.listing()
    assert listing["parent"] is None  # no way up from a root
    assert [f["name"] for f in listing["folders"]] == ["day 1"]
    files = {f["name"]: f["recording"] for f in listing["files"]}
    assert files == {"copy.mp4.part": False, "link_in.mp4": True, "notes.txt": False, "play.mp4": True}
    assert chooser.listing(str(home / "Videos" / "day 1"))["parent"] == str(home / "Videos")


@pytest.mark.parametrize("path", ["{home}/secret", "{home}/Videos/../secret", "{home}/Videos/link_out", "{home}/Videos/link_out.mp4",
                                  "/etc/passwd", "Videos/play.mp4", "", "{home}/Videos/play.mp4\x00x"])  # fmt: skip
def test_the_chooser_refuses_anything_outside_its_folders_however_it_is_written(home, path):
    chooser = Chooser.over([home / "Videos"])
    with pytest.raises(BadInputError):
        chooser.contained(path.format(home=home))
    with pytest.raises(BadInputError):
        chooser.listing(path.format(home=home) or "/")


# -- the analyses: bad files, one line each, the others go on --------------------------------------------------------------


def test_files_that_are_not_recordings_each_get_one_plain_line_and_the_others_go_on(tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    (folder / "notes.mp4").write_text("not a video\n")
    (folder / "broken.mp4").write_bytes((SAMPLES / "demo_play.mp4").read_bytes()[:3000])  # cut short, as a failed copy
    (folder / "gone.mp4").write_bytes(b"x")
    ws = Workspace(tmp_path / "ws")
    for name in ("notes.mp4", "broken.mp4", "gone.mp4"):
        ws.add(folder / name)
    (folder / "gone.mp4").unlink()  # taken away (a card pulled out) after it was added
    before = {p: p.read_bytes() for p in folder.iterdir()}
    analyses = Analyses(ws, slots=1).start()
    try:
        deadline = time.monotonic() + 120
        while any(e.status in (WAITING, ANALYSING) for e in ws.ordered()):
            assert time.monotonic() < deadline, [(e.name, e.status) for e in ws.ordered()]
            time.sleep(0.2)
    finally:
        analyses.stop()
    errors = {e.name: e.error for e in ws.ordered()}
    assert {e.status for e in ws.ordered()} == {FAILED}, errors
    for name, line in errors.items():
        assert line and "\n" not in line and len(line) < 300 and "Traceback" not in line, (name, line)
        assert str(folder) not in line, line  # the name is beside it already
    assert "not a recording" in errors["notes.mp4"]
    assert {p: p.read_bytes() for p in folder.iterdir()} == before  # never modified
    assert all(_mode(p) == 0o700 for p in (ws.folder / "recordings").iterdir())


# -- the page's API --------------------------------------------------------------------------------------------------------


@pytest.fixture()
def server(tmp_path, home):
    ws = Workspace(tmp_path / "ws")
    srv = WorkspaceServer(ws, roots=[home / "Videos"], slots=1).start()
    yield srv
    srv.stop()


def _request(srv, method, path, *, token=True, body=None, host=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{srv.port}"}
    if token:
        headers["X-Vigclips-Token"] = srv.token
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), payload


def test_the_page_needs_the_secret_and_a_loopback_host_and_has_the_review_pages_csp(server):
    status, headers, body = _request(server, "GET", "/", token=False)
    assert status == 200 and b"{{TOKEN}}" not in body and server.token.encode() not in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    for path in ("/api/workspace", "/api/browse"):
        assert _request(server, "GET", path, token=False)[0] == 403
        assert _request(server, "GET", path, host="evil.example:80")[0] == 403
    assert _request(server, "POST", "/api/add", token=False, body={"paths": ["x"]})[0] == 403
    assert _request(server, "POST", "/api/stop", token=False, body={})[0] == 403
    assert not server.stopped.is_set()


def test_adding_through_the_api_checks_each_file_and_adds_the_others(server, home):
    status, _, body = _request(server, "POST", "/api/add", body={"paths": [str(home / "Videos" / "notes.txt"), "/etc/passwd",
                                                                           str(home / "Videos" / "day 1")]})  # fmt: skip
    result = json.loads(body)
    assert status == 200 and len(result["added"]) == 1
    assert [r["path"] for r in result["refused"]] == ["/etc/passwd", str(home / "Videos" / "day 1")]
    status, _, body = _request(server, "GET", "/api/browse?path=" + str(home / "secret"))
    assert status == 422 and b"outside the folders" in body
    rows = json.loads(_request(server, "GET", "/api/workspace")[2])["recordings"]
    assert [r["name"] for r in rows] == ["notes.txt"]
    assert _request(server, "GET", f"/r/{rows[0]['id']}/files/..%2f..%2fworkspace.json")[0] == 404  # not analysed: no page


def test_the_stop_button_stops_the_server(server):
    assert _request(server, "POST", "/api/stop", body={})[0] == 200
    assert server.stopped.wait(10)


# -- the launchers ---------------------------------------------------------------------------------------------------------


def test_the_linux_launcher_is_an_executable_desktop_entry_running_this_python(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / "Desktop").mkdir()
    written = create_launcher("linux", "/opt/my tools/venv/bin/python", home=tmp_path)
    assert written == [tmp_path / ".local/share/applications/vigclips.desktop", tmp_path / "Desktop/vigclips.desktop"]
    for path in written:
        text = path.read_text()
        assert text.startswith("[Desktop Entry]\n") and "Type=Application\n" in text and "Terminal=false\n" in text
        assert 'Exec="/opt/my tools/venv/bin/python" -m vigclips open\n' in text
        assert _mode(path) == 0o755


def test_desktop_exec_arguments_are_quoted_as_the_specification_says():
    assert _desktop_quote("/usr/bin/python3") == "/usr/bin/python3"
    assert _desktop_quote('/a b/"c"$d`e') == '"/a b/\\"c\\"\\$d\\`e"'
    assert _desktop_quote("/x%y") == '"/x%%y"'
    assert 'Exec="C:\\\\\\\\py thon" -m vigclips open' in desktop_entry("C:\\py thon")


def test_the_windows_shortcut_and_the_macos_command_run_vigclips_open():
    script = windows_shortcut_script(r"C:\Users\O'Neil\pipx\venvs\vigclips\Scripts\pythonw.exe", ["Desktop", "Programs"])
    assert "New-Object -ComObject WScript.Shell" in script
    assert r"$lnk.TargetPath = 'C:\Users\O''Neil\pipx\venvs\vigclips\Scripts\pythonw.exe'" in script
    assert script.count("$lnk.Arguments = '-m vigclips open'") == 2
    assert "[Environment]::GetFolderPath('Desktop')" in script and "[Environment]::GetFolderPath('Programs')" in script
    command = macos_command("/Users/o'neil/.local/pipx/venvs/vigclips/bin/python")
    assert command.startswith("#!/bin/sh\n") and command.endswith("exec '/Users/o'\\''neil/.local/pipx/venvs/vigclips/bin/python' -m vigclips open\n")


def test_the_macos_launcher_is_an_executable_command_on_the_desktop(tmp_path):
    (written,) = create_launcher("darwin", "/usr/local/bin/python3", home=tmp_path)
    assert written == tmp_path / "Desktop" / "vigclips.command" and _mode(written) == 0o755


def test_an_unknown_platform_has_no_launcher(tmp_path):
    with pytest.raises(BadInputError, match="vigclips open"):
        create_launcher("sunos5", "/usr/bin/python3", home=tmp_path)


# -- the command line ------------------------------------------------------------------------------------------------------


def test_vigclips_alone_opens_the_workspace_in_the_user_data_folder(tmp_path, monkeypatch):
    from vigclips import cli

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    served: list[WorkspaceServer] = []
    monkeypatch.setattr(WorkspaceServer, "serve_forever", lambda self: served.append(self))
    result = CliRunner().invoke(cli.main, [])
    assert result.exit_code == 0, result.output
    assert "vigclips workspace" in result.output and len(served) == 1
    assert served[0].folder == (tmp_path / "data" / "vigclips" / "workspace").resolve()
    assert len(opened) == 1 and "/launch/" in opened[0]
    assert _mode(served[0].folder) == 0o700
    assert "launcher" in CliRunner().invoke(cli.main, ["--help"]).output


@pytest.mark.slow
def test_an_analysis_stopped_half_way_waits_and_the_next_start_finishes_it(tmp_path):
    ws = Workspace(tmp_path / "ws")
    entry = ws.add(SAMPLES / "demo_play.mp4")
    analyses = Analyses(ws, slots=1).start()
    deadline = time.monotonic() + 120
    while (analyses.progress(entry.id) or {}).get("fraction", 0) < 0.2:
        assert time.monotonic() < deadline and ws.get(entry.id).status in (WAITING, ANALYSING), ws.get(entry.id)
        time.sleep(0.1)
    analyses.stop()
    assert Workspace(ws.folder).get(entry.id).status == WAITING
    assert not ws.results_folder(entry).exists()  # nothing half-written looks finished
    again = Workspace(ws.folder)
    analyses = Analyses(again, slots=1).start()
    try:
        while again.get(entry.id).status != DONE:
            assert time.monotonic() < deadline + 60 and again.get(entry.id).status != FAILED, again.get(entry.id)
            time.sleep(0.2)
    finally:
        analyses.stop()
    assert (ws.results_folder(entry) / "moments.json").is_file()
    assert not any((ws.results_root(entry) / ".vigclips-batch" / "work").iterdir())  # the stopped one's staging is gone


def test_by_default_the_chooser_shows_the_home_folder_first_and_only_folders_that_exist(tmp_path, monkeypatch):
    from vigclips.workspace.chooser import default_roots

    monkeypatch.setenv("HOME", str(tmp_path))
    roots = default_roots()
    assert roots[0] == tmp_path and all(r.is_dir() for r in roots)


def test_an_analysed_recordings_review_page_is_served_inside_the_workspace_with_the_review_pages_rules(tmp_path, home):
    from vigclips.results.moments import write_moments

    from test_review_server import STILL_BYTES, _document

    ws = Workspace(tmp_path / "ws")
    entry = ws.add(home / "Videos" / "play.mp4")
    folder = ws.results_folder(entry)
    (folder / "stills").mkdir(parents=True)
    write_moments(folder / "moments.json", _document())
    for i in range(3):
        (folder / "stills" / f"m{i + 1:02d}.jpg").write_bytes(STILL_BYTES)
    (folder / "escape.jpg").symlink_to(ws.folder / STATE_FILE)
    ws.set_status(entry, DONE)
    opened: list[Path] = []
    srv = WorkspaceServer(Workspace(ws.folder), roots=[home / "Videos"], slots=1, opener=lambda f: opened.append(f) or True)
    srv.start()
    try:
        deadline = time.monotonic() + 20
        while entry.id not in srv.apps:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (row,) = json.loads(_request(srv, "GET", "/api/workspace")[2])["recordings"]
        assert row["review_url"] == f"/r/{entry.id}/" and row["kept"] == 0 and row["status_words"].startswith("3 moments found")
        assert row["still_url"].startswith(f"/r/{entry.id}/files/stills/m01.jpg?k=")
        assert _request(srv, "GET", row["still_url"], token=False)[2] == STILL_BYTES  # the picture by its read-only key
        assert _request(srv, "GET", f"/r/{entry.id}/api/moments")[0] == 200
        assert _request(srv, "GET", f"/r/{entry.id}/api/moments", token=False)[0] == 403
        for escape in ("escape.jpg", "..%2f..%2f..%2fworkspace.json", "../../../workspace.json", "%2e%2e/%2e%2e/workspace.json"):
            assert _request(srv, "GET", f"/r/{entry.id}/files/{escape}")[0] in (403, 404), escape
        status, _, body = _request(srv, "POST", "/api/export", body={"id": entry.id})
        assert status == 422 and b"no kept moments yet" in body  # said before any ffmpeg runs
        status, _, body = _request(srv, "POST", "/api/open-folder", body={"id": entry.id})
        assert status == 200 and opened == [folder.resolve()] and json.loads(body)["opened"] is True
        assert _request(srv, "POST", "/api/open-folder", body={"id": "rnothere"})[0] == 422
    finally:
        srv.stop()


def test_a_recording_whose_results_were_deleted_by_hand_is_analysed_again(tmp_path, home):
    ws = Workspace(tmp_path / "ws")
    ws.set_status(ws.add(home / "Videos" / "play.mp4"), DONE)
    srv = WorkspaceServer(Workspace(ws.folder), roots=[home / "Videos"], slots=1)
    try:
        deadline = time.monotonic() + 10
        while srv.ws.ordered()[0].status != WAITING:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        srv.httpd.server_close()


def test_removing_a_recording_keeps_its_results_unless_asked_and_never_touches_the_recording(tmp_path, home):
    ws = Workspace(tmp_path / "ws")
    kept, deleted = ws.add(home / "Videos" / "play.mp4"), ws.add(home / "Videos" / "link_in.mp4")
    for entry in (kept, deleted):
        ws.results_folder(entry).mkdir(parents=True)
        (ws.results_folder(entry) / "moments.json").write_text("{}")
    ws.remove(kept.id)
    ws.remove(deleted.id, delete_results=True)
    assert ws.entries == {} and Workspace(ws.folder).entries == {}
    assert (ws.results_folder(kept) / "moments.json").is_file() and not ws.results_root(deleted).exists()
    assert (home / "Videos" / "play.mp4").read_bytes() == b"x"
    ws.set_status(ws.add(home / "Videos" / "notes.txt"), ANALYSING)
    with pytest.raises(BadInputError, match="being analysed"):
        ws.remove(ws.ordered()[0].id, delete_results=True)


def test_starting_it_again_while_it_runs_opens_the_running_ones_page(server, tmp_path):
    from vigclips.workspace import reopen_running
    from vigclips.workspace.server import ADDRESS_FILE

    deadline = time.monotonic() + 10
    while not (server.folder / ADDRESS_FILE).is_file():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert _mode(server.folder / ADDRESS_FILE) == 0o600
    url = reopen_running(server.folder)
    assert url and url.startswith(f"http://127.0.0.1:{server.port}/launch/")
    status, _, body = _request(server, "GET", url.split(str(server.port), 1)[1], token=False)
    assert status == 200 and server.token.encode() in body  # the one-time address hands the page its secret, once
    assert _request(server, "GET", url.split(str(server.port), 1)[1], token=False)[0] == 403
    server.stop()
    assert not (server.folder / ADDRESS_FILE).exists() and reopen_running(server.folder) is None
    assert reopen_running(tmp_path / "nowhere") is None
