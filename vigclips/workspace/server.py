"""The workspace page (#25): one page where a guider adds recordings, follows their analyses, opens each one's review,
exports and opens the clips folder, without a command line. ``vigclips open`` (or ``vigclips`` alone) starts it.

Same rules as the review pages (:mod:`vigclips.review.server`, whose handler this one extends, as a batch's list page does):
loopback only, one secret from the address's fragment or a one-time launch address, sent as a header; the same CSP; each
recording's review page at ``/r/<id>/`` with its own read-only file key. Files are chosen through the server
(:mod:`~vigclips.workspace.chooser`), inside the user's home or the folders given. The analyses run in the program, not in
the page (:mod:`~vigclips.workspace.runner`): a reload or a closed browser stops nothing; the Stop button stops it all.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable

from vigclips.config import PipelineConfig
from vigclips.errors import BadInputError, VigclipsError
from vigclips.fileio import atomic_write_text
from vigclips.results.layout import CLIPS_DIR, MOMENTS_FILE
from vigclips.results.moments import read_moments
from vigclips.review.batch_page import BatchPageHandler
from vigclips.review.local_http import listen_on
from vigclips.review.server import ReviewServer, prepare_review
from vigclips.timefmt import rough_duration
from vigclips.workspace.chooser import Chooser, default_roots
from vigclips.workspace.runner import Analyses
from vigclips.workspace.state import ANALYSING, DONE, FAILED, WAITING, Entry, Workspace, public

log = logging.getLogger("vigclips")

STATIC_DIR = Path(__file__).resolve().parent / "static"
_STATIC = {"workspace.js": "text/javascript; charset=utf-8", "workspace.css": "text/css; charset=utf-8"}
MAX_ADD = 200
"""Recordings added by one request."""
ADDRESS_FILE = ".workspace-address"
"""In the (owner-only) workspace folder while the program runs: its port and secret, so starting it a second time (a
launcher double-clicked again) opens the running one's page instead (:func:`reopen_running`)."""


