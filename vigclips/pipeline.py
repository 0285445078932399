"""Orchestration only: probe → decode → vision and audio signals on one timebase → turns → ranking → files.

No analysis happens here; each step is one call into its stage. ``analyze`` returns everything in memory;
``analyze_to_folder`` writes a recording's output folder atomically (built beside, then swapped in), so an interrupted run
never leaves a folder that looks complete, and it refuses to overwrite a guider's review decisions.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from vigclips.audio import AUDIO_COLUMNS, analyze_audio, count_turns
from vigclips.audio.rttm import write_rttm
from vigclips.config import PipelineConfig
from vigclips.errors import FfmpegError, NoVideoStreamError, TruncatedMediaError
from vigclips.fileio import atomic_write_text, inside
from vigclips.media import VideoWriter, decode_audio, extract_still, iter_frames, probe
from vigclips.media.decode import TRUNCATION_TOLERANCE_S
from vigclips.model_assets import verify_model_assets
from vigclips.progress import NullProgress, Progress
from vigclips.results.derived import write_candidate_files
from vigclips.results.folder import (check_output_folder, discard_stale_work, output_failure, refuse_to_lose_review_work,
                                     swap_in_folder, work_folder)
from vigclips.results.layout import ANALYSIS_FILE, MOMENTS_FILE, OVERLAY_FILE, RTTM_FILE, SIGNALS_FILE, still_path
from vigclips.results.moments import build_document, moment_record, sha256_file, source_record, write_moments
from vigclips.results.previews import write_previews
from vigclips.results.saved import cache_key, save_analysis
from vigclips.scoring import find_moments as rank_moments
from vigclips.scoring import load_weights
from vigclips.signals import (
    Analysis,
    face_confirms_laugh,
    face_says_not_crying,
    place_on_ticks,
    segments_after_face_veto,
    signals_csv_text,
    tick_times,
)
from vigclips.types import MediaInfo, Moment, Signals, VocalSegment
from vigclips.vision import VISION_COLUMNS, analyze_frames, render_overlay

log = logging.getLogger("vigclips")

AUDIO_SAMPLE_RATE = 16000
"""Speech analysis rate: voice pitch and formants up to 8 kHz, a quarter of the samples of 44.1 kHz."""

MIN_CLIP_S = 0.5
"""A candidate clamped to the recording's end must keep at least this much."""


def signals_csv_columns(signals: Signals) -> list[str]:
    """``signals.csv`` columns after ``time_s``: vision, audio, then any extra channels."""
    fixed = [*VISION_COLUMNS, *AUDIO_COLUMNS]
    return fixed + sorted(set(signals.channels) - set(fixed))


