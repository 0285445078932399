"""Overnight batch (issue 7): folders of recordings, resumable, parallel, with a morning summary.

``run_batch`` expands folders (recursively) and globs into recordings, analyses each as ``analyze_to_folder`` would, on a
local process pool or on a Dask distributed cluster, and writes ``OUT/summary.csv``, ``OUT/summary.html`` and
``OUT/batch.log``.

Resumable, exactly once
    Each recording is analysed into a private staging folder ``OUT/.vigclips-batch/work/…`` and, when complete (``moments.json``
    written last, then the done-marker ``.vigclips-batch.json``), moved to ``OUT/<name>/`` with renames only. So an output folder
    either is complete or does not exist, whatever kills the run (``kill -9``, a reboot, out of memory). The marker records the
    recording's sha256, a key of the configuration (``cfg.to_dict()``, the overlay switch and the vigclips version) and the file's
    size and mtime; a rerun skips a recording whose folder carries a marker with the same content and key, and redoes only
    the ones that were in flight (their staging folders are discarded at the next start). A changed configuration re-analyses
    (refusing, unless ``force``, to replace a folder that holds a guider's review decisions). A folder written by
    ``vigclips analyze`` has no marker, so the batch analyses that recording again (with the same protection).

Output folder names
    ``OUT/<stem>/`` as ``vigclips analyze`` writes; when two recordings share a stem (compared case-insensitively, as macOS and
    Windows file systems do), or the stem would clash with the batch's own files, each gets ``OUT/<stem>-<8 hex>/`` where the
    hex is the start of the sha1 of its absolute path: the same inputs always give the same names. The summary and every event
    name the folder.

Workers
    A local pool of ``spawn``-ed processes (``concurrent.futures.ProcessPoolExecutor``); each process lives for the whole batch,
    so its imports (MediaPipe, SciPy) load once. With ``scheduler="tcp://host:8786"`` the same job function runs on a Dask
    distributed cluster (optional extra ``batch-dask``: ``dask[distributed]``); the workers must see the recordings and ``OUT``
    at the same paths (a shared file system).

    A worker is one core: it analyses one recording at a time, single-threaded (decoder and face models one after another,
    ``threads=1`` in :func:`vigclips.pipeline.analyze`), so throughput grows with workers instead of workers fighting over
    cores. Locally the default is one worker per core; on Dask run one single-threaded worker process per core
    (``dask worker --nworkers <cores> --nthreads 1``). ``vigclips analyze`` on one recording uses every core instead.

Example:
    >>> from vigclips.batch import run_batch                    # doctest: +SKIP
    >>> report = run_batch(["/recordings/2026-11-24"], "/results/night", workers=2)
    >>> report.exit_code, report.failed_count
    (0, 0)
"""

from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures.process import BrokenProcessPool
import contextlib
import csv
import hashlib
import html
import io
import json
import logging
import multiprocessing as mp
from multiprocessing.managers import SyncManager
import os
import shutil
import socket
import threading
import time
import urllib.parse
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from vigclips import __version__
from vigclips.config import PipelineConfig
from vigclips.errors import BadInputError, VigclipsError
from vigclips.fileio import PRIVATE_FILE_MODE, atomic_write_text, make_private_dir

log = logging.getLogger("vigclips")

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".mts", ".m2ts", ".ts", ".wmv",
                              ".3gp", ".3g2", ".flv", ".mxf", ".dv", ".vob", ".ogv"})  # fmt: skip
"""Extensions taken as video recordings when scanning folders and globs (a file named explicitly is always taken)."""
AUDIO_EXTENSIONS = frozenset({".wav", ".m4a", ".mp3", ".aac", ".flac", ".ogg", ".oga", ".opus", ".wma", ".aif", ".aiff", ".amr"})
"""Extensions taken as audio-only recordings."""
PARTIAL_MARKS = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart", ".!qb", ".!ut")
"""File name endings of copies still being written (browsers, rsync, sync clients): never taken from a folder or glob."""

STATE_DIR = ".vigclips-batch"
"""``OUT/.vigclips-batch/``: the lock and the staging folders of recordings in flight."""
MARKER_FILE = ".vigclips-batch.json"
"""Done-marker inside each finished ``OUT/<name>/`` (moved in with the folder, so it exists only for complete output)."""
LOG_FILE = "batch.log"
SUMMARY_CSV = "summary.csv"
SUMMARY_HTML = "summary.html"
MARKER_FORMAT = 1

EVENTS = ("start", "recording_skipped", "recording_started", "recording_progress", "recording_done", "recording_failed", "done")
"""Event names passed to ``progress_events`` (and printed as JSON lines by ``vigclips batch --progress json``)."""
PROGRESS_EVERY_S = 5.0
"""Least time between two ``recording_progress`` events of one recording (a dashboard needs no more)."""

