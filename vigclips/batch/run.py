"""The batch itself, in the caller's process: finds the recordings, skips what is done, runs the rest on a runner,
keeps the log and the ETA, and writes the summary."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable

from vigclips.batch.dask_runner import import_distributed, run_on_dask
from vigclips.batch.discovery import find_recordings, output_names
from vigclips.batch.job import Job
from vigclips.batch.local_runner import default_workers, run_locally
from vigclips.batch.markers import already_done, config_key, discard_leftovers, exclusive
from vigclips.batch.summary import LOG_FILE, BatchReport, RecordingResult, format_event, result_from_folder, write_summary
from vigclips.config import PipelineConfig
from vigclips.errors import BadInputError
from vigclips.fileio import PRIVATE_FILE_MODE, make_private_dir
from vigclips.timefmt import utc_now

log = logging.getLogger("vigclips")

EVENTS = ("start", "recording_skipped", "recording_started", "recording_progress", "recording_done", "recording_failed", "done")
"""Event names passed to ``progress_events`` (and printed as JSON lines by ``vigclips batch --progress json``)."""
PROGRESS_EVERY_S = 5.0
"""Least time between two ``recording_progress`` events of one recording (a dashboard needs no more)."""
MIN_MEASURED_S = 10.0
"""Worker time measured before the batch gives an estimate of the time left (a guess from less would mislead)."""


class Batch:
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
        self.to_do: set[int] = set()  # recordings this run analyses (not skipped)
        self.workers: int | None = None  # local workers; None on Dask (then: as many as are seen running)
        self.duration_s: dict[int, float] = {}  # recording lengths, as workers report them
        self.first_progress: dict[int, tuple[float, float]] = {}  # index -> (time, fraction) of its first progress
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
                self._write_log(f"{utc_now()} {event['level'].lower()} {event.get('folder', '')}: {event['message']}")
                return
            now = time.monotonic()
            if kind == "recording_started":
                self.running[index] = 0.0
                self.run_started[index] = now
                if isinstance(event.get("duration_s"), (int, float)) and event["duration_s"] > 0:
                    self.duration_s[index] = float(event["duration_s"])
            elif kind == "recording_progress":
                if index not in self.running:
                    return
                self.running[index] = float(event["fraction"])
                self.first_progress.setdefault(index, (now, self.running[index]))
                if now - self.last_progress.get(index, 0.0) < PROGRESS_EVERY_S:
                    return
                self.last_progress[index] = now
                elapsed = now - self.run_started.get(index, now)
                fraction = self.running[index]
                event["eta_recording_s"] = round(elapsed * (1 - fraction) / fraction, 1) if fraction > 0 else None
            elif kind in ("recording_done", "recording_failed"):
                self.running.pop(index, None)
            event = {"event": kind, "time_utc": utc_now(), **{k: v for k, v in event.items() if k != "event"}}
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
        elapsed = now - self.started
        eta = self.eta_s(now)
        return {"finished": finished, "total": len(self.recordings), "running": len(self.running),
                "failed": sum(r.status == "failed" for r in self.results.values()), "elapsed_s": round(elapsed, 1),
                "eta_s": round(eta, 0) if eta is not None else None}  # fmt: skip

    def eta_s(self, now: float) -> float | None:
        """Seconds until the batch is done, from the throughput measured so far (#15), or None before enough is measured.

        Throughput is seconds of recording analysed per second of one worker: finished recordings count whole (length over
        their analysis time), running ones from their first progress report on (so loading the models, a one-off per
        worker, does not make the first estimate wildly long). What is left is the length of every unfinished recording
        (unknown lengths from their file size, at the seconds-per-byte of the known ones), shared by the workers.
        """
        recording_s = worker_s = 0.0
        for i in self.to_do & set(self.results):
            result = self.results[i]
            if result.status == "done" and i in self.duration_s and result.time_s:
                recording_s += self.duration_s[i]
                worker_s += float(result.time_s)
        for i, fraction in self.running.items():
            if i in self.duration_s and i in self.first_progress:
                first_t, first_fraction = self.first_progress[i]
                recording_s += (fraction - first_fraction) * self.duration_s[i]
                worker_s += now - first_t
        if worker_s < MIN_MEASURED_S or recording_s <= 0:
            return None
        per_worker = recording_s / worker_s
        known = [i for i in self.duration_s if self.size.get(i)]
        s_per_byte = sum(self.duration_s[i] for i in known) / sum(self.size[i] for i in known) if known else 0.0
        left = [i for i in self.to_do if i not in self.results]
        remaining_s = sum(self.duration_s.get(i, self.size.get(i, 0) * s_per_byte) * (1.0 - self.running.get(i, 0.0))
                          for i in left)  # fmt: skip
        parallel = max(1, min(self.workers or len(self.running), len(left)))
        return max(0.0, remaining_s / (per_worker * parallel))

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
                result = result_from_folder(path, folder, "done", self.out_root)
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
            all but ``start`` have ``finished``, ``total``, ``running``, ``failed``, ``elapsed_s`` and ``eta_s`` (seconds
            left, from the throughput measured so far: :meth:`Batch.eta_s`); ``recording_started`` has the recording's
            ``duration_s``.
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
        import_distributed()  # fail before touching OUT when the extra is missing
    recordings = find_recordings(inputs, out_root)
    names = output_names(recordings)
    from vigclips.output_folder import check_output_folder
    from vigclips.scoring import load_weights

    load_weights(cfg.scoring)  # a bad --weights file fails now, not in every worker after its analysis (#14)
    check_output_folder(out_root)
    key = config_key(cfg, overlay)
    run_id = uuid.uuid4().hex[:8]
    with exclusive(out_root):
        discard_leftovers(out_root)
        batch = Batch(out_root, recordings, names, progress_events)
        try:
            jobs: list[Job] = []
            skipped: list[int] = []
            for index, path in enumerate(recordings):
                if already_done(path, out_root / names[path], key):
                    skipped.append(index)
                else:
                    jobs.append(Job(index, str(path), names[path], str(out_root), cfg, key, run_id, overlay, force))
            batch.to_do = {j.index for j in jobs}
            batch.workers = None if scheduler else workers
            clashes = sorted({names[p] for p in recordings if names[p] != p.stem})
            batch.emit({"event": "start", "out_root": str(out_root), "recordings": len(recordings), "to_analyse": len(jobs),
                        "already_done": len(skipped), "workers": None if scheduler else workers, "scheduler": scheduler,
                        "run_id": run_id, "config_key": key, "renamed_folders": clashes})  # fmt: skip
            for index in skipped:
                result = result_from_folder(recordings[index], out_root / names[recordings[index]], "skipped", out_root)
                batch.results[index] = result
                batch.emit({"event": "recording_skipped", "index": index,
                            "reason": "already analysed (same content and settings)"})  # fmt: skip
            if jobs:
                if scheduler is not None:
                    run_on_dask(batch, jobs, scheduler, run_id)
                else:
                    run_locally(batch, jobs, workers)
                discard_leftovers(out_root)  # every job has ended: staging left by a worker that died goes too
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
