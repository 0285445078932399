"""Streaming decode through an ffmpeg pipe: frames at the analysis tick rate with their PTS, and mono PCM audio.

Frames are sampled by ffmpeg's ``fps`` filter, which picks, for every tick, the source frame shown at that time using the
decoder's timestamps, so variable-frame-rate phone video lands on the right ticks (#2). The ``showinfo`` filter reports each
output frame's PTS; we pair it with the frame read from the pipe. ffmpeg applies rotation metadata before our filters (frames
are upright). A reader thread with a bounded queue overlaps decoding with analysis without letting memory grow.
"""

from __future__ import annotations

import logging
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigclips.errors import FfmpegError, MediaOpenError, NoVideoStreamError, TruncatedMediaError
from vigclips.fileio import atomic_path
from vigclips.media.ffmpeg import base_args, run_ffmpeg, stderr_tail
from vigclips.media.probe import probe
from vigclips.types import Frame, MediaInfo

log = logging.getLogger("vigclips")

FRAME_QUEUE_LENGTH = 16
"""Decoded frames buffered ahead of analysis: enough to hide decode jitter, small enough to bound memory (~15 MB at 640x480)."""

TRUNCATION_TOLERANCE_S = 1.0
"""Decoding that ends more than this (or 5% of the length) before the declared duration means a truncated recording."""

_PTS_RE = re.compile(rb"\bpts_time:\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)")
_LEVEL_ERROR_RE = re.compile(rb"\[(error|fatal|panic)\]")


def analysis_size(info: MediaInfo, max_width_px: int) -> tuple[int, int]:
    """Width and height (even numbers, aspect kept, never upscaled) that frames are scaled to for analysis."""
    if not info.has_video or info.width <= 0:
        raise NoVideoStreamError(info.path, "has no video stream")
    width = min(info.width, max_width_px)
    width -= width % 2
    height = int(round(info.height * width / info.width / 2.0)) * 2
    return width, max(2, height)


def iter_frames(
    path: str | Path,
    tick_hz: Fraction,
    max_width_px: int = 640,
    info: MediaInfo | None = None,
    *,
    check_complete: bool = True,
    fast_decode: bool = False,
    threads: int = 0,
) -> Iterator[Frame]:
    """Yield upright BGR frames sampled at ``tick_hz``, each with its presentation time.

    Args:
        path: the recording (opened read-only by ffmpeg).
        tick_hz: analysis rate, e.g. ``Fraction(10)``.
        max_width_px: frames wider than this are scaled down (aspect kept).
        info: the probe result, if already known.
        check_complete: raise :class:`TruncatedMediaError` when decoding stops well short of the declared duration.
        fast_decode: decode only what the face models need (see :func:`fast_decode_args`): for analysis, never for
            pictures a person watches.
        threads: decoder threads; 0 lets ffmpeg choose (all cores), 1 suits a batch worker that owns one core.

    Yields:
        :class:`Frame` with ``image`` of shape (H, W, 3) uint8 BGR, ``pts_s`` from the decoder, ``index`` 0, 1, 2…

    Raises:
        NoVideoStreamError, TruncatedMediaError, FfmpegError.
    """
    path = Path(path)
    info = info or probe(path)
    width, height = analysis_size(info, max_width_px)
    frame_bytes = width * height * 3
    rate = f"{tick_hz.numerator}/{tick_hz.denominator}"
    decoder = ["-threads", str(int(threads)), *(fast_decode_args(tick_hz, info, width) if fast_decode else [])]
    args = [
        *base_args(), "-loglevel", "level+info", *decoder, "-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn",
        "-vf", f"fps={rate}:round=near,scale={width}:{height}:flags=area,showinfo",
        # passthrough: never let the muxer duplicate frames to fill a late start (one frame out per showinfo line)
        "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1",
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pts_queue: queue.Queue[float | None] = queue.Queue()
    errors: list[bytes] = []
    stderr_thread = threading.Thread(target=_read_stderr, args=(proc.stderr, pts_queue, errors), daemon=True)
    stderr_thread.start()
    frames: queue.Queue[bytes | None] = queue.Queue(maxsize=FRAME_QUEUE_LENGTH)
    stop = threading.Event()
    reader = threading.Thread(target=_read_frames, args=(proc.stdout, frame_bytes, frames, stop), daemon=True)
    reader.start()
    index = 0
    last_pts_s = -1.0
    try:
        while True:
            raw = frames.get()
            if raw is None:
                break
            try:
                pts_s = pts_queue.get(timeout=30.0)
            except queue.Empty:
                pts_s = None
            if pts_s is None:  # one showinfo line per frame is ffmpeg's contract; without it we cannot place frames in time
                raise FfmpegError(f"{path}: lost the timing of decoded frames", b"\n".join(errors[-3:]).decode("utf-8", "replace"))
            image = np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)
            last_pts_s = pts_s
            yield Frame(index=index, pts_s=pts_s, image=image)
            index += 1
        returncode = proc.wait()
        stderr_thread.join(timeout=5.0)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _drain(frames)
    tail = b"\n".join(errors[-5:]).decode("utf-8", "replace")
    if returncode != 0:  # a damaged file (e.g. an MP4 index pointing outside the data): a plain answer, exit 2 (#14)
        log.info("%s: ffmpeg stopped decoding the pictures: %s", path, tail.strip().splitlines()[-1:] or "no reason given")
        raise MediaOpenError(path, "the pictures cannot be decoded (the file is damaged, or its index does not match its data)")
    if index == 0 and info.duration_s < 1.0 / float(tick_hz):  # e.g. a one-frame video: intact, just too short (#14)
        raise MediaOpenError(path, f"is only {info.duration_s:.2f} s long, shorter than one analysis step "
                                   f"({1.0 / float(tick_hz):g} s): too short to analyse")  # fmt: skip
    if index == 0:
        raise MediaOpenError(path, "no picture could be decoded from the video stream (damaged or unsupported?)")
    if check_complete:
        decoded_to_s = last_pts_s + 1.0 / float(tick_hz)
        missing_s = info.duration_s - decoded_to_s
        if missing_s > max(TRUNCATION_TOLERANCE_S, 0.05 * info.duration_s):
            if not info.has_audio or errors:
                raise TruncatedMediaError(
                    path, f"recording is truncated or damaged: pictures stop at {decoded_to_s:.1f} s of {info.duration_s:.1f} s")
            # Decoded cleanly and the file has sound: a picture track that simply ends first (some cameras and editors
            # write these), not damage; a cut-off file shows decoding errors, or its sound stops too (pipeline.analyze).
            log.warning("%s: the picture ends at %.1f s of %.1f s (the sound goes on); after that only the sound is analysed",
                        path, decoded_to_s, info.duration_s)
    if errors:
        log.warning("%s: ffmpeg reported decoding errors (%d), e.g. %s", path, len(errors), errors[0].decode("utf-8", "replace"))