SUMMARY_COLUMNS = ("recording", "folder", "status", "duration_s", "candidates", "top_score", "top_start_s", "top_end_s",
                   "top_reasons", "top_still", "time_s", "analysed_utc", "error")  # fmt: skip
"""Columns of ``summary.csv``: ``status`` is done / skipped (done by an earlier run, same content and settings) / failed;
``folder`` and ``top_still`` are relative to OUT; ``top_reasons`` are joined by :data:`REASON_SEPARATOR`; ``time_s`` is the
analysis wall time (of the earlier run when skipped)."""

REASON_SEPARATOR = " | "
"""Between the top moment's reasons in ``summary.csv`` (reasons are sentences and may hold commas and semicolons)."""

EXIT_OK, EXIT_SOME_FAILED = 0, 1


@dataclass(slots=True)
class RecordingResult:
    """One recording's outcome (a row of ``summary.csv``)."""

    recording: Path
    folder: Path
    status: str  # "done" | "skipped" | "failed"
    duration_s: float | None = None
    candidates: int | None = None
    top_score: float | None = None
    top_start_s: float | None = None
    top_end_s: float | None = None
    top_reasons: list[str] = field(default_factory=list)
    top_still: str | None = None  # relative to OUT, e.g. "demo/stills/m01.jpg"
    time_s: float | None = None
    analysed_utc: str | None = None
    error: str = ""


@dataclass(slots=True)
class BatchReport:
    """What :func:`run_batch` did. ``exit_code`` is 0 when nothing failed, 1 otherwise."""

    out_root: Path
    results: list[RecordingResult]
    elapsed_s: float
    log_file: Path
    summary_csv: Path
    summary_html: Path

    @property
    def ok_count(self) -> int:
        """Recordings with complete output (analysed now or skipped as already done)."""
        return sum(r.status in ("done", "skipped") for r in self.results)

    @property
    def failed_count(self) -> int:
        return sum(r.status == "failed" for r in self.results)

    @property
    def skipped_count(self) -> int:
        return sum(r.status == "skipped" for r in self.results)

    @property
    def exit_code(self) -> int:
        return EXIT_SOME_FAILED if self.failed_count else EXIT_OK


# ----------------------------------------------------------------------------------------------------------------------
# Inputs


