"""The results folder's layout: every file and folder name vigclips writes, named once (issue 21).

A recording's output folder ``OUT/<name>/``::

    moments.json            the candidates and the guider's decisions (:mod:`vigclips.results.moments`)
    signals.csv             per-tick channels for people and spreadsheets (:mod:`vigclips.results.cues` reads it back)
    analysis.npz            the exact signals ``rank`` re-ranks from (:mod:`vigclips.results.saved`)
    vocalisations.rttm      voice segments
    timeline.png, moments.vtt, <stem>.eaf, <stem>.edl   derived files (:mod:`vigclips.results.derived`)
    overlay.mp4             with ``--overlay``
    stills/<id>.jpg         each candidate's best frame
    previews/<id>.mp4, previews/recording.mp4           the review page's previews (:mod:`vigclips.results.previews`)
    clips/                  what ``export`` writes: clips, manifest.csv, annotated/, stills/, contact sheet, timelines

A batch's ``OUT/`` also holds ``summary.csv``, ``summary.html`` and ``batch.log``.

Locks (#24): the locks of what is inside a recording's folder lie inside it (``.moments.lock``, ``.export.lock``), so a
writable folder in a read-only parent can be reviewed and exported. Re-analysis replaces the folder by renames in the parent
(which it must be able to write), under ``OUT/.<name>.swap.lock`` beside it; see :mod:`vigclips.results.folder` for how
the swap and the in-folder lock work together (and why no file in the folder is open while it is renamed: Windows).
"""

from __future__ import annotations

from pathlib import Path

MOMENTS_FILE = "moments.json"
SIGNALS_FILE = "signals.csv"
ANALYSIS_FILE = "analysis.npz"
RTTM_FILE = "vocalisations.rttm"
OVERLAY_FILE = "overlay.mp4"
TIMELINE_FILE = "timeline.png"
VTT_FILE = "moments.vtt"
STILLS_DIR = "stills"
"""Each candidate's best frame, ``stills/<id>.jpg``; ``clips/stills/`` holds the exported moments' stills."""
PREVIEWS_DIR = "previews"
RECORDING_PREVIEW = "recording.mp4"
"""The whole recording, small, in ``previews/``: the review page trims moments and finds missed ones in it."""

REVIEW_PORT_FILE = ".review-port"
"""The port the folder's review page had last time (hidden; the next `vigclips review` takes it again when it is free)."""

CLIPS_DIR = "clips"
ANNOTATED_DIR = "annotated"
"""Teaching versions of the clips, ``clips/annotated/``."""
CONTACT_SHEET_FILE = "contact_sheet.png"
MANIFEST_FILE = "manifest.csv"

SUMMARY_CSV = "summary.csv"
SUMMARY_HTML = "summary.html"
BATCH_LOG_FILE = "batch.log"


def eaf_file(stem: str) -> str:
    """``<stem>.eaf``, the ELAN file of a recording named ``<stem>.<ext>``."""
    return f"{stem}.eaf"


def edl_file(stem: str) -> str:
    """``<stem>.edl``, the cut list of the candidates."""
    return f"{stem}.edl"


def still_path(moment_id: str) -> str:
    """Relative path (from the output folder) of a candidate's still."""
    return f"{STILLS_DIR}/{moment_id}.jpg"


def preview_path(moment_id: str) -> str:
    """Relative path (from the output folder) of a candidate's preview."""
    return f"{PREVIEWS_DIR}/{moment_id}.mp4"


def recording_preview_path() -> str:
    """Relative path (from the output folder) of the whole-recording preview."""
    return f"{PREVIEWS_DIR}/{RECORDING_PREVIEW}"


MOMENTS_LOCK_FILE = ".moments.lock"
EXPORT_LOCK_FILE = ".export.lock"
REPLACING_FILE = ".replacing"
"""Put in a folder by an analysis about to rename it away: writers that come after wait for the new folder (#24)."""


def moments_lock_path(folder: Path) -> Path:
    """The lock every writer of ``folder/moments.json`` holds, inside the folder: the review server for each decision, and
    an analysis while it checks the folder before swapping a new one in (#14, #24)."""
    return Path(folder) / MOMENTS_LOCK_FILE


def export_lock_path(folder: Path) -> Path:
    """The lock of a recording's export, inside its folder: the CLI and the review page's button must not cut into one
    ``clips/`` at once."""
    return Path(folder) / EXPORT_LOCK_FILE


def swap_lock_path(folder: Path) -> Path:
    """The lock of replacing ``folder`` itself (an analysis's swap, putting back an interrupted one), beside it: these rename
    entries of the parent, so the parent is writable whenever they run, and the folder may not exist yet."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.swap.lock"