def fast_decode_args(tick_hz: Fraction, info: MediaInfo, width_px: int) -> list[str]:
    """Decoder options that skip work analysis does not need (#7), as input options for ffmpeg.

    - ``-skip_frame noref``, only when ticks come at most half as often as frames: frames no other frame refers to (most
      B-frames) are not decoded at all. The ``fps`` filter then picks, for each tick, the nearest decoded frame: with the
      usual up to three B-frames in a row, one or two source frames away from the one it would pick otherwise (33-67 ms at
      30 fps, under a tick at 10 ticks a second). The tick keeps its time.
    - ``-skip_loop_filter all``, only when frames are scaled down at least twofold: no deblocking; the area scaling then
      averages each 8-pixel block edge into 4 pixels or fewer. At full size it cost one frame in 173 of face-count
      agreement on the 640x480 ``icatcher_fd_video.mp4`` (``bench/eval_vision.py``), so it is not used there.

    Measured on a 2-minute 1280x720 30 fps H.264 recording (``bench/bench_speed.py``'s looped clip): decoding to 640 px at
    10 ticks a second took 5.8 s of CPU with neither option, 3.5 s with both.

    Args:
        tick_hz: the analysis rate.
        info: the probed recording.
        width_px: the width frames are scaled to for analysis.
    """
    args = []
    if info.fps > 0 and tick_hz * 2 <= info.fps:
        args += ["-skip_frame:v", "noref"]
    if info.width >= 2 * width_px:
        args += ["-skip_loop_filter:v", "all"]
    return args


