"""The one place that finds and runs the ffmpeg binary, and builds ffmpeg command lines.

The binary comes from ``$VIGCLIPS_FFMPEG``, else an ``ffmpeg`` on PATH, else the one the ``imageio-ffmpeg`` wheel ships. It is looked
up lazily (at first use, never at import). Commands are built as data (argv lists) so they can be unit-tested without running ffmpeg;
clip commands are built with ``ffmpeg-python``, kept behind this module so the wrapper can be swapped (the project is little maintained).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg as ffmpeg_python

from vigclips.errors import FfmpegError

STDERR_TAIL_CHARS = 2000
"""How much of ffmpeg's stderr an error keeps: enough for the cause, not the whole log."""


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to use (see module docstring for the order)."""
    env = os.environ.get("VIGCLIPS_FFMPEG")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise FfmpegError(f"VIGCLIPS_FFMPEG={env} is not an executable file")
        return env
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError:  # pragma: no cover - imageio-ffmpeg is a hard dependency
        raise FfmpegError("no ffmpeg found: install the imageio-ffmpeg package or set VIGCLIPS_FFMPEG") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def base_args() -> list[str]:
    """The start of every command: no stdin (batch jobs must never wait on a terminal), errors only, no banner."""
    return [ffmpeg_exe(), "-nostdin", "-hide_banner"]


def run_ffmpeg(
    args: list[str],
    what: str,
    *,
    input_bytes: bytes | None = None,
    timeout_s: float | None = None,
    error_cls: type[FfmpegError] = FfmpegError,
) -> bytes:
    """Run ffmpeg to completion; return stdout.

    Args:
        args: full argv, starting with the binary (see :func:`base_args`).
        what: what the command is for, used in the error message ("cutting clip m01.mp4").
        input_bytes: bytes for stdin, if any.
        timeout_s: kill ffmpeg after this many seconds.
        error_cls: the :class:`FfmpegError` subclass to raise (e.g. ``ExportError``).

    Raises:
        FfmpegError: ffmpeg exited non-zero or timed out; carries the tail of stderr.
    """
    try:
        proc = subprocess.run(args, input=input_bytes, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise error_cls(f"{what}: ffmpeg timed out", stderr_tail(exc.stderr)) from None
    if proc.returncode != 0:
        raise error_cls(f"{what}: ffmpeg failed with exit code {proc.returncode}", stderr_tail(proc.stderr))
    return proc.stdout


def stderr_tail(stderr: bytes | None) -> str:
    """The end of ffmpeg's stderr (where the cause is), decoded, for error messages."""
    return (stderr or b"").decode("utf-8", "replace")[-STDERR_TAIL_CHARS:]


@dataclass(frozen=True, slots=True)
class ClipEncoding:
    """How a clip is encoded: H.264 (yuv420p, the source's frame timing) and AAC in MP4 with the index at the front (plays
    while downloading on a tablet)."""

    fps: Fraction
    crf: int = 20
    preset: str = "veryfast"
    audio_bitrate_kbps: int = 128
    max_height_px: int = 1080
    with_audio: bool = True


def build_clip_args(source: Path, start_s: float, end_s: float, output: Path, enc: ClipEncoding) -> list[str]:
    """argv that cuts ``[start_s, end_s)`` of ``source`` into ``output``, frame-accurately.

    Seeking with ``-ss`` before ``-i`` and re-encoding is frame-accurate in current ffmpeg; ``trim`` keeps exactly the
    frames that start before the end. Every source frame in the window is kept once, at its own time (``-fps_mode
    passthrough`` on a fine time base): a variable-frame-rate phone recording keeps its rhythm instead of being re-timed to
    its average rate, which dropped and repeated frames (#14). ``enc.fps`` is the source's nominal rate, not imposed.

    Example:
        >>> args = build_clip_args(Path("in.mov"), 1.0, 3.0, Path("out.mp4"), ClipEncoding(fps=Fraction(30)))  # doctest: +SKIP
    """
    duration_s = end_s - start_s
    if duration_s <= 0:
        raise ValueError(f"clip must have positive length, got {start_s}..{end_s}")
    stream = ffmpeg_python.input(str(source), ss=f"{start_s:.6f}", t=f"{duration_s:.6f}")
    # Even dimensions (yuv420p needs them) and no upscaling; square pixels for players that ignore SAR.
    # trim: the input's -t may let through a frame that starts just after the end; the filter keeps exactly pts < end.
    video = stream.video.trim(end=f"{duration_s:.6f}").filter(
        "scale", w="trunc(iw*sar/2)*2", h="trunc(ih/2)*2").filter(
        "scale", w=-2, h=f"min({enc.max_height_px},ih)").filter("setsar", "1")
    out_kwargs = {
        "c:v": "libx264",
        "preset": enc.preset,
        "crf": enc.crf,
        "pix_fmt": "yuv420p",
        "profile:v": "high",
        # Every source frame in the window once, at its own time (#14): re-timing a variable-rate recording to its average
        # rate dropped and repeated frames. A 1/90000 s time base holds the usual source time bases (1/600, 1/1000,
        # 1/30000, 1/90000) exactly, so no frame's time is rounded onto its neighbour's.
        "fps_mode": "passthrough",
        "enc_time_base:v": "1/90000",
        "video_track_timescale": 90000,
        "movflags": "+faststart",
        "map_metadata": -1,  # drop the source's metadata (e.g. GPS location of a phone recording)
        "f": "mp4",
    }
    if enc.with_audio:
        out_kwargs.update({"c:a": "aac", "b:a": f"{enc.audio_bitrate_kbps}k", "ac": 2})
        node = ffmpeg_python.output(video, stream.audio, str(output), **out_kwargs)
    else:
        node = ffmpeg_python.output(video, str(output), **out_kwargs)
    args = node.global_args("-v", "error").compile(cmd=ffmpeg_exe(), overwrite_output=True)
    return [args[0], "-nostdin", *args[1:]]


