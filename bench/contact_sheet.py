"""Contact sheet of a video at whole seconds, for labelling by eye (issue 11). Anyone can rerun it:

    .venv/bin/python bench/contact_sheet.py VIDEO -o /tmp/sheet.png [--cols 4] [--width 480]
        [--around 0.2] [--crop X,Y,W,H] [--start S] [--end S]

Cuts one frame at each whole second t = 0, 1, 2, ... (every second before the end of the video, or within
``--start``/``--end``) and tiles them into one PNG with "t=3 s" written on each frame, plus the frame's own
timestamp from the decoder (the frame nearest to t: at about 14 fps it lies within 0.04 s of t).

* ``--around D`` adds the frames nearest t-D and t+D beside each second (one second per row, the frame at t in
  the middle, outlined), to disambiguate a blink, a turn or motion blur;
* ``--crop X,Y,W,H`` (source pixels) keeps only that region, scaled to the tile width (an upscale when W is smaller),
  to judge small faces.

Bench script, not library code: it runs the ffmpeg binary that the imageio-ffmpeg wheel ships, directly, one seek
per frame, and reads the frame's timestamp from ffmpeg's showinfo filter. Write sheets outside the repository
(``/tmp``): frames of the shared recordings must not be copied into the project.
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

_DURATION_RE = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_SIZE_RE = re.compile(r"Video: .*?, (\d{2,5})x(\d{2,5})")
_PTS_RE = re.compile(r"pts_time:\s*(-?\d+(?:\.\d+)?)")

# ffmpeg's accurate input seek returns the first frame at or after the target: start a little before t and take
# the nearest of the next few frames, so the frame shown is the one nearest t, not the next one.
_SEEK_BEFORE_S = 0.15
_FRAMES_PER_SEEK = 5


class SheetError(Exception):
    """Bad input: the message names the file or option and the problem."""


# A frame farther than this from the wanted time is not shown (end of the video, or a gap in a VFR stream).
_MAX_OFFSET_S = 0.15


def probe(video: Path) -> tuple[float, int, int]:
    """Container duration and frame size, read from ``ffmpeg -i`` (the wheel has no ffprobe).

    Returns:
        ``(duration_s, width_px, height_px)``.
    """
    run = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(video)],
        capture_output=True, text=True, check=False,
    )
    duration = _DURATION_RE.search(run.stderr)
    size = _SIZE_RE.search(run.stderr)
    if duration is None or size is None:
        raise SheetError(f"{video}: ffmpeg finds no video stream with a duration")
    hours, minutes, seconds = duration.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds), int(size.group(1)), int(size.group(2))


def frame_near(video: Path, t_s: float, width_px: int, height_px: int) -> tuple[np.ndarray, float] | None:
    """The decoded frame nearest ``t_s`` (BGR, source size) and its timestamp, or None if none lies near."""
    start_s = max(0.0, t_s - _SEEK_BEFORE_S)
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-copyts", "-ss", f"{start_s:.3f}",
        "-i", str(video), "-frames:v", str(_FRAMES_PER_SEEK), "-vf", "showinfo", "-an",
        "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1",
    ]
    run = subprocess.run(cmd, capture_output=True, check=False)
    frame_bytes = width_px * height_px * 3
    n_frames = len(run.stdout) // frame_bytes
    pts = [float(m) for m in _PTS_RE.findall(run.stderr.decode("utf-8", "replace"))][:n_frames]
    if not pts:
        return None
    best = int(np.argmin([abs(p - t_s) for p in pts]))
    if abs(pts[best] - t_s) > _MAX_OFFSET_S:
        return None
    raw = np.frombuffer(run.stdout, np.uint8, count=frame_bytes, offset=best * frame_bytes)
    return raw.reshape(height_px, width_px, 3).copy(), pts[best]


def _put_text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, thickness: int) -> None:
    """White text with a black outline, readable on any background."""
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def make_tile(frame: np.ndarray | None, label: str, pts_s: float | None, tile_w_px: int, tile_h_px: int,
              crop_xywh: tuple[int, int, int, int] | None, outlined: bool) -> np.ndarray:
    """One tile: the (cropped) frame scaled to the tile, the label and the frame's own timestamp written on it."""
    tile = np.full((tile_h_px, tile_w_px, 3), 40, np.uint8)
    if frame is not None:
        if crop_xywh is not None:
            x, y, w, h = crop_xywh
            frame = frame[y:y + h, x:x + w]
        # Cubic when upscaling a crop keeps edges (eyelids, lip corners) sharper than linear; area when shrinking.
        interp = cv2.INTER_CUBIC if frame.shape[1] < tile_w_px else cv2.INTER_AREA
        tile = cv2.resize(frame, (tile_w_px, tile_h_px), interpolation=interp)
    scale = tile_w_px / 480
    _put_text(tile, label, (int(8 * scale), int(34 * scale)), 1.0 * scale, max(1, round(2 * scale)))
    sub = "no frame" if pts_s is None else f"frame {pts_s:.2f} s"
    _put_text(tile, sub, (int(8 * scale), tile_h_px - int(10 * scale)), 0.55 * scale, 1)
    if outlined:
        cv2.rectangle(tile, (1, 1), (tile_w_px - 2, tile_h_px - 2), (0, 220, 255), 3)
    return tile


