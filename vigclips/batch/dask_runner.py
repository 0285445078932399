"""The Dask runner: the same job on a Dask distributed cluster (optional extra ``batch-dask``)."""

from __future__ import annotations

import time
from typing import Any, Callable

from vigclips.batch.job import Job, one_line, run_job
from vigclips.batch.state import Batch
from vigclips.errors import VigclipsError


def _dask_job(job: Job, topic: str) -> dict[str, Any]:
    """Dask task: events go to the client through the scheduler's event log (``Client.subscribe_topic``)."""
    from distributed import get_worker

    worker = get_worker()
    return run_job(job, lambda message: worker.log_event(topic, message))


def import_distributed():
    try:
        import distributed
    except ImportError:
        raise VigclipsError("--scheduler needs Dask: pip install 'vigclips[batch-dask]' (dask[distributed])") from None
    return distributed


def run_on_dask(batch: Batch, jobs: list[Job], scheduler: str, run_id: str) -> None:
    distributed = import_distributed()
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
                outcome = {"status": "failed", "time_s": 0.0, "error": one_line(exc)}
            # events travel through the scheduler: let this recording's "started" arrive before "done"
            _wait_for(lambda: job.index in batch.running or job.index in batch.results, 2.0)
            batch.finish(job.index, outcome)
        client.unsubscribe_topic(topic)


def _wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
