"""The review server over real HTTP, in-process: token on every request, only the output folder served, validated and
revision-checked writes (#6)."""

from __future__ import annotations

import http.client
import json
import os

import pytest

from vigclips.review.local_http import parse_range
from vigclips.review.server import TOKEN_HEADER, ReviewServer
from vigclips.results.moments import read_moments, write_moments

STILL_BYTES = bytes(range(256)) * 40  # 10 240 bytes standing in for a JPEG


def _document() -> dict:
    moments = [{"id": f"m{i + 1:02d}", "rank": i + 1, "start_s": 2.0 + 5 * i, "end_s": 5.0 + 5 * i, "score": 0.4,
                "reasons": ["r"], "scores": {"attentive": 0.3}, "status": "candidate", "still": f"stills/m{i + 1:02d}.jpg"}
               for i in range(3)]  # fmt: skip
    return {"version": 1, "revision": 0, "source": {"file_name": "play.mp4", "duration_s": 20.0, "fps": "25/1"}, "summary": {},
            "moments": moments}  # fmt: skip


@pytest.fixture()
def server(tmp_path):
    folder = tmp_path / "out" / "play"
    (folder / "stills").mkdir(parents=True)
    write_moments(folder / "moments.json", _document())
    for i in range(3):
        (folder / "stills" / f"m{i + 1:02d}.jpg").write_bytes(STILL_BYTES)
    (tmp_path / "secret.txt").write_text("family address")
    (folder / "escape.jpg").symlink_to(tmp_path / "secret.txt")
    (folder / "stills" / "inside.jpg").symlink_to(folder / "stills" / "m01.jpg")
    (folder / ".hidden.json").write_text("{}")
    srv = ReviewServer(folder).start()
    yield srv
    srv.stop()


def _request(srv: ReviewServer, method: str, path: str, *, token: str | None = "header", body: object = None,
             headers: dict | None = None, raw_body: bytes | None = None) -> tuple[int, dict, bytes]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    hdrs = {"Host": f"127.0.0.1:{srv.port}"}
    if token == "header":
        hdrs[TOKEN_HEADER] = srv.token
    elif token == "key":  # how <img> and <video> ask: the read-only file key in the address
        path += ("&" if "?" in path else "?") + f"k={srv.file_key}"
    elif token is not None:
        hdrs[TOKEN_HEADER] = token
    hdrs.update(headers or {})
    data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        hdrs["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=hdrs)
    response = conn.getresponse()
    payload = response.read()
    result = response.status, {k.lower(): v for k, v in response.getheaders()}, payload
    conn.close()
    return result


def test_listens_on_loopback_only_with_a_long_random_token(server):
    assert server.httpd.server_address[0] == "127.0.0.1"
    assert len(server.token) >= 40
    # the token travels in the fragment: browsers never send it, so it is in no request line and no log
    assert server.url == f"http://127.0.0.1:{server.port}/#token={server.token}"


@pytest.mark.parametrize("path", ["/api/moments", "/files/stills/m01.jpg", "/nowhere", "/launch/made-up"])
@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["no-token", "wrong-token"])
def test_every_get_without_the_token_is_refused(server, path, token):
    status, _, body = _request(server, "GET", path, token=token)
    assert status == 403
    assert b"family" not in body and b"m01" not in body


@pytest.mark.parametrize("path", ["/", "/static/app.js"])
def test_the_page_itself_holds_no_data_and_no_secret(server, path):
    status, headers, body = _request(server, "GET", path, token=None)
    assert status == 200
    assert server.token.encode() not in body and server.file_key.encode() not in body and b"m01" not in body
    assert "set-cookie" not in headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer" and headers["cache-control"] == "no-store"


def test_14_3_and_14_5_no_cookie_is_ever_set_so_nothing_leaks_to_other_ports_or_logs_out_another_page(server, tmp_path):
    other = ReviewServer(server.folder).start()
    try:
        for srv in (server, other):
            launched = _request(srv, "GET", srv.launch_url()[len(f"http://127.0.0.1:{srv.port}"):], token=None)
            assert launched[0] == 200 and "set-cookie" not in launched[1]
        # each page goes on working with its own secret (14.5: opening B logged A out)
        assert _request(server, "GET", "/api/moments")[0] == 200 and _request(other, "GET", "/api/moments")[0] == 200
        assert _request(server, "GET", "/files/stills/m01.jpg", token="key")[0] == 200
        assert _request(other, "GET", "/files/stills/m01.jpg", token="key")[0] == 200
        # one server's secrets open nothing on the other
        assert _request(other, "GET", "/api/moments", token=server.token)[0] == 403
    finally:
        other.stop()