def find_recordings(inputs: Iterable[str | os.PathLike[str]], out_root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Expand files, folders (recursively) and glob patterns into recordings, sorted by path, each once.

    From folders and globs only video/audio extensions are taken, never hidden files or folders, copies still being
    written (``*.part``, ``*.crdownload``…) or anything inside ``out_root``. A file named explicitly is taken whatever its
    extension (a file that is not a recording then fails with its error rather than being silently ignored).

    Args:
        inputs: paths of files or folders, or glob patterns (``**`` recurses), e.g. ``["/rec/*.mp4", "/rec/day2"]``.
        out_root: the batch's output folder, excluded from the scan.

    Returns:
        Absolute paths, sorted; a file reached twice (e.g. through a symlink) is listed once.

    Raises:
        BadInputError: a path that does not exist, or no recording found at all.

    Example:
        >>> find_recordings(["sample_videos"])  # doctest: +SKIP
        [PosixPath('/work/main/sample_videos/demo_play.mp4')]
    """
    import glob

    out_resolved = Path(out_root).resolve() if out_root is not None else None
    found: dict[Path, Path] = {}  # resolved -> as named (a symlink keeps its own name, which names its output folder)
    empty: list[str] = []
    for item in inputs:
        text = os.fspath(item)
        path = Path(text).expanduser()
        if path.is_dir():
            matched = _scan_folder(path, out_resolved)
        elif path.is_file():
            matched = [_absolute(path)]
        elif any(ch in text for ch in "*?["):
            matched = []
            for hit in sorted(glob.glob(os.path.expanduser(text), recursive=True)):
                hit_path = Path(hit)
                if hit_path.is_dir():
                    matched += _scan_folder(hit_path, out_resolved)
                elif _is_recording_name(hit_path) and not _inside(hit_path.resolve(), out_resolved):
                    matched.append(_absolute(hit_path))  # glob's * never matches hidden names itself
        else:
            raise BadInputError(text, "not found (give recordings, folders or glob patterns such as 'day1/*.mp4')")
        if not matched:
            empty.append(text)
        for hit in matched:
            found.setdefault(hit.resolve(), hit)
    for text in empty:
        log.warning("%s: no recordings found there (video or audio files)", text)
    if not found:
        named = ", ".join(os.fspath(i) for i in inputs) or "(no inputs)"
        raise BadInputError(named, "no recordings found (video or audio files)")
    return sorted(found.values(), key=str)


def _scan_folder(folder: Path, out_resolved: Path | None) -> list[Path]:
    hits: list[Path] = []
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        # prune hidden folders and the output folder (overlay.mp4 and exported clips are not recordings)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _inside((root_path / d).resolve(), out_resolved))
        for name in sorted(files):
            path = root_path / name
            if _is_recording_name(path) and path.is_file():
                hits.append(_absolute(path))
    return hits


def _is_recording_name(path: Path) -> bool:
    name = path.name.lower()
    if name.startswith(".") or name.endswith(PARTIAL_MARKS) or any(f"{m}." in name for m in (".part", ".partial")):
        return False
    return path.suffix.lower() in VIDEO_EXTENSIONS or path.suffix.lower() in AUDIO_EXTENSIONS


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path == folder or folder in path.parents)


def output_names(recordings: list[Path]) -> dict[Path, str]:
    """Output folder name of each recording: its stem, or ``<stem>-<8 hex>`` when stems clash (see module docstring).

    Example:
        >>> output_names([Path("/a/x.mp4"), Path("/b/X.mov"), Path("/b/y.mp4")])[Path("/b/y.mp4")]
        'y'
    """
    reserved = {n.casefold() for n in (STATE_DIR, LOG_FILE, SUMMARY_CSV, SUMMARY_HTML)}
    by_stem: dict[str, list[Path]] = {}
    for path in recordings:
        by_stem.setdefault(path.stem.casefold(), []).append(path)
    names: dict[Path, str] = {}
    for key, paths in by_stem.items():
        for path in paths:
            clash = len(paths) > 1 or key in reserved or key.startswith(".")
            suffix = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:8]
            names[path] = f"{path.stem}-{suffix}" if clash else path.stem
    return names


def config_key(cfg: PipelineConfig, overlay: bool = False) -> str:
    """Key of everything besides the recording that decides the output: settings, overlay switch and vigclips version."""
    payload = json.dumps({"config": cfg.to_dict(), "overlay": bool(overlay), "vigclips": __version__}, sort_keys=True,
                         default=str)  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def default_workers() -> int:
    """Local workers when none are asked for: one per core (each runs its analysis single-threaded)."""
    return max(1, os.cpu_count() or 1)


# ----------------------------------------------------------------------------------------------------------------------
# The job: runs in a worker process (local pool or Dask)


@dataclass(frozen=True, slots=True)
class _Job:
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


def _run_job(job: _Job, send: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Analyse one recording into staging, add the done-marker, move it into place. Never raises: failures are returned."""
    # The pipeline's own helpers, so batch and `vigclips analyze` protect review work and swap folders the same way:
    # swap_in_folder uses renames only (readers see the old folder or the new one, never a mix).
    from vigclips.output_folder import refuse_to_lose_review_work, swap_in_folder
    from vigclips.pipeline import analyze_to_folder
    from vigclips.moments_file import read_moments

    started = time.perf_counter()
    out_root = Path(job.out_root)
    final_dir = out_root / job.folder_name
    staging_root = out_root / STATE_DIR / "work" / f"{job.folder_name}.{job.run_id}.{os.getpid()}"
    send({"event": "recording_started", "index": job.index, "worker": f"{socket.gethostname()}:{os.getpid()}"})
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
            "finished_utc": _utc_now(),
            "time_s": round(elapsed_s, 2),
            "worker": f"{socket.gethostname()}:{os.getpid()}",
        }
        atomic_write_text(staged / MARKER_FILE, json.dumps(marker, indent=1) + "\n")
        swap_in_folder(staged, final_dir, force=job.force)  # checks again, under the review server's lock
        return {"status": "done", "time_s": elapsed_s}
    except Exception as exc:  # one bad file must not cost the night: its error is returned as one line
        if os.environ.get("VIGCLIPS_DEBUG") == "1":
            log.exception("%s failed", job.source)
        return {"status": "failed", "time_s": time.perf_counter() - started, "error": _one_line(exc)}
    finally:
        log.removeHandler(handler)
        shutil.rmtree(staging_root, ignore_errors=True)


def _one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, VigclipsError) else f"{exc.__class__.__name__}: {exc}"
    return " ".join(text.split())[:500]


# Local pool plumbing: the event queue and the lifeline reach each spawned worker once, through the initializer.
_WORKER_QUEUE: Any = None


def _init_local_worker(queue: Any, lifeline: Any) -> None:
    global _WORKER_QUEUE
    _WORKER_QUEUE = queue
    exit_with_parent(lifeline)


def exit_with_parent(lifeline: Any) -> None:
    """Exit this process as soon as the batch that started it is gone, however it died (``kill -9`` included).

    ``lifeline`` is the read end of a pipe whose only write end the batch holds: when the batch dies the operating system
    closes it and the read here ends at once. This works the same on Linux, macOS and Windows, unlike polling
    ``os.getppid()``, which Windows never changes when a parent dies (#13). Without it, orphaned workers would go on (or
    wait for work for ever) and a rerun would race them; the Manager process and, through them, multiprocessing's
    resource tracker would outlive the batch (#14). Staging left behind is discarded by the next run.
    """

    def watch() -> None:
        try:
            lifeline.recv()  # nothing is ever sent: this returns only by EOF or error, i.e. when the batch is gone
        except (EOFError, OSError):
            pass
        os._exit(3)

    threading.Thread(target=watch, name="vigclips-lifeline", daemon=True).start()


