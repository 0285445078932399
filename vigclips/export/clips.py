"""Cut the chosen moments of a recording into clips that play on phones and tablets, with a ``manifest.csv``.

Reads only ``moments.json`` (so hand edits and review decisions, including trimmed bounds, are honoured), finds the source
recording it names, checks it is the same recording (size and sha256), and cuts each clip frame-accurately into ``clips/``.
Optionally (#6): teaching versions with the cues drawn in (``clips/annotated/``), the stills (``clips/stills/``), and a
contact sheet of the exported moments for the parent at the shared-review session (``clips/contact_sheet.png``, more pages
as ``contact_sheet_page2.png`` … when needed, and all pages in ``clips/contact_sheet.pdf``).
Clips this tool wrote earlier for moments no longer chosen (e.g. rejected since) are removed, so the folder a guider takes
to a family holds only what was confirmed.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import csv
import dataclasses
import io
import logging
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigclips.config import ExportConfig, PipelineConfig
from vigclips.errors import BadInputError, ExportError, ReviewFileError, UnsafePathError
from vigclips.export.phrases import DEFAULT_LANGUAGE, SheetPhrases, available_languages, load_phrases
from vigclips.export.sheet import sheet_page_paths, write_contact_sheet
from vigclips.export.teaching import TEMP_MARK, render_teaching_clip
from vigclips.fileio import LockBusy, atomic_path, atomic_write_bytes, atomic_write_text, inside, locked, make_private_dir
from vigclips.media import ClipEncoding, build_clip_args, extract_still, probe, run_ffmpeg
from vigclips.progress import NullProgress, Progress
from vigclips.report.edl import write_edl
from vigclips.report.otio_timeline import FCP_XML_SUFFIX, build_timeline, otio_available, write_otio_timelines
from vigclips.results.cues import CueTrack, read_cues
from vigclips.results.derived import write_reviewed_files
from vigclips.results.folder import locate_source
from vigclips.results.layout import (ANALYSIS_FILE, ANNOTATED_DIR, CLIPS_DIR, CONTACT_SHEET_FILE, MANIFEST_FILE, SIGNALS_FILE,
                                     STILLS_DIR, export_lock_path)
from vigclips.results.moments import PRINCIPLE_TITLES, PRINCIPLES, moment_records, read_moments, source_of
from vigclips.results.records import MOMENT_ID, MomentRecord
from vigclips.results.saved import load_saved
from vigclips.safetext import csv_cell
from vigclips.types import ClipSpec, MediaInfo

log = logging.getLogger("vigclips")

TIMELINE_NAME = "chosen"
"""Timelines of the exported moments are ``clips/<stem>_chosen.edl`` (and ``.otio``, ``.fcp.xml`` with the timeline extra)."""
MANIFEST_COLUMNS = ("clip_file", "moment_id", "rank", "status", "start_s", "end_s", "duration_s", "principles", "note",
                    "score", "reasons", "source_file", "source_sha256")  # fmt: skip
"""``principles`` are the titles the guider ticked, joined by "; "; ``note`` is the guider's note for the shared review."""