def analyze(path: str | os.PathLike[str], cfg: PipelineConfig = PipelineConfig(), progress: Progress | None = None, *,
            threads: int | None = None) -> Analysis:  # fmt: skip
    """Measure faces, roles, gaze, smiles, voices and turns of one recording, per analysis tick.

    Args:
        path: a video (any format ffmpeg reads) or an audio-only file (``.wav``, ``.m4a``…: visual channels stay empty).
        cfg: the settings (the defaults if omitted).
        progress: reports analysed ticks.
        threads: cores this analysis may keep busy (default: all). A batch worker sharing the machine with others gets
            one: the decoder then runs single-threaded and the face models one after another. Results do not depend on it.

    Returns:
        :class:`Analysis` with ``signals`` (one row per tick), vocal ``segments`` and ``turns``.

    Raises:
        BadInputError: missing, empty, damaged or unsupported file (the message names the file and the problem).

    Example:
        >>> a = analyze("sample_videos/demo_play.mp4")  # doctest: +SKIP
        >>> a.signals["mutual_gaze"].mean()  # doctest: +SKIP
    """
    progress = progress or NullProgress()
    threads = max(1, threads or os.cpu_count() or 1)
    info = probe(path)
    tick_hz = cfg.analysis.tick_hz
    signals = Signals(tick_hz=tick_hz, t_s=tick_times(info.duration_s, tick_hz))
    n_ticks = len(signals)
    timings: dict[str, float] = {}
    vision_result = None
    # ffmpeg decodes the sound in its own process while the face models run: the decode costs no wall time.
    audio_job = _start_audio_decode(info) if info.has_audio else None

    if info.has_video:
        verify_model_assets()
        started = time.perf_counter()
        progress.start(n_ticks, f"{info.path.name}: faces")
        try:
            frames = iter_frames(info.path, tick_hz, cfg.analysis.max_width_px, info, fast_decode=True,
                                 threads=0 if threads > 1 else 1)  # fmt: skip
            vision_result = analyze_frames(_advancing(frames, progress), cfg.vision, threads=threads)
        finally:
            progress.close()
        for name, values in place_on_ticks(vision_result.pts_s, vision_result.channels, tick_hz, n_ticks).items():
            signals[name] = values
        timings["vision_s"] = time.perf_counter() - started
    elif not info.has_audio:  # pragma: no cover - probe refuses files with neither
        raise NoVideoStreamError(info.path, "has no video or audio stream")

    segments: list[VocalSegment] = []
    if audio_job is not None:
        started = time.perf_counter()
        pcm = audio_job.result()
        _refuse_if_both_tracks_stop_early(info, vision_result, pcm.shape[0] / AUDIO_SAMPLE_RATE, tick_hz)
        audio_result = analyze_audio(pcm, AUDIO_SAMPLE_RATE, signals.t_s, cfg.audio, signals=signals)  # mouth tie-break
        del pcm
        for name, values in audio_result.channels.items():
            signals[name] = values
        segments = list(audio_result.segments)
        if "infant_smile" in signals:  # what the face says counts (issue 22): no laugh by a straight face, no cry by a smile
            heard_cry = signals["infant_cry"]
            signals["infant_laugh"] = face_confirms_laugh(signals["infant_laugh"], signals["infant_smile"], float(tick_hz))
            signals["infant_cry"], signals["infant_laugh"], signals["infant_voice"] = face_says_not_crying(
                signals["infant_cry"], signals["infant_smile"], signals["infant_laugh"], signals["infant_voice"],
                float(tick_hz))
            segments = segments_after_face_veto(segments, heard_cry, signals["infant_cry"], float(tick_hz))
        timings["audio_s"] = time.perf_counter() - started
    turns = count_turns(segments, signals, cfg.audio)
    return Analysis(info=info, signals=signals, segments=segments, turns=turns, vision=vision_result, timings_s=timings)


def _refuse_if_both_tracks_stop_early(info: MediaInfo, vision_result: Any, sound_s: float, tick_hz) -> None:
    """A picture that ends before the sound is a warning (#14); picture *and* sound ending early is a cut-off file."""
    if vision_result is None or len(vision_result.pts_s) == 0:
        return
    picture_s = float(vision_result.pts_s[-1]) + 1.0 / float(tick_hz)
    decoded_s = max(picture_s, sound_s)
    if info.duration_s - decoded_s > max(TRUNCATION_TOLERANCE_S, 0.05 * info.duration_s):
        raise TruncatedMediaError(info.path, f"recording is truncated or damaged: pictures and sound stop at {decoded_s:.1f} s "
                                             f"of {info.duration_s:.1f} s")  # fmt: skip


def find_moments(analysis: Analysis, cfg: PipelineConfig = PipelineConfig(), top: int | None = None) -> list[Moment]:
    """Rank candidate attuned moments of an analysed recording (``top`` defaults to ``cfg.analysis.top``).

    Example:
        >>> moments = find_moments(analyze("sample_videos/demo_play.mp4"), top=3)  # doctest: +SKIP
    """
    moments = rank_moments(analysis.signals, cfg.scoring, top or cfg.analysis.top, analysis.turns)
    # The last tick spans past the end of the recording; a clip cannot.
    end_s = analysis.info.duration_s
    kept = [m for m in moments if m.start_s < end_s - MIN_CLIP_S]
    return [dataclasses.replace(m, rank=rank, end_s=min(m.end_s, end_s)) for rank, m in enumerate(kept, start=1)]


