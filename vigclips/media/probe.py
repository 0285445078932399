"""Container and stream facts, read from ffmpeg's own description of the input (the imageio-ffmpeg wheel has no ffprobe).

This is the only parser of that text. It reads the first video and first audio stream; everything it cannot read becomes a
:class:`~vigclips.errors.BadInputError` that names the file and the problem in words a guider understands.
"""

from __future__ import annotations

import os
import re
import subprocess
from fractions import Fraction
from pathlib import Path

from vigclips.errors import MediaOpenError
from vigclips.media.ffmpeg import base_args
from vigclips.types import MediaInfo

PROBE_TIMEOUT_S = 60.0

_INPUT_RE = re.compile(r"Input #0, ([\w,]+?), from")
_STILL_IMAGE_CONTAINERS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "gif"}
_DURATION_RE = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM_RE = re.compile(r"^\s*Stream #\d+:\d+.*?: (Video|Audio): (.*)$")
_SIZE_RE = re.compile(r"(?:^|, )(\d{2,5})x(\d{2,5})(?:[ ,]|$)")
_FPS_RE = re.compile(r"(\d+(?:\.\d+)?) fps")
_TBR_RE = re.compile(r"(\d+(?:\.\d+)?)k? tbr")
_ROTATION_RE = re.compile(r"rotation of (-?\d+(?:\.\d+)?) degrees", re.IGNORECASE)
_RATE_RE = re.compile(r"(\d+) Hz")
_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "7.1": 8}

# Frame rates as cameras write them: a printed "29.97" is really 30000/1001.
_NTSC_RATES = (Fraction(24000, 1001), Fraction(30000, 1001), Fraction(60000, 1001), Fraction(120000, 1001))


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Read duration, frame rate, display size, rotation, codecs and audio facts of a recording.

    Args:
        path: a video or audio file. It is only read, never modified.

    Returns:
        :class:`MediaInfo`; ``width``/``height`` are the displayed (rotated) size.

    Raises:
        MediaOpenError: missing, unreadable, empty, not a media file, or no stream we can use.

    Example:
        >>> probe("sample_videos/demo_play.mp4").fps  # doctest: +SKIP
        Fraction(25, 1)
    """
    path = Path(path)
    if not path.exists():
        raise MediaOpenError(path, "file not found")
    if path.is_dir():
        raise MediaOpenError(path, "is a folder, not a recording")
    try:
        size_bytes = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise MediaOpenError(path, f"cannot read the file ({exc.strerror or exc.__class__.__name__})") from None
    if size_bytes == 0:
        raise MediaOpenError(path, "file is empty (0 bytes)")
    if _looks_like_text(path):
        raise MediaOpenError(path, "is a text file, not a recording")
    try:
        proc = subprocess.run([*base_args(), "-i", str(path)], capture_output=True, timeout=PROBE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise MediaOpenError(path, "reading the file's header took too long (damaged file?)") from None
    text = proc.stderr.decode("utf-8", "replace")
    return parse_probe_text(path, size_bytes, text)


def parse_probe_text(path: Path, size_bytes: int, text: str) -> MediaInfo:
    """Parse ffmpeg's input description (its stderr for ``ffmpeg -i FILE``). Pure; tested with literal texts."""
    if "Input #0" not in text:
        raise MediaOpenError(path, _open_problem(text))
    container = _INPUT_RE.search(text)
    container_name = container.group(1) if container else ""
    if container_name == "tty":
        raise MediaOpenError(path, "is a text file, not a recording")
    if container_name in _STILL_IMAGE_CONTAINERS or container_name.endswith("_pipe"):
        raise MediaOpenError(path, "is a still image, not a recording")
    duration_match = _DURATION_RE.search(text)
    duration_s = 0.0
    if duration_match:
        h, m, s = duration_match.groups()
        duration_s = int(h) * 3600 + int(m) * 60 + float(s)

    video_line = audio_line = None
    rotation_deg = 0
    in_video_block = False
    for line in text.splitlines():
        stream = _STREAM_RE.match(line)
        if stream:
            kind, desc = stream.groups()
            in_video_block = False
            if kind == "Video" and video_line is None and "attached pic" not in desc:
                video_line, in_video_block = desc, True
            elif kind == "Audio" and audio_line is None:
                audio_line = desc
            continue
        if in_video_block:
            rot = _ROTATION_RE.search(line)
            if rot:
                rotation_deg = int(round(float(rot.group(1)))) % 360

    if video_line is None and audio_line is None:
        raise MediaOpenError(path, "no video or audio stream found")
    if duration_s <= 0:
        raise MediaOpenError(path, "the file does not say how long it is (damaged or still being written?)")

    info: dict = {"path": path, "size_bytes": size_bytes, "duration_s": duration_s, "has_video": video_line is not None}
    if video_line is not None:
        codec = video_line.split()[0].strip(",")
        size = _SIZE_RE.search(video_line)
        if not size:
            raise MediaOpenError(path, f"cannot read the picture size of the {codec} video stream")
        width, height = int(size.group(1)), int(size.group(2))
        if rotation_deg in (90, 270):
            width, height = height, width
        fps = _parse_fps(video_line)
        if fps <= 0:
            raise MediaOpenError(path, f"cannot read the frame rate of the {codec} video stream")
        info.update(width=width, height=height, fps=fps, rotation_deg=rotation_deg, video_codec=codec)
    if audio_line is not None:
        rate = _RATE_RE.search(audio_line)
        channels = next((n for name, n in _CHANNELS.items() if f", {name}," in f", {audio_line},"), 0)
        info.update(
            has_audio=True,
            audio_codec=audio_line.split()[0].strip(","),
            audio_sample_rate=int(rate.group(1)) if rate else 0,
            audio_channels=channels,
        )
    return MediaInfo(**info)


def _parse_fps(video_desc: str) -> Fraction:
    """Average frame rate ("fps"), else the base rate ("tbr"), as a fraction; NTSC rates snapped to their exact value."""
    match = _FPS_RE.search(video_desc) or _TBR_RE.search(video_desc)
    if not match:
        return Fraction(0)
    value = Fraction(match.group(1))
    for exact in _NTSC_RATES:
        if abs(value - exact) < Fraction(1, 100):
            return exact
    return value.limit_denominator(1000)


def _looks_like_text(path: Path) -> bool:
    """True when the file starts with printable text only (a note or a CSV renamed to .mp4), which ffmpeg misreports."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if b"\0" in head:
        return False
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in decoded)


def _open_problem(text: str) -> str:
    """Turn ffmpeg's reason for refusing an input into a plain one-line problem."""
    lowered = text.lower()
    if "moov atom not found" in lowered:
        return "recording is incomplete or damaged (the MP4/MOV index is missing; was the copy interrupted?)"
    if "invalid data found" in lowered:
        return "not a recording ffmpeg can read (wrong file type or damaged)"
    if "permission denied" in lowered:
        return "permission denied"
    if "no such file" in lowered:
        return "file not found"
    last = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return f"cannot open as a recording ({last[-1] if last else 'unknown reason'})"