def _local_job(job: _Job) -> dict[str, Any]:
    return _run_job(job, _WORKER_QUEUE.put)


def _dask_job(job: _Job, topic: str) -> dict[str, Any]:
    """Dask task: events go to the client through the scheduler's event log (``Client.subscribe_topic``)."""
    from distributed import get_worker

    worker = get_worker()
    return _run_job(job, lambda message: worker.log_event(topic, message))


# ----------------------------------------------------------------------------------------------------------------------
# The batch: runs in the caller's process


class _Batch:
    """State of one run: results, events, ETA, log file. Events may arrive from the queue thread: one lock serialises them."""

    def __init__(self, out_root: Path, recordings: list[Path], names: dict[Path, str],
                 callback: Callable[[dict[str, Any]], None] | None) -> None:  # fmt: skip
        self.out_root = out_root
        self.recordings = recordings
        self.names = names
        self.callback = callback
        self.lock = threading.RLock()
        self.started = time.monotonic()
        self.size = {i: _size(p) for i, p in enumerate(recordings)}
        self.results: dict[int, RecordingResult] = {}
        self.running: dict[int, float] = {}  # index -> fraction done
        self.run_started: dict[int, float] = {}
        self.last_progress: dict[int, float] = {}
        self.worked_bytes = 0.0  # bytes of recordings analysed in this run (not skipped), for the ETA
        self.to_do_bytes = 0.0
        self.log_fh = _open_log(out_root / LOG_FILE)

    def close(self) -> None:
        self.log_fh.close()

    def emit(self, event: dict[str, Any]) -> None:
        with self.lock:
            kind = event["event"]
            index = event.get("index")
            if index is not None:
                event.setdefault("recording", str(self.recordings[index]))
                event.setdefault("folder", self.names[self.recordings[index]])
            if kind == "log":
                self._write_log(f"{_utc_now()} {event['level'].lower()} {event.get('folder', '')}: {event['message']}")
                return
            now = time.monotonic()
            if kind == "recording_started":
                self.running[index] = 0.0
                self.run_started[index] = now
            elif kind == "recording_progress":
                if index not in self.running:
                    return
                self.running[index] = float(event["fraction"])
                if now - self.last_progress.get(index, 0.0) < PROGRESS_EVERY_S:
                    return
                self.last_progress[index] = now
                elapsed = now - self.run_started.get(index, now)
                fraction = self.running[index]
                event["eta_recording_s"] = round(elapsed * (1 - fraction) / fraction, 1) if fraction > 0 else None
            elif kind in ("recording_done", "recording_failed"):
                self.running.pop(index, None)
            event = {"event": kind, "time_utc": _utc_now(), **{k: v for k, v in event.items() if k != "event"}}
            if kind != "start":
                event.update(self._counts(now))
            self._write_log(format_event(event))
            if self.callback is not None:
                try:
                    self.callback(event)
                except Exception:  # a broken dashboard must not stop the night's work
                    log.warning("progress callback failed on a %s event", kind, exc_info=True)

    def _counts(self, now: float) -> dict[str, Any]:
        finished = len(self.results)
        done_bytes = sum(self.size[i] for i, r in self.results.items() if r.status != "skipped")
        partial = sum(self.size[i] * f for i, f in self.running.items())
        worked = done_bytes + partial
        elapsed = now - self.started
        # Overall ETA from bytes of recordings still to analyse at the rate seen so far (file size stands in for length).
        eta = (self.to_do_bytes - worked) * elapsed / worked if worked > 0 and elapsed > 5 else None
        return {"finished": finished, "total": len(self.recordings), "running": len(self.running),
                "failed": sum(r.status == "failed" for r in self.results.values()), "elapsed_s": round(elapsed, 1),
                "eta_s": round(max(0.0, eta), 0) if eta is not None else None}  # fmt: skip

    def _write_log(self, line: str) -> None:
        self.log_fh.write(line + "\n")
        self.log_fh.flush()

    def finish(self, index: int, outcome: dict[str, Any]) -> None:
        path = self.recordings[index]
        folder = self.out_root / self.names[path]
        with self.lock:
            if index in self.results:
                return
            if outcome["status"] == "done":
                result = _result_from_folder(path, folder, "done", self.out_root)
                result.time_s = round(outcome["time_s"], 2)
                self.results[index] = result
                self.emit({"event": "recording_done", "index": index, "time_s": result.time_s, "duration_s": result.duration_s,
                           "candidates": result.candidates})  # fmt: skip
            else:
                result = RecordingResult(path, folder, "failed", time_s=round(outcome.get("time_s") or 0.0, 2),
                                         error=outcome.get("error", "failed"))  # fmt: skip
                self.results[index] = result
                self.emit({"event": "recording_failed", "index": index, "time_s": result.time_s, "error": result.error})


