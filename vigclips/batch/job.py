"""One recording's job, as a worker runs it (in a local process or on a Dask worker): analyse into staging, add the
done-marker, swap the folder in. Failures are returned as one line, never raised, so one bad file never costs the night."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from vigclips import __version__
from vigclips.batch.markers import MARKER_FILE, MARKER_FORMAT, STATE_DIR
from vigclips.config import PipelineConfig
from vigclips.errors import VigclipsError
from vigclips.fileio import atomic_write_text, make_private_dir
from vigclips.media import probe
from vigclips.pipeline import analyze_to_folder
from vigclips.results.folder import refuse_to_lose_review_work, swap_in_folder
from vigclips.results.moments import read_moments
from vigclips.timefmt import utc_now

log = logging.getLogger("vigclips")


@dataclass(frozen=True, slots=True)
class Job:
    index: int
    source: str
    folder_name: str
    out_root: str
    cfg: PipelineConfig
    key: str
    run_id: str
    overlay: bool
    force: bool


class _SinkProgress:
    """Progress adapter inside a worker: sends throttled ``recording_progress`` events to the parent."""

    def __init__(self, send: Callable[[dict[str, Any]], None], index: int) -> None:
        self._send, self._index = send, index
        self._total: float | None = None
        self._done = 0.0
        self._last_sent = 0.0

    def start(self, total: float | None, description: str) -> None:
        self._total, self._done = total, 0.0

    def advance(self, amount: float = 1) -> None:
        self._done += amount
        now = time.monotonic()
        if self._total and now - self._last_sent >= 1.0:
            self._last_sent = now
            self._send({"event": "recording_progress", "index": self._index, "fraction": min(1.0, self._done / self._total)})

    def close(self) -> None:
        pass


class _ForwardWarnings(logging.Handler):
    """Sends a worker's vigclips warnings to the parent (they go to batch.log)."""

    def __init__(self, send: Callable[[dict[str, Any]], None], index: int) -> None:
        super().__init__(logging.WARNING)
        self._send, self._index = send, index

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self._send({"event": "log", "index": self._index, "level": record.levelname, "message": record.getMessage()})


def run_job(job: Job, send: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Analyse one recording into staging, add the done-marker, move it into place. Never raises: failures are returned."""
    # The pipeline's own helpers, so batch and `vigclips analyze` protect review work and swap folders the same way:
    # swap_in_folder uses renames only (readers see the old folder or the new one, never a mix).
    started = time.perf_counter()
    out_root = Path(job.out_root)
    final_dir = out_root / job.folder_name
    staging_root = out_root / STATE_DIR / "work" / f"{job.folder_name}.{job.run_id}.{os.getpid()}"
    send({"event": "recording_started", "index": job.index, "worker": f"{socket.gethostname()}:{os.getpid()}",
          "duration_s": _length_s(Path(job.source))})  # the batch's estimate of the time left is measured in these
    handler = _ForwardWarnings(send, job.index)
    log.addHandler(handler)
    try:
        source = Path(job.source)
        stat = source.stat()
        refuse_to_lose_review_work(final_dir, job.force)  # checked before the long analysis, not after
        make_private_dir(staging_root)
        progress = _SinkProgress(send, job.index)
        staged = analyze_to_folder(source, staging_root, job.cfg, progress, overlay=job.overlay, force=True,
                                    threads=1)  # a worker is one core (module docstring)
        elapsed_s = time.perf_counter() - started
        sha256 = read_moments(staged)["source"]["sha256"]  # hashed once, by the pipeline, for moments.json
        marker = {
            "format": MARKER_FORMAT,
            "source": str(source),
            "size_bytes": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": sha256,
            "config_key": job.key,
            "vigclips": __version__,
            "run_id": job.run_id,
            "finished_utc": utc_now(),
            "time_s": round(elapsed_s, 2),
            "worker": f"{socket.gethostname()}:{os.getpid()}",
        }
        atomic_write_text(staged / MARKER_FILE, json.dumps(marker, indent=1) + "\n")
        swap_in_folder(staged, final_dir, force=job.force)  # checks again, under the review server's lock
        return {"status": "done", "time_s": elapsed_s}
    except Exception as exc:  # one bad file must not cost the night: its error is returned as one line
        if os.environ.get("VIGCLIPS_DEBUG") == "1":
            log.exception("%s failed", job.source)
        return {"status": "failed", "time_s": time.perf_counter() - started, "error": one_line(exc)}
    finally:
        log.removeHandler(handler)
        shutil.rmtree(staging_root, ignore_errors=True)


def _length_s(path: Path) -> float | None:
    try:
        return round(probe(path).duration_s, 3)
    except VigclipsError:
        return None  # the analysis says what is wrong with it


def one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, VigclipsError) else f"{exc.__class__.__name__}: {exc}"
    return " ".join(text.split())[:500]