def output_dir_for(path: str | os.PathLike[str], out_root: Path) -> Path:
    """``OUT/<stem>/`` for a recording."""
    return Path(out_root) / Path(path).stem


def analyze_to_folder(
    path: str | os.PathLike[str],
    out_root: Path,
    cfg: PipelineConfig = PipelineConfig(),
    progress: Progress | None = None,
    *,
    overlay: bool = False,
    force: bool = False,
    threads: int | None = None,
) -> Path:
    """Analyse one recording and write ``OUT/<stem>/``: ``moments.json``, ``signals.csv``, ``analysis.npz`` (what ``rank``
    re-ranks from), ``vocalisations.rttm``, stills,
    ``timeline.png``, ``<stem>.eaf``, ``moments.vtt``, ``<stem>.edl`` (and ``overlay.mp4`` with ``overlay``).

    Before the long work: the recording is probed, the output folder checked (writable, room) and the folder's review work
    protected (see :mod:`vigclips.results.folder`); at the end the new folder is swapped in only if no decision was saved
    meanwhile.

    Raises:
        BadInputError: bad recording, or the folder holds review decisions (or an unreadable ``moments.json``) and ``force``
            is false. OutputError: the output folder cannot take the results.

    ``threads``: as for :func:`analyze`.
    """
    started = time.perf_counter()
    out_root = Path(out_root)
    final_dir = output_dir_for(path, out_root)
    # Everything that can be refused is refused before minutes of work (#14): the recording, the weights, the folder.
    info = probe(path)
    if info.duration_s < cfg.scoring.min_moment_s:  # analysed all the same (its signals may be wanted), but said (#14)
        log.warning("%s: only %.2f s long, shorter than a moment (scoring.min_moment_s = %g s): there will be no candidates",
                    info.path, info.duration_s, cfg.scoring.min_moment_s)
    load_weights(cfg.scoring)
    check_output_folder(out_root, info.duration_s, overlay=overlay)
    refuse_to_lose_review_work(final_dir, force)
    discard_stale_work(out_root)
    analysis = analyze(path, cfg, progress, threads=threads)
    moments = find_moments(analysis, cfg)
    with work_folder(out_root, final_dir.name) as work_dir:
        try:
            _write_outputs(work_dir, analysis, moments, cfg, overlay, time.perf_counter() - started)
        except (OSError, FfmpegError) as exc:
            failure = output_failure(exc, out_root)
            if failure is None:
                raise
            raise failure from None
        swap_in_folder(work_dir, final_dir, force=force)
    return final_dir


def _write_outputs(work_dir: Path, analysis: Analysis, moments: list[Moment], cfg: PipelineConfig, overlay: bool,
                   elapsed_s: float) -> None:  # fmt: skip
    info = analysis.info
    stem = info.path.stem
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigclips-cut") as cutter:
        # ffmpeg cuts the stills and previews in its own processes while this thread writes and draws the rest.
        cut = cutter.submit(_write_stills_and_previews, info, moments, work_dir)
        atomic_write_text(work_dir / SIGNALS_FILE, signals_csv_text(analysis.signals, signals_csv_columns(analysis.signals)))
        write_rttm(analysis.segments, work_dir / RTTM_FILE, stem)
        write_candidate_files(work_dir, analysis, moments, cfg)
        if overlay and info.has_video:
            write_overlay(analysis, work_dir / OVERLAY_FILE, cfg)
        sha256 = sha256_file(info.path)
        # What `vigclips rank` re-ranks from, keyed by content, signal settings and version (STYLE S8).
        save_analysis(work_dir / ANALYSIS_FILE, analysis.signals, analysis.segments, cache_key(sha256, cfg.to_dict()))
        stills, previews = cut.result()

    records = []
    for moment in moments:
        record = moment_record(moment, stills.get(moment.id))
        if analysis.turns is not None:
            record["turns"] = analysis.turns.within(moment.start_s, moment.end_s)
        record["preview"] = previews.get(moment.id)
        records.append(record)

    summary = _summary(analysis, moments, elapsed_s)
    document = build_document(source_record(info, sha256), cfg.analysis.tick_hz, cfg.to_dict(), summary, records)
    write_moments(work_dir / MOMENTS_FILE, document)  # last: its presence marks a complete folder


