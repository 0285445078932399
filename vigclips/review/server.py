"""The local review page: a small web app on 127.0.0.1 for one recording's output folder (#6).

Security model (recordings of vulnerable families):

* It listens on the loopback interface only, on a random free port unless one is asked for.
* A secret token (``secrets.token_urlsafe``) is required on **every** request: as ``?token=`` in the address the guider
  opens (the page then stores it in a same-site, HTTP-only cookie and drops it from the address bar), as that cookie for
  videos and pictures, and as the ``X-Vigclips-Token`` header for every change. Changes (POST) accept only the header, which
  another web site cannot send, so a page elsewhere cannot post decisions even if the browser holds the cookie.
  Requests whose ``Host`` is not this server's loopback address are refused too (DNS rebinding).
* Files are served only from the output folder: paths are resolved (symlinks followed) and must stay inside it; hidden
  files are never served. The page's own HTML/JS/CSS come from the package's ``static/`` folder, by fixed name.
* Every change is validated by :mod:`vigclips.review.decisions` and written atomically under a lock with a revision check:
  a stale page gets HTTP 409 with a message, never a silent overwrite.

Standard library only (``http.server``), so nothing extra is installed and nothing reaches the network.
"""

from __future__ import annotations

import hmac
import json
import logging
import mimetypes
import re
import secrets
import threading
import urllib.parse
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vigclips.config import ExportConfig
from vigclips.errors import BadInputError, VigclipsError
from vigclips.review.decisions import (
    PRINCIPLE_TITLES,
    PRINCIPLES,
    DecisionError,
    DecisionStore,
    StaleRevisionError,
    added_min_s,
)
from vigclips.report.timeline import AXES_X_FRAC
from vigclips.review.previews import PREVIEWS_DIR, RECORDING_KEY, RECORDING_PREVIEW, preview_path
from vigclips.review.store import read_moments

log = logging.getLogger("vigclips")

HOST = "127.0.0.1"
TOKEN_COOKIE = "vigclips_token"
TOKEN_HEADER = "X-Vigclips-Token"
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
MAX_BODY_BYTES = 64 * 1024
"""A decision is a few hundred bytes; anything much larger is refused before it is read."""
READ_CHUNK_BYTES = 256 * 1024

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
                               "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the first address carries the token
    "Cache-Control": "no-store",  # decisions must never come from a cache after a reload
    "X-Frame-Options": "DENY",
}  # fmt: skip
FACES_SOURCE = "signals.csv"
"""Where the face positions for the page's baby/parent rings come from (the analysis's per-tick signals)."""
EXPIRED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Review page closed · vigclips</title></head>
<body style="font: 18px/1.5 system-ui, sans-serif; max-width: 38rem; margin: 3rem auto; padding: 0 1rem; color: #2b2b2b">
<h1 style="font-size: 1.4rem">This review page is closed</h1>
<p>This address no longer opens the review page: the review program was stopped or started again, and each start makes a
new secret address (so nobody else can open it).</p>
<p><b>Your decisions are safe</b>: every change was saved in moments.json as you made it.</p>
<p>To go on, run <code>vigclips review</code> with the recording's results folder again, and open the address it prints.</p>
</body></html>
"""
"""The page sent, instead of JSON, when a person opens the review address without the current secret."""
_MOMENT_PATH = re.compile(r"^/api/moments/([A-Za-z0-9_-]{1,64})$")


def listen_loopback(port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A threading HTTP server on the loopback interface (port 0: a free one).

    Raises:
        BadInputError: the port cannot be used (in use, not allowed).
    """
    try:
        httpd = ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise BadInputError(f"{HOST}:{port}", f"cannot serve the review page there ({exc.strerror or exc}); "
                                              "choose another --port or leave it out") from None
    httpd.daemon_threads = True
    return httpd


