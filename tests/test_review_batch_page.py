"""One review page for a batch (#13): `vigclips review OUT` lists every recording with its status and top still and opens
each one's page, with the same loopback-and-token rules as a single recording's page."""

from __future__ import annotations

import csv
import json

import pytest
from test_review_server import STILL_BYTES, _document, _request

from vigclips.review.batch_page import BatchReviewServer, is_batch_folder
from vigclips.results.moments import read_moments, write_moments


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
    status, headers, body = _request(srv, "GET", "/", token=None)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert srv.token.encode() not in body and b"bath_time" not in body  # the page itself holds no data and no secret
    status, _, body = _request(srv, "GET", "/api/recordings")
    rows = json.loads(body)["recordings"]
    assert [r["name"] for r in rows] == ["bath_time", "broken.mp4", "kitchen play"]  # name order
    bath, broken, kitchen = rows
    assert bath["url"] == "/r/bath_time/" and bath["status"] == "3 moments · 1 kept · 2 to review"
    assert kitchen["url"] == "/r/kitchen%20play/" and kitchen["status"] == "3 moments · 3 to review"
    assert bath["still_url"].startswith("/r/bath_time/files/stills/m01.jpg?k=")
    assert broken["url"] is None and broken["status"] == "the analysis failed: broken.mp4: not a video <script>"
    # The still opens with that recording's read-only file key, as an <img> asks for it.
    assert _request(srv, "GET", bath["still_url"], token=None)[2] == STILL_BYTES


def test_each_recording_opens_with_the_same_rules(batch):
    srv, out = batch
    status, _, body = _request(srv, "GET", "/r/kitchen%20play/", token=None)
    assert status == 200 and b'src="/static/app.js"' in body and srv.token.encode() not in body
    # Every script the two pages name is served (token.js: the secret, read the same way by every page).
    for script in ("token.js", "app.js", "batch.js"):
        status, _, body = _request(srv, "GET", f"/static/{script}", token=None)
        assert status == 200 and len(body) > 200, script
    status, _, body = _request(srv, "GET", "/r/bath_time/api/moments")
    state = json.loads(body)
    assert status == 200 and state["document"]["source"]["file_name"] == "bath_time.mp4"
    assert state["document"]["moments"][0]["still_url"].startswith("/r/bath_time/files/stills/m01.jpg?k=")
    # A change goes to that recording's moments.json only.
    status, _, _ = _request(srv, "POST", "/r/kitchen%20play/api/moments/m02", body={"revision": 0, "status": "rejected"})
    assert status == 200
    assert read_moments(out / "kitchen play")["moments"][1]["status"] == "rejected"
    assert read_moments(out / "bath_time")["moments"][1]["status"] == "candidate"
    # "/r/name" without its slash is sent to the page's own address.
    status, headers, _ = _request(srv, "GET", "/r/bath_time", token=None)
    assert status == 301 and headers["location"] == "/r/bath_time/"


@pytest.mark.parametrize("path", ["/api/recordings", "/r/bath_time/api/moments", "/r/bath_time/files/stills/m01.jpg",
                                  "/r/bath_time/api/faces", "/api/moments"])  # fmt: skip
def test_no_data_without_the_token(batch, path):
    srv, _ = batch
    status, _, body = _request(srv, "GET", path, token="wrong")
    assert status == 403 and b"m01" not in body and b"bath_time.mp4" not in body


def test_one_recordings_file_key_opens_no_other_recordings_files(batch):
    srv, _ = batch
    key = srv.apps["bath_time"].file_key
    assert _request(srv, "GET", f"/r/bath_time/files/stills/m01.jpg?k={key}", token=None)[0] == 200
    assert _request(srv, "GET", f"/r/kitchen%20play/files/stills/m01.jpg?k={key}", token=None)[0] == 403


def test_changes_need_the_header_and_stay_inside_the_batch(batch):
    srv, out = batch
    status, _, _ = _request(srv, "POST", "/r/bath_time/api/moments/m02", token=None, body={"revision": 0, "status": "rejected"})
    assert status == 403
    for path in ("/r/..%2Fbath_time/api/moments", "/r/%2E%2E/files/batch.log", "/r/bath_time/files/../../batch.log",
                 "/files/batch.log"):  # fmt: skip
        status, _, body = _request(srv, "GET", path)
        assert status == 404 and b"log" not in body, path
    assert _request(srv, "GET", "/api/recordings", headers={"Host": "evil.example"})[0] == 403
    # A one-time launch address opens the list with the secret in it, once.
    code = srv.launch_url().rsplit("/", 1)[1]
    status, _, body = _request(srv, "GET", f"/launch/{code}", token=None)
    assert status == 200 and srv.token.encode() in body and b"batch.js" in body
    status, _, body = _request(srv, "GET", f"/launch/{code}", token=None)
    assert status == 403 and srv.token.encode() not in body


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
