"""One review page for a batch (#13): ``vigclips review OUT`` on a batch's output folder.

The first page lists every recording of the batch, with its status (how many moments are kept, not used or still to review;
or why the analysis failed) and its top still; each opens that recording's own review page at ``/r/<name>/``, served by
the same server with the same rules as a single recording's (:mod:`vigclips.review.server`): loopback only, one secret
for every page (from the address's fragment or a one-time launch address, kept in the tab's sessionStorage, sent as a
header), pictures by each recording's read-only file key. Recordings are found as the subfolders holding a ``moments.json``; failed ones
come from the batch's ``summary.csv``.
"""

from __future__ import annotations

import csv
import re
import secrets
import threading
import urllib.parse
from http import HTTPStatus
from pathlib import Path
from typing import Any

from vigclips.config import PipelineConfig
from vigclips.errors import ReviewFileError, VigclipsError
from vigclips.results.layout import MOMENTS_FILE, SUMMARY_CSV
from vigclips.results.moments import read_moments
from vigclips.review.local_http import listen_on
from vigclips.review.server import STATIC_DIR, ReviewServer, _Handler, prepare_review
from vigclips.safetext import from_csv_cell

_RECORDING_PATH = re.compile(r"^/r/([^/]{1,255})(/.*)?$")


def is_batch_folder(folder: Path) -> bool:
    """A folder holding no ``moments.json`` itself but recordings' folders (or a batch's ``summary.csv``)."""
    folder = Path(folder)
    if (folder / MOMENTS_FILE).is_file() or not folder.is_dir():
        return False
    return (folder / SUMMARY_CSV).is_file() or any((sub / MOMENTS_FILE).is_file() for sub in _subfolders(folder))


def _subfolders(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name.casefold())


class BatchReviewServer:
    """Serve a batch's recordings: a list page at ``/`` and each recording's review page at ``/r/<name>/``.

    Args:
        folder: the batch's output folder ``OUT``.
        port: 0 for a random free port.
        cfg: the settings each page's export button exports with.
        prepare: make the previews a recording lacks (as ``vigclips review`` does for one recording).

    Raises:
        ReviewFileError: no recording with a ``moments.json`` in ``folder``. BadInputError: the port cannot be used.
    """

    def __init__(self, folder: Path, port: int = 0, cfg: PipelineConfig = PipelineConfig(), prepare: bool = False) -> None:
        self.folder = Path(folder).resolve()
        self.token = secrets.token_urlsafe(32)
        self._launch_codes: dict[str, float] = {}
        self._launch_lock = threading.Lock()
        self.apps: dict[str, ReviewServer] = {}
        self.broken: dict[str, str] = {}
        for sub in _subfolders(self.folder):
            if not (sub / MOMENTS_FILE).is_file():
                continue
            try:
                if prepare:  # previews a folder lacks
                    app = prepare_review(sub, cfg=cfg, listen=False)
                else:
                    app = ReviewServer(sub, cfg=cfg, listen=False)
            except VigclipsError as exc:
                self.broken[sub.name] = str(exc)
                continue
            app.token = self.token  # one secret for the whole batch; each page keeps its own file key
            app.base_path = "/r/" + urllib.parse.quote(sub.name)
            self.apps[sub.name] = app
        if not self.apps and not self.broken:
            raise ReviewFileError(self.folder, "holds no recording's results (run `vigclips batch` or `vigclips analyze` first)")
        handler = type("BoundBatchHandler", (BatchPageHandler,), {"app": self, "batch": self})
        self.httpd = listen_on(port, handler, self.folder)
        self.port = int(self.httpd.server_address[1])
        for app in self.apps.values():
            app.port = self.port  # each page checks the Host header against this server's address
        self._thread: threading.Thread | None = None
        self.file_key = secrets.token_urlsafe(32)  # the list page serves no files of its own

    # Serving and the one-time launch address work as for one recording.
    url = ReviewServer.url
    launch_url = ReviewServer.launch_url
    redeem_launch_code = ReviewServer.redeem_launch_code
    serve_forever = ReviewServer.serve_forever
    start = ReviewServer.start
    stop = ReviewServer.stop

    def rows(self) -> list[dict[str, Any]]:
        """One row per recording, in name order: ``name``, ``url`` (None when it cannot be opened), ``status`` (words),
        ``still_url`` (with that recording's file key), ``counts`` ({confirmed, rejected, candidate})."""
        rows: dict[str, dict[str, Any]] = {}
        for name, app in self.apps.items():
            try:
                document = read_moments(app.folder)
            except ReviewFileError as exc:
                rows[name] = {"name": name, "url": None, "status": f"cannot be opened: {exc}", "still_url": None, "counts": {}}
                continue
            moments = document["moments"]
            counts = {s: sum(m["status"] == s for m in moments) for s in ("confirmed", "rejected", "candidate")}
            top = min(moments, key=lambda m: m["rank"], default=None)
            still = top.get("still") if top else None
            rows[name] = {"name": name, "url": f"{app.base_path}/", "status": _status_words(len(moments), counts),
                          "still_url": app.file_url(still) if still and app.resolve_file(still) else None, "counts": counts}  # fmt: skip
        for name, error in self.broken.items():
            rows[name] = {"name": name, "url": None, "status": f"cannot be opened: {error}", "still_url": None, "counts": {}}
        for record in _failed_in_summary(self.folder):
            name = Path(record.get("folder") or record.get("recording") or "").name or record.get("recording", "?")
            if name not in rows:
                rows[name] = {"name": record.get("recording") or name, "url": None, "still_url": None, "counts": {},
                              "status": "the analysis failed: " + (record.get("error") or "no reason recorded")}  # fmt: skip
        return [rows[k] for k in sorted(rows, key=str.casefold)]

    def page_state(self) -> dict[str, Any]:
        """What the list page shows."""
        return {"folder_name": self.folder.name, "recordings": self.rows()}


