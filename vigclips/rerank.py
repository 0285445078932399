"""``vigclips rank OUT/<name>``: rank a recording's candidates again from its saved signals, keeping the guider's work.

A changed ``[scoring]`` setting, a different ``--top`` or weights fitted by ``vigclips learn`` take effect in about a second
instead of a re-analysis: the per-tick channels and vocal segments come from ``analysis.npz`` (:mod:`vigclips.cache`).

Every moment holding guider work stays exactly as it is: confirmed or rejected, trimmed, tagged, annotated, or added by the
guider. The fresh candidates fill the list around them; one that mostly overlaps a kept moment is left out (it would
suggest again what the guider already confirmed or rejected). A fresh candidate with the very bounds of an old undecided one
keeps its id, still and preview; stills and previews of candidates that went away are removed, so an id never shows another
moment's pictures. The review page makes the previews still missing when it next opens.

Afterwards ``timeline.png``, ``<stem>.eaf``, ``moments.vtt`` and ``<stem>.edl`` are written again from the new list
(:func:`write_reviewed_outputs`, which ``vigclips export`` also calls to refresh them with the decisions).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from vigclips.cache import load_analysis
from vigclips.config import PipelineConfig
from vigclips.timefmt import utc_now
from vigclips.types import MediaInfo, Moment

log = logging.getLogger("vigclips")

TIMELINE_FILE = "timeline.png"
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


def moment_from_record(record: dict[str, Any], *, original_bounds: bool = False) -> Moment:
    """A ``moments.json`` record as a :class:`Moment` (``original_bounds``: the program's bounds before any trim)."""
    start_s = record.get("original_start_s", record["start_s"]) if original_bounds else record["start_s"]
    end_s = record.get("original_end_s", record["end_s"]) if original_bounds else record["end_s"]
    return Moment(id=str(record["id"]), rank=int(record["rank"]), start_s=float(start_s), end_s=float(end_s),
                  score=float(record["score"]), reasons=tuple(record.get("reasons") or ()),
                  scores=dict(record.get("scores") or {}), details=dict(record.get("details") or {}))  # fmt: skip


def saved_config(document: dict[str, Any]) -> PipelineConfig:
    """The settings the analysis ran with (from ``moments.json``), for what ``rank`` does not re-apply (turn counting)."""
    saved = (document.get("analysis") or {}).get("config") or {}
    flat = {f"{section}.{name}": value for section, values in saved.items() if isinstance(values, dict)
            for name, value in values.items()}  # fmt: skip
    try:
        return PipelineConfig().with_overrides(flat)
    except Exception as exc:  # settings of another vigclips version: turns are then counted with today's defaults
        log.info("settings in moments.json not usable (%s); counting turns with the default settings", exc)
        return PipelineConfig()


def load_saved(folder: Path, document: dict[str, Any]):
    """The :class:`vigclips.pipeline.Analysis` of a folder rebuilt from ``analysis.npz`` (turns counted again from the saved
    segments with the analysis's own audio settings).

    Raises:
        ReviewFileError: no saved analysis, or one of another recording.
    """
    from vigclips.audio import count_turns
    from vigclips.pipeline import Analysis

    saved = load_analysis(folder, document)
    source = document["source"]
    fps = Fraction(source["fps"]) if source.get("fps") else Fraction(0)
    info = MediaInfo(path=Path(source.get("path") or source["file_name"]), size_bytes=int(source.get("size_bytes") or 0),
                     duration_s=float(source["duration_s"]), has_video=bool(fps), fps=fps,
                     width=int(source.get("width") or 0), height=int(source.get("height") or 0),
                     has_audio=bool(source.get("has_audio", True)))  # fmt: skip
    turns = count_turns(saved.segments, saved.signals, saved_config(document).audio)
    return Analysis(info=info, signals=saved.signals, segments=saved.segments, turns=turns)


def window_principle_scores(analysis: Any, cfg: PipelineConfig | None, start_s: float, end_s: float) -> dict[str, float]:
    """Per-principle scores of a stretch the program did not propose (added by a guider), as a candidate carries them: the
    window scores at the stretch's best tick. What ``vigclips learn`` needs to learn from it.

    Args:
        analysis: from :func:`load_saved`.
        cfg: scoring settings (default :class:`PipelineConfig`'s); the per-principle scores do not depend on the weights.
        start_s, end_s: the stretch.
    """
    from vigclips.scoring import score_track
    from vigclips.scoring.principles import PRINCIPLES

    cfg = cfg or PipelineConfig()
    _cues, scores, combined = score_track(analysis.signals, cfg.scoring, analysis.turns)
    t_s = analysis.signals.t_s
    inside = (t_s >= start_s) & (t_s < end_s)
    if not inside.any():
        return {}
    ticks = inside.nonzero()[0]
    peak = int(ticks[int(np.argmax(np.nan_to_num(combined[ticks], nan=-1.0)))])
    return {p: round(float(scores[p][peak]), 4) for p in PRINCIPLES}


def merge_ranking(document: dict[str, Any], fresh: list[Moment], top: int) -> tuple[list[dict[str, Any]], list[Moment], int]:
    """Which moments the new list holds: ``(kept records, fresh candidates with their final ids and ranks, number left out)``.

    Pure. Kept records are returned untouched; fresh candidates get ranks after the kept ones' and ids that collide with no
    kept moment (an old undecided candidate's id only for the very same bounds).
    """
    kept = [m for m in document["moments"] if _moment_has_work(m)]
    old_candidates = {(round(float(m["start_s"]), 3), round(float(m["end_s"]), 3)): m["id"]
                      for m in document["moments"] if not _moment_has_work(m)}  # fmt: skip
    taken = {m["id"] for m in document["moments"]}
    chosen: list[Moment] = []
    dropped = 0
    for m in fresh:
        if any(_shares_too_much(m.start_s, m.end_s, float(k["start_s"]), float(k["end_s"])) for k in kept):
            dropped += 1
            continue
        if len(chosen) < top:
            chosen.append(m)
    same = {id(m): old_candidates.get((round(m.start_s, 3), round(m.end_s, 3))) for m in chosen}
    numbers = (n for n in range(1, 10_000) if f"m{n:02d}" not in taken)
    first_rank = 1 + max((int(k.get("rank", 0)) for k in kept), default=0)
    out = []
    for k, m in enumerate(chosen):
        moment_id = same[id(m)] or f"m{next(numbers):02d}"
        out.append(dataclasses.replace(m, id=moment_id, rank=first_rank + k))
    return kept, out, dropped


def _shares_too_much(s0: float, e0: float, s1: float, e1: float) -> bool:
    shared = min(e0, e1) - max(s0, s1)
    return shared > 0 and shared > MAX_SHARED_FRACTION * min(e0 - s0, e1 - s1)


def rank_folder(folder: Path, cfg: PipelineConfig | None = None, *, top: int | None = None, stills: bool = True,
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
    from vigclips.pipeline import STILLS_DIR, find_moments
    from vigclips.review.decisions import DecisionStore
    from vigclips.review.previews import preview_path
    from vigclips.moments_file import moment_record

    started = time.perf_counter()
    cfg = cfg or PipelineConfig()
    top = top or cfg.analysis.top
    folder = Path(folder)
    store = DecisionStore(folder)
    document = store.read()
    analysis = load_saved(folder, document)
    if stills and analysis.info.has_video:
        analysis.info = _recording_for_stills(document, folder, source, analysis.info)
    _log_settings_not_applied(document, cfg)
    # Ask for enough that `top` remain after those overlapping a kept moment are left out.
    fresh = find_moments(analysis, cfg, top + sum(_moment_has_work(m) for m in document["moments"]))
    kept, chosen, dropped = merge_ranking(document, fresh, top)
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
    gone = [i for i in old_ids if i not in reused and i not in {k["id"] for k in kept}]
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
            shown = [moment_from_record(r) for r in [*kept, *records] if r["status"] != "rejected"]
            title = document["source"]["file_name"]
            drawing = painter.submit(_draw_timeline, analysis, shown, cfg, partial, title) if timeline else None
            for m, record in zip(chosen, records, strict=True):
                if stills and m.id not in reused:
                    record["still"] = _cut_still(analysis.info, m, folder, STILLS_DIR)
            if drawing is not None:
                drawing.result()
        written = store.update(document.get("revision", 0), change)
        if timeline:
            os.replace(partial, folder / TIMELINE_FILE)
    finally:
        partial.unlink(missing_ok=True)
    for moment_id in gone:  # candidates that went away: their pictures are no longer referenced
        for stale in (folder / STILLS_DIR / f"{moment_id}.jpg", folder / preview_path(moment_id)):
            stale.unlink(missing_ok=True)
    write_reviewed_outputs(folder, written, analysis, cfg)
    return RankReport(folder, len(kept), len(records), dropped, time.perf_counter() - started)


def _draw_timeline(analysis: Any, moments: list[Moment], cfg: PipelineConfig, path: Path, title: str) -> Path:
    from vigclips.report import write_timeline_png

    return write_timeline_png(analysis.signals, moments, path, cfg=cfg.scoring, turns=analysis.turns, title=title)


def _moment_has_work(record: dict[str, Any]) -> bool:
    """The same test ``analyze`` uses before it refuses to overwrite a folder (one definition of "guider work")."""
    from vigclips.output_folder import holds_guider_work

    return holds_guider_work(record)


def _log_settings_not_applied(document: dict[str, Any], cfg: PipelineConfig) -> None:
    saved = (document.get("analysis") or {}).get("config") or {}
    current = cfg.to_dict()
    differ = [f"[{s}]" for s in ("vision", "audio") if s in saved and saved[s] != current[s]]
    differ += [f"analysis.{k}" for k in ("fps", "max_width_px") if k in saved.get("analysis", {})
               and saved["analysis"][k] != current["analysis"][k]]  # fmt: skip
    if differ:
        log.warning("%s differ from the analysis's settings; `rank` only applies [scoring] and --top to the saved signals "
                    "(analyse again to apply them)", ", ".join(differ))  # fmt: skip


def _recording_for_stills(document: dict[str, Any], folder: Path, source: Path | None, info: MediaInfo) -> MediaInfo:
    """``info`` pointing at the recording found as ``export`` finds it; unchanged (and a warning) when it is not found."""
    from vigclips.errors import ReviewFileError
    from vigclips.export import locate_source

    if source is None and info.path.is_file() and info.path.stat().st_size == info.size_bytes:
        return info  # where analysis found it (the sha256 was checked then; size still agrees)
    try:
        return dataclasses.replace(info, path=locate_source(document, folder, source))
    except ReviewFileError as exc:
        log.warning("new candidates get no still: %s", exc)
        return info


def _cut_still(info: MediaInfo, moment: Moment, folder: Path, stills_dir: str) -> str | None:
    from vigclips.errors import VigclipsError
    from vigclips.media import extract_still

    still_t_s = (moment.details or {}).get("best_still_t_s")
    if not info.has_video or not isinstance(still_t_s, (int, float)) or not info.path.is_file():
        return None
    relative = f"{stills_dir}/{moment.id}.jpg"
    try:
        extract_still(info.path, float(still_t_s), folder / relative, info=info)
    except VigclipsError as exc:
        log.warning("%s: no still for %s (%s)", info.path.name, moment.id, exc)
        return None
    return relative


def write_reviewed_outputs(folder: Path, document: dict[str, Any], analysis: Any | None, cfg: PipelineConfig | None = None,
                           *, timeline: bool = False, media: Path | None = None) -> list[Path]:  # fmt: skip
    """Write ``<stem>.eaf`` (with the guider's tiers), ``moments.vtt`` and ``<stem>.edl`` from the current ``moments.json``
    (and ``timeline.png`` with ``timeline``): the moments not rejected, with their current bounds and status.

    Args:
        folder: the output folder.
        document: its ``moments.json`` document.
        analysis: the saved analysis (:func:`load_saved`), or ``None`` when the folder has none: the ``.eaf`` and the
            timeline then stay as they are (they need the signals).
        cfg: scoring settings for the ``.eaf``'s cue tiers and the timeline (default: the analysis's own).
        timeline: also draw ``timeline.png`` again.
        media: the recording the ``.eaf`` links to (default: the path ``moments.json`` names).

    Returns:
        The files written.
    """
    from vigclips.report import write_eaf, write_edl, write_timeline_png, write_vtt

    folder = Path(folder)
    cfg = cfg or saved_config(document)
    source = document["source"]
    stem = Path(source["file_name"]).stem
    shown = sorted((r for r in document["moments"] if r["status"] != "rejected"), key=lambda r: int(r.get("rank", 0)))
    moments = [moment_from_record(r) for r in shown]
    fps = Fraction(source["fps"]) if source.get("fps") else None
    written = [
        write_vtt(moments, folder / "moments.vtt", statuses={r["id"]: r["status"] for r in shown}),
        write_edl(moments, folder / f"{stem}.edl", fps, source["file_name"], title=f"vigclips moments {stem}"),
    ]
    if analysis is not None:
        program = [moment_from_record(r, original_bounds=True) for r in document["moments"] if r.get("added_by") != "guider"]
        media = media or Path(source.get("path") or source["file_name"])
        written.append(write_eaf(analysis.signals, program, analysis.segments, analysis.turns, folder / f"{stem}.eaf", media,
                                 cfg=cfg.scoring, review=document["moments"]))  # fmt: skip
        if timeline:
            written.append(write_timeline_png(analysis.signals, moments, folder / TIMELINE_FILE, cfg=cfg.scoring,
                                              turns=analysis.turns, title=source["file_name"]))  # fmt: skip
    return written
