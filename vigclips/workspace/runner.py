"""The workspace's analyses, in the background: each in its own process, as a batch's worker runs it
(:func:`vigclips.batch.job.run_job`: staging, done-marker, folder swapped in whole), at most ``slots`` at a time.

A page that is reloaded or closed changes nothing here: the analyses belong to the program, not to a page. When the program
stops (the page's Stop button, or it is killed), its analyses stop with it (each watches a lifeline pipe only the program
holds, :func:`vigclips.batch.exit_with_parent`); the list says they wait, and the next start runs them again. One that
fails is one plain line in the list, and the next starts.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from vigclips.batch import config_key, default_workers, discard_leftovers, exit_with_parent
from vigclips.batch.job import Job, run_job
from vigclips.batch.markers import already_done
from vigclips.config import PipelineConfig
from vigclips.fileio import make_private_dir
from vigclips.workspace.state import ANALYSING, DONE, FAILED, WAITING, Entry, Workspace

log = logging.getLogger("vigclips")

MIN_MEASURED_S = 3.0
"""Progress measured for this long before a time left is given (the models load first; a guess from less misleads)."""


@dataclass(slots=True)
class Running:
    """How far one analysis has got (in memory only)."""

    started: float
    fraction: float = 0.0
    first: tuple[float, float] | None = None  # (time, fraction) of the first progress report

    def time_left_s(self, now: float) -> float | None:
        """Seconds left at the pace measured since the first progress report, or None before it can be told."""
        if self.first is None or now - self.first[0] < MIN_MEASURED_S or self.fraction <= self.first[1]:
            return None
        rate = (self.fraction - self.first[1]) / (now - self.first[0])
        return max(0.0, (1.0 - self.fraction) / rate)


def _child(job: Job, events: Any, lifeline: Any) -> None:
    """The analysis process: one recording, as a batch worker runs it; every event and the outcome go to the program."""
    exit_with_parent(lifeline)
    outcome = run_job(job, events.send)
    events.send({"event": "outcome", **outcome})
    events.close()


class Analyses:
    """Runs the workspace's waiting recordings, oldest first, at most ``slots`` at a time.

    Args:
        workspace: whose recordings.
        cfg: the settings every analysis runs with (part of the key that tells a finished analysis).
        slots: analyses at once (default: one per core; each analysis is single-threaded, as a batch worker's).
        on_done: called (from a helper thread) with each entry whose results are ready.
    """

    def __init__(self, workspace: Workspace, cfg: PipelineConfig = PipelineConfig(), slots: int | None = None,
                 on_done: Callable[[Entry], None] | None = None) -> None:  # fmt: skip
        self.ws = workspace
        self.cfg = cfg
        self.key = config_key(cfg)
        self.slots = slots or default_workers()
        self.on_done = on_done
        self.running: dict[str, Running] = {}
        self._processes: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._ctx = mp.get_context("spawn")  # never fork a process that holds threads (the server's)
        self._lifeline, self._lifeline_held = self._ctx.Pipe(duplex=False)
        self._run_id = uuid.uuid4().hex[:8]
        self._thread: threading.Thread | None = None

    def start(self) -> "Analyses":
        self._thread = threading.Thread(target=self._loop, name="vigclips-workspace-analyses", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look for waiting recordings now (one was just added)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop every analysis; each is waiting again for the next start."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            processes = list(self._processes.values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def progress(self, entry_id: str) -> dict[str, Any] | None:
        """``{"fraction", "time_left_s"}`` of a running analysis, else None."""
        with self._lock:
            running = self.running.get(entry_id)
            if running is None:
                return None
            return {"fraction": round(running.fraction, 3), "time_left_s": running.time_left_s(time.monotonic())}

    def _loop(self) -> None:
        while not self._stopping.is_set():
            while len(self._processes) < self.slots and not self._stopping.is_set():
                entry = self.ws.next_waiting()
                if entry is None:
                    break
                try:
                    self._launch(entry)
                except Exception as exc:  # the results folder cannot be made, say: this one fails, the next goes on
                    self.ws.set_status(entry, FAILED, f"could not start its analysis ({exc.__class__.__name__}: {exc})")
            self._wake.wait(timeout=1.0)
            self._wake.clear()

    def _launch(self, entry: Entry) -> None:
        source = Path(entry.source)
        out_root = self.ws.results_root(entry)
        missing = unreadable(source)
        if missing:
            self.ws.set_status(entry, FAILED, missing)
            return
        if already_done(source, self.ws.results_folder(entry), self.key):  # finished before a restart
            self.ws.set_status(entry, DONE)
            self._ready(entry)
            return
        make_private_dir(out_root)
        discard_leftovers(out_root)  # staging a stopped analysis left (this program holds the workspace: nobody else's)
        job = Job(0, str(source), entry.folder_name, str(out_root), self.cfg, self.key, self._run_id, False, False)
        receive, send = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=_child, args=(job, send, self._lifeline), name=f"vigclips-analysis-{entry.id}",
                                    daemon=True)  # fmt: skip
        self.ws.set_status(entry, ANALYSING)
        with self._lock:
            stopping = self._stopping.is_set()
            if not stopping:
                self.running[entry.id] = Running(time.monotonic())
                self._processes[entry.id] = process
                process.start()  # under the lock: stop() never finds a process it cannot terminate yet
        if stopping:  # stopped before it began: it waits for the next start
            self.ws.set_status(entry, WAITING)
            return
        send.close()  # the child holds the only write end: its end is our EOF
        threading.Thread(target=self._watch, args=(entry, process, receive), name=f"watch-{entry.id}", daemon=True).start()

    def _watch(self, entry: Entry, process: Any, receive: Any) -> None:
        outcome: dict[str, Any] | None = None
        try:
            while True:
                event = receive.recv()
                if event.get("event") == "recording_progress":
                    self._advance(entry.id, float(event.get("fraction") or 0.0))
                elif event.get("event") == "outcome":
                    outcome = event
        except (EOFError, OSError):
            pass
        process.join()
        with self._lock:
            self.running.pop(entry.id, None)
            self._processes.pop(entry.id, None)
        if self._stopping.is_set() and outcome is None:
            self.ws.set_status(entry, WAITING)
        elif outcome is None:
            self.ws.set_status(entry, FAILED, "The analysis stopped unexpectedly (did the computer run out of memory?); "
                                              "add it again to try once more")  # fmt: skip
        elif outcome.get("status") == "done":
            self.ws.set_status(entry, DONE)
            self._ready(entry)
        else:
            self.ws.set_status(entry, FAILED, plain_error(entry, str(outcome.get("error") or "failed")))
        self._wake.set()

    def _advance(self, entry_id: str, fraction: float) -> None:
        with self._lock:
            running = self.running.get(entry_id)
            if running is not None:
                running.fraction = fraction
                if running.first is None:
                    running.first = (time.monotonic(), fraction)

    def _ready(self, entry: Entry) -> None:
        if self.on_done is not None:
            try:
                self.on_done(entry)
            except Exception as exc:
                log.warning("%s: analysed, but its review page could not be prepared (%s)", entry.name, exc)


def unreadable(source: Path) -> str:
    """Why the recording cannot be read, in plain words, or "" if it can."""
    if not source.exists():
        return "Is no longer there (moved or renamed, or its card or drive taken out?): add it again from where it is now"
    if not source.is_file():
        return "Is not a file"
    if not os.access(source, os.R_OK):
        return "Cannot be read: your user account is not allowed to open it"
    return ""


_OS_ERRORS = {"FileNotFoundError": "Is no longer there", "PermissionError": "Cannot be read: your user account is not "
              "allowed to open it", "IsADirectoryError": "Is not a file"}  # fmt: skip


def plain_error(entry: Entry, error: str) -> str:
    """The error as one line beside the recording's name: without the path the line would start with (it is beside it)."""
    for prefix in (entry.source + ": ", entry.source + " "):
        if error.startswith(prefix):
            error = error[len(prefix):]
    kind = error.split(":", 1)[0]
    if kind in _OS_ERRORS:  # a file taken away or locked during its analysis: no errno and path
        return _OS_ERRORS[kind]
    return error[:1].upper() + error[1:] if error else "failed"