def test_14_4_the_browser_gets_a_one_time_launch_address_not_the_token(server):
    launch = server.launch_url()
    assert server.token not in launch
    path = launch[len(f"http://127.0.0.1:{server.port}"):]
    status, _, body = _request(server, "GET", path, token=None)
    assert status == 200 and server.token.encode() in body  # the page that opened gets the secret, in memory
    status, _, body = _request(server, "GET", path, token=None)  # whoever read the browser's command line is too late
    assert status == 403 and server.token.encode() not in body


def test_14_4_an_old_launch_address_expires(server, monkeypatch):
    import vigclips.review.server as review_server

    launch = server.launch_url()
    monkeypatch.setattr(review_server.time, "monotonic", lambda: 10**9)
    status, _, body = _request(server, "GET", launch[len(f"http://127.0.0.1:{server.port}"):], token=None)
    assert status == 403 and server.token.encode() not in body


def test_14_4_secrets_never_reach_the_debug_log(server, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="vigclips")
    launch = server.launch_url()
    _request(server, "GET", launch[len(f"http://127.0.0.1:{server.port}"):], token=None)
    _request(server, "GET", "/files/stills/m01.jpg", token="key")
    _request(server, "GET", f"/api/moments?token={server.token}", token=None)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/files/stills/m01.jpg" in logged  # the requests were logged...
    for secret in (server.token, server.file_key, launch.rsplit("/", 1)[1]):
        assert secret not in logged  # ...without their secrets


def test_the_file_key_opens_files_only(server):
    assert _request(server, "GET", "/files/stills/m01.jpg", token="key")[0] == 200
    assert _request(server, "GET", "/api/moments", token="key")[0] == 403
    assert _request(server, "POST", "/api/moments/m01", token="key", body={"revision": 0, "status": "confirmed"})[0] == 403


def test_foreign_host_header_is_refused_even_with_token(server):
    status, _, _ = _request(server, "GET", "/api/moments", headers={"Host": f"attacker.example:{server.port}"})
    assert status == 403


def test_moments_api_lists_previews_stills_and_principles(server):
    status, _, body = _request(server, "GET", "/api/moments")
    state = json.loads(body)
    assert status == 200
    assert [m["id"] for m in state["document"]["moments"]] == ["m01", "m02", "m03"]
    assert state["document"]["moments"][0]["still_url"] == f"/files/stills/m01.jpg?k={server.file_key}"
    assert state["document"]["moments"][0]["preview_url"] is None  # no previews in this folder
    assert [p["key"] for p in state["principles"]] == ["attentive", "encouraging", "receiving", "developing"]


def test_files_are_served_with_byte_ranges(server):
    status, headers, body = _request(server, "GET", "/files/stills/m01.jpg", token="key")
    assert status == 200 and body == STILL_BYTES and headers["content-type"] == "image/jpeg"
    status, headers, body = _request(server, "GET", "/files/stills/m01.jpg", token="key", headers={"Range": "bytes=100-199"})
    assert status == 206 and body == STILL_BYTES[100:200]
    assert headers["content-range"] == f"bytes 100-199/{len(STILL_BYTES)}"
    status, _, body = _request(server, "GET", "/files/stills/m01.jpg", token="key", headers={"Range": "bytes=-10"})
    assert status == 206 and body == STILL_BYTES[-10:]
    assert _request(server, "GET", "/files/stills/m01.jpg", token="key", headers={"Range": "bytes=99999-"})[0] == 416
    assert _request(server, "GET", "/files/stills/inside.jpg", token="key")[0] == 200  # a link that stays inside is fine


@pytest.mark.parametrize(
    "path",
    [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/stills/../../secret.txt",
        "/files/stills/%2E%2E/%2E%2E/secret.txt",
        "/files/%2Ftmp%2Fsecret.txt",
        "/files//etc/passwd",
        "/files/escape.jpg",
        "/files/.hidden.json",
        "/files/.moments.lock",
        "/files/stills",
        "/files/missing.jpg",
        "/files/stills/m01.jpg%00.png",
        "/static/../moments.json",
        "/static/index.html%2f..%2f..%2fdecisions.py",
    ],
)
def test_nothing_outside_the_output_folder_is_served(server, path):
    status, _, body = _request(server, "GET", path, token="key")
    assert status == 404
    assert b"family address" not in body


def test_posts_need_the_header_the_file_key_is_not_enough(server):
    status, _, _ = _request(server, "POST", "/api/moments/m01", token="key", body={"revision": 0, "status": "confirmed"})
    assert status == 403
    assert read_moments(server.folder)["moments"][0]["status"] == "candidate"