@dataclass(frozen=True, slots=True)
class PreviewEncoding:
    """How a review preview is encoded: small H.264 (baseline-friendly yuv420p) with AAC, which every browser plays (#6).

    ``gop_s`` keeps key frames close together so the review page can seek and step frames quickly.
    """

    fps: Fraction
    max_height_px: int = 360
    crf: int = 28
    preset: str = "veryfast"
    audio_bitrate_kbps: int = 64
    with_audio: bool = True
    max_fps: int = 30
    gop_s: float = 1.0


def build_preview_args(source: Path, output: Path, enc: PreviewEncoding, start_s: float | None = None,
                       end_s: float | None = None) -> list[str]:  # fmt: skip
    """argv that writes a small browser-playable preview of ``source`` (all of it, or ``[start_s, end_s)``) to ``output``.

    The source frame rate is kept (up to ``max_fps``) so frame stepping on the page matches the recording's frames.

    Example:
        >>> enc = PreviewEncoding(fps=Fraction(30))  # doctest: +SKIP
        >>> args = build_preview_args(Path("in.mov"), Path("p.mp4"), enc, 2.0, 8.0)  # doctest: +SKIP
    """
    fps = enc.fps if 0 < enc.fps <= enc.max_fps else Fraction(enc.max_fps)
    args = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-y"]
    if start_s is not None:
        args += ["-ss", f"{start_s:.6f}"]
    if end_s is not None:
        if end_s <= (start_s or 0.0):
            raise ValueError(f"preview must have positive length, got {start_s}..{end_s}")
        args += ["-t", f"{end_s - (start_s or 0.0):.6f}"]
    gop = max(1, round(enc.gop_s * fps))
    args += ["-i", str(source), "-map", "0:v:0", "-sn", "-dn",
             "-vf", f"scale=trunc(iw*sar/2)*2:trunc(ih/2)*2,scale=-2:'min({enc.max_height_px},ih)',setsar=1",
             "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf), "-pix_fmt", "yuv420p", "-profile:v", "main",
             "-r", f"{fps.numerator}/{fps.denominator}", "-fps_mode", "cfr", "-g", str(gop), "-keyint_min", str(gop)]  # fmt: skip
    if enc.with_audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{enc.audio_bitrate_kbps}k", "-ac", "1"]
    else:
        args += ["-an"]
    args += ["-movflags", "+faststart", "-map_metadata", "-1", "-f", "mp4", str(output)]
    return args


def build_mux_audio_args(video: Path, audio_source: Path, output: Path) -> list[str]:
    """argv that copies the video stream of ``video`` and the audio of ``audio_source`` (if any) into ``output`` (MP4).

    Used for teaching clips: the drawn frames are encoded without sound, then the exported clip's AAC track is copied
    alongside (no re-encode, so it stays in sync to the sample). ``-map 1:a:0?`` makes a silent source fine.
    """
    return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-y", "-i", str(video), "-i", str(audio_source),
            "-map", "0:v:0", "-map", "1:a:0?", "-c", "copy", "-movflags", "+faststart", "-map_metadata", "-1",
            "-f", "mp4", str(output)]  # fmt: skip
