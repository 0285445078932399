"""The workspace's list of recordings, kept in ``workspace.json`` in the workspace folder (owner-only, written atomically).

Each entry names a recording by its path (the recording is never copied or modified), where its results go
(``recordings/<id>/<name>/``, a batch's ``OUT`` of one recording, so its done-marker tells a finished analysis) and what
came of its analysis. What is only true while the program runs (how far an analysis has got, the time left) is not
saved: after a restart an analysis that was running is waiting again, and one that had finished is found finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from vigclips.batch import output_names
from vigclips.fileio import LockBusy, atomic_write_text, locked, make_private_dir
from vigclips.errors import BadInputError
from vigclips.timefmt import utc_now

STATE_FILE = "workspace.json"
LOCK_FILE = ".workspace.lock"
RESULTS_DIR = "recordings"
STATE_FORMAT = 1

WAITING, ANALYSING, DONE, FAILED = "waiting", "analysing", "done", "failed"
STATUSES = (WAITING, ANALYSING, DONE, FAILED)


@dataclass(slots=True)
class Entry:
    """One recording in the workspace."""

    id: str
    source: str
    """The recording's absolute path, as it was chosen."""
    folder_name: str
    status: str = WAITING
    error: str = ""
    """Why the analysis failed: one plain line."""
    added_utc: str = field(default_factory=utc_now)
    finished_utc: str = ""

    @property
    def name(self) -> str:
        return Path(self.source).name


def entry_id(source: Path) -> str:
    """The same recording (by its absolute path) always gets the same id: adding it twice adds it once."""
    return "r" + hashlib.sha1(str(source).encode("utf-8", "surrogateescape")).hexdigest()[:10]


class Workspace:
    """The workspace folder and its list of recordings; every change is saved at once. Thread-safe.

    Args:
        folder: the workspace folder (made owner-only if missing).

    Example:
        >>> ws = Workspace(Path("/tmp/ws"))  # doctest: +SKIP
        >>> ws.add(Path("/home/me/play.mp4")).status
        'waiting'
    """

    def __init__(self, folder: Path) -> None:
        self.folder = make_private_dir(Path(folder).expanduser()).resolve()
        self.lock = threading.RLock()
        self.entries: dict[str, Entry] = {}
        self._load()

    # -- the folder's lock: one program at a time runs this workspace's analyses ------------------------------------------

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the workspace for as long as the program runs.

        Raises:
            BadInputError: another vigclips already has this workspace open.
        """
        try:
            with locked(self.folder / LOCK_FILE, timeout_s=0):
                yield
        except LockBusy:
            raise BadInputError(self.folder, "vigclips is already open with this workspace (look for its page in your "
                                             "browser, or stop it there first)") from None  # fmt: skip

    # -- entries ----------------------------------------------------------------------------------------------------------

    def results_root(self, entry: Entry) -> Path:
        """The entry's ``OUT`` (one recording's batch folder)."""
        return self.folder / RESULTS_DIR / entry.id

    def results_folder(self, entry: Entry) -> Path:
        """The entry's results, ``OUT/<name>/`` (exists once the analysis has finished)."""
        return self.results_root(entry) / entry.folder_name

    def add(self, source: Path) -> Entry:
        """Add a recording (an absolute path) to wait for its analysis; one already in the list is returned as it is,
        unless its analysis failed, which is then tried again."""
        source = Path(source).absolute()
        with self.lock:
            key = entry_id(source)
            entry = self.entries.get(key)
            if entry is None:
                entry = Entry(key, str(source), output_names([source])[source])
                self.entries[key] = entry
            elif entry.status == FAILED:
                entry.status, entry.error = WAITING, ""
            self.save()
            return entry

    def remove(self, entry_id_: str, *, delete_results: bool = False) -> None:
        """Take a recording off the list, and with ``delete_results`` delete what vigclips made of it (moments, decisions,
        clips, sheets); without, they stay, and adding the recording again brings them back. The recording is untouched.

        Raises:
            BadInputError: no such entry, or its analysis is running.
        """
        with self.lock:
            entry = self.get(entry_id_)
            if entry.status == ANALYSING:
                raise BadInputError(entry.name, "is being analysed; wait for it to finish")
            del self.entries[entry.id]
            self.save()
            if delete_results:  # (the folder's name is the entry's id, checked on load: never a path from elsewhere)
                shutil.rmtree(self.results_root(entry), ignore_errors=True)

    def get(self, entry_id_: str) -> Entry:
        with self.lock:
            entry = self.entries.get(entry_id_)
        if entry is None:
            raise BadInputError(entry_id_, "no such recording in this workspace")
        return entry

    def set_status(self, entry: Entry, status: str, error: str = "") -> None:
        with self.lock:
            entry.status, entry.error = status, error
            if status in (DONE, FAILED):
                entry.finished_utc = utc_now()
            self.save()

    def next_waiting(self) -> Entry | None:
        """The recording added earliest that waits for its analysis."""
        return next((e for e in self.ordered() if e.status == WAITING), None)

    def ordered(self) -> list[Entry]:
        with self.lock:
            return sorted(self.entries.values(), key=lambda e: e.added_utc)  # stable: in the order added

    # -- the file ---------------------------------------------------------------------------------------------------------

    def save(self) -> None:
        with self.lock:
            document = {"format": STATE_FORMAT, "recordings": [asdict(e) for e in self.ordered()]}
            atomic_write_text(self.folder / STATE_FILE, json.dumps(document, indent=1, ensure_ascii=False) + "\n")

    def _load(self) -> None:
        path = self.folder / STATE_FILE
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise BadInputError(path, f"cannot be read ({exc.__class__.__name__}); move it away to start an empty "
                                      "workspace") from None  # fmt: skip
        if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
            raise BadInputError(path, "is not a vigclips workspace list of a known format")
        for raw in document.get("recordings") or []:
            try:
                entry = Entry(**{k: raw[k] for k in Entry.__dataclass_fields__ if k in raw})
            except TypeError:
                continue  # a hand-damaged entry is left out, the others load
            if entry.status not in STATUSES or entry.id != entry_id(Path(entry.source)):
                continue
            if entry.status == ANALYSING:  # the program stopped during it: it starts again
                entry.status = WAITING
            self.entries[entry.id] = entry


def public(entry: Entry) -> dict[str, Any]:
    """What the page may know of an entry (everything but where the workspace keeps it)."""
    return {"id": entry.id, "name": entry.name, "source": entry.source, "status": entry.status, "error": entry.error,
            "added_utc": entry.added_utc, "finished_utc": entry.finished_utc}  # fmt: skip
