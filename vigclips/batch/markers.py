"""Done-markers, the batch lock and leftovers: what makes a batch resumable, exactly once (see :mod:`vigclips.batch`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import socket
from pathlib import Path
from typing import Any

from vigclips import __version__
from vigclips.config import PipelineConfig
from vigclips.errors import BadInputError
from vigclips.fileio import LockBusy, atomic_write_text, locked, make_private_dir
from vigclips.results.folder import discard_stale_work
from vigclips.results.layout import MOMENTS_FILE
from vigclips.results.moments import sha256_file
from vigclips.timefmt import utc_now

log = logging.getLogger("vigclips")

STATE_DIR = ".vigclips-batch"
"""``OUT/.vigclips-batch/``: the lock and the staging folders of recordings in flight."""
MARKER_FILE = ".vigclips-batch.json"
"""Done-marker inside each finished ``OUT/<name>/`` (moved in with the folder, so it exists only for complete output)."""
MARKER_FORMAT = 1
LOCK_FILE = "lock"
"""``OUT/.vigclips-batch/lock``: held by the batch writing into OUT."""
OWNER_FILE = "owner.json"
"""``OUT/.vigclips-batch/owner.json``: who holds the lock (pid, host, start), for the refusal message."""


def config_key(cfg: PipelineConfig, overlay: bool = False) -> str:
    """Key of everything besides the recording that decides the output: settings, overlay switch and vigclips version."""
    payload = json.dumps({"config": cfg.to_dict(), "overlay": bool(overlay), "vigclips": __version__}, sort_keys=True,
                         default=str)  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The done-marker of an output folder, or None if absent or unreadable."""
    try:
        marker = json.loads((Path(folder) / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) and marker.get("format") == MARKER_FORMAT else None


def already_done(path: Path, folder: Path, key: str) -> bool:
    """True if ``folder`` is complete output of this content with this configuration key."""
    marker = read_marker(folder)
    if marker is None or marker.get("config_key") != key or not (folder / MOMENTS_FILE).is_file():
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    same_size = marker.get("size_bytes") == stat.st_size
    if marker.get("source") == str(path) and same_size and marker.get("mtime_ns") == stat.st_mtime_ns:
        return True  # unchanged since it was hashed: no need to read gigabytes again
    if not same_size:
        return False
    return sha256_file(path) == marker.get("sha256")  # moved or touched: the content decides


@contextlib.contextmanager
def exclusive(out_root: Path):
    """Hold ``OUT/.vigclips-batch/lock`` for the run: two batches writing into one OUT would redo each other's work.

    The lock is portable (``fcntl`` on Linux and macOS, ``msvcrt`` on Windows, #13), and the kernel drops it
    when the batch dies however it dies. Who holds it is written beside it (``owner.json``) for the refusal message.

    Raises:
        BadInputError: another batch holds the lock.
    """
    state = make_private_dir(out_root / STATE_DIR)
    try:
        with locked(state / LOCK_FILE, timeout_s=0):
            owner = {"pid": os.getpid(), "host": socket.gethostname(), "started_utc": utc_now()}
            atomic_write_text(state / OWNER_FILE, json.dumps(owner) + "\n")
            yield
    except LockBusy:
        raise BadInputError(out_root, f"another vigclips batch is writing here ({_owner(state)}); wait for it to finish or "
                                      "choose another -o folder") from None  # fmt: skip


def _owner(state: Path) -> str:
    try:
        owner = json.loads((state / OWNER_FILE).read_text(encoding="utf-8"))
        return f"pid {owner['pid']} on {owner['host']}, since {owner['started_utc']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "owner unknown"


def discard_leftovers(out_root: Path) -> None:
    """Remove what a killed run left: this batch's staging folders (the batch lock proves no other batch uses them), and in
    OUT only what its owner lock proves abandoned (a `vigclips analyze` running beside the batch keeps its work, #14)."""
    work = out_root / STATE_DIR / "work"
    if work.exists():
        shutil.rmtree(work, ignore_errors=True)
    make_private_dir(work)
    discard_stale_work(out_root)
