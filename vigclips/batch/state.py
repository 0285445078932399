"""The state of one batch run, in the caller's process: results, events, the log file and the estimate of the time left.

The runners (:mod:`~vigclips.batch.local_runner`, :mod:`~vigclips.batch.dask_runner`) report into it; :mod:`~vigclips.batch.run`
creates it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from vigclips.batch.summary import RecordingResult, format_event, result_from_folder
from vigclips.fileio import PRIVATE_FILE_MODE, make_private_dir
from vigclips.results.layout import BATCH_LOG_FILE
from vigclips.timefmt import utc_now

log = logging.getLogger("vigclips")

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
        self.log_fh = _open_log(out_root / BATCH_LOG_FILE)

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