def test_decision_is_written_and_stale_page_gets_409(server):
    status, _, body = _request(server, "POST", "/api/moments/m01", body={"revision": 0, "status": "confirmed", "end_s": 6.5})
    assert status == 200
    state = json.loads(body)
    assert state["document"]["revision"] == 1
    on_disk = read_moments(server.folder)
    assert on_disk["moments"][0]["status"] == "confirmed" and on_disk["moments"][0]["end_s"] == 6.5
    # A second tab still showing revision 0 tries to reject the same moment:
    status, _, body = _request(server, "POST", "/api/moments/m01", body={"revision": 0, "status": "rejected"})
    assert status == 409
    payload = json.loads(body)
    assert "reload the page" in payload["error"] and payload["current_revision"] == 1
    assert read_moments(server.folder)["moments"][0]["status"] == "confirmed"


@pytest.mark.parametrize(
    "path, body, status, message",
    [
        ("/api/moments/m01", {"revision": 0, "status": "keep"}, 400, "status must be one of"),
        ("/api/moments/m01", {"revision": 0, "end_s": 25.0}, 400, "after the recording ends"),
        ("/api/moments/m01", {"revision": 0, "start_s": 4.0, "end_s": 3.0}, 400, "start before it ends"),
        ("/api/moments/m01", {"revision": 0, "tags": ["nice"]}, 400, "unknown tag"),
        ("/api/moments/m01", {"revision": 0, "rank": 9}, 400, "cannot change rank"),
        ("/api/moments/m01", {"status": "confirmed"}, 400, "revision must be an integer"),
        ("/api/moments/m99", {"revision": 0, "status": "confirmed"}, 400, "no moment with id"),
        ("/api/moments", {"revision": 0, "start_s": 19.0, "end_s": 21.0}, 400, "after the recording ends"),
        ("/api/moments", {"revision": 0, "start_s": 1.0, "end_s": 3.0, "score": 1}, 400, "cannot set score"),
        ("/api/roles", {"revision": 0, "swapped": "yes"}, 400, "true or false"),
        ("/api/export", {"annotate": "yes"}, 400, "true or false"),
        ("/api/unknown", {"revision": 0}, 404, "not found"),
    ],
)
def test_invalid_changes_are_refused_and_nothing_is_written(server, path, body, status, message):
    before = (server.folder / "moments.json").read_bytes()
    got, _, payload = _request(server, "POST", path, body=body)
    assert got == status
    assert message in json.loads(payload)["error"]
    assert (server.folder / "moments.json").read_bytes() == before


def test_bad_bodies_are_refused(server):
    assert _request(server, "POST", "/api/moments/m01", raw_body=b"not json")[0] == 400
    assert _request(server, "POST", "/api/moments/m01", raw_body=b"[1, 2]")[0] == 400
    assert _request(server, "POST", "/api/moments/m01", raw_body=b"{" + b" " * 70000 + b"}")[0] == 413


def test_add_a_missed_moment_and_swap_roles(server):
    new_moment = {"revision": 0, "start_s": 16.0, "end_s": 19.5, "tags": ["developing"], "note": "found by me"}
    status, _, body = _request(server, "POST", "/api/moments", body=new_moment)
    assert status == 201
    assert json.loads(body)["added_id"] == "g01"
    status, _, _ = _request(server, "POST", "/api/roles", body={"revision": 1, "swapped": True})
    assert status == 200
    doc = read_moments(server.folder)
    assert doc["roles_swapped"] is True and doc["revision"] == 2
    added = doc["moments"][-1]
    assert (added["id"], added["start_s"], added["end_s"]) == ("g01", 16.0, 19.5)
    assert (added["note"], added["status"]) == ("found by me", "confirmed")


def test_a_killed_server_loses_nothing_already_answered(server, tmp_path):
    _request(server, "POST", "/api/moments/m02", body={"revision": 0, "status": "confirmed", "note": "keep"})
    server.stop()  # like Ctrl-C or a crash right after the answer
    fresh = ReviewServer(server.folder).start()
    try:
        _, _, body = _request(fresh, "GET", "/api/moments")
        m02 = json.loads(body)["document"]["moments"][1]
        assert (m02["status"], m02["note"]) == ("confirmed", "keep")
        assert fresh.token != server.token  # a new secret each start
    finally:
        fresh.stop()
    server.start = lambda: None  # the fixture's stop() must not fail on the already-closed server
    server.stop = lambda: None


