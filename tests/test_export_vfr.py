"""Variable-frame-rate export, checked frame by frame (#14.7): every source frame whose time lies in the moment appears in
the clip exactly once, in order, at its own time.

The source is synthetic: each frame carries its number drawn as a row of black and white blocks (a binary code that
survives compression), and its timestamps follow an irregular 4-frame cycle (33, 50, 17 and 66 ms), as phone video does.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vigclips.config import ExportConfig
from vigclips.export.clips import cut_clip
from vigclips.media import probe
from vigclips.media.ffmpeg import base_args, run_ffmpeg
from vigclips.types import ClipSpec

from media_helpers import frames_between, stored_frame_times

BITS = 10
BLOCK_PX = 16
HEIGHT_PX = 48
N_FRAMES = 240
CYCLE_MS = (0, 33, 83, 100)  # offsets inside each 166 ms cycle of 4 frames: intervals 33, 50, 17, 66 ms
CYCLE_S = 0.166


def source_pts_s(n: int) -> float:
    """Presentation time of source frame ``n`` (exact: the container's timebase is 1/1000 s)."""
    return (n // 4) * CYCLE_S + CYCLE_MS[n % 4] / 1000


def _draw(n: int) -> np.ndarray:
    bits = [(n >> b) & 1 for b in range(BITS)]
    row = np.repeat(np.array(bits, dtype=np.uint8) * 255, BLOCK_PX)
    return np.tile(row, (HEIGHT_PX, 1))


def _read_number(gray: np.ndarray) -> int:
    centres = gray[HEIGHT_PX // 2, BLOCK_PX // 2 :: BLOCK_PX][:BITS]
    return sum(1 << b for b, v in enumerate(centres) if v > 127)


@pytest.fixture(scope="module")
def numbered_vfr_source(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vfr") / "numbered_vfr.mp4"
    width = BITS * BLOCK_PX
    offsets = "+".join(f"eq(mod(N,4),{k})*{ms}" for k, ms in enumerate(CYCLE_MS))
    args = [*base_args(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{width}x{HEIGHT_PX}",
            "-framerate", "25", "-i", "pipe:0", "-f", "lavfi", "-i", "sine=frequency=500:sample_rate=48000",
            "-vf", f"settb=1/1000,setpts='floor(N/4)*{int(CYCLE_S * 1000)}+{offsets}'", "-fps_mode", "passthrough",
            "-video_track_timescale", "1000", "-enc_time_base:v", "1/1000", "-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(out)]  # fmt: skip
    frames = b"".join(_draw(n).tobytes() for n in range(N_FRAMES))
    run_ffmpeg(args, "making the numbered VFR source", input_bytes=frames)
    return out


def _decoded(path: Path) -> tuple[list[int], list[float]]:
    """Frame numbers and presentation times of every frame in ``path``, as stored (no frame dropped or repeated)."""
    width = BITS * BLOCK_PX
    args = [*base_args(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-vf", f"scale={width}:{HEIGHT_PX},showinfo",
            "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]  # fmt: skip
    proc = subprocess.run(args + ["-loglevel", "level+info"], capture_output=True, check=True)
    images = np.frombuffer(proc.stdout, dtype=np.uint8).reshape(-1, HEIGHT_PX, width)
    import re

    pts = [float(m) for m in re.findall(rb"pts_time:\s*([0-9.]+)", proc.stderr)]
    return [_read_number(image) for image in images], pts


def test_the_synthetic_source_is_what_it_claims(numbered_vfr_source):
    numbers, pts = _decoded(numbered_vfr_source)
    assert numbers == list(range(N_FRAMES))
    assert pts == pytest.approx([source_pts_s(n) for n in range(N_FRAMES)], abs=1e-6)
    assert len(set(np.round(np.diff(pts), 3))) == 4  # really variable: four different intervals


@pytest.mark.parametrize("start_s, end_s", [(1.0, 3.0), (0.0, 1.5), (2.49, 4.151), (source_pts_s(37), source_pts_s(90))],
                         ids=["middle", "from-the-start", "odd-bounds", "bounds-on-frames"])  # fmt: skip
def test_14_7_every_source_frame_in_the_moment_appears_exactly_once_in_order(numbered_vfr_source, tmp_path, start_s, end_s):
    info = probe(numbered_vfr_source)
    clip = cut_clip(ClipSpec(numbered_vfr_source, start_s, end_s, tmp_path / "clip.mp4"), info, ExportConfig())
    numbers, pts = _decoded(clip)
    expected = [n for n in range(N_FRAMES) if start_s - 1e-6 <= source_pts_s(n) < end_s - 1e-6]
    assert numbers == expected
    # ...each at its own time, relative to the moment's start (the rhythm of the source is kept)
    assert np.diff(pts) == pytest.approx(np.diff([source_pts_s(n) for n in expected]), abs=0.0015)
    assert probe(clip).duration_s == pytest.approx(end_s - start_s, abs=0.07)


@pytest.mark.parametrize("fps", [25, Fraction(30000, 1001)], ids=["25", "29.97"])
def test_constant_rate_sources_still_give_every_frame_once(tmp_path, fps):
    from vigclips.media import iter_frames

    source = tmp_path / "cfr.mp4"
    run_ffmpeg([*base_args(), "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=160x120:rate={fps}", "-t", "4",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(source)], "cfr source")  # fmt: skip
    info = probe(source)
    clip = cut_clip(ClipSpec(source, 1.0, 3.0, tmp_path / "clip.mp4"), info, ExportConfig())
    assert sum(1 for _ in iter_frames(clip, probe(clip).fps, 64)) == round(2.0 * info.fps)


@pytest.mark.slow
def test_14_7_the_real_vfr_recording_keeps_every_distinct_picture(shared_media, tmp_path):
    """``pyfeat_face_noface.mov``: 76 distinct pictures in the moment became 70 with 9 repeats when re-timed to its average."""
    source = shared_media / "pyfeat_face_noface.mov"
    info = probe(source)
    clip = cut_clip(ClipSpec(source, 1.0, 4.0, tmp_path / "clip.mp4"), info, ExportConfig())

    in_moment = frames_between(source, 1.0, 4.0)
    clip_times = stored_frame_times(clip)
    assert len(clip_times) == len(in_moment)
    assert np.diff(clip_times) == pytest.approx(np.diff(in_moment), abs=0.0015)
