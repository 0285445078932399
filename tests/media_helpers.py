"""Helpers for tests that look at video frame by frame."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from vigclips.media.ffmpeg import base_args


def stored_frame_times(path: Path) -> list[float]:
    """Presentation time of every frame stored in ``path``'s first video stream (none dropped or repeated on the way)."""
    args = [*base_args(), "-i", str(path), "-map", "0:v:0", "-vf", "showinfo", "-fps_mode", "passthrough", "-f", "null", "-"]
    text = subprocess.run(args, capture_output=True, check=True).stderr
    return [float(m) for m in re.findall(rb"pts_time:\s*(-?[0-9.]+)", text)]


def frames_between(path: Path, start_s: float, end_s: float) -> list[float]:
    """Times of the frames of ``path`` that lie in the moment ``[start_s, end_s)``."""
    return [t for t in stored_frame_times(path) if start_s - 1e-6 <= t < end_s - 1e-6]
