"""Encoding pictures we draw (the overlay video, previews) with ffmpeg: H.264 MP4 that browsers and tablets play."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from vigclips.errors import FfmpegError
from vigclips.fileio import atomic_path
from vigclips.media.ffmpeg import base_args, stderr_tail


class VideoWriter:
    """Write BGR frames to an H.264 MP4, atomically: the file appears under its name only when :meth:`close` succeeds.

    Example:
        >>> with VideoWriter(Path("overlay.mp4"), Fraction(10), (640, 480)) as w:  # doctest: +SKIP
        ...     w.write(frame_bgr)
    """

    def __init__(self, output: Path, fps: Fraction, size_wh: tuple[int, int], *, crf: int = 23) -> None:
        self.output = Path(output)
        self.size_wh = size_wh
        self._atomic = atomic_path(self.output, tmp_suffix=".part")  # "-f mp4" below: a killed run leaves no playable name
        self._tmp = self._atomic.__enter__()
        width, height = size_wh
        args = [*base_args(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}",
                "-r", f"{fps.numerator}/{fps.denominator}", "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast",
                "-crf", str(crf), "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(self._tmp)]  # fmt: skip
        self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.frames_written = 0

    def write(self, image: NDArray[np.uint8]) -> None:
        """Append one (H, W, 3) uint8 BGR frame of the writer's size."""
        height, width = image.shape[:2]
        if (width, height) != self.size_wh:
            raise ValueError(f"frame size: expected {self.size_wh}, got {(width, height)}")
        assert self._proc.stdin is not None
        self._proc.stdin.write(np.ascontiguousarray(image).tobytes())
        self.frames_written += 1

    def close(self) -> Path:
        """Finish encoding and move the file into place."""
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        stderr = self._proc.stderr.read() if self._proc.stderr else b""
        code = self._proc.wait()
        if code != 0 or self.frames_written == 0:
            err = FfmpegError(f"{self.output}: encoding failed", stderr_tail(stderr))
            self._atomic.__exit__(FfmpegError, err, None)
            raise err
        self._atomic.__exit__(None, None, None)
        return self.output

    def abort(self) -> None:
        """Stop and leave nothing behind."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        try:
            self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)
        except RuntimeError:
            pass

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
