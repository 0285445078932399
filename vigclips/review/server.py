"""The local review page: a small web app on 127.0.0.1 for one recording's output folder (#6).

Security model (recordings of vulnerable families):

* It listens on the loopback interface only, on a random free port unless one is asked for.
* A secret token (``secrets.token_urlsafe``) guards every piece of data. The page learns it from the address's fragment
  (``/#token=…``, which browsers never send to any server, so it is in no request line or log) or, when ``vigclips review``
  opens the browser, from a one-time launch address (``/launch/<code>``, valid once and for :data:`LAUNCH_TTL_S`): the token
  itself is never on any process's command line. The page keeps it in memory and in ``sessionStorage``, which browsers keep
  per tab and per origin (port included), and sends it as the ``X-Vigclips-Token`` header, which another web site cannot send.
  There is no cookie: cookies are not tied to a port, so any other service on 127.0.0.1 would receive it, and two review pages
  would log each other out (#14). Pictures and videos, which a browser fetches without headers, are addressed with a second,
  read-only secret (``?k=``) that only the API hands out; it opens nothing else (:data:`FILE_KEY_SUFFIXES`), as it ends up
  in browser history.
  Requests whose ``Host`` is not this server's loopback address are refused too (DNS rebinding).
* Files are served only from the output folder: paths are resolved (symlinks followed) and must stay inside it; hidden
  files are never served. The page's own HTML/JS/CSS come from the package's ``static/`` folder, by fixed name.
* Every request gets a status and at most one log line: malformed requests, bodies nested too deep, early disconnects and
  stalled connections (a socket timeout) never print a traceback on the guider's terminal.
* Every change is validated by :mod:`vigclips.results.decisions` and written atomically under a lock with a revision check:
  a stale page gets HTTP 409 with a message, never a silent overwrite.

Standard library only (``http.server``), so nothing extra is installed and nothing reaches the network.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import mimetypes
import os
import re
import secrets
import threading
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import numpy as np

from vigclips.config import PipelineConfig
from vigclips.errors import VigclipsError
from vigclips.export import export_clips
from vigclips.report.timeline import AXES_X_FRAC
from vigclips.results.cues import read_cues
from vigclips.results.decisions import DecisionError, DecisionStore, StaleRevisionError, added_min_s, revision_token
from vigclips.results.folder import locate_source
from vigclips.results.layout import (ANNOTATED_DIR, CLIPS_DIR, CONTACT_SHEET_FILE, SIGNALS_FILE,
                                     TIMELINE_FILE, preview_path, recording_preview_path)
from vigclips.results.moments import PRINCIPLE_TITLES, PRINCIPLES, moments_locked, read_moments
from vigclips.results.previews import RECORDING_KEY, ensure_previews
from vigclips.results.records import MOMENT_ID
from vigclips.export.phrases import available_languages
from vigclips.review.edits import add_with_thumbnail, chosen_still_path, decide_with_thumbnail, remove_with_pictures
from vigclips.review.local_http import HOST, listen_on, one_line, parse_range
from vigclips.review.words import GLOSSARY, PRINCIPLE_HELP, explain

log = logging.getLogger("vigclips")

TOKEN_HEADER = "X-Vigclips-Token"
FILE_KEY_PARAM = "k"
"""Query parameter of file addresses: the read-only secret for pictures and videos (see module docstring)."""
FILE_KEY_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".mp4", ".pdf"})
"""What the file key opens: the pictures, videos and contact sheet the page shows or links. The key sits in addresses, so
it lands in browser history; the data files (``moments.json``, ``signals.csv``, ``analysis.npz``, the ``.eaf``, the
manifest) need the token header (#24)."""
LAUNCH_TTL_S = 120.0
"""A one-time launch address opens the page once, within this many seconds of being made."""
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8",
                "token.js": "text/javascript; charset=utf-8"}