def _status_words(n: int, counts: dict[str, int]) -> str:
    if n == 0:
        return "no moments found: open it to add one"
    parts = [f"{n} moment{'s' if n != 1 else ''}"]
    parts += [f"{counts[k]} {w}" for k, w in (("confirmed", "kept"), ("rejected", "not used"), ("candidate", "to review")) if counts[k]]
    return " · ".join(parts)


def _failed_in_summary(folder: Path) -> list[dict[str, str]]:
    try:
        with open(folder / SUMMARY_CSV, newline="", encoding="utf-8") as fh:
            rows = [{k: from_csv_cell(v) if isinstance(v, str) else v for k, v in r.items()} for r in csv.DictReader(fh)]
            return [r for r in rows if r.get("status") == "failed"]
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


_LIST_STATIC = {"batch.js": "text/javascript; charset=utf-8", "batch.css": "text/css; charset=utf-8"}


class BatchPageHandler(_Handler):
    """The list page at ``/`` (its data from ``/api/recordings``); ``/r/<name>/…`` handled as that recording's own page.

    Public: the workspace page (:mod:`vigclips.workspace.server`) is this page with its own routes added."""

    batch: BatchReviewServer

    def _list_page(self, token: str = "") -> None:
        body = (STATIC_DIR / "batch.html").read_text(encoding="utf-8").replace("{{TOKEN}}", token).encode("utf-8")
        self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")

    def _route(self) -> bool:
        """Point this request at a recording's page; True when it was answered here (a redirect, 404)."""
        parsed = urllib.parse.urlsplit(self.path)
        match = _RECORDING_PATH.match(parsed.path)
        app = self.batch.apps.get(urllib.parse.unquote(match.group(1))) if match else None
        if app is None:
            self._error(HTTPStatus.NOT_FOUND, "no such recording in this batch")
            return True
        rest = match.group(2)  # type: ignore[union-attr]
        if rest is None:  # "/r/name" → "/r/name/", so the page's relative addresses resolve inside it
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", {"Location": app.base_path + "/"})
            return True
        self.app = app  # type: ignore[misc] - this request only: its store, its files, its file key
        self.path = rest + (f"?{parsed.query}" if parsed.query else "")
        return False

    def do_GET(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if not self._host_ok():
            self._authorised()  # refuses
            return
        if path in ("/", "/index.html"):
            self._list_page()
            return
        if path.startswith("/launch/"):
            if self.batch.redeem_launch_code(path[len("/launch/"):]):
                self._list_page(self.batch.token)
            else:
                super().do_GET()  # the base page for a spent code
            return
        if path.startswith("/static/") and path[len("/static/"):] in _LIST_STATIC:
            name = path[len("/static/"):]
            self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), _LIST_STATIC[name])
            return
        if path == "/api/recordings":
            if self._authorised():
                self._api(lambda: (HTTPStatus.OK, self.batch.page_state()))
            return
        if path.startswith("/r/"):
            if self._route():
                return
        elif path.startswith(("/api/", "/files/")):  # only inside a recording's page
            if self._authorised():
                self._error(HTTPStatus.NOT_FOUND, "open a recording from the list first")
            return
        super().do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if not self._authorised():
            return
        if not urllib.parse.urlsplit(self.path).path.startswith("/r/"):
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        if self._route():
            return
        super().do_POST()
