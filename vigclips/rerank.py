"""``vigclips rank OUT/<name>``: rank a recording's candidates again from its saved signals, keeping the guider's work.

A changed ``[scoring]`` setting, a different ``--top`` or weights fitted by ``vigclips learn`` take effect in about a second
instead of a re-analysis: the per-tick channels and vocal segments come from ``analysis.npz`` (:mod:`vigclips.results.saved`).

Every moment holding guider work stays exactly as it is: confirmed or rejected, trimmed, tagged, annotated, or added by the
guider. The fresh candidates fill the list around them; one that mostly overlaps a kept moment is left out (it would
suggest again what the guider already confirmed or rejected). A fresh candidate with the very bounds of an old undecided one
keeps its id, still and preview; stills and previews of candidates that went away are removed, so an id never shows another
moment's pictures. The review page makes the previews still missing when it next opens.

Afterwards ``timeline.png``, ``<stem>.eaf``, ``moments.vtt`` and ``<stem>.edl`` are written again from the new list
(:mod:`vigclips.results.derived`, as ``vigclips export`` refreshes them with the decisions), with the same current
settings ``rank`` ranked with.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vigclips.config import PipelineConfig
from vigclips.errors import ReviewFileError, VigclipsError
from vigclips.fileio import inside
from vigclips.media import extract_still
from vigclips.pipeline import find_moments
from vigclips.results.decisions import DecisionStore
from vigclips.results.derived import draw_timeline, write_reviewed_files
from vigclips.results.folder import locate_source
from vigclips.results.layout import TIMELINE_FILE, preview_path, still_path
from vigclips.results.moments import moment_record, moment_records, saved_config
from vigclips.results.records import MomentRecord
from vigclips.results.saved import load_saved
from vigclips.scoring import PRINCIPLES, score_track
from vigclips.signals import Analysis
from vigclips.timefmt import utc_now
from vigclips.types import MediaInfo, Moment

log = logging.getLogger("vigclips")

MAX_SHARED_FRACTION = 0.5
"""A fresh candidate sharing more than this fraction of its own length (or of a kept moment's) with a kept moment is left out."""


@dataclass(frozen=True, slots=True)
class RankReport:
    """What ``rank`` did to one folder."""

    folder: Path
    kept: int
    candidates: int
    dropped_overlapping: int
    seconds: float

    def summary(self) -> str:
        """One line for the CLI."""
        return (f"{self.folder}: {self.candidates} candidate(s) ranked again, {self.kept} moment(s) with your decisions kept"
                + (f", {self.dropped_overlapping} left out as overlapping them" if self.dropped_overlapping else "")
                + f" ({self.seconds:.1f} s)")  # fmt: skip


def window_principle_scores(analysis: Analysis, cfg: PipelineConfig, start_s: float, end_s: float) -> dict[str, float]:
    """Per-principle scores of a stretch the program did not propose (added by a guider), as a candidate carries them: the
    window scores at the stretch's best tick. What ``vigclips learn`` needs to learn from it.

    Args:
        analysis: from :func:`vigclips.results.saved.load_saved`.
        cfg: the settings; the per-principle scores depend on ``[scoring]`` but not on the weights.
        start_s, end_s: the stretch.
    """
    _cues, scores, combined = score_track(analysis.signals, cfg.scoring, analysis.turns)
    t_s = analysis.signals.t_s
    inside = (t_s >= start_s) & (t_s < end_s)
    if not inside.any():
        return {}
    ticks = inside.nonzero()[0]
    peak = int(ticks[int(np.argmax(np.nan_to_num(combined[ticks], nan=-1.0)))])
    return {p: round(float(scores[p][peak]), 4) for p in PRINCIPLES}


def merge_ranking(moments: list[MomentRecord], fresh: list[Moment], top: int) -> tuple[list[MomentRecord], list[Moment], int]:
    """Which moments the new list holds: ``(kept records, fresh candidates with their final ids and ranks, number left out)``.

    Pure. Kept records are returned untouched; fresh candidates get ranks after the kept ones' and ids that collide with no
    kept moment (an old undecided candidate's id only for the very same bounds).
    """
    kept = [m for m in moments if m.holds_guider_work]
    old_candidates = {(round(float(m.start_s), 3), round(float(m.end_s), 3)): m.id for m in moments if not m.holds_guider_work}
    taken = {m.id for m in moments}
    chosen: list[Moment] = []
    dropped = 0
    for m in fresh:
        if any(_shares_too_much(m.start_s, m.end_s, float(k.start_s), float(k.end_s)) for k in kept):
            dropped += 1
            continue
        if len(chosen) < top:
            chosen.append(m)
    same = {id(m): old_candidates.get((round(m.start_s, 3), round(m.end_s, 3))) for m in chosen}
    numbers = (n for n in range(1, 10_000) if f"m{n:02d}" not in taken)
    first_rank = 1 + max((k.rank for k in kept), default=0)
    out = []
    for k, m in enumerate(chosen):
        moment_id = same[id(m)] or f"m{next(numbers):02d}"
        out.append(dataclasses.replace(m, id=moment_id, rank=first_rank + k))
    return kept, out, dropped


def _shares_too_much(s0: float, e0: float, s1: float, e1: float) -> bool:
    shared = min(e0, e1) - max(s0, s1)
    return shared > 0 and shared > MAX_SHARED_FRACTION * min(e0 - s0, e1 - s1)


def rank_folder(folder: Path, cfg: PipelineConfig = PipelineConfig(), *, top: int | None = None, stills: bool = True,
                timeline: bool = True, source: Path | None = None) -> RankReport:  # fmt: skip
    """Rank the candidates of ``OUT/<name>`` again with ``cfg``'s scoring settings (and weights), keeping every decision.

    Args:
        folder: an output folder of ``analyze`` (``moments.json`` and ``analysis.npz``).
        cfg: the settings; only ``[scoring]`` and ``analysis.top`` apply (the rest shaped the saved signals; a re-analysis
            is needed to change them, and a difference is logged).
        top: how many fresh candidates besides the kept moments (default ``cfg.analysis.top``).
        stills: cut the still of each new candidate (needs the recording; without it the page shows none).
        timeline: draw ``timeline.png`` again (most of the time ``rank`` takes).
        source: the recording, if it has moved since analysis (for the stills; checked by size and sha256).

    Returns:
        A :class:`RankReport`.

    Raises:
        ReviewFileError: no or a bad ``moments.json`` or ``analysis.npz``. StaleRevisionError: the review page changed
            the file meanwhile (nothing was written; run again).

    Example:
        >>> rank_folder(Path("out/play"), load_config(None, {"scoring.weights_file": "w.json"}))  # doctest: +SKIP
    """
    started = time.perf_counter()
    top = top or cfg.analysis.top
    folder = Path(folder)
    store = DecisionStore(folder)
    document = store.read()
    analysis = load_saved(folder, document)
    if stills and analysis.info.has_video:
        analysis.info = _recording_for_stills(document, folder, source, analysis.info)
    _log_settings_not_applied(document, cfg)
    # Ask for enough that `top` remain after those overlapping a kept moment are left out.
    moments = moment_records(document)
    fresh = find_moments(analysis, cfg, top + sum(m.holds_guider_work for m in moments))
    kept_records, chosen, dropped = merge_ranking(moments, fresh, top)
    kept = [k.to_json() for k in kept_records]
    old_ids = {m["id"]: m for m in document["moments"]}
    reused = {m.id for m in chosen if m.id in old_ids}
    records = []
    for m in chosen:
        if m.id in reused:
            record = dict(old_ids[m.id])  # same bounds: same still and preview; scores and reasons as ranked now
            record.update({k: v for k, v in moment_record(m).items() if k not in ("still", "status")})
        else:
            record = moment_record(m)
            record["preview"] = None
        record["turns"] = analysis.turns.within(m.start_s, m.end_s)
        records.append(record)
    gone = [i for i in old_ids if i not in reused and i not in {k.id for k in kept_records}]
    partial = folder / f".{TIMELINE_FILE}.{os.getpid()}.partial"

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        new = dict(doc)
        new["moments"] = [*kept, *records]
        # to_dict() holds plain JSON values (tuples already lists)
        new["analysis"] = {**doc.get("analysis", {}), "ranked": {"utc": utc_now(), "scoring": cfg.to_dict()["scoring"], "top": top}}
        new["summary"] = {**doc.get("summary", {}), "candidates": len(records)}
        new["revision"] = int(doc.get("revision", 0)) + 1
        return new

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigclips-timeline") as painter:
            # matplotlib draws while ffmpeg cuts the stills in its own processes; the picture replaces timeline.png
            # only once the new list is saved.
            shown = [MomentRecord.from_json(r).to_moment() for r in [*kept, *records] if r["status"] != "rejected"]
            title = document["source"]["file_name"]
            drawing = painter.submit(draw_timeline, analysis, shown, partial, cfg, title) if timeline else None
            for m, record in zip(chosen, records, strict=True):
                if stills and m.id not in reused:
                    record["still"] = _cut_still(analysis.info, m, folder)
            if drawing is not None:
                drawing.result()
        written = store.update(document.get("revision", 0), change)
        if timeline:
            os.replace(partial, folder / TIMELINE_FILE)
    finally:
        partial.unlink(missing_ok=True)
    for moment_id in gone:  # candidates that went away: their pictures are no longer referenced
        for stale in (inside(folder, still_path(moment_id)), inside(folder, preview_path(moment_id))):
            stale.unlink(missing_ok=True)
    write_reviewed_files(folder, written, analysis, cfg)
    return RankReport(folder, len(kept), len(records), dropped, time.perf_counter() - started)


def _log_settings_not_applied(document: dict[str, Any], cfg: PipelineConfig) -> None:
    saved = saved_config(document)
    differ = [f"[{s}]" for s in ("vision", "audio") if getattr(saved, s) != getattr(cfg, s)]
    differ += [f"analysis.{k}" for k in ("fps", "max_width_px") if getattr(saved.analysis, k) != getattr(cfg.analysis, k)]
    if differ:
        log.warning("%s differ from the analysis's settings; `rank` only applies [scoring] and --top to the saved signals "
                    "(analyse again to apply them)", ", ".join(differ))  # fmt: skip


def _recording_for_stills(document: dict[str, Any], folder: Path, source: Path | None, info: MediaInfo) -> MediaInfo:
    """``info`` pointing at the recording found as ``export`` finds it; unchanged (and a warning) when it is not found."""
    if source is None and info.path.is_file() and info.path.stat().st_size == info.size_bytes:
        return info  # where analysis found it (the sha256 was checked then; size still agrees)
    try:
        return dataclasses.replace(info, path=locate_source(document, folder, source))
    except ReviewFileError as exc:
        log.warning("new candidates get no still: %s", exc)
        return info


def _cut_still(info: MediaInfo, moment: Moment, folder: Path) -> str | None:
    still_t_s = (moment.details or {}).get("best_still_t_s")
    if not info.has_video or not isinstance(still_t_s, (int, float)) or not info.path.is_file():
        return None
    relative = still_path(moment.id)
    try:
        extract_still(info.path, float(still_t_s), inside(folder, relative), info=info)
    except VigclipsError as exc:
        log.warning("%s: no still for %s (%s)", info.path.name, moment.id, exc)
        return None
    return relative