def test_files_written_by_the_server_stay_private(server):
    _request(server, "POST", "/api/moments/m01", body={"revision": 0, "status": "rejected"})
    assert (os.stat(server.folder / "moments.json").st_mode & 0o077) == 0
    from vigclips.results.layout import moments_lock_path
    from vigclips.results.moments import moments_locked

    with moments_locked(server.folder):  # the lock lies inside the folder (#24)
        assert (os.stat(moments_lock_path(server.folder)).st_mode & 0o077) == 0


@pytest.mark.parametrize(
    "header, size, expected",
    [("bytes=0-9", 100, (0, 9)), ("bytes=90-", 100, (90, 99)), ("bytes=-5", 100, (95, 99)), ("bytes=50-500", 100, (50, 99)),
     ("bytes=100-", 100, None), ("bytes=5-2", 100, None), ("bytes=-0", 100, None), ("items=0-1", 100, None),
     ("bytes=0-1,5-6", 100, None)],
)  # fmt: skip
def testparse_range(header, size, expected):
    assert parse_range(header, size) == expected


def test_a_port_in_use_is_a_clear_error(server):
    from vigclips.errors import BadInputError

    with pytest.raises(BadInputError, match="choose another --port"):
        ReviewServer(server.folder, port=server.port)


def test_export_button_cuts_teaching_clips_through_the_api(shared_media, tmp_path):
    """The page's export with "teaching versions" ticked: real media, a 1 s confirmed moment."""
    from fractions import Fraction

    from vigclips.media import probe
    from vigclips.results.moments import build_document, sha256_file, source_record

    src = shared_media / "lookit_causal_ex2.mp4"
    folder = tmp_path / "out" / src.stem
    folder.mkdir(parents=True)
    record = {"id": "m01", "rank": 1, "start_s": 6.0, "end_s": 7.0, "score": 0.5, "reasons": ["r"], "status": "confirmed",
              "scores": {"receiving": 0.6}}  # fmt: skip
    source = source_record(probe(src), sha256_file(src))
    write_moments(folder / "moments.json", build_document(source, Fraction(10), {}, {}, [record]))
    (folder / "signals.csv").write_text("time_s,infant_face_x,infant_face_y,mutual_gaze\n" +
                                        "".join(f"{t / 10:.1f},0.4,0.6,1\n" for t in range(81)))  # fmt: skip
    srv = ReviewServer(folder).start()
    try:
        status, _, body = _request(srv, "POST", "/api/export", body={"annotate": True})
    finally:
        srv.stop()
    assert status == 200, body
    result = json.loads(body)
    assert result["clips"] == ["lookit_causal_ex2_00h00m06.0s_m01.mp4"]
    assert "clips/annotated/lookit_causal_ex2_00h00m06.0s_m01.mp4" in result["files"]
    assert "clips/contact_sheet.png" in result["files"]
    assert "clips/stills/lookit_causal_ex2_00h00m06.0s_m01.jpg" in result["files"]
    assert probe(folder / "clips" / "annotated" / result["clips"][0]).video_codec == "h264"


def test_decisions_survive_a_killed_review_process(server):
    """`vigclips review` in its own process, killed with SIGKILL right after answering: the decision is on disk, whole."""
    import re
    import signal
    import subprocess
    import sys

    folder = server.folder
    proc = subprocess.Popen([sys.executable, "-m", "vigclips", "review", str(folder), "--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/#token=([A-Za-z0-9_-]+)", line)
        assert match, line
        port, token = int(match.group(1)), match.group(2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/api/moments/m03", body=json.dumps({"revision": 0, "status": "confirmed", "note": "keep"}),
                     headers={TOKEN_HEADER: token, "Host": f"127.0.0.1:{port}", "Content-Type": "application/json"})  # fmt: skip
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    m03 = read_moments(folder)["moments"][2]
    assert (m03["status"], m03["note"]) == ("confirmed", "keep")


@pytest.mark.parametrize("name", ["moments.json", "signals.csv", "analysis.npz", "play.eaf", "clips/manifest.csv", "data.jpg"])
def test_24_10_the_file_key_opens_pictures_and_videos_only_not_the_data(server, name):
    folder = server.folder
    (folder / "clips").mkdir(exist_ok=True)
    for data in ("signals.csv", "analysis.npz", "play.eaf", "clips/manifest.csv"):
        (folder / data).write_bytes(b"family data")
    (folder / "data.jpg").symlink_to(folder / "moments.json")  # named like a picture, inside the folder
    status, _, body = _request(server, "GET", f"/files/{name}", token="key")
    assert status == 403 and b"family data" not in body and b"moments" not in body
    assert _request(server, "GET", f"/files/{name}")[0] == 200  # the page itself (token header) still reads them
    assert _request(server, "GET", "/files/stills/m01.jpg", token="key")[0] == 200