def export_name(stem: str, moment: MomentRecord | None = None) -> str:
    """The one naming rule of what export writes, without a suffix: ``<stem>_00h01m02.5s_m03`` for a moment's clip, still
    and teaching clip, and its name inside the timelines; ``<stem>_chosen`` for the timelines of the chosen moments
    (``.edl``, ``.otio``, ``.fcp.xml``). The zero-padded start time comes first, so clips sort by time.

    Example:
        >>> m03 = MomentRecord(id="m03", rank=3, start_s=62.5, end_s=70.0, score=0.5, reasons=(), status="confirmed")
        >>> export_name("play", m03), export_name("play")
        ('play_00h01m02.5s_m03', 'play_chosen')
    """
    if moment is None:
        return f"{stem}_{TIMELINE_NAME}"
    start_s = float(moment.start_s)
    hours, rest = divmod(start_s, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{stem}_{int(hours):02d}h{int(minutes):02d}m{seconds:04.1f}s_{moment.id}"


def clip_file_name(stem: str, moment: MomentRecord) -> str:
    """``<stem>_00h01m02.5s_m03.mp4`` (:func:`export_name`)."""
    return export_name(stem, moment) + ".mp4"


def plan_clips(document: dict[str, Any], source: Path, clips_dir: Path,
               include_candidates: bool) -> list[tuple[ClipSpec, MomentRecord]]:  # fmt: skip
    """Which moments become clips (confirmed ones; with ``include_candidates`` also unreviewed candidates), sorted by time."""
    wanted = {"confirmed", "candidate"} if include_candidates else {"confirmed"}
    chosen = sorted((m for m in moment_records(document) if m.status in wanted), key=lambda m: float(m.start_s))
    stem = source_of(document).stem
    # Names come from moments.json (ids, the recording's name): each is checked to stay in clips/ before anything is cut.
    return [(ClipSpec(source, float(m.start_s), float(m.end_s), inside(clips_dir, clip_file_name(stem, m))), m) for m in chosen]


def export_clips(
    moments_dir: Path,
    cfg: PipelineConfig = PipelineConfig(),
    *,
    include_candidates: bool = False,
    source: Path | None = None,
    progress: Progress | None = None,
    annotate: bool = False,
    stills: bool = False,
    contact_sheet: bool = True,
) -> list[Path]:
    """Cut the confirmed moments (all candidates with ``include_candidates``) into ``moments_dir/clips/``.

    Args:
        moments_dir: an output folder written by ``analyze`` (holds ``moments.json``).
        cfg: the settings: ``[export]`` encodes the clips; ``[scoring]`` (the current ones, learned weights included, as
            ``rank`` uses) draws the refreshed ``.eaf``'s cue tiers.
        include_candidates: also cut moments nobody has reviewed yet (``--all``); rejected ones are never cut.
        source: the recording, if it has moved since analysis.
        progress: reports one step per clip.
        annotate: also write teaching versions with the cues drawn in, ``clips/annotated/<clip name>``.
        stills: also write each moment's still as ``clips/stills/<clip name>.jpg``.
        contact_sheet: write ``clips/contact_sheet.png`` (and ``.pdf``): the exported moments in time order, with the
            guider's notes and ticked principles.

    Returns:
        Paths of the clips written, in time order. ``clips/manifest.csv`` lists them.

    Raises:
        ReviewFileError: bad ``moments.json`` or source not found. ExportError: ffmpeg failed on a clip.

    Example:
        >>> export_clips(Path("out/demo_play"), include_candidates=True)  # doctest: +SKIP
    """
    progress = progress or NullProgress()
    moments_dir = Path(moments_dir)
    document = read_moments(moments_dir)
    src = locate_source(document, moments_dir, source)
    info = probe(src)
    if not info.has_video:  # refused before anything is made: no empty clips/ folder (#14)
        raise BadInputError(src, "is a sound recording: there are no pictures to cut clips from (the moments and their times "
                                 "are in moments.json, moments.vtt and the .eaf file)")  # fmt: skip
    clips_dir = moments_dir / CLIPS_DIR
    plan = plan_clips(document, src, clips_dir, include_candidates)
    cues = None
    if annotate and plan:  # read before anything is made: a damaged signals.csv leaves no clips/ behind
        cues = read_cues(moments_dir / SIGNALS_FILE, bool(document.get("roles_swapped")))
        _check_cues_cover(cues, plan, moments_dir / SIGNALS_FILE)
    make_private_dir(clips_dir)
    progress.start(len(plan), "export")
    written: list[Path] = []
    rows: list[dict[str, Any]] = []
    still_files: list[Path | None] = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(_one_export_at_a_time(moments_dir, clips_dir))
        # Stills only wanted for the sheet go to a private temporary folder, not into clips/stills/.
        still_dir = clips_dir / STILLS_DIR
        if not stills:
            still_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=".sheet-", dir=clips_dir)))
        try:
            for spec, moment in plan:
                cut_clip(spec, info, cfg.export)
                written.append(spec.output_path)
                rows.append(_manifest_row(spec, moment, document))
                if cues is not None:
                    render_teaching_clip(spec.output_path, moment, cues,
                                         inside(make_private_dir(clips_dir / ANNOTATED_DIR), spec.output_path.name))  # fmt: skip
                still = None
                if stills or contact_sheet:
                    still = _still_for(moment, moments_dir, info, inside(still_dir, spec.output_path.stem + ".jpg"))
                still_files.append(still)
                progress.advance(1)
        finally:
            progress.close()
        atomic_write_text(clips_dir / MANIFEST_FILE, _manifest_csv(rows))
        keep = {spec.output_path.name for spec, _ in plan}
        removed = _remove_stale(clips_dir, keep, document, ".mp4")
        if removed:  # said, never silent (#14): e.g. clips an earlier --all cut for moments nobody has confirmed
            log.warning("%s: removed %d earlier clip(s) of moments not exported now (%s)%s", clips_dir, len(removed),
                        ", ".join(removed), "" if include_candidates else "; use --all to keep unreviewed candidates' clips")
        # Teaching clips and stills of moments no longer chosen go too; current ones stay even when not remade this time.
        _remove_stale(clips_dir / ANNOTATED_DIR, keep, document, ".mp4")
        _remove_stale(clips_dir / STILLS_DIR, {Path(k).stem + ".jpg" for k in keep}, document, ".jpg")
        if contact_sheet:
            _write_contact_sheet(plan, still_files, document, clips_dir / CONTACT_SHEET_FILE)
        write_timelines(plan, document, info, clips_dir)
    refresh_reports(moments_dir, document, src, cfg)
    log.info("%s: %d clip(s) written to %s", src.name, len(written), clips_dir)
    return written