def _write_stills_and_previews(info: MediaInfo, moments: list[Moment],
                               work_dir: Path) -> tuple[dict[str, str], dict[str, str]]:  # fmt: skip
    """Each candidate's best still and its browser-playable preview for the review page: ``({id: still}, {id: preview})``,
    paths relative to ``work_dir``. The whole-recording preview is made by `vigclips review` when first needed (it costs
    about a tenth of real time, too much for every batch run)."""
    stills: dict[str, str] = {}
    for moment in moments:
        still_t_s = moment.details.get("best_still_t_s") if moment.details else None
        if info.has_video and still_t_s is not None and np.isfinite(still_t_s):
            stills[moment.id] = still_path(moment.id)
            extract_still(info.path, float(still_t_s), inside(work_dir, stills[moment.id]), info=info)
    return stills, write_previews(info, moments, work_dir, recording=False)


def write_overlay(analysis: Analysis, output: Path, cfg: PipelineConfig) -> Path:
    """``overlay.mp4``: the analysed frames with boxes, roles, gaze rays, mutual-gaze and smile markers (a second decode pass,
    because roles are decided over the whole recording)."""
    info = analysis.info
    frames = iter_frames(info.path, cfg.analysis.tick_hz, cfg.analysis.max_width_px, info, check_complete=False)
    first = next(frames)
    height, width = first.image.shape[:2]
    with VideoWriter(output, cfg.analysis.tick_hz, (width, height)) as writer:
        for frame in _chain(first, frames):
            writer.write(render_overlay(frame, analysis.vision, frame.index))
    return output


def _summary(analysis: Analysis, moments: list[Moment], elapsed_s: float) -> dict[str, Any]:
    signals = analysis.signals
    tick_s = 1.0 / float(signals.tick_hz)

    def seconds(name: str, threshold: float = 0.5) -> float | None:
        values = signals.get(name)
        if np.all(np.isnan(values)):
            return None
        return round(float(np.sum(np.nan_to_num(values) >= threshold)) * tick_s, 2)

    summary: dict[str, Any] = {
        "duration_s": round(analysis.info.duration_s, 3),
        "ticks": len(signals),
        "infant_seen_s": seconds("infant_present"),
        "adult_seen_s": seconds("adult_present"),
        "mutual_gaze_s": seconds("mutual_gaze"),
        "candidates": len(moments),
        "analysis_time_s": round(elapsed_s, 2),
        "stage_time_s": {k: round(v, 2) for k, v in analysis.timings_s.items()},
    }
    if analysis.turns is not None:
        summary.update({
            "turns_lena": analysis.turns.turns_lena,
            "turns_contingent": analysis.turns.turns_contingent,
            "adult_speech_s": round(analysis.turns.adult_speech_s, 2),
            "infant_vocal_s": round(analysis.turns.infant_vocal_s, 2),
        })
    return summary


def _start_audio_decode(info: MediaInfo) -> concurrent.futures.Future:
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio-decode")
    job = executor.submit(decode_audio, info.path, AUDIO_SAMPLE_RATE, info)
    executor.shutdown(wait=False)
    return job


def _advancing(frames, progress: Progress):
    for frame in frames:
        yield frame
        progress.advance(1)


def _chain(first, rest):
    yield first
    yield from rest
