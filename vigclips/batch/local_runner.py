"""The local runner: a pool of spawned worker processes on this machine, each one core, that exit with their batch."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing as mp
import os
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.managers import SyncManager
from typing import Any

from vigclips.batch.job import Job, one_line, run_job
from vigclips.batch.state import Batch


log = logging.getLogger("vigclips")


def default_workers() -> int:
    """Local workers when none are asked for: one per core (each runs its analysis single-threaded)."""
    return max(1, os.cpu_count() or 1)


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


def _local_job(job: Job) -> dict[str, Any]:
    return run_job(job, _WORKER_QUEUE.put)


def run_locally(batch: Batch, jobs: list[Job], workers: int) -> None:
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
                        batch.finish(job.index, {"status": "failed", "time_s": 0.0, "error": one_line(exc)})
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


def _drain_queue(queue: Any, batch: Batch, stop: threading.Event) -> None:
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
