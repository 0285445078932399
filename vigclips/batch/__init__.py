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

Modules
    :mod:`~vigclips.batch.discovery` (which files, which folder names), :mod:`~vigclips.batch.job` (one recording, as a
    worker runs it), :mod:`~vigclips.batch.local_runner` and :mod:`~vigclips.batch.dask_runner` (where jobs run),
    :mod:`~vigclips.batch.markers` (done-markers, the lock, leftovers), :mod:`~vigclips.batch.summary` (summary files and
    log lines), :mod:`~vigclips.batch.run` (the batch itself).

Example:
    >>> from vigclips.batch import run_batch                    # doctest: +SKIP
    >>> report = run_batch(["/recordings/2026-11-24"], "/results/night", workers=2)
    >>> report.exit_code, report.failed_count
    (0, 0)
"""

from vigclips.batch.discovery import AUDIO_EXTENSIONS, PARTIAL_MARKS, VIDEO_EXTENSIONS, find_recordings, output_names
from vigclips.batch.local_runner import default_workers, exit_with_parent
from vigclips.batch.markers import MARKER_FILE, STATE_DIR, config_key, discard_leftovers, exclusive, read_marker
from vigclips.batch.run import EVENTS, run_batch
from vigclips.batch.state import PROGRESS_EVERY_S
from vigclips.batch.summary import (EXIT_OK, EXIT_SOME_FAILED, REASON_SEPARATOR, SUMMARY_COLUMNS, BatchReport, RecordingResult,
                                    format_event, summary_rows, write_summary)
from vigclips.results.layout import BATCH_LOG_FILE, SUMMARY_CSV, SUMMARY_HTML

__all__ = [
    "AUDIO_EXTENSIONS",
    "BATCH_LOG_FILE",
    "BatchReport",
    "EVENTS",
    "EXIT_OK",
    "EXIT_SOME_FAILED",
    "MARKER_FILE",
    "PARTIAL_MARKS",
    "PROGRESS_EVERY_S",
    "REASON_SEPARATOR",
    "RecordingResult",
    "STATE_DIR",
    "SUMMARY_COLUMNS",
    "SUMMARY_CSV",
    "SUMMARY_HTML",
    "VIDEO_EXTENSIONS",
    "config_key",
    "default_workers",
    "discard_leftovers",
    "exclusive",
    "exit_with_parent",
    "find_recordings",
    "format_event",
    "output_names",
    "read_marker",
    "run_batch",
    "summary_rows",
    "write_summary",
]
