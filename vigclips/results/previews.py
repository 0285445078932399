"""Small H.264 previews for the review page: one per candidate and one of the whole recording (#6).

Browsers cannot play HEVC, AVI or MPEG-PS, and a ten-minute full-resolution recording is slow to scrub, so ``analyze`` (or the
review command, for folders made before previews existed) writes ``previews/<id>.mp4`` for each candidate (exactly its bounds)
and ``previews/recording.mp4`` (the whole recording, low resolution, a key frame every second) in which the page trims
moments and finds missed ones. ffmpeg itself runs in :mod:`vigclips.media`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from vigclips.fileio import atomic_path, inside, make_private_dir
from vigclips.media import probe, run_ffmpeg
from vigclips.media.ffmpeg import PreviewEncoding, build_preview_args
from vigclips.results.layout import PREVIEWS_DIR, preview_path, recording_preview_path
from vigclips.results.moments import moment_records
from vigclips.types import MediaInfo, Moment

log = logging.getLogger("vigclips")

RECORDING_KEY = "recording"
"""Key of the whole-recording preview in the dict :func:`write_previews` returns (moment ids are the other keys)."""

CANDIDATE_HEIGHT_PX = 360
RECORDING_HEIGHT_PX = 360
"""Preview heights: enough to see faces and gaze on a laptop screen, a fraction of the decoding work of full HD."""


def write_previews(info: MediaInfo, moments: list[Moment], out_dir: Path, *, recording: bool = True) -> dict[str, str]:
    """Write browser-playable previews into ``out_dir/previews/``.

    Args:
        info: the probed recording.
        moments: candidates; each gets ``previews/<id>.mp4`` of its bounds.
        out_dir: the recording's output folder (or the pipeline's work folder that becomes it).
        recording: also write ``previews/recording.mp4`` of the whole recording.

    Returns:
        ``{moment_id: "previews/<id>.mp4", ..., "recording": "previews/recording.mp4"}``, paths relative to ``out_dir``.
        Recordings without video return ``{}``.

    Raises:
        FfmpegError: ffmpeg failed (nothing half-written is left).

    Example:
        >>> write_previews(probe("play.mov"), moments, Path("out/play"))  # doctest: +SKIP
        {'m01': 'previews/m01.mp4', 'recording': 'previews/recording.mp4'}
    """
    if not info.has_video:
        return {}
    out_dir = Path(out_dir)
    make_private_dir(out_dir / PREVIEWS_DIR)
    written: dict[str, str] = {}
    for moment in moments:
        moment_id, start_s, end_s = moment.id, float(moment.start_s), min(float(moment.end_s), info.duration_s)
        if end_s - start_s <= 0:
            continue
        rel = preview_path(moment_id)
        enc = PreviewEncoding(fps=info.fps, max_height_px=CANDIDATE_HEIGHT_PX, with_audio=info.has_audio)
        _encode(info.path, inside(out_dir, rel), enc, start_s, end_s, f"preview of {moment_id}")  # ids name files: checked
        written[moment_id] = rel
    if recording:
        rel = recording_preview_path()
        enc = PreviewEncoding(fps=info.fps, max_height_px=RECORDING_HEIGHT_PX, crf=30, with_audio=info.has_audio)
        _encode(info.path, out_dir / rel, enc, None, None, "preview of the whole recording")
        written[RECORDING_KEY] = rel
    return written


def ensure_previews(folder: Path, document: dict[str, Any], source: Path) -> dict[str, str]:
    """Write the previews a folder lacks (folders analysed before previews existed, or moments added since).

    Returns:
        The same kind of dict as :func:`write_previews`, for the previews now present.
    """
    folder = Path(folder)
    records = moment_records(document)
    # Original bounds when the guider already trimmed: the candidate preview shows what the program proposed.
    missing = [m.to_moment(original_bounds=True) for m in records
               if not m.added_by_guider and not inside(folder, preview_path(m.id)).is_file()]  # fmt: skip
    need_recording = not (folder / recording_preview_path()).is_file()
    if missing or need_recording:
        info = probe(source)
        log.info("%s: writing %d preview(s) for the review page", source.name, len(missing) + int(need_recording))
        write_previews(info, missing, folder, recording=need_recording)
    present = {m.id: preview_path(m.id) for m in records if inside(folder, preview_path(m.id)).is_file()}
    if (folder / recording_preview_path()).is_file():
        present[RECORDING_KEY] = recording_preview_path()
    return present


def _encode(source: Path, output: Path, enc: PreviewEncoding, start_s: float | None, end_s: float | None, what: str) -> None:
    with atomic_path(output) as tmp:
        run_ffmpeg(build_preview_args(source, tmp, enc, start_s, end_s), f"{source.name}: {what}")