def _parse_crop(text: str | None, width_px: int, height_px: int) -> tuple[int, int, int, int] | None:
    if text is None:
        return None
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise SheetError(f"--crop {text!r}: expected X,Y,W,H in source pixels") from None
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width_px or y + h > height_px:
        raise SheetError(f"--crop {text!r}: outside the {width_px}x{height_px} frame")
    return x, y, w, h


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True, help="PNG to write (outside the repository)")
    parser.add_argument("--cols", type=int, default=4, help="tiles per row without --around (default 4)")
    parser.add_argument("--width", type=int, default=480, help="tile width in pixels (default 480)")
    parser.add_argument("--around", type=float, default=0.0, metavar="D",
                        help="also show the frames at t-D and t+D, one second per row (e.g. 0.2)")
    parser.add_argument("--crop", metavar="X,Y,W,H", help="region of the source frame to show, in pixels")
    parser.add_argument("--start", type=int, default=0, help="first whole second (default 0)")
    parser.add_argument("--end", type=int, default=None, help="last whole second (default: the last before the end)")
    args = parser.parse_args(argv)

    if not args.video.is_file():
        print(f"{args.video}: no such file", file=sys.stderr)
        return 2
    try:
        duration_s, width_px, height_px = probe(args.video)
        crop = _parse_crop(args.crop, width_px, height_px)
    except SheetError as exc:
        print(exc, file=sys.stderr)
        return 2
    src_w, src_h = (crop[2], crop[3]) if crop else (width_px, height_px)
    tile_w = args.width
    tile_h = round(tile_w * src_h / src_w)

    last_s = math.ceil(duration_s) - 1  # the last whole second strictly before the end
    if args.end is not None:
        last_s = min(last_s, args.end)
    seconds = list(range(max(0, args.start), last_s + 1))
    if not seconds:
        print(f"{args.video}: no whole second in range (duration {duration_s:.2f} s)", file=sys.stderr)
        return 2

    offsets = [-args.around, 0.0, args.around] if args.around > 0 else [0.0]
    cols = len(offsets) if args.around > 0 else args.cols
    tiles = []
    for t_s in seconds:
        for off in offsets:
            want = t_s + off
            got = frame_near(args.video, want, width_px, height_px) if want >= 0 else None
            frame, pts = got if got is not None else (None, None)
            if off == 0.0 and got is None:
                print(f"{args.video.name}: no frame near t={t_s} s", file=sys.stderr)
            label = f"t={t_s} s" if off == 0.0 else f"t={t_s}{off:+g} s"
            tiles.append(make_tile(frame, label, pts, tile_w, tile_h, crop, outlined=off == 0.0 and len(offsets) > 1))

    rows = []
    for i in range(0, len(tiles), cols):
        row = tiles[i:i + cols]
        row += [np.full_like(tiles[0], 255)] * (cols - len(row))
        rows.append(np.hstack(row))
    sheet = np.vstack(rows)
    title = f"{args.video.name}  ({duration_s:.2f} s, seconds {seconds[0]}-{seconds[-1]}"
    title += f", crop {args.crop})" if crop else ")"
    bar = np.full((40, sheet.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, title, (8, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2, cv2.LINE_AA)
    sheet = np.vstack([bar, sheet])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(args.out), sheet):
        print(f"{args.out}: could not write the PNG", file=sys.stderr)
        return 2
    print(f"{args.out}: {len(seconds)} seconds, {len(tiles)} tiles, {sheet.shape[1]}x{sheet.shape[0]} px")
    return 0


if __name__ == "__main__":
    sys.exit(main())
