"""One review page for a batch (#13): ``vigclips review OUT`` on a batch's output folder.

The first page lists every recording of the batch, with its status (how many moments are kept, not used or still to review;
or why the analysis failed) and its top still; each opens that recording's own review page at ``/r/<name>/``, served by
the same server with the same rules as a single recording's (:mod:`vigclips.review.server`): loopback only, one secret for
every page, changes only with the header. Recordings are found as the subfolders holding a ``moments.json``; failed ones
come from the batch's ``summary.csv``.
"""

from __future__ import annotations

import csv
import html
import re
import secrets
import threading
import urllib.parse
from http import HTTPStatus
from pathlib import Path
from typing import Any

from vigclips.config import ExportConfig
from vigclips.errors import ReviewFileError, VigclipsError
from vigclips.review.server import STATIC_DIR, TOKEN_COOKIE, ReviewServer, _Handler, listen_loopback, prepare_review
from vigclips.review.store import MOMENTS_FILE, read_moments

SUMMARY_CSV = "summary.csv"  # batch.SUMMARY_CSV; not imported so the review page does not load the batch runner
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
        export_cfg: encoding settings for each page's export button.
        prepare: make the previews a recording lacks (as ``vigclips review`` does for one recording).

    Raises:
        ReviewFileError: no recording with a ``moments.json`` in ``folder``. BadInputError: the port cannot be used.
    """

    def __init__(self, folder: Path, port: int = 0, export_cfg: ExportConfig | None = None, prepare: bool = False) -> None:
        self.folder = Path(folder).resolve()
        self.token = secrets.token_urlsafe(32)
        self.apps: dict[str, ReviewServer] = {}
        self.broken: dict[str, str] = {}
        for sub in _subfolders(self.folder):
            if not (sub / MOMENTS_FILE).is_file():
                continue
            try:
                if prepare:  # previews a folder lacks; then the page shares this server's secret
                    app = prepare_review(sub, export_cfg=export_cfg, listen=False)
                    app.token = self.token
                else:
                    app = ReviewServer(sub, token=self.token, export_cfg=export_cfg, listen=False)
            except VigclipsError as exc:
                self.broken[sub.name] = str(exc)
                continue
            app.base_path = "/r/" + urllib.parse.quote(sub.name)
            self.apps[sub.name] = app
        if not self.apps and not self.broken:
            raise ReviewFileError(self.folder, "holds no recording's results (run `vigclips batch` or `vigclips analyze` first)")
        self.httpd = listen_loopback(port, type("BoundBatchHandler", (_BatchHandler,), {"app": self, "batch": self}))
        self.port = int(self.httpd.server_address[1])
        for app in self.apps.values():
            app.port = self.port  # each page checks the Host header against this server's address
        self._thread: threading.Thread | None = None

    # Serving works as for one recording (the same socket, thread and address with its secret).
    url = ReviewServer.url
    serve_forever = ReviewServer.serve_forever
    start = ReviewServer.start
    stop = ReviewServer.stop

    def rows(self) -> list[dict[str, Any]]:
        """One row per recording, in name order: ``name``, ``url`` (None when it cannot be opened), ``status`` (words),
        ``still_url``, ``counts`` ({confirmed, rejected, candidate})."""
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

    def page(self) -> str:
        """The list page (plain HTML, no script: the links carry no secret, the cookie does)."""
        e = html.escape
        items = []
        for row in self.rows():
            still = (f'<img src="{e(row["still_url"])}" alt="">' if row["still_url"] else '<span class="noimg"></span>')
            name = f'<a href="{e(row["url"])}">{e(row["name"])}</a>' if row["url"] else e(row["name"])
            items.append(f'<li class="{"open" if row["url"] else "closed"}">{still}<div><b>{name}</b>'
                         f'<span>{e(row["status"])}</span></div></li>')  # fmt: skip
        n = len(items)
        return _PAGE.format(title=e(self.folder.name), count=f"{n} recording{'s' if n != 1 else ''}", items="\n".join(items))


def _status_words(n: int, counts: dict[str, int]) -> str:
    if n == 0:
        return "no moments found: open it to add one"
    parts = [f"{n} moment{'s' if n != 1 else ''}"]
    parts += [f"{counts[k]} {w}" for k, w in (("confirmed", "kept"), ("rejected", "not used"), ("candidate", "to review")) if counts[k]]
    return " · ".join(parts)


def _failed_in_summary(folder: Path) -> list[dict[str, str]]:
    try:
        with open(folder / SUMMARY_CSV, newline="", encoding="utf-8") as fh:
            return [r for r in csv.DictReader(fh) if r.get("status") == "failed"]
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


class _BatchHandler(_Handler):
    """The list page at ``/``; ``/r/<name>/…`` handled as that recording's own page (its paths, its store)."""

    batch: BatchReviewServer

    def _route(self) -> bool:
        """Point this request at a recording's page; False when it was answered here (the list, a redirect, 404)."""
        parsed = urllib.parse.urlsplit(self.path)
        match = _RECORDING_PATH.match(parsed.path)
        if match is None:
            return False
        app = self.batch.apps.get(urllib.parse.unquote(match.group(1)))
        if app is None:
            if self._authorised(allow_query=False, allow_cookie=True):
                self._error(HTTPStatus.NOT_FOUND, "no such recording in this batch")
            return True
        rest = match.group(2)
        if rest is None:  # "/r/name" → "/r/name/", so the page's relative addresses resolve inside it
            if self._authorised(allow_query=False, allow_cookie=True, page=True):
                self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", {"Location": app.base_path + "/"})
            return True
        self.app = app  # type: ignore[misc] - this request only
        self.path = rest + (f"?{parsed.query}" if parsed.query else "")
        return False

    def do_GET(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/", "/index.html"):
            if not self._authorised(allow_query=True, allow_cookie=True, page=True):
                return
            cookie = f"{TOKEN_COOKIE}={self.batch.token}; Path=/; HttpOnly; SameSite=Strict"
            self._send(HTTPStatus.OK, self.batch.page().encode("utf-8"), "text/html; charset=utf-8", {"Set-Cookie": cookie})
            return
        if path == "/static/batch.css":
            if self._authorised(allow_query=False, allow_cookie=True):
                self._send(HTTPStatus.OK, (STATIC_DIR / "batch.css").read_bytes(), "text/css; charset=utf-8")
            return
        if path.startswith("/r/"):
            if self._route():
                return
        elif path.startswith(("/api/", "/files/")):  # only inside a recording's page
            if self._authorised(allow_query=False, allow_cookie=True):
                self._error(HTTPStatus.NOT_FOUND, "open a recording from the list first")
            return
        super().do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if not urllib.parse.urlsplit(self.path).path.startswith("/r/"):
            if self._authorised(allow_query=False, allow_cookie=False):
                self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        if self._route():
            return
        super().do_POST()


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Recordings to review · vigclips</title>
<link rel="stylesheet" href="/static/batch.css">
</head>
<body>
<header><h1>Recordings to review</h1><p>{title} · {count}. Open one to watch and decide its moments; every change is saved
straight away.</p></header>
<ol id="recordings">
{items}
</ol>
</body></html>
"""