def run_batch(
    inputs: Iterable[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    cfg: PipelineConfig | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress_events: Callable[[dict[str, Any]], None] | None = None,
    *,
    overlay: bool = False,
    force: bool = False,
) -> BatchReport:
    """Analyse every recording found in ``inputs`` into ``OUT/<name>/``; skip those already done; summarise the night.

    Args:
        inputs: recordings, folders (scanned recursively) and glob patterns.
        out_root: OUT; created owner-only if missing. Holds one folder per recording, ``batch.log``, ``summary.csv``,
            ``summary.html`` and ``.vigclips-batch/`` (lock and staging).
        cfg: settings (defaults if omitted); part of the key that decides whether earlier output is reused.
        workers: local worker processes (default :func:`default_workers`); ignored with ``scheduler``.
        scheduler: address of a Dask distributed scheduler (``tcp://host:8786``); needs ``dask[distributed]``.
        progress_events: called with one dict per event (see :data:`EVENTS`), one call at a time, possibly from a helper
            thread. Every event has ``event`` and ``time_utc``; recording events have ``index``, ``recording``, ``folder``;
            all but ``start`` have ``finished``, ``total``, ``running``, ``failed``, ``elapsed_s`` and ``eta_s``.
        overlay: also write ``overlay.mp4`` per recording.
        force: replace output folders even when they hold review decisions.

    Returns:
        :class:`BatchReport`; ``exit_code`` 0 if every recording has complete output, 1 if any failed.

    Raises:
        BadInputError: no recordings found, a missing path, bad ``workers``, or another batch already writing to OUT.
        VigclipsError: ``scheduler`` given but dask.distributed is not installed or the scheduler cannot be reached.
    """
    cfg = cfg or PipelineConfig()
    out_root = Path(out_root).expanduser().absolute()
    if workers is not None and workers < 1:
        raise BadInputError(f"workers={workers}", "need at least 1 worker")
    workers = workers or default_workers()
    if scheduler is not None:
        _import_distributed()  # fail before touching OUT when the extra is missing
    recordings = find_recordings(inputs, out_root)
    names = output_names(recordings)
    from vigclips.output_folder import check_output_folder
    from vigclips.scoring.moments import load_weights

    load_weights(cfg.scoring)  # a bad --weights file fails now, not in every worker after its analysis (#14)
    check_output_folder(out_root)
    key = config_key(cfg, overlay)
    run_id = uuid.uuid4().hex[:8]
    with _exclusive(out_root):
        _discard_leftovers(out_root)
        batch = _Batch(out_root, recordings, names, progress_events)
        try:
            jobs: list[_Job] = []
            skipped: list[int] = []
            for index, path in enumerate(recordings):
                if _already_done(path, out_root / names[path], key):
                    skipped.append(index)
                else:
                    jobs.append(_Job(index, str(path), names[path], str(out_root), cfg, key, run_id, overlay, force))
            batch.to_do_bytes = float(sum(batch.size[j.index] for j in jobs))
            clashes = sorted({names[p] for p in recordings if names[p] != p.stem})
            batch.emit({"event": "start", "out_root": str(out_root), "recordings": len(recordings), "to_analyse": len(jobs),
                        "already_done": len(skipped), "workers": None if scheduler else workers, "scheduler": scheduler,
                        "run_id": run_id, "config_key": key, "renamed_folders": clashes})  # fmt: skip
            for index in skipped:
                result = _result_from_folder(recordings[index], out_root / names[recordings[index]], "skipped", out_root)
                batch.results[index] = result
                batch.emit({"event": "recording_skipped", "index": index,
                            "reason": "already analysed (same content and settings)"})  # fmt: skip
            if jobs:
                if scheduler is not None:
                    _run_on_dask(batch, jobs, scheduler, run_id)
                else:
                    _run_locally(batch, jobs, workers)
                _discard_leftovers(out_root)  # every job has ended: staging left by a worker that died goes too
            results = [batch.results[i] for i in range(len(recordings))]
            elapsed = time.monotonic() - batch.started
            csv_path, html_path = write_summary(out_root, results)
            report = BatchReport(out_root, results, elapsed, out_root / LOG_FILE, csv_path, html_path)
            batch.emit({"event": "done", "ok": report.ok_count, "failed_recordings": report.failed_count,
                        "skipped": report.skipped_count, "summary_csv": str(csv_path), "summary_html": str(html_path),
                        "log": str(out_root / LOG_FILE), "exit_code": report.exit_code})  # fmt: skip
            return report
        finally:
            batch.close()


def _run_locally(batch: _Batch, jobs: list[_Job], workers: int) -> None:
    """Process pool of spawned workers. If a worker dies (killed, out of memory), the pool breaks and takes its siblings
    down too, so every recording then in flight is tried once more in a fresh pool; one in flight at two breaks fails."""
    ctx = mp.get_context("spawn")  # never fork a process that holds threads (the event thread, MediaPipe)
    # Every child gets the read end of one pipe; this process alone holds the write end (see exit_with_parent).
    lifeline, lifeline_held = ctx.Pipe(duplex=False)
    # Events go through a manager process, not a shared-memory Queue: a worker killed in the middle of a put would hold
    # the Queue's lock for ever and every other worker (and the pool's shutdown) would hang on it.
    manager = SyncManager(ctx=ctx)
    manager.start(exit_with_parent, (lifeline,))
    queue = manager.Queue()
    stop = threading.Event()
    drain = threading.Thread(target=_drain_queue, args=(queue, batch, stop), daemon=True)
    drain.start()
    pending = list(jobs)
    breaks: dict[int, int] = {}
    idle_breaks = 0
    try:
        while pending:
            n = min(workers, len(pending))
            broken = False
            with cf.ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_local_worker, initargs=(queue, lifeline)) as pool:
                futures = {pool.submit(_local_job, job): job for job in pending}
                for future in cf.as_completed(futures):
                    job = futures[future]
                    try:
                        batch.finish(job.index, future.result())
                    except BrokenProcessPool:
                        broken = True
                    except Exception as exc:  # pickling or pool trouble: the recording fails, the others go on
                        batch.finish(job.index, {"status": "failed", "time_s": 0.0, "error": _one_line(exc)})
            if not broken:
                return
            time.sleep(0.5)  # let the queue thread deliver the dead workers' last "started" events
            with batch.lock:
                in_flight = [j for j in pending if j.index in batch.running and j.index not in batch.results]
                for job in in_flight:
                    batch.running.pop(job.index, None)
                    breaks[job.index] = breaks.get(job.index, 0) + 1
                    if breaks[job.index] >= 2:
                        batch.finish(job.index, {"status": "failed", "time_s": 0.0,
                                                 "error": "the worker process died twice on this recording (killed, or out of "
                                                          "memory?)"})  # fmt: skip
            pending = [j for j in pending if j.index not in batch.results]
            idle_breaks = 0 if in_flight else idle_breaks + 1
            if idle_breaks >= 2:  # workers die before starting any recording: give up rather than loop
                for job in pending:
                    batch.finish(job.index, {"status": "failed", "time_s": 0.0, "error": "worker processes die at start"})
                return
            if pending:
                log.warning("a worker process died; restarting the pool for %d recording(s)", len(pending))
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            queue.put(None)
        drain.join(timeout=5.0)
        manager.shutdown()
        lifeline.close()
        lifeline_held.close()


