"""The one place that finds and runs the ffmpeg binary, and builds ffmpeg command lines.

The binary is the one the ``imageio-ffmpeg`` wheel ships, unless ``$VIGCLIPS_FFMPEG`` names an FFmpeg >= 5.1 (an ``ffmpeg``
on PATH is used only where the wheel has no binary, and only if >= 5.1; see :func:`ffmpeg_exe`). It is looked up lazily (at
first use, never at import). Commands are built as data (argv lists) so they can be unit-tested without running ffmpeg;
clip commands are built with ``ffmpeg-python``, kept behind this module so the wrapper can be swapped (the project is little maintained).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg as ffmpeg_python

from vigclips.errors import FfmpegError

log = logging.getLogger("vigclips")

STDERR_TAIL_CHARS = 2000
"""How much of ffmpeg's stderr an error keeps: enough for the cause, not the whole log."""


MIN_FFMPEG_VERSION = (5, 1)
"""Oldest FFmpeg release the commands here work with: ``-fps_mode`` and the stream lines probe.py reads are 5.1's."""

_MIN_LIBAVCODEC = (59, 37)
"""FFmpeg 5.1's libavcodec, for builds whose version line names a git commit instead of a release."""

_VERSION_TIMEOUT_S = 20.0


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to use, looked up once.

    ``$VIGCLIPS_FFMPEG`` if it names an FFmpeg >= 5.1; else the binary the ``imageio-ffmpeg`` wheel ships (the tested
    one); else an ``ffmpeg`` on PATH that is >= 5.1. A binary passed over is reported in one warning line saying why.

    Raises:
        FfmpegError: no usable ffmpeg (the message says what was found and what to do).
    """
    reasons: list[str] = []
    env = os.environ.get("VIGCLIPS_FFMPEG")
    if env:
        why_not = _unusable(env)
        if why_not is None:
            return env
        log.warning("not using VIGCLIPS_FFMPEG=%s: %s; using the ffmpeg bundled with imageio-ffmpeg instead", env, why_not)
        reasons.append(f"VIGCLIPS_FFMPEG={env} {why_not}")
    bundled = _bundled_ffmpeg()
    if bundled is not None:
        why_not = _unusable(bundled)
        if why_not is None:
            return bundled
        reasons.append(f"the bundled {bundled} {why_not}")
    on_path = shutil.which("ffmpeg")
    if on_path and on_path != bundled:
        why_not = _unusable(on_path)
        if why_not is None:
            return on_path
        log.warning("not using the ffmpeg on PATH (%s): %s", on_path, why_not)
        reasons.append(f"{on_path} (on PATH) {why_not}")
    found = "; ".join(reasons) if reasons else "none bundled with imageio-ffmpeg and none on PATH"
    raise FfmpegError(f"no usable ffmpeg ({found}): reinstall the imageio-ffmpeg package, or set VIGCLIPS_FFMPEG to an "
                      f"FFmpeg {MIN_FFMPEG_VERSION[0]}.{MIN_FFMPEG_VERSION[1]} or newer")  # fmt: skip


def _bundled_ffmpeg() -> str | None:
    try:
        import imageio_ffmpeg
    except ImportError:  # pragma: no cover - imageio-ffmpeg is a hard dependency
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:  # no binary for this platform in the wheel
        return None


def _unusable(exe: str) -> str | None:
    """Why ``exe`` cannot be used (not executable, does not run, older than 5.1), or ``None`` if it can."""
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        return "is not an executable file"
    try:
        proc = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, timeout=_VERSION_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"does not run ({exc.__class__.__name__})"
    if proc.returncode != 0:
        return f"does not run (`-version` exited with {proc.returncode})"
    ok, version = ffmpeg_version_ok(proc.stdout.decode("utf-8", "replace"))
    if not ok:
        return f"is FFmpeg {version}, older than the {MIN_FFMPEG_VERSION[0]}.{MIN_FFMPEG_VERSION[1]} vigclips needs"
    return None


def ffmpeg_version_ok(version_text: str) -> tuple[bool, str]:
    """Whether ``ffmpeg -version`` output is from FFmpeg >= 5.1, and the version it names.

    A release build says ``ffmpeg version 6.1.1`` (or ``n6.1.1``); a git build names a commit, so its libavcodec version
    decides (5.1 shipped 59.37). Text that names neither is refused: it is not an FFmpeg this module can trust.

    Example:
        >>> ffmpeg_version_ok("ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021")
        (False, '4.4.2')
        >>> ffmpeg_version_ok("ffmpeg version n7.1 Copyright")
        (True, '7.1')
    """
    release = re.search(r"^ffmpeg version n?(\d+)\.(\d+)(?:\.(\d+))?", version_text, flags=re.MULTILINE)
    if release:
        major, minor = int(release.group(1)), int(release.group(2))
        named = ".".join(g for g in release.groups() if g is not None)
        return (major, minor) >= MIN_FFMPEG_VERSION, named
    codec = re.search(r"^\s*libavcodec\s+(\d+)\.\s*(\d+)", version_text, flags=re.MULTILINE)
    if codec:
        version = (int(codec.group(1)), int(codec.group(2)))
        return version >= _MIN_LIBAVCODEC, f"with libavcodec {version[0]}.{version[1]}"
    return False, "of an unknown version"


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
