"""The review server answers every malformed request with a status and at most one log line (#14.9): deep JSON, early
disconnects, stalled connections, garbage request lines. Never a traceback on the guider's terminal."""

from __future__ import annotations

import json
import socket
import time

import pytest

import vigclips.review.server as review_server
from vigclips.review.server import TOKEN_HEADER, ReviewServer

from test_review_server import _document, _request  # the same small folder and request helper


@pytest.fixture()
def server(tmp_path, monkeypatch):
    monkeypatch.setattr(review_server._Handler, "timeout", 1.0)  # a stalled connection is closed after 1 s here
    from vigclips.results.moments import write_moments

    folder = tmp_path / "out" / "play"
    (folder / "previews").mkdir(parents=True)
    write_moments(folder / "moments.json", _document())
    (folder / "previews" / "big.mp4").write_bytes(b"\0" * (8 << 20))
    srv = ReviewServer(folder).start()
    yield srv
    srv.stop()


def _raw(srv: ReviewServer, data: bytes, *, read: bool = True, wait_s: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", srv.port), timeout=wait_s) as sock:
        sock.sendall(data)
        if not read:
            return b""
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def _assert_quiet(capfd, caplog) -> None:
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err, err[-2000:]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_14_9_deeply_nested_json_gets_400_not_silence(server, capfd, caplog):
    body = b"[" * 60_000
    status, _, answer = _request(server, "POST", "/api/moments/m01", raw_body=body)
    assert status == 400 and json.loads(answer)["error"] == "request body is nested too deeply"
    assert _request(server, "GET", "/api/moments")[0] == 200  # still serving
    _assert_quiet(capfd, caplog)


@pytest.mark.parametrize("path, wait_for_answer", [("/files/previews/big.mp4?k={key}", True), ("/api/moments", False),
                                                   ("/static/app.js", False), ("/", False)],
                         ids=["mid-file", "api", "static", "page"])  # fmt: skip
def test_14_9_clients_that_hang_up_early_leave_no_tracebacks(server, capfd, caplog, path, wait_for_answer):
    request = (f"GET {path.format(key=server.file_key)} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
               f"{TOKEN_HEADER}: {server.token}\r\n\r\n").encode()  # fmt: skip
    for _ in range(15):
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset on close
            sock.sendall(request)
            if wait_for_answer:
                sock.recv(100)  # the answer has started; now go away mid-file
    time.sleep(0.5)
    assert _request(server, "GET", "/api/moments")[0] == 200
    _assert_quiet(capfd, caplog)


def test_14_9_a_stalled_connection_is_closed_by_the_socket_timeout(server, capfd, caplog):
    started = time.monotonic()
    answer = _raw(server, b"GET /api/mom", wait_s=10.0)  # half a request line, then nothing
    assert answer == b""  # closed without an answer, nothing to answer to
    assert time.monotonic() - started < 5.0
    _assert_quiet(capfd, caplog)


def test_14_9_a_body_shorter_than_its_length_times_out_cleanly(server, capfd, caplog):
    head = (f"POST /api/moments/m01 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{TOKEN_HEADER}: {server.token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"revision\"").encode()  # fmt: skip
    started = time.monotonic()
    _raw(server, head, wait_s=10.0)
    assert time.monotonic() - started < 5.0
    assert _request(server, "GET", "/api/moments")[0] == 200
    _assert_quiet(capfd, caplog)


def test_14_9_a_tls_hello_on_the_plain_port_is_closed_within_the_timeout(server, capfd, caplog):
    started = time.monotonic()
    answer = _raw(server, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 20, wait_s=10.0)  # no line end ever comes
    assert answer == b"" and time.monotonic() - started < 5.0
    assert _request(server, "GET", "/api/moments")[0] == 200
    _assert_quiet(capfd, caplog)


@pytest.mark.parametrize("garbage", [b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
                                     b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n"],
                         ids=["no-method", "bad-version", "huge-line", "too-many-headers"])  # fmt: skip
def test_14_9_malformed_requests_get_a_status(server, capfd, caplog, garbage):
    answer = _raw(server, garbage)
    assert answer.startswith(b"HTTP/1.") and answer.split()[1] in (b"400", b"414", b"431", b"505"), answer[:200]
    assert _request(server, "GET", "/api/moments")[0] == 200
    _assert_quiet(capfd, caplog)


def test_14_9_a_file_that_vanishes_mid_request_is_one_line(server, capfd, caplog, monkeypatch):
    def vanished(self, rel):
        raise FileNotFoundError(2, "No such file or directory", rel)

    monkeypatch.setattr(review_server._Handler, "_serve_file", vanished)
    status, _, _ = _request(server, "GET", "/files/previews/big.mp4", token="key")
    assert status == 500
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "FileNotFoundError" in warnings[0] and server.file_key not in warnings[0]
    _assert_quiet(capfd, caplog)