def _check_cues_cover(cues: CueTrack, plan: list[tuple[ClipSpec, MomentRecord]], path: Path) -> None:
    """Refuse a ``signals.csv`` that ends before a moment to draw begins: cut short at a row's end, it would otherwise
    draw the last row's cues over the whole teaching clip."""
    last_s = float(cues.t_s[-1])
    late = [(spec, m) for spec, m in plan if spec.start_s > last_s + 1.0]  # 1 s: far more than a tick
    if late:
        spec, moment = late[0]
        raise ReviewFileError(path, f"ends at {last_s:.1f} s, before moment {moment.id} begins ({spec.start_s:.1f} s): cut "
                                    "short? run `vigclips analyze` again")  # fmt: skip


@contextlib.contextmanager
def _one_export_at_a_time(moments_dir: Path, clips_dir: Path):
    """Hold the recording's export lock (the CLI and the review page's button must not cut into one clips/ at once), and
    remove whatever temporary work a killed export left there (:func:`is_export_leftover`): clips/ goes to the family's
    tablet, so nothing half-made may stay in it (#14, #24)."""
    try:
        with locked(export_lock_path(moments_dir), timeout_s=0):
            for folder in (clips_dir, clips_dir / ANNOTATED_DIR, clips_dir / STILLS_DIR):
                for leftover in folder.iterdir() if folder.is_dir() else []:
                    if not is_export_leftover(leftover):
                        continue
                    if leftover.is_dir() and not leftover.is_symlink():
                        shutil.rmtree(leftover, ignore_errors=True)
                    else:
                        leftover.unlink(missing_ok=True)
            yield
    except LockBusy:
        raise BadInputError(moments_dir, "another export of this recording is running; wait for it to finish") from None


LEFTOVER_DIR_PREFIXES = (".sheet-", ".annotate-")
"""Hidden working folders of an export: the sheet's stills, and (before #24) the teaching clips' frames."""


def is_export_leftover(path: Path) -> bool:
    """Whether ``path`` in clips/ is an export's own temporary work: a hidden name that ends with ``.part`` or holds
    ``.part.`` (:func:`vigclips.fileio.atomic_path`, the teaching clips' silent pictures), or a hidden working folder."""
    name = path.name
    if not name.startswith("."):
        return False
    return name.endswith(TEMP_MARK) or f"{TEMP_MARK}." in name or name.startswith(LEFTOVER_DIR_PREFIXES)


def _still_for(moment: MomentRecord, moments_dir: Path, info: MediaInfo, output: Path) -> Path | None:
    """The moment's still: the frame the guider chose (on the review page) if it lies inside the moment, else the analysis's
    best frame if it lies inside the possibly trimmed bounds, else the frame of the trimmed moment where the faces are best
    seen and smiling (from ``signals.csv``), else its middle frame."""
    start_s, end_s = float(moment.start_s), float(moment.end_s)
    best_t_s = moment.details.get("best_still_t_s")
    existing = moment.still
    make_private_dir(output.parent)
    chosen_t_s = moment.chosen_still_t_s
    if chosen_t_s is not None and info.has_video:
        return extract_still(info.path, chosen_t_s, output, info=info)
    if existing and isinstance(best_t_s, (int, float)) and start_s <= best_t_s <= end_s:
        still = None
        with contextlib.suppress(UnsafePathError):  # a hand edit's "../../x": cut a still from the recording instead
            still = inside(moments_dir, existing)
        if still is not None and still.is_file():
            atomic_write_bytes(output, still.read_bytes())
            return output
    if not info.has_video:
        return None
    t_s = (start_s + end_s) / 2
    with contextlib.suppress(ReviewFileError):
        t_s = best_still_time(read_cues(moments_dir / SIGNALS_FILE), start_s, end_s) or t_s
    return extract_still(info.path, t_s, output, info=info)