class ReviewServer:
    """Serve the review page for one output folder.

    Args:
        folder: ``OUT/<stem>`` written by ``analyze`` (holds ``moments.json``).
        port: 0 for a random free port.
        token: the secret (a fresh one if omitted).
        export_cfg: encoding settings used by the page's "Export confirmed clips" button.

    Example:
        >>> server = ReviewServer(Path("out/demo_play"))  # doctest: +SKIP
        >>> server.start(); print(server.url); server.stop()  # doctest: +SKIP
    """

    def __init__(self, folder: Path, port: int = 0, token: str | None = None, export_cfg: ExportConfig | None = None,
                 *, listen: bool = True) -> None:  # fmt: skip
        self.folder = Path(folder).resolve()
        read_moments(self.folder)  # fail now, with the reason, rather than on the first page load
        self.token = token or secrets.token_urlsafe(32)
        self.store = DecisionStore(self.folder)
        self.export_cfg = export_cfg or ExportConfig()
        self.export_lock = threading.Lock()
        if not listen:  # one recording inside a batch's page (vigclips.review.batch_page): that server listens
            self.port, self.httpd, self._thread = port, None, None
            return
        self.httpd = listen_loopback(port, type("BoundReviewHandler", (_Handler,), {"app": self}))
        self.port = int(self.httpd.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address to open, token included."""
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def serve_forever(self) -> None:
        """Serve until :meth:`stop` (or Ctrl-C in the caller)."""
        self.httpd.serve_forever(poll_interval=0.1)

    def start(self) -> "ReviewServer":
        """Serve on a background thread (tests, embedding)."""
        self._thread = threading.Thread(target=self.serve_forever, name="vigclips-review", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def page_state(self) -> dict[str, Any]:
        """What the page shows: the document plus where its previews, stills and timeline are."""
        document = self.store.read()
        moments = []
        for moment in document["moments"]:
            entry = dict(moment)
            preview = preview_path(moment["id"])
            entry["preview_url"] = self.file_url(preview) if (self.folder / preview).is_file() else None
            still = moment.get("still")
            entry["still_url"] = self.file_url(still) if still and self.resolve_file(still) else None
            moments.append(entry)
        recording = f"{PREVIEWS_DIR}/{RECORDING_PREVIEW}"
        duration_s = float(document["source"].get("duration_s") or 0.0)
        return {
            "document": {**document, "moments": moments},
            "recording_url": self.file_url(recording) if (self.folder / recording).is_file() else None,
            "timeline_url": self.file_url("timeline.png") if (self.folder / "timeline.png").is_file() else None,
            "principles": [{"key": p, "title": PRINCIPLE_TITLES[p]} for p in PRINCIPLES],
            "folder_name": self.folder.name,
            "preview_key": RECORDING_KEY,
            "min_moment_s": added_min_s(document),
            # Where the timeline picture's time axis lies, so the page can jump on a click and draw the decisions on it.
            "timeline_axes": {"left": AXES_X_FRAC[0], "right": AXES_X_FRAC[1], "end_s": duration_s} if duration_s else None,
            "faces_url": f"{self.base_path}/api/faces" if (self.folder / FACES_SOURCE).is_file() else None,
        }

    def face_track(self) -> dict[str, Any]:
        """Where the baby's and the parent's faces were seen, tick by tick (normalised 0–1 ``[x, y]`` or ``None``), for the
        rings the page draws over the video: ``{"t0_s", "step_s", "infant": [...], "adult": [...]}``."""
        import numpy as np

        from vigclips.review.annotate import read_cues

        track = read_cues(self.folder / FACES_SOURCE)
        t = track.t_s
        step_s = float(np.median(np.diff(t))) if len(t) > 1 else 0.1
        out: dict[str, Any] = {"t0_s": float(t[0]) if len(t) else 0.0, "step_s": step_s}
        for role in ("infant", "adult"):
            x = track.channels.get(f"{role}_face_x")
            y = track.channels.get(f"{role}_face_y")
            if x is None or y is None:
                out[role] = []
                continue
            out[role] = [[round(float(a), 3), round(float(b), 3)] if np.isfinite(a) and np.isfinite(b) else None
                         for a, b in zip(x, y)]  # fmt: skip
        return out

    base_path = ""
    """Where this recording's page lives on the server: "" alone, ``/r/<name>`` inside a batch's page."""

    def file_url(self, rel: str) -> str:
        return f"{self.base_path}/files/" + urllib.parse.quote(rel)

    def resolve_file(self, rel: str) -> Path | None:
        """The file under the output folder that ``rel`` names, or ``None`` if it is outside it, hidden, or missing."""
        if not rel or "\x00" in rel or rel.startswith("/"):
            return None
        parts = Path(rel).parts
        if any(part in ("..", ".") or part.startswith(".") for part in parts):
            return None
        candidate = self.folder.joinpath(*parts)
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        # resolve() follows every symlink: a link pointing outside the folder ends up outside and is refused.
        if not resolved.is_relative_to(self.folder) or not resolved.is_file():
            return None
        return resolved

    def run_export(self, annotate: bool) -> dict[str, Any]:
        """The page's "Export confirmed clips": cut the confirmed moments (with stills and the contact sheet)."""
        from vigclips.export import ANNOTATED_DIR, CLIPS_DIR, export_clips

        if not self.export_lock.acquire(blocking=False):
            raise DecisionError("an export is already running; wait for it to finish")
        try:
            clips = export_clips(self.folder, self.export_cfg, annotate=annotate, stills=True, contact_sheet=True)
        finally:
            self.export_lock.release()
        clips_dir = self.folder / CLIPS_DIR
        files = sorted(p.relative_to(self.folder).as_posix() for p in clips_dir.rglob("*")
                       if p.is_file() and not p.name.startswith("."))  # fmt: skip
        teaching = [f"{CLIPS_DIR}/{ANNOTATED_DIR}/{c.name}" for c in clips if (clips_dir / ANNOTATED_DIR / c.name).is_file()]
        sheets = [f for f in files if f.startswith(f"{CLIPS_DIR}/contact_sheet")]
        # What the page lists, each a link: the clips, their teaching versions (when made this time), the parent's sheet.
        links = [{"url": self.file_url(f"{CLIPS_DIR}/{c.name}"), "label": c.name} for c in clips]
        links += [{"url": self.file_url(f), "label": f"{Path(f).name} (teaching version)"} for f in teaching if annotate]
        links += [{"url": self.file_url(f), "label": f"{Path(f).name} (sheet for the parent)"} for f in sheets]
        return {"clips": [c.name for c in clips], "teaching": teaching if annotate else [], "folder": str(clips_dir),
                "files": files, "links": links}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    """One request. ``app`` is set on a per-server subclass."""

    app: ReviewServer
    server_version = "vigclips-review"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    # -- plumbing ---------------------------------------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("review %s - %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in {**_SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message, "status": status})

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        allowed = {f"{HOST}:{self.app.port}", f"localhost:{self.app.port}"}
        if self.app.port == 80:  # browsers leave the default port out of Host
            allowed |= {HOST, "localhost"}
        return host in allowed

    def _presented_token(self, allow_query: bool, allow_cookie: bool) -> str | None:
        header = self.headers.get(TOKEN_HEADER)
        if header:
            return header
        if allow_query:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            if query.get("token"):
                return query["token"][0]
        if allow_cookie and self.headers.get("Cookie"):
            cookie = SimpleCookie()
            try:
                cookie.load(self.headers["Cookie"])
            except Exception:  # a malformed cookie header is simply no token
                return None
            if TOKEN_COOKIE in cookie:
                return cookie[TOKEN_COOKIE].value
        return None

    def _authorised(self, *, allow_query: bool, allow_cookie: bool, page: bool = False) -> bool:
        token = self._presented_token(allow_query, allow_cookie)
        ok = self._host_ok() and token is not None and hmac.compare_digest(token.encode(), self.app.token.encode())
        if not ok:
            # Drain a small body so the connection stays sane, then refuse without saying which check failed.
            self.close_connection = True
            if page:  # a person opened an old or incomplete address: a page they can read, not JSON (#15)
                self._send(HTTPStatus.FORBIDDEN, EXPIRED_PAGE.encode("utf-8"), "text/html; charset=utf-8")
            else:
                self._error(HTTPStatus.FORBIDDEN, "this address needs the secret link printed by `vigclips review`")
        return ok

    def _read_json(self) -> dict[str, Any] | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
            return None
        raw = self.rfile.read(length) if length else b""
        try:
            payload = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._error(HTTPStatus.BAD_REQUEST, "request body must be JSON")
            return None
        if not isinstance(payload, dict):
            self._error(HTTPStatus.BAD_REQUEST, "request body must be a JSON object")
            return None
        return payload

    # -- GET ----------------------------------------------------------------------------------------------------------------

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        if path in ("/", "/index.html"):
            if not self._authorised(allow_query=True, allow_cookie=True, page=True):
                return
            # The page carries the token for its own requests; only a request that already had it ever sees it.
            body = (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("{{TOKEN}}", self.app.token).encode("utf-8")
            cookie = f"{TOKEN_COOKIE}={self.app.token}; Path=/; HttpOnly; SameSite=Strict"
            self._send(HTTPStatus.OK, body, "text/html; charset=utf-8", {"Set-Cookie": cookie})
            return
        if not self._authorised(allow_query=False, allow_cookie=True):
            return
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name not in STATIC_FILES:
                self._error(HTTPStatus.NOT_FOUND, "not found")
                return
            self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), STATIC_FILES[name])
        elif path == "/api/moments":
            self._api(lambda: (HTTPStatus.OK, self.app.page_state()))
        elif path == "/api/faces":
            self._api(lambda: (HTTPStatus.OK, self.app.face_track()))
        elif path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        elif path.startswith("/files/"):
            self._serve_file(urllib.parse.unquote(path[len("/files/"):]))
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")

    def _serve_file(self, rel: str) -> None:
        target = self.app.resolve_file(rel)
        if target is None:
            self._error(HTTPStatus.NOT_FOUND, "no such file in this recording's folder")
            return
        size = target.stat().st_size
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        start, end = 0, size - 1
        status = HTTPStatus.OK
        range_header = self.headers.get("Range")
        if range_header:  # browsers seek in <video> with byte ranges; without them scrubbing and frame stepping break
            parsed = _parse_range(range_header, size)
            if parsed is None:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start, end = parsed
            status = HTTPStatus.PARTIAL_CONTENT
        length = max(0, end - start + 1)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        for key, value in _SECURITY_HEADERS.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        with open(target, "rb") as fh:
            fh.seek(start)
            remaining = length
            try:
                while remaining > 0:
                    chunk = fh.read(min(READ_CHUNK_BYTES, remaining))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    remaining -= len(chunk)
            except (BrokenPipeError, ConnectionResetError):  # the browser cancelled a range it no longer needs
                self.close_connection = True

    # -- POST ---------------------------------------------------------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802
        # Changes need the header: a form or script on another site cannot send it (no CORS is ever granted).
        if not self._authorised(allow_query=False, allow_cookie=False):
            return
        payload = self._read_json()
        if payload is None:
            return
        path = urllib.parse.urlsplit(self.path).path
        store = self.app.store
        match = _MOMENT_PATH.match(path)
        if match:
            changes = {k: v for k, v in payload.items() if k != "revision"}
            self._api(lambda: (HTTPStatus.OK, self._state_after(store.decide(payload.get("revision"), match.group(1), changes))))
        elif path == "/api/moments":
            fields = {k: v for k, v in payload.items() if k not in ("revision", "start_s", "end_s")}
            unknown = sorted(set(fields) - {"status", "tags", "note"})
            if unknown:
                self._error(HTTPStatus.BAD_REQUEST, f"cannot set {', '.join(unknown)} on a new moment")
                return

            def add() -> tuple[int, Any]:
                document, moment_id = store.add(payload.get("revision"), payload.get("start_s"), payload.get("end_s"), **fields)
                return HTTPStatus.CREATED, {**self._state_after(document), "added_id": moment_id}

            self._api(add)
        elif path == "/api/roles":
            self._api(lambda: (HTTPStatus.OK,
                               self._state_after(store.swap_roles(payload.get("revision"), payload.get("swapped")))))
        elif path == "/api/export":
            annotate = payload.get("annotate", False)
            if not isinstance(annotate, bool):
                self._error(HTTPStatus.BAD_REQUEST, "annotate must be true or false")
                return
            self._api(lambda: (HTTPStatus.OK, self.app.run_export(annotate)))
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")

    def _state_after(self, _document: dict[str, Any]) -> dict[str, Any]:
        return self.app.page_state()

    def _api(self, action) -> None:
        try:
            status, payload = action()
        except StaleRevisionError as exc:
            self._json(HTTPStatus.CONFLICT, {"error": str(exc), "status": 409, "current_revision": exc.current})
            return
        except DecisionError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        except VigclipsError as exc:  # e.g. the recording moved (export), or moments.json was damaged by hand
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
            return
        except Exception as exc:  # never a traceback to the page; the log has it
            log.exception("review page request failed")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {exc.__class__.__name__}")
            return
        self._json(status, payload)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` (one range) to inclusive (start, end); ``None`` if unsatisfiable."""
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        n = int(last)
        if n == 0:
            return None
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def prepare_review(
    folder: Path, *, port: int = 0, source: Path | None = None, export_cfg: ExportConfig | None = None, listen: bool = True
) -> ReviewServer:
    """Make the previews the folder lacks (folders analysed before previews existed) and return a server, not yet serving.

    If the recording cannot be found, the page still opens with the stills (a warning is logged); export will then ask for it.

    Raises:
        ReviewFileError: ``moments.json`` is missing or invalid.
    """
    from vigclips.export import locate_source
    from vigclips.review.previews import ensure_previews

    folder = Path(folder)
    document = read_moments(folder)
    try:
        src = locate_source(document, folder, source)
    except VigclipsError as exc:
        log.warning("previews not made: %s", exc)
    else:
        try:
            ensure_previews(folder, document, src)
        except VigclipsError as exc:
            log.warning("previews not made: %s", exc)
    return ReviewServer(folder, port=port, export_cfg=export_cfg, listen=listen)