def open_in_file_manager(folder: Path) -> bool:
    """Show ``folder`` in the platform's file manager; False where there is none to start (the page then shows the path)."""
    if sys.platform == "win32":
        os.startfile(folder)  # type: ignore[attr-defined]  # noqa: S606 - a folder of ours, never a command
        return True
    command = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(command) is None:
        return False
    subprocess.Popen([command, str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)  # fmt: skip
    return True


class WorkspaceServer:
    """Serve the workspace page and, under ``/r/<id>/``, each analysed recording's review page.

    Args:
        workspace: the workspace (its folder is locked by the caller, see :meth:`Workspace.exclusive`).
        roots: the folders the file chooser may show (default: the user's home and where drives appear,
            :func:`~vigclips.workspace.chooser.default_roots`).
        port: 0 for the port this workspace had last time when it is free, else any free one.
        cfg: the settings analyses and exports run with.
        slots: analyses at once (default one per core).
        opener: shows a folder to the guider (default :func:`open_in_file_manager`).
    """

    def __init__(self, workspace: Workspace, roots: list[Path] | None = None, port: int = 0,
                 cfg: PipelineConfig = PipelineConfig(), slots: int | None = None,
                 opener: Callable[[Path], bool] = open_in_file_manager) -> None:  # fmt: skip
        self.ws = workspace
        self.folder = workspace.folder
        self.chooser = Chooser.over(roots or default_roots())
        self.cfg = cfg
        self.opener = opener
        self.token = secrets.token_urlsafe(32)
        self.file_key = secrets.token_urlsafe(32)  # the workspace page serves no files of its own
        self._launch_codes: dict[str, float] = {}
        self._launch_lock = threading.Lock()
        self.apps: dict[str, ReviewServer] = {}
        self.review_errors: dict[str, str] = {}
        self.exports: dict[str, dict[str, Any]] = {}
        self.stopped = threading.Event()
        handler = type("BoundWorkspaceHandler", (_WorkspaceHandler,), {"app": self, "batch": self, "workspace": self})
        self.httpd = listen_on(port, handler, self.folder)
        self.port = int(self.httpd.server_address[1])
        self._thread: threading.Thread | None = None
        self.analyses = Analyses(workspace, cfg, slots, on_done=self._open_review)
        for entry in workspace.ordered():
            if entry.status == DONE:
                threading.Thread(target=self._open_review, args=(entry,), daemon=True).start()

    url = ReviewServer.url
    launch_url = ReviewServer.launch_url
    redeem_launch_code = ReviewServer.redeem_launch_code

    def serve_forever(self) -> None:
        """Run the analyses and serve until :meth:`stop` (the page's Stop button) or Ctrl-C in the caller."""
        atomic_write_text(self.folder / ADDRESS_FILE, json.dumps({"port": self.port, "token": self.token}))
        self.analyses.start()
        try:
            self.httpd.serve_forever(poll_interval=0.1)
        finally:  # stopped by the page, or Ctrl-C: the analyses stop too (each waits for the next start)
            self.analyses.stop()
            with contextlib.suppress(OSError):
                (self.folder / ADDRESS_FILE).unlink()

    start = ReviewServer.start

    def stop(self) -> None:
        """Stop the analyses (each waits for the next start) and the server."""
        self.stopped.set()
        self.analyses.stop()
        ReviewServer.stop(self)  # type: ignore[arg-type]

    # -- what the page asks -----------------------------------------------------------------------------------------------

    def add(self, paths: list[Any]) -> dict[str, Any]:
        """Add chosen files; each one refused is one line (``{"path", "error"}``), the others are added."""
        if not isinstance(paths, list) or not paths or len(paths) > MAX_ADD:
            raise BadInputError("paths", f"choose between 1 and {MAX_ADD} files")
        added, refused = [], []
        for path in paths:
            try:
                if not isinstance(path, str):
                    raise BadInputError(repr(path)[:80], "not a file name")
                resolved = self.chooser.contained(path)
                if not resolved.is_file():
                    raise BadInputError(path, "is not a file")
                added.append(self.ws.add(Path(path)).id)
            except VigclipsError as exc:
                refused.append({"path": str(path), "error": str(exc)})
        self.analyses.wake()
        return {"added": added, "refused": refused}

    def remove(self, entry_id: str, delete_results: bool) -> dict[str, Any]:
        """Take a recording off the list, with its results if asked (never while it is being exported)."""
        app = self.apps.get(entry_id)
        if app is not None and not app.export_lock.acquire(blocking=False):
            raise BadInputError(app.folder.name, "is being exported; wait for it to finish")
        try:
            self.ws.remove(entry_id, delete_results=delete_results)
            self.apps.pop(entry_id, None)
            self.exports.pop(entry_id, None)
        finally:
            if app is not None:
                app.export_lock.release()
        return {"removed": entry_id, "deleted": delete_results}

    def export(self, entry_id: str, annotate: bool) -> dict[str, Any]:
        """Cut the recording's kept moments (with stills and the parent's sheet), as its review page's Export does."""
        app = self._app(entry_id)
        kept = sum(m.get("status") == "confirmed" for m in read_moments(app.folder)["moments"])
        if not kept:
            raise BadInputError(self.ws.get(entry_id).name, "has no kept moments yet: open its review and press "
                                                            "Keep this moment on the ones you want")  # fmt: skip
        result = app.run_export(annotate)
        self.exports[entry_id] = result
        return result

    def open_folder(self, entry_id: str) -> dict[str, Any]:
        """Show the recording's clips folder (its results folder before any export) in the file manager."""
        app = self._app(entry_id)
        folder = app.folder / CLIPS_DIR if (app.folder / CLIPS_DIR).is_dir() else app.folder
        try:
            opened = bool(self.opener(folder))
        except OSError as exc:
            log.info("could not open %s (%s)", folder, exc)
            opened = False
        return {"folder": str(folder), "opened": opened}

    def shutdown_soon(self) -> None:
        """The page's Stop: answer first, then stop."""
        threading.Thread(target=self.stop, name="vigclips-workspace-stop", daemon=True).start()

    def page_state(self) -> dict[str, Any]:
        """What the workspace page shows: every recording with its state, progress and what can be done with it."""
        rows = []
        for entry in self.ws.ordered():
            row = public(entry)
            row["progress"] = self.analyses.progress(entry.id) if entry.status == ANALYSING else None
            row["status_words"] = self._status_words(entry, row["progress"])
            app = self.apps.get(entry.id)
            row["review_url"] = f"{app.base_path}/" if app is not None else None
            row["export"] = self.exports.get(entry.id)
            row["kept"], row["still_url"] = self._kept_and_still(app)
            rows.append(row)
        return {"folder": str(self.folder), "recordings": rows, "slots": self.analyses.slots,
                "chooser_start": str(self.chooser.roots[0])}  # fmt: skip

    def _status_words(self, entry: Entry, progress: dict[str, Any] | None) -> str:
        if entry.status == WAITING:
            return "waiting for its turn"
        if entry.status == ANALYSING:
            if not progress or not progress["fraction"]:
                return "starting the analysis…"
            left = progress["time_left_s"]
            when = ("working out the time left" if left is None else "almost done" if left < 5
                    else f"about {rough_duration(left)} left")  # fmt: skip
            return f"analysing: {progress['fraction']:.0%}, {when}"
        if entry.status == FAILED:
            return entry.error
        if entry.id in self.review_errors:
            return "analysed, but its review cannot be opened: " + self.review_errors[entry.id]
        if entry.id not in self.apps:
            return "analysed; preparing its review…"
        try:
            moments = read_moments(self.apps[entry.id].folder)["moments"]
        except VigclipsError as exc:
            return f"cannot be opened: {exc}"
        kept = sum(m["status"] == "confirmed" for m in moments)
        to_review = sum(m["status"] == "candidate" for m in moments)
        if not moments:
            return "no moments found: open its review to add one"
        words = [f"{len(moments)} moment{'s' if len(moments) != 1 else ''} found", f"{kept} kept"]
        if to_review:
            words.append(f"{to_review} to look at")
        return " · ".join(words)

    @staticmethod
    def _kept_and_still(app: ReviewServer | None) -> tuple[int, str | None]:
        """How many moments are kept, and the top moment's still (with the review page's file key)."""
        if app is None:
            return 0, None
        try:
            moments = read_moments(app.folder)["moments"]
        except VigclipsError:
            return 0, None
        top = min(moments, key=lambda m: m["rank"], default=None)
        still = top.get("still") if top else None
        return (sum(m["status"] == "confirmed" for m in moments),
                app.file_url(still) if still and app.resolve_file(still) else None)  # fmt: skip

    def _app(self, entry_id: str) -> ReviewServer:
        entry = self.ws.get(entry_id)
        app = self.apps.get(entry.id)
        if app is None:
            raise BadInputError(entry.name, "is not analysed yet")
        return app

    def _open_review(self, entry: Entry) -> None:
        """Make the recording's review page (and its previews) once its analysis has finished."""
        folder = self.ws.results_folder(entry)
        if not (folder / MOMENTS_FILE).is_file():  # its results were deleted by hand: analysed again
            self.ws.set_status(entry, WAITING)
            self.analyses.wake()
            return
        try:
            app = prepare_review(folder, cfg=self.cfg, listen=False)
        except VigclipsError as exc:
            self.review_errors[entry.id] = str(exc)
            return
        app.token = self.token  # one secret for every page; each keeps its own file key
        app.base_path = "/r/" + urllib.parse.quote(entry.id)
        app.port = self.port  # each page checks the Host header against this server's address
        self.review_errors.pop(entry.id, None)
        self.apps[entry.id] = app


class _WorkspaceHandler(BatchPageHandler):
    """The workspace page at ``/`` and its API; ``/r/<id>/…`` as that recording's review page (the batch page's routing)."""

    workspace: WorkspaceServer

    def _list_page(self, token: str = "") -> None:
        body = (STATIC_DIR / "workspace.html").read_text(encoding="utf-8").replace("{{TOKEN}}", token).encode("utf-8")
        self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")

    def do_GET(self) -> None:  # noqa: N802
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path  # (a foreign Host is refused by _authorised, and for everything else by the base handler)
        if self._host_ok() and path.startswith("/static/") and path[len("/static/"):] in _STATIC:
            name = path[len("/static/"):]
            self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), _STATIC[name])
            return
        if path == "/api/workspace":
            if self._authorised():
                self._api(lambda: (HTTPStatus.OK, self.workspace.page_state()))
            return
        if path == "/api/browse":
            if self._authorised():
                where = (urllib.parse.parse_qs(parsed.query).get("path") or [None])[0]
                self._api(lambda: (HTTPStatus.OK, self.workspace.chooser.listing(where)))
            return
        super().do_GET()

    def do_POST(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/r/"):
            super().do_POST()
            return
        if not self._authorised():
            return
        payload = self._read_json()
        if payload is None:
            return
        ws = self.workspace
        entry_id = str(payload.get("id") or "")
        actions: dict[str, Callable[[], dict[str, Any]]] = {
            "/api/add": lambda: ws.add(payload.get("paths")),
            "/api/remove": lambda: ws.remove(entry_id, payload.get("delete_results") is True),
            "/api/export": lambda: ws.export(entry_id, payload.get("annotate") is True),
            "/api/open-folder": lambda: ws.open_folder(entry_id),
            "/api/launch": lambda: {"url": ws.launch_url()},
        }
        if path == "/api/stop":
            self._json(HTTPStatus.OK, {"stopped": True})
            with contextlib.suppress(OSError):
                self.wfile.flush()
            ws.shutdown_soon()
        elif path in actions:
            self._api(lambda: (HTTPStatus.OK, actions[path]()))
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")


def reopen_running(folder: Path, timeout_s: float = 5.0) -> str | None:
    """A fresh one-time address of the page of the program that has ``folder``'s workspace open, or None if none answers."""
    try:
        address = json.loads((Path(folder) / ADDRESS_FILE).read_text(encoding="utf-8"))
        request = urllib.request.Request(f"http://127.0.0.1:{int(address['port'])}/api/launch", data=b"{}", method="POST",
                                         headers={"X-Vigclips-Token": str(address["token"]),
                                                  "Content-Type": "application/json"})  # fmt: skip
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
        with opener.open(request, timeout=timeout_s) as response:
            url = json.loads(response.read().decode("utf-8"))["url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url if isinstance(url, str) and url.startswith("http://127.0.0.1:") else None