MAX_BODY_BYTES = 64 * 1024
"""A decision is a few hundred bytes; anything much larger is refused before it is read."""
READ_CHUNK_BYTES = 256 * 1024
REQUEST_TIMEOUT_S = 30.0
"""A connection that sends nothing for this long is closed (one thread per connection)."""

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
                               "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the first address carries the token
    "Cache-Control": "no-store",  # decisions must never come from a cache after a reload
    "X-Frame-Options": "DENY",
}  # fmt: skip
_USED_LAUNCH_PAGE = (b"<!doctype html><meta charset=utf-8><title>vigclips review</title><p>This link opens the review page "
                     b"once, and it has been used or is too old. Use the address <code>vigclips review</code> printed in "
                     b"its window.</p>")  # fmt: skip
_SECRETS_IN_PATH = re.compile(r"(/launch/|[?&](?:token|k)=)[^&\s\"]+")
"""Launch codes and keys in a request line, replaced by ``…`` before anything is logged."""
"""Where the face positions for the page's baby/parent rings come from (the analysis's per-tick signals)."""
_MOMENT_PATH = re.compile(rf"^/api/moments/({MOMENT_ID.pattern})(/delete)?$")


class ReviewServer:
    """Serve the review page for one output folder.

    Args:
        folder: ``OUT/<stem>`` written by ``analyze`` (holds ``moments.json``).
        port: 0 for a random free port.
        token: the secret (a fresh one if omitted).
        cfg: the settings the page's "Export confirmed clips" button exports with (encoding, and the ``.eaf``'s cue tiers).

    Example:
        >>> server = ReviewServer(Path("out/demo_play"))  # doctest: +SKIP
        >>> server.start(); print(server.url); server.stop()  # doctest: +SKIP
    """

    def __init__(self, folder: Path, port: int = 0, token: str | None = None, cfg: PipelineConfig = PipelineConfig(),
                 *, listen: bool = True) -> None:  # fmt: skip
        self.folder = Path(folder).resolve()
        read_moments(self.folder)  # fail now, with the reason, rather than on the first page load
        with contextlib.suppress(OSError), moments_locked(self.folder):  # clear a killed writer's temporary files (#14)
            pass  # (a folder on a read-only share can still be looked at)
        self.token = token or secrets.token_urlsafe(32)
        self.file_key = secrets.token_urlsafe(32)
        self._launch_codes: dict[str, float] = {}  # code -> expiry (time.monotonic)
        self._launch_lock = threading.Lock()
        self.store = DecisionStore(self.folder)
        self.cfg = cfg
        self.export_lock = threading.Lock()
        if not listen:  # one recording inside a batch's page (vigclips.review.batch_page): that server listens
            self.port, self.httpd, self._thread = port, None, None
            return
        handler = type("BoundReviewHandler", (_Handler,), {"app": self})
        self.httpd = listen_on(port, handler, self.folder)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address to open, token included (in the fragment, which the browser keeps to itself)."""
        return f"http://{HOST}:{self.port}/#token={self.token}"

    def launch_url(self) -> str:
        """A fresh one-time address that opens the page (for a browser started by this program, whose command line other
        local users can read): once used or after :data:`LAUNCH_TTL_S` it is worthless."""
        code = secrets.token_urlsafe(24)
        with self._launch_lock:
            now = time.monotonic()
            self._launch_codes = {c: t for c, t in self._launch_codes.items() if t > now}
            self._launch_codes[code] = now + LAUNCH_TTL_S
        return f"http://{HOST}:{self.port}/launch/{code}"

    def redeem_launch_code(self, code: str) -> bool:
        """True once for a launch code made by :meth:`launch_url` and still fresh; it is spent either way."""
        with self._launch_lock:
            expiry = self._launch_codes.pop(code, None)
        return expiry is not None and expiry > time.monotonic()

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
            # What each reason's words mean, on hover (issue 25: plain words, each explained).
            entry["reason_help"] = [" ".join(explain(r)) for r in moment.get("reasons") or []]
            details = moment.get("details") or {}
            entry["caveat_help"] = [" ".join(explain(r)) for r in details.get("caveats") or []]
            entry["more_reason_help"] = [" ".join(explain(r)) for r in details.get("more_reasons") or []]
            chosen = chosen_still_path(moment["id"])
            entry["chosen_still_url"] = (self.file_url(chosen) if moment.get("still_t_s") is not None
                                         and self.resolve_file(chosen) else None)  # fmt: skip
            moments.append(entry)
        recording = recording_preview_path()
        duration_s = float(document["source"].get("duration_s") or 0.0)
        return {
            "document": {**document, "moments": moments},
            "revision_token": revision_token(document),  # what the page sends back: this revision of this analysis
            "recording_url": self.file_url(recording) if (self.folder / recording).is_file() else None,
            "timeline_url": self.file_url(TIMELINE_FILE) if (self.folder / TIMELINE_FILE).is_file() else None,
            "principles": [{"key": p, "title": PRINCIPLE_TITLES[p], "help": PRINCIPLE_HELP[p]} for p in PRINCIPLES],
            "folder_name": self.folder.name,
            "preview_key": RECORDING_KEY,
            "min_moment_s": added_min_s(document),
            # Where the timeline picture's time axis lies, so the page can jump on a click and draw the decisions on it.
            "timeline_axes": {"left": AXES_X_FRAC[0], "right": AXES_X_FRAC[1], "end_s": duration_s} if duration_s else None,
            "faces_url": "api/faces" if (self.folder / SIGNALS_FILE).is_file() else None,
            "languages": available_languages(),  # the tables of phrases the parent's sheet can be printed with
            "glossary": GLOSSARY,
        }

    def face_track(self) -> dict[str, Any]:
        """Where the baby's and the parent's faces were seen, tick by tick (normalised 0–1 ``[x, y]`` or ``None``), for the
        rings the page draws over the video: ``{"t0_s", "step_s", "infant": [...], "adult": [...]}``."""
        track = read_cues(self.folder / SIGNALS_FILE)
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
        """Address of a file of the folder for ``<img>``/``<video>``, carrying the read-only file key."""
        return f"{self.base_path}/files/" + urllib.parse.quote(rel) + f"?{FILE_KEY_PARAM}={self.file_key}"

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
        if not self.export_lock.acquire(blocking=False):
            raise DecisionError("an export is already running; wait for it to finish")
        try:
            clips = export_clips(self.folder, self.cfg, annotate=annotate, stills=True, contact_sheet=True)
        finally:
            self.export_lock.release()
        clips_dir = self.folder / CLIPS_DIR
        files = sorted(p.relative_to(self.folder).as_posix() for p in clips_dir.rglob("*")
                       if p.is_file() and not p.name.startswith("."))  # fmt: skip
        teaching = [f"{CLIPS_DIR}/{ANNOTATED_DIR}/{c.name}" for c in clips if (clips_dir / ANNOTATED_DIR / c.name).is_file()]
        sheets = [f for f in files if f.startswith(f"{CLIPS_DIR}/{Path(CONTACT_SHEET_FILE).stem}")]
        # What the page lists, each a link: the parent's sheet first (issue 25: it was scrolled out of view), then the
        # clips and their teaching versions (when made this time).
        links = [{"url": self.file_url(f), "label": f"{Path(f).name} (sheet for the parent)", "kind": "sheet"} for f in sheets]
        links += [{"url": self.file_url(f"{CLIPS_DIR}/{c.name}"), "label": c.name, "kind": "clip"} for c in clips]
        links += [{"url": self.file_url(f), "label": f"{Path(f).name} (teaching version)", "kind": "teaching"}
                  for f in teaching if annotate]  # fmt: skip
        return {"clips": [c.name for c in clips], "teaching": teaching if annotate else [], "folder": str(clips_dir),
                "files": files, "links": links}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    """One request. ``app`` is set on a per-server subclass."""

    app: ReviewServer
    server_version = "vigclips-review"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # a garbled request line still gets a status line, not a bare HTTP/0.9 body
    timeout = REQUEST_TIMEOUT_S  # socket timeout: a stalled or half-sent request cannot hold a thread for ever

    # -- plumbing ---------------------------------------------------------------------------------------------------------

    def handle_one_request(self) -> None:
        """One request, whatever happens: a status for the client where it is still listening, at most one log line, and
        never a traceback on the guider's terminal (#14)."""
        self._responded = False
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):  # the browser went away (cancelled a range, closed the tab) or stalled
            self.close_connection = True
        except Exception as exc:
            self.close_connection = True
            log.warning("review page: %s %s failed (%s)", self.command or "request", _redacted(self.path if hasattr(self, "path")
                                                                                                 else ""), one_line(exc))  # fmt: skip
            if not self._responded:
                with contextlib.suppress(Exception):
                    self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {exc.__class__.__name__}")

    def send_response(self, code: int, message: str | None = None) -> None:  # noqa: D102 - records that an answer began
        self._responded = True
        super().send_response(code, message)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - malformed requests, timeouts: one line
        log.info("review %s - %s", self.address_string(), _redacted(format % args))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("review %s - %s", self.address_string(), _redacted(format % args))

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
        try:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # an unpaired surrogate a request sent, named in the answer: as \ud800, still JSON
            body = json.dumps(payload).encode("ascii")
        self._send(status, body, "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message, "status": status})

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        allowed = {f"{HOST}:{self.app.port}", f"localhost:{self.app.port}"}
        if self.app.port == 80:  # browsers leave the default port out of Host
            allowed |= {HOST, "localhost"}
        return host in allowed

    def _token_ok(self, presented: str | None, secret: str) -> bool:
        return presented is not None and hmac.compare_digest(presented.encode(), secret.encode())

    def _authorised(self, *, allow_file_key: bool = False) -> bool:
        """The token header (or, for files, the read-only file key) and a loopback ``Host``; else 403."""
        ok = self._host_ok() and self._token_ok(self.headers.get(TOKEN_HEADER), self.app.token)
        if not ok and allow_file_key and self._host_ok():
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            ok = self._token_ok((query.get(FILE_KEY_PARAM) or [None])[0], self.app.file_key)
        if not ok:
            # Refuse without saying which check failed, and close: the request's body is not read.
            self.close_connection = True
            self._error(HTTPStatus.FORBIDDEN, "this address needs the secret link printed by `vigclips review`")
        return ok

    def _page(self, token: str = "") -> None:
        """The page itself: static, no data in it. A launch address embeds the token; otherwise the page takes it from the
        address's fragment or from its tab's sessionStorage."""
        body = (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("{{TOKEN}}", token).encode("utf-8")
        self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")

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
        except RecursionError:  # e.g. 60 KB of "[[[[": no decision is nested at all
            self._error(HTTPStatus.BAD_REQUEST, "request body is nested too deeply")
            return None
        except ValueError:  # not UTF-8, not JSON, or a number of thousands of digits (Python refuses to read it)
            self._error(HTTPStatus.BAD_REQUEST, "request body must be JSON, its numbers of an ordinary size")
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
        if not self._host_ok():
            self._authorised()  # refuses
            return
        if path in ("/", "/index.html"):
            self._page()
            return
        if path.startswith("/launch/"):
            if self.app.redeem_launch_code(path[len("/launch/"):]):
                self._page(self.app.token)
            else:
                self.close_connection = True
                self._send(HTTPStatus.FORBIDDEN, _USED_LAUNCH_PAGE, "text/html; charset=utf-8")
            return
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name not in STATIC_FILES:
                self._error(HTTPStatus.NOT_FOUND, "not found")
                return
            self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), STATIC_FILES[name])
            return
        if path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
            return
        if path.startswith("/files/"):
            if self._authorised(allow_file_key=True):
                self._serve_file(urllib.parse.unquote(path[len("/files/"):]))
            return
        if not self._authorised():
            return
        if path == "/api/moments":
            self._api(lambda: (HTTPStatus.OK, self.app.page_state()))
        elif path == "/api/faces":
            self._api(lambda: (HTTPStatus.OK, self.app.face_track()))
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")

    def _serve_file(self, rel: str) -> None:
        target = self.app.resolve_file(rel)
        if target is None:
            self._error(HTTPStatus.NOT_FOUND, "no such file in this recording's folder")
            return
        # The file key (in addresses, so in browser history) opens pictures and videos only; the suffix checked is the
        # resolved file's, so a link named like a picture does not open the data behind it.
        if target.suffix.lower() not in FILE_KEY_SUFFIXES and not self._token_ok(self.headers.get(TOKEN_HEADER), self.app.token):
            self.close_connection = True
            self._error(HTTPStatus.FORBIDDEN, "this file is opened by the page itself, not by its address")
            return
        size = target.stat().st_size
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        start, end = 0, size - 1
        status = HTTPStatus.OK
        range_header = self.headers.get("Range")
        if range_header:  # browsers seek in <video> with byte ranges; without them scrubbing and frame stepping break
            parsed = parse_range(range_header, size)
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
        if not self._authorised():
            return
        payload = self._read_json()
        if payload is None:
            return
        path = urllib.parse.urlsplit(self.path).path
        store = self.app.store
        match = _MOMENT_PATH.match(path)
        if match and match.group(2):  # only a moment the guider added can be deleted (decisions.remove_moment)
            self._api(lambda: (HTTPStatus.OK, self._state_after(remove_with_pictures(store, payload.get("revision"),
                                                                                     match.group(1)))))  # fmt: skip
        elif match:
            changes = {k: v for k, v in payload.items() if k != "revision"}
            self._api(lambda: (HTTPStatus.OK, self._state_after(decide_with_thumbnail(store, payload.get("revision"),
                                                                                      match.group(1), changes))))  # fmt: skip
        elif path == "/api/moments":
            fields = {k: v for k, v in payload.items() if k not in ("revision", "start_s", "end_s")}
            unknown = sorted(set(fields) - {"status", "tags", "note"})
            if unknown:
                self._error(HTTPStatus.BAD_REQUEST, f"cannot set {', '.join(unknown)} on a new moment")
                return

            def add() -> tuple[int, Any]:
                document, moment_id = add_with_thumbnail(store, payload.get("revision"), payload.get("start_s"),
                                                         payload.get("end_s"), **fields)  # fmt: skip
                return HTTPStatus.CREATED, {**self._state_after(document), "added_id": moment_id}

            self._api(add)
        elif path == "/api/roles":
            self._api(lambda: (HTTPStatus.OK,
                               self._state_after(store.swap_roles(payload.get("revision"), payload.get("swapped")))))
        elif path == "/api/sheet":
            self._api(lambda: (HTTPStatus.OK, self._state_after(store.sheet_options(payload.get("revision"), payload.get("title"),
                                                                                    payload.get("language")))))  # fmt: skip
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
        except Exception as exc:  # never a traceback, to the page or the terminal (VIGCLIPS_DEBUG=1 shows it)
            log.warning("review page request failed: %s", one_line(exc), exc_info=os.environ.get("VIGCLIPS_DEBUG") == "1")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {exc.__class__.__name__}")
            return
        self._json(status, payload)


def _redacted(text: str) -> str:
    return _SECRETS_IN_PATH.sub(r"\1…", text)


def prepare_review(
    folder: Path, *, port: int = 0, source: Path | None = None, cfg: PipelineConfig = PipelineConfig(), listen: bool = True
) -> ReviewServer:
    """Make the previews the folder lacks (folders analysed before previews existed) and return a server, not yet serving.

    If the recording cannot be found, the page still opens with the stills (a warning is logged); export will then ask for it.

    Raises:
        ReviewFileError: ``moments.json`` is missing or invalid.
    """
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
    return ReviewServer(folder, port=port, cfg=cfg, listen=listen)