def best_still_time(cues: CueTrack, start_s: float, end_s: float) -> float | None:
    """The time in ``[start_s, end_s]`` where the faces are best seen and smiling (both faces seen first; smiles, looking
    at each other), for the still of a moment the guider trimmed. ``None`` when no tick lies inside."""
    inside = (cues.t_s >= start_s) & (cues.t_s <= end_s)
    if not inside.any():
        return None

    def channel(name: str) -> NDArray[np.float64]:
        values = cues.channels.get(name)
        if values is None:
            return np.zeros(int(inside.sum()))
        return np.nan_to_num(values[inside].astype(np.float64), nan=0.0)

    seen = [channel(f"{r}_present") if f"{r}_present" in cues.channels
            else np.isfinite(cues.channels.get(f"{r}_face_x", np.full(len(cues.t_s), np.nan))[inside]).astype(np.float64)
            for r in ("infant", "adult")]  # fmt: skip
    value = (2.0 * np.minimum(seen[0], seen[1]) + 0.75 * (seen[0] + seen[1]) + channel("infant_smile") + channel("adult_smile")
             + 2.0 * channel("mutual_gaze"))  # fmt: skip
    t = cues.t_s[inside]
    centre = -1e-6 * np.abs(t - (start_s + end_s) / 2)  # among equals, the middle
    return float(t[int(np.argmax(value + centre))])


def _write_contact_sheet(plan: list[tuple[ClipSpec, MomentRecord]], still_files: list[Path | None], document: dict[str, Any],
                         output: Path) -> list[Path]:  # fmt: skip
    """The parent's sheet: each moment's still, time, the principles the guider ticked and the guider's note (never the
    program's reasons, #15). With nothing to show, earlier sheets are removed."""
    if not plan:
        for path in [*sheet_page_paths(output, 1), output.with_suffix(".pdf"), *output.parent.glob(f"{output.stem}_page*.png")]:
            path.unlink(missing_ok=True)
        return []
    phrases = sheet_phrases(document)
    return write_contact_sheet(sheet_entries(plan, still_files, phrases), output, sheet_title(document, phrases), phrases)


def sheet_phrases(document: dict[str, Any]) -> SheetPhrases:
    """The table of phrases of the language the guider chose for the sheet on the review page (English by default; English
    too, with a warning, when this computer has no table of that language, e.g. a folder brought from another one)."""
    code = (document.get("sheet") or {}).get("language") or DEFAULT_LANGUAGE
    if code not in available_languages():
        log.warning("no table of phrases for the sheet in %r here: the sheet's fixed words are in English", code)
        code = DEFAULT_LANGUAGE
    return load_phrases(code)


