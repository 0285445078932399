"""The batch itself, in the caller's process: finds the recordings, skips what is done, runs the rest on a runner,
keeps the log and the ETA, and writes the summary."""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable

from vigclips.batch.dask_runner import import_distributed, run_on_dask
from vigclips.batch.discovery import find_recordings, output_names
from vigclips.batch.job import Job
from vigclips.batch.local_runner import default_workers, run_locally
from vigclips.batch.markers import already_done, config_key, discard_leftovers, exclusive
from vigclips.batch.state import Batch
from vigclips.batch.summary import BatchReport, result_from_folder, write_summary
from vigclips.config import PipelineConfig
from vigclips.errors import BadInputError
from vigclips.results.folder import check_output_folder
from vigclips.results.layout import BATCH_LOG_FILE
from vigclips.scoring import load_weights

log = logging.getLogger("vigclips")

EVENTS = ("start", "recording_skipped", "recording_started", "recording_progress", "recording_done", "recording_failed", "done")
"""Event names passed to ``progress_events`` (and printed as JSON lines by ``vigclips batch --progress json``)."""

def run_batch(
    inputs: Iterable[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    cfg: PipelineConfig = PipelineConfig(),
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
    out_root = Path(out_root).expanduser().absolute()
    if workers is not None and workers < 1:
        raise BadInputError(f"workers={workers}", "need at least 1 worker")
    workers = workers or default_workers()
    if scheduler is not None:
        import_distributed()  # fail before touching OUT when the extra is missing
    recordings = find_recordings(inputs, out_root)
    names = output_names(recordings)
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
            report = BatchReport(out_root, results, elapsed, out_root / BATCH_LOG_FILE, csv_path, html_path)
            batch.emit({"event": "done", "ok": report.ok_count, "failed_recordings": report.failed_count,
                        "skipped": report.skipped_count, "summary_csv": str(csv_path), "summary_html": str(html_path),
                        "log": str(out_root / BATCH_LOG_FILE), "exit_code": report.exit_code})  # fmt: skip
            return report
        finally:
            batch.close()
