"""The one writer of the files derived from a folder's moments: ``timeline.png``, ``<stem>.eaf``, ``moments.vtt`` and
``<stem>.edl`` (issue 21: analysis, ``rank`` and ``export`` all write them through here).

Two moments in a folder's life: right after analysis, the program's candidates (:func:`write_candidate_files`); after
review, the moments not rejected with their current bounds and status, and the guider's tiers in the ``.eaf``
(:func:`write_reviewed_files`). Both use the settings the caller passes: the current ones, learned weights included.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from vigclips.config import PipelineConfig
from vigclips.fileio import inside
from vigclips.report import write_eaf, write_edl, write_timeline_png, write_vtt
from vigclips.results.layout import ANALYSIS_FILE, TIMELINE_FILE, VTT_FILE, eaf_file, edl_file
from vigclips.results.moments import moment_records, source_of
from vigclips.signals import Analysis
from vigclips.types import Moment

log = logging.getLogger("vigclips")


def draw_timeline(analysis: Analysis, moments: list[Moment], path: Path, cfg: PipelineConfig, title: str) -> Path:
    """``timeline.png`` (or ``path``): the main signals over time with ``moments`` shaded and numbered."""
    return write_timeline_png(analysis.signals, moments, path, cfg.scoring, turns=analysis.turns, title=title)


def write_candidate_files(folder: Path, analysis: Analysis, moments: list[Moment], cfg: PipelineConfig) -> list[Path]:
    """After analysis: the timeline, the ``.eaf``, WebVTT chapters and the EDL of the program's candidates.

    The ``.eaf`` links the recording by its full path and relative to ``folder`` (an analysis's work folder is a sibling of
    the final one, so the relative link is the same from both).
    """
    folder = Path(folder)
    info = analysis.info
    stem = info.path.stem
    return [
        draw_timeline(analysis, moments, folder / TIMELINE_FILE, cfg, info.path.name),
        write_eaf(analysis.signals, moments, analysis.segments, analysis.turns, folder / eaf_file(stem), info.path.resolve(),
                  cfg.scoring),  # fmt: skip
        write_vtt(moments, folder / VTT_FILE),
        write_edl(moments, folder / edl_file(stem), info.fps if info.has_video else None, info.path.name),
    ]


def write_reviewed_files(folder: Path, document: dict[str, Any], analysis: Analysis | None, cfg: PipelineConfig, *,
                         media: Path | None = None) -> list[Path]:  # fmt: skip
    """After review (``rank``, ``export``): ``<stem>.eaf`` (with the guider's tiers), ``moments.vtt`` and ``<stem>.edl`` from
    ``document``: the moments not rejected, with their current bounds and status.

    Args:
        folder: the output folder.
        document: its ``moments.json`` document.
        analysis: the saved analysis (:func:`vigclips.results.saved.load_saved`), or ``None`` when the folder has none: the
            ``.eaf`` then stays as it is (it needs the signals).
        cfg: the settings of the ``.eaf``'s cue tiers.
        media: the recording the ``.eaf`` links to (default: the path ``moments.json`` names).

    Returns:
        The files written.
    """
    folder = Path(folder)
    source = source_of(document)
    records = moment_records(document)
    shown = sorted((r for r in records if r.status != "rejected"), key=lambda r: r.rank)
    moments = [r.to_moment() for r in shown]
    written = [
        write_vtt(moments, folder / VTT_FILE, statuses={r.id: r.status for r in shown}),
        write_edl(moments, inside(folder, edl_file(source.stem)), source.frame_rate, source.file_name,
                  title=f"vigclips moments {source.stem}"),
    ]
    if analysis is None:
        log.info("%s: no %s, so the .eaf keeps the analysis's tiers (analyse again to have the decisions in it)",
                 folder, ANALYSIS_FILE)  # fmt: skip
        return written
    program = [r.to_moment(original_bounds=True) for r in records if not r.added_by_guider]
    media = media or Path(source.path or source.file_name)
    # The revision lets `import-elan` refuse this file once the decisions have moved on (issue 24).
    written.append(write_eaf(analysis.signals, program, analysis.segments, analysis.turns, inside(folder, eaf_file(source.stem)),
                             media, cfg.scoring, review=document["moments"],
                             revision=int(document.get("revision", 0))))  # fmt: skip
    return written
