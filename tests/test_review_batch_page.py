"""One review page for a batch (#13): `vigclips review OUT` lists every recording with its status and top still and opens
each one's page, with the same loopback-and-token rules as a single recording's page."""

from __future__ import annotations

import csv

import pytest
from test_review_server import STILL_BYTES, _document, _request

from vigclips.review.batch_page import BatchReviewServer, is_batch_folder
from vigclips.review.server import TOKEN_COOKIE, TOKEN_HEADER
from vigclips.review.store import read_moments, write_moments


@pytest.fixture()
def batch(tmp_path):
    out = tmp_path / "out"
    for name in ("kitchen play", "bath_time"):
        folder = out / name
        (folder / "stills").mkdir(parents=True)
        document = _document()
        document["source"]["file_name"] = f"{name}.mp4"
        if name == "bath_time":
            document["moments"][0]["status"] = "confirmed"
        write_moments(folder / "moments.json", document)
        for i in range(3):
            (folder / "stills" / f"m{i + 1:02d}.jpg").write_bytes(STILL_BYTES)
    (out / "batch.log").write_text("log")
    with open(out / "summary.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["recording", "folder", "status", "error"])
        writer.writeheader()
        writer.writerow({"recording": "broken.mp4", "folder": "broken", "status": "failed",
                         "error": "broken.mp4: not a video <script>"})  # fmt: skip
        writer.writerow({"recording": "bath_time.mp4", "folder": "bath_time", "status": "done", "error": ""})
    srv = BatchReviewServer(out).start()
    yield srv, out
    srv.stop()


def test_a_batch_folder_is_told_from_a_recordings_folder(batch):
    _, out = batch
    assert is_batch_folder(out)
    assert not is_batch_folder(out / "bath_time")
    assert not is_batch_folder(out / "nothing")


def test_the_list_shows_every_recording_with_its_status_and_still(batch):
    srv, _ = batch
    status, headers, body = _request(srv, "GET", f"/?token={srv.token}", token=None)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert f"{TOKEN_COOKIE}={srv.token}" in headers["set-cookie"]
    page = body.decode()
    assert srv.token not in page  # the list carries no secret (the cookie does)
    assert page.index("bath_time") < page.index("broken.mp4") < page.index("kitchen play")  # name order
    assert '<a href="/r/bath_time/">bath_time</a>' in page and "3 moments · 1 kept · 2 to review" in page
    assert '<a href="/r/kitchen%20play/">kitchen play</a>' in page and "3 moments · 3 to review" in page
    assert '<img src="/r/bath_time/files/stills/m01.jpg"' in page
    assert "the analysis failed: broken.mp4: not a video &lt;script&gt;" in page  # escaped, not run


def test_each_recording_opens_with_the_same_rules(batch):
    srv, out = batch
    status, _, body = _request(srv, "GET", "/r/kitchen%20play/", token="cookie")
    assert status == 200 and b'src="static/app.js"' in body and srv.token.encode() in body
    status, _, body = _request(srv, "GET", "/r/kitchen%20play/static/app.js", token="cookie")
    assert status == 200
    status, _, body = _request(srv, "GET", "/r/bath_time/api/moments", token="header")
    state = __import__("json").loads(body)
    assert status == 200 and state["document"]["source"]["file_name"] == "bath_time.mp4"
    assert state["document"]["moments"][0]["still_url"] == "/r/bath_time/files/stills/m01.jpg"
    assert _request(srv, "GET", "/r/bath_time/files/stills/m01.jpg", token="cookie")[2] == STILL_BYTES
    # A change goes to that recording's moments.json only.
    status, _, _ = _request(srv, "POST", "/r/kitchen%20play/api/moments/m02", body={"revision": 0, "status": "rejected"})
    assert status == 200
    assert read_moments(out / "kitchen play")["moments"][1]["status"] == "rejected"
    assert read_moments(out / "bath_time")["moments"][1]["status"] == "candidate"
    # "/r/name" without its slash is sent to the page's own address.
    status, headers, _ = _request(srv, "GET", "/r/bath_time", token="cookie")
    assert status == 301 and headers["location"] == "/r/bath_time/"


@pytest.mark.parametrize("path", ["/", "/r/bath_time/", "/r/bath_time/api/moments", "/r/bath_time/files/stills/m01.jpg",
                                  "/r/nobody/", "/api/moments", "/files/bath_time/moments.json"])  # fmt: skip
def test_nothing_is_served_without_the_token(batch, path):
    srv, _ = batch
    status, headers, body = _request(srv, "GET", path, token="wrong")
    assert status == 403 and b"m01" not in body and b"bath_time.mp4" not in body
    if path == "/":
        assert headers["content-type"].startswith("text/html")  # a page a person can read


def test_changes_need_the_header_and_stay_inside_the_batch(batch):
    srv, out = batch
    cookie_only = {"Cookie": f"{TOKEN_COOKIE}={srv.token}"}
    status, _, _ = _request(srv, "POST", "/r/bath_time/api/moments/m02", token=None, headers=cookie_only,
                            body={"revision": 0, "status": "rejected"})  # fmt: skip
    assert status == 403
    for path in ("/r/..%2Fbath_time/api/moments", "/r/%2E%2E/files/batch.log", "/r/bath_time/files/../../batch.log",
                 "/files/batch.log"):  # fmt: skip
        status, _, body = _request(srv, "GET", path, token="header")
        assert status == 404 and b"log" not in body, path
    assert _request(srv, "GET", "/r/bath_time/", token=None, headers={TOKEN_HEADER: srv.token, "Host": "evil.example"})[0] == 403


def test_cli_review_on_a_batch_folder_serves_the_list(batch, monkeypatch):
    from click.testing import CliRunner

    from vigclips.cli import main

    _, out = batch

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(BatchReviewServer, "serve_forever", interrupted)
    result = CliRunner().invoke(main, ["review", str(out), "--no-browser"])
    assert result.exit_code == 0, result.output
    assert f"Review page for the 2 recording(s) in {out}: http://127.0.0.1:" in result.output
    assert "stopped; every decision was already saved" in result.output