def _read_frames(pipe, frame_bytes: int, out: queue.Queue, stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            raw = pipe.read(frame_bytes)
            if len(raw) < frame_bytes:
                break
            while not stop.is_set():
                try:
                    out.put(raw, timeout=0.2)
                    break
                except queue.Full:
                    continue
    finally:
        pipe.close()
        while True:
            try:
                out.put(None, timeout=0.2)
                return
            except queue.Full:
                if stop.is_set():
                    return


def _read_stderr(pipe, pts_out: queue.Queue, errors: list[bytes]) -> None:
    for line in pipe:
        if b"showinfo" in line and b"pts_time:" in line:
            match = _PTS_RE.search(line)
            if match:
                pts_out.put(float(match.group(1)))
        elif _LEVEL_ERROR_RE.search(line):
            errors.append(line.strip())
    pipe.close()
    pts_out.put(None)


def _drain(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


def decode_audio(path: str | Path, sample_rate: int = 16000, info: MediaInfo | None = None) -> NDArray[np.float32]:
    """Decode the first audio stream to mono float32 PCM in [-1, 1] at ``sample_rate``.

    Raises:
        MediaOpenError: the file has no audio stream, or its sound cannot be decoded.
    """
    path = Path(path)
    info = info or probe(path)
    if not info.has_audio:
        raise MediaOpenError(path, "has no audio stream")
    args = [*base_args(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(sample_rate),
            "-f", "f32le", "pipe:1"]  # fmt: skip
    # +1 s of room: containers round durations; the buffer grows if ffmpeg delivers more anyway
    try:
        pcm = _read_f32_pipe(args, f"{path}: decoding audio", int(info.duration_s * sample_rate) + sample_rate)
    except FfmpegError as exc:  # as for pictures: a damaged file is the user's to fix, said plainly
        log.info("%s: %s", path, exc)
        raise MediaOpenError(path, "the sound cannot be decoded (the file is damaged, or its index does not match its data)") from None
    decoded_s = pcm.shape[0] / sample_rate
    if not info.has_video and info.duration_s - decoded_s > max(TRUNCATION_TOLERANCE_S, 0.05 * info.duration_s):
        # For video files the pictures decide (audio often ends early); for audio-only files a short decode is damage.
        raise TruncatedMediaError(path, f"recording is truncated or damaged: sound stops at {decoded_s:.1f} s of {info.duration_s:.1f} s")
    return pcm


def _read_f32_pipe(args: list[str], what: str, expected_samples: int) -> NDArray[np.float32]:
    """Run ffmpeg and read its little-endian float32 stdout straight into one preallocated array.

    Reading into a buffer sized from the probed duration keeps the peak at one copy of the PCM: collecting the pipe's
    chunks and joining them (``subprocess.run``) briefly holds two, 2 x 220 MiB for a 1-hour recording at 16 kHz (#7).
    """
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr_parts: list[bytes] = []
    stderr_thread = threading.Thread(target=lambda: stderr_parts.append(proc.stderr.read()), daemon=True)
    stderr_thread.start()
    buffer = np.empty(max(1024, expected_samples), dtype="<f4")
    filled = 0  # bytes
    try:
        while True:
            if filled == buffer.nbytes:
                grown = np.empty(buffer.shape[0] + buffer.shape[0] // 2, dtype="<f4")
                grown[: buffer.shape[0]] = buffer
                buffer = grown
            n = proc.stdout.readinto(memoryview(buffer).cast("B")[filled:])
            if not n:
                break
            filled += n
        returncode = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        stderr_thread.join(timeout=5.0)
    if returncode != 0:
        raise FfmpegError(f"{what}: ffmpeg failed with exit code {returncode}", stderr_tail(b"".join(stderr_parts)))
    return buffer[: filled // 4].astype(np.float32, copy=False)


def extract_still(path: str | Path, t_s: float, output: Path, max_width_px: int = 1280, info: MediaInfo | None = None) -> Path:
    """Write the frame shown at ``t_s`` as a JPEG (atomically, owner-only)."""

    path = Path(path)
    info = info or probe(path)
    width, height = analysis_size(info, max_width_px)
    t_s = min(max(0.0, t_s), max(0.0, info.duration_s - 0.05))
    with atomic_path(output) as tmp:
        args = [*base_args(), "-v", "error", "-y", "-ss", f"{t_s:.4f}", "-i", str(path), "-map", "0:v:0", "-frames:v", "1",
                "-vf", f"scale={width}:{height}:flags=area", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", str(tmp)]  # fmt: skip
        run_ffmpeg(args, f"{path}: saving the still at {t_s:.2f} s")
    return output


def grab_frame(path: str | Path, t_s: float, max_width_px: int = 640, info: MediaInfo | None = None) -> NDArray[np.uint8]:
    """The upright BGR frame shown at ``t_s`` (accurate seek), scaled to at most ``max_width_px`` wide."""
    path = Path(path)
    info = info or probe(path)
    width, height = analysis_size(info, max_width_px)
    t_s = min(max(0.0, t_s), max(0.0, info.duration_s - 0.05))
    args = [*base_args(), "-v", "error", "-ss", f"{t_s:.4f}", "-i", str(path), "-map", "0:v:0", "-frames:v", "1",
            "-vf", f"scale={width}:{height}:flags=area", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]  # fmt: skip
    raw = run_ffmpeg(args, f"{path}: reading the frame at {t_s:.2f} s")
    if len(raw) < width * height * 3:
        raise FfmpegError(f"{path}: no frame at {t_s:.2f} s")
    return np.frombuffer(raw[: width * height * 3], dtype=np.uint8).reshape(height, width, 3)