def _drain_queue(queue: Any, batch: _Batch, stop: threading.Event) -> None:
    while True:
        try:
            message = queue.get()
        except (EOFError, OSError, BrokenPipeError, ConnectionError):
            return
        if message is None:
            if stop.is_set():
                return
            continue
        with contextlib.suppress(Exception):
            batch.emit(message)


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise VigclipsError("--scheduler needs Dask: pip install 'vigclips[batch-dask]' (dask[distributed])") from None
    return distributed


def _run_on_dask(batch: _Batch, jobs: list[_Job], scheduler: str, run_id: str) -> None:
    distributed = _import_distributed()
    topic = f"vigclips-batch-{run_id}"
    try:
        client = distributed.Client(scheduler, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise VigclipsError(f"cannot reach the Dask scheduler at {scheduler} ({exc.__class__.__name__}: {exc})") from None
    with client:
        client.subscribe_topic(topic, lambda event: batch.emit(dict(event[1])))
        futures = {client.submit(_dask_job, job, topic, key=f"vigclips-{run_id}-{job.index}", pure=False): job for job in jobs}
        for future in distributed.as_completed(futures):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # e.g. KilledWorker: the recording fails, the others go on
                outcome = {"status": "failed", "time_s": 0.0, "error": _one_line(exc)}
            # events travel through the scheduler: let this recording's "started" arrive before "done"
            _wait_for(lambda: job.index in batch.running or job.index in batch.results, 2.0)
            batch.finish(job.index, outcome)
        client.unsubscribe_topic(topic)


def _wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


# ----------------------------------------------------------------------------------------------------------------------
# Done-markers, lock, leftovers


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The done-marker of an output folder, or None if absent or unreadable."""
    try:
        marker = json.loads((Path(folder) / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) and marker.get("format") == MARKER_FORMAT else None


def _already_done(path: Path, folder: Path, key: str) -> bool:
    """True if ``folder`` is complete output of this content with this configuration key."""
    from vigclips.moments_file import MOMENTS_FILE, sha256_file

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
def _exclusive(out_root: Path):
    """Hold ``OUT/.vigclips-batch/lock`` for the run: two batches writing into one OUT would redo each other's work."""
    state = make_private_dir(out_root / STATE_DIR)
    fd = os.open(state / "lock", os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock; one batch per OUT is then up to the user
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
                raise BadInputError(out_root, f"another vigclips batch is writing here (pid {owner}); wait for it to finish "
                                              "or choose another -o folder") from None  # fmt: skip
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock; the kernel does it too when the process is killed


def _discard_leftovers(out_root: Path) -> None:
    """Remove what a killed run left: this batch's staging folders (the batch lock proves no other batch uses them), and in
    OUT only what its owner lock proves abandoned (a `vigclips analyze` running beside the batch keeps its work, #14)."""
    from vigclips.output_folder import discard_stale_work

    work = out_root / STATE_DIR / "work"
    if work.exists():
        shutil.rmtree(work, ignore_errors=True)
    make_private_dir(work)
    discard_stale_work(out_root)


# ----------------------------------------------------------------------------------------------------------------------
# Summary, events as text, small helpers


def _result_from_folder(path: Path, folder: Path, status: str, out_root: Path) -> RecordingResult:
    from vigclips.moments_file import read_moments

    result = RecordingResult(path, folder, status)
    try:
        document = read_moments(folder)
    except VigclipsError as exc:
        result.status, result.error = "failed", f"output unreadable: {_one_line(exc)}"
        return result
    summary = document.get("summary") or {}
    result.duration_s = summary.get("duration_s", document["source"].get("duration_s"))
    result.candidates = summary.get("candidates", len(document["moments"]))
    marker = read_marker(folder) or {}
    result.time_s = marker.get("time_s", summary.get("analysis_time_s"))
    result.analysed_utc = marker.get("finished_utc") or document.get("created_utc")
    moments = sorted(document["moments"], key=lambda m: m.get("rank", 0))
    if moments:
        top = moments[0]
        result.top_score = top.get("score")
        result.top_start_s, result.top_end_s = top.get("start_s"), top.get("end_s")
        result.top_reasons = [str(r) for r in top.get("reasons") or []]
        if top.get("still") and (folder / top["still"]).is_file():
            result.top_still = (folder / top["still"]).relative_to(out_root).as_posix()
    return result


def summary_rows(results: list[RecordingResult], out_root: Path) -> list[dict[str, Any]]:
    """Rows of ``summary.csv`` (:data:`SUMMARY_COLUMNS`) for ``results``."""
    rows = []
    for r in results:
        row = asdict(r)
        row["recording"] = str(r.recording)
        row["folder"] = Path(os.path.relpath(r.folder, out_root)).as_posix()
        row["top_reasons"] = REASON_SEPARATOR.join(r.top_reasons)
        rows.append({k: ("" if row[k] is None else row[k]) for k in SUMMARY_COLUMNS})
    return rows


def write_summary(out_root: Path, results: list[RecordingResult]) -> tuple[Path, Path]:
    """Write ``OUT/summary.csv`` and ``OUT/summary.html`` atomically (owner-only). Returns their paths."""
    rows = summary_rows(results, out_root)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    csv_path = atomic_write_text(out_root / SUMMARY_CSV, buffer.getvalue())
    html_path = atomic_write_text(out_root / SUMMARY_HTML, _summary_html(rows, [r.top_reasons for r in results]))
    return csv_path, html_path


_STATUS_TEXT = {"done": "analysed", "skipped": "done earlier", "failed": "FAILED"}


def _summary_html(rows: list[dict[str, Any]], reasons_per_row: list[list[str]]) -> str:
    e = html.escape
    ok = sum(r["status"] != "failed" for r in rows)
    failed = len(rows) - ok
    body = []
    for r, top_reasons in zip(rows, reasons_per_row):
        name = e(r["folder"])
        if r["status"] != "failed":  # a failed recording has no output folder to open
            name = f'<a href="{urllib.parse.quote(r["folder"])}/">{name}</a>'
        still = ""
        if r["top_still"]:
            href = urllib.parse.quote(r["top_still"])
            still = f'<a href="{href}"><img src="{href}" alt="still of the top moment" loading="lazy"></a>'
        when = ""
        if r["top_start_s"] != "":
            when = f"{_clock(r['top_start_s'])}–{_clock(r['top_end_s'])}"
        reasons = "".join(f"<li>{e(x)}</li>" for x in top_reasons)
        status = r["status"]
        body.append(
            f'<tr class="{e(status)}"><td>{name}<div class="path">{e(r["recording"])}</div></td>'
            f"<td>{e(_STATUS_TEXT.get(status, status))}</td><td>{e(_clock(r['duration_s']))}</td>"
            f"<td>{e(str(r['candidates']))}</td>"
            f"<td>{still}</td><td>{e(when)}<ul>{reasons}</ul></td><td>{e(_seconds(r['time_s']))}</td>"
            f'<td class="error">{e(r["error"])}</td></tr>'
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vigclips batch summary</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }}
img {{ width: 200px; border-radius: 4px; }}
.path {{ color: #777; font-size: .8em; word-break: break-all; }}
tr.failed td {{ background: #fff0f0; }}
.error {{ color: #a00; }}
ul {{ margin: .2em 0; padding-left: 1.1em; }}
</style></head><body>
<h1>Recordings analysed</h1>
<p>{len(rows)} recording(s): {ok} with candidate moments ready for review, {failed} failed. Written {e(_utc_now())}.
Open a recording's folder with <code>vigclips review</code> to check its candidates; the still and reasons below are its
top-ranked candidate.</p>
<table><thead><tr><th>Recording</th><th>Status</th><th>Length</th><th>Candidates</th><th>Top moment</th><th>When, and why</th>
<th>Analysis time</th><th>Error</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table></body></html>
"""


def format_event(event: dict[str, Any]) -> str:
    """One line a person can read, for the log and the terminal.

    Example:
        >>> format_event({"event": "recording_failed", "time_utc": "2026-11-25T02:00:00Z", "folder": "b", "finished": 2,
        ...               "total": 5, "error": "b.mp4: not a recording", "eta_s": None})
        '2026-11-25T02:00:00Z [2/5] b: FAILED: b.mp4: not a recording'
    """
    kind = event["event"]
    stamp = event.get("time_utc", _utc_now())
    count = f"[{event['finished']}/{event['total']}] " if "total" in event else ""
    eta = f" (batch about {_duration(event['eta_s'])} left)" if event.get("eta_s") is not None else ""
    name = event.get("folder", "")
    if kind == "start":
        text = (f"batch {event.get('run_id', '')}: {event['recordings']} recording(s), {event['already_done']} already done, "
                f"{event['to_analyse']} to analyse on "
                + (f"Dask at {event['scheduler']}" if event.get("scheduler") else f"{event['workers']} local worker(s)")
                + f"; results in {event['out_root']}")  # fmt: skip
        if event.get("renamed_folders"):
            renamed = ", ".join(event["renamed_folders"])
            text += f"; same names in different folders, so these output folders carry a hash: {renamed}"
        return f"{stamp} {text}"
    if kind == "recording_skipped":
        return f"{stamp} {count}{name}: skipped, {event.get('reason', '')}{eta}"
    if kind == "recording_started":
        return f"{stamp} {count}{name}: started on {event.get('worker', '?')}{eta}"
    if kind == "recording_progress":
        left = event.get("eta_recording_s")
        more = f", about {_duration(left)} left" if left is not None else ""
        return f"{stamp} {count}{name}: {100 * event['fraction']:.0f}%{more}{eta}"
    if kind == "recording_done":
        return (f"{stamp} {count}{name}: done in {_duration(event.get('time_s'))}, {event.get('candidates')} candidate(s) "
                f"in {_clock(event.get('duration_s'))} of recording{eta}")  # fmt: skip
    if kind == "recording_failed":
        return f"{stamp} {count}{name}: FAILED: {event.get('error', '')}{eta}"
    if kind == "done":
        return (f"{stamp} batch finished in {_duration(event.get('elapsed_s'))}: {event['ok']} ok "
                f"({event['skipped']} done earlier), {event['failed_recordings']} failed; "
                f"summary {event['summary_html']}")  # fmt: skip
    return f"{stamp} {kind} {json.dumps(event, default=str)}"


def _duration(seconds: float | None) -> str:
    if seconds is None or seconds == "":
        return "?"
    seconds = float(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _clock(seconds: Any) -> str:
    if seconds in (None, ""):
        return ""
    total = int(round(float(seconds)))
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}" if total >= 3600 else f"{total // 60}:{total % 60:02d}"


def _seconds(value: Any) -> str:
    return "" if value in (None, "") else f"{float(value):.0f} s"


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _open_log(path: Path):
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE_MODE)
    os.chmod(path, PRIVATE_FILE_MODE)
    return os.fdopen(fd, "a", encoding="utf-8")


__all__ = [
    "AUDIO_EXTENSIONS",
    "BatchReport",
    "EVENTS",
    "RecordingResult",
    "SUMMARY_COLUMNS",
    "VIDEO_EXTENSIONS",
    "config_key",
    "default_workers",
    "find_recordings",
    "format_event",
    "output_names",
    "read_marker",
    "run_batch",
    "write_summary",
]