def sheet_entries(plan: list[tuple[ClipSpec, MomentRecord]], still_files: list[Path | None],
                  phrases: SheetPhrases | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """What the parent's sheet shows of each planned clip: its still, number, times, ticked principles (in the plain words
    of ``phrases``) and the note."""
    phrases = phrases or load_phrases()
    return [{
        "image": still, "label": str(k + 1), "start_s": spec.start_s, "end_s": spec.end_s,
        "principles": [phrases.principles[p] for p in PRINCIPLES if p in moment.tags], "note": moment.note,
    } for k, ((spec, moment), still) in enumerate(zip(plan, still_files, strict=True))]  # fmt: skip


def sheet_title(document: dict[str, Any], phrases: SheetPhrases | None = None, day: _dt.date | None = None) -> str:
    """The sheet's heading: the title the guider set on the review page, or "Our moments together" and the date (``day``,
    today by default), in the sheet's language. Never the recording's file name: the parent takes the sheet home."""
    phrases = phrases or sheet_phrases(document)
    return phrases.title((document.get("sheet") or {}).get("title"), day or _dt.date.today())


def _principle_titles(moment: MomentRecord) -> list[str]:
    """The titles of the principles the guider ticked, in the page's order."""
    return [PRINCIPLE_TITLES[p] for p in PRINCIPLES if p in moment.tags]


def _remove_stale(folder: Path, keep: set[str], document: dict[str, Any], suffix: str) -> list[str]:
    """Delete files this tool named (``<stem>_00h00m00.0s_<id><suffix>``) that are not in ``keep``; nothing else is touched.
    Returns the names removed."""
    if not folder.is_dir():
        return []
    stem = source_of(document).stem
    ours = re.compile(re.escape(stem) + r"_\d{2}h\d{2}m\d{2}\.\ds_" + MOMENT_ID.pattern + re.escape(suffix))
    removed = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and ours.fullmatch(path.name) and path.name not in keep:
            path.unlink()
            removed.append(path.name)
    return removed


def write_timelines(plan: list[tuple[ClipSpec, MomentRecord]], document: dict[str, Any], info: MediaInfo, clips_dir: Path) -> list[Path]:
    """The exported moments, with their trimmed bounds, as timelines an editor opens: ``<stem>_chosen.edl`` (CMX3600, at a
    rate OpenTimelineIO reads) and, with OpenTimelineIO installed, ``.otio`` and ``.fcp.xml``. With nothing exported, old
    timelines are removed (they would show moments no longer chosen)."""
    stem = source_of(document).stem
    out_stem = clips_dir / export_name(stem)
    files = [out_stem.with_name(out_stem.name + suffix) for suffix in (".edl", ".otio", FCP_XML_SUFFIX)]
    if not plan:
        for path in files:
            path.unlink(missing_ok=True)
        return []
    trimmed = [dataclasses.replace(moment, start_s=spec.start_s, end_s=min(spec.end_s, info.duration_s)) for spec, moment in plan]
    names = [spec.output_path.stem for spec, _ in plan]
    fps = info.fps if info.has_video else None
    title = f"vigclips {export_name(stem)}"
    written = [write_edl([m.to_moment() for m in trimmed], files[0], fps, info.path.name, title=title, clip_names=names)]
    if otio_available():
        timeline = build_timeline([m.to_json() for m in trimmed], names, info.path, fps, info.duration_s, title, with_audio=info.has_audio)
        written += write_otio_timelines(timeline, out_stem)
    else:
        log.info("no .otio or FCP XML timeline: pip install 'vigclips[timeline]' to have them")
    return written


def refresh_reports(moments_dir: Path, document: dict[str, Any], source: Path, cfg: PipelineConfig) -> None:
    """Write ``moments.vtt``, ``<stem>.edl`` and ``<stem>.eaf`` (with the guider's tiers) again from the decisions, so every
    file beside ``moments.json`` shows what was chosen (trimmed bounds, no rejected moments). Folders analysed before
    ``analysis.npz`` existed keep their ``.eaf`` (it needs the signals)."""
    analysis = load_saved(moments_dir, document) if (moments_dir / ANALYSIS_FILE).is_file() else None
    write_reviewed_files(moments_dir, document, analysis, cfg, media=source.resolve())


def cut_clip(spec: ClipSpec, info: MediaInfo, cfg: ExportConfig) -> Path:
    """Cut one clip (atomically: a failed cut leaves no file behind)."""
    if info.has_video is False:
        raise ExportError(f"{info.path}: has no video to cut clips from")
    end_s = min(spec.end_s, info.duration_s)
    enc = ClipEncoding(fps=info.fps, crf=cfg.crf, preset=cfg.preset, audio_bitrate_kbps=cfg.audio_bitrate_kbps,
                       max_height_px=cfg.max_height_px, with_audio=info.has_audio)  # fmt: skip
    with atomic_path(spec.output_path) as tmp:
        args = build_clip_args(spec.source, spec.start_s, end_s, tmp, enc)
        run_ffmpeg(args, f"cutting {spec.output_path.name}", error_cls=ExportError)
    return spec.output_path


def _manifest_row(spec: ClipSpec, moment: MomentRecord, document: dict[str, Any]) -> dict[str, Any]:
    """One row of ``manifest.csv``; text cells through :func:`~vigclips.safetext.csv_cell` (a note or file name starting
    with ``=`` is shown as text by spreadsheets, not run as a formula)."""
    source = source_of(document)
    return {
        "clip_file": csv_cell(spec.output_path.name),
        "moment_id": csv_cell(moment.id),
        "rank": moment.rank,
        "status": moment.status,
        "start_s": f"{spec.start_s:.3f}",
        "end_s": f"{spec.end_s:.3f}",
        "duration_s": f"{spec.end_s - spec.start_s:.3f}",
        "principles": "; ".join(_principle_titles(moment)),
        "note": csv_cell(moment.note),
        "score": moment.score,
        "reasons": csv_cell("; ".join(moment.reasons)),
        "source_file": csv_cell(source.file_name),
        "source_sha256": csv_cell(source.sha256 or ""),
    }


def _manifest_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
