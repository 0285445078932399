"""Cut the parent's face at every labelled ``psmile`` second of the home clips (issue 22), for trying smile models offline.

    .venv/bin/python bench/smile_crops.py OUT.npz [--media ../shared/media] [--labels bench/labels]

For each labelled second (0 or 1) it takes the face rows the vision stage gave the program's adult within t +- 0.2 s
(the window ``bench/eval_looks.py`` scores, from its cache), decodes those frames as the analysis does (10 per second,
640 wide) and keeps a colour square of 2x the face box's longer side around the box centre, resized to ``CROP_PX``
(black outside the frame), with the face rows themselves. ``bench/eval_smile_models.py`` scores candidate models on
them. Seconds without an adult face are kept with no crop (they count as "not smiling" there).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import eval_looks as E  # noqa: E402

from vigclips.media.decode import iter_frames  # noqa: E402
from vigclips.vision import VisionConfig  # noqa: E402
from vigclips.vision.channels import build_result  # noqa: E402
from vigclips.vision.roles import ROLE_ADULT  # noqa: E402

CROP_PX = 192
"""Side of the stored square (twice the face box's longer side), so models can take their own margin from it."""
CONTEXT = 2.0
"""Stored square side over the face box's longer side."""


def square_crop(image: np.ndarray, box_xyxy: np.ndarray, scale: float, out_px: int) -> np.ndarray:
    """A square of ``scale`` x the box's longer side around its centre, black outside the image, resized to ``out_px``."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    side = max(x2 - x1, y2 - y1, 1.0) * scale
    left, top = int(round((x1 + x2 - side) / 2)), int(round((y1 + y2 - side) / 2))
    n = max(int(round(side)), 1)
    crop = np.zeros((n, n) + image.shape[2:], image.dtype)
    h, w = image.shape[:2]
    sx1, sy1, sx2, sy2 = max(left, 0), max(top, 0), min(left + n, w), min(top + n, h)
    if sx2 > sx1 and sy2 > sy1:
        crop[sy1 - top : sy2 - top, sx1 - left : sx2 - left] = image[sy1:sy2, sx1:sx2]
    return cv2.resize(crop, (out_px, out_px), interpolation=cv2.INTER_AREA)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--labels", type=Path, default=REPO / "bench" / "labels")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    ap.add_argument("--cache", type=Path, default=cache_home / "vigclips" / "eval_looks")
    args = ap.parse_args(argv)

    cfg = VisionConfig()
    labels = [lab for lab in E.load_labels(args.labels) if E._home(lab.clip) and lab.values["psmile"] is not None]
    sec_rows: list[tuple[str, float, int, str]] = []
    crops, rows, face_sec = [], [], []
    for clip in sorted({lab.clip for lab in labels}):
        path = E.media_path(args.media, clip)
        raw = E.vision_rows(path, args.cache, cfg)
        res = build_result(raw["pts_s"], raw["image_wh"], raw["face_frame"], raw["face_track"], raw["face_data"], cfg)
        adult = np.flatnonzero(res.face_role == ROLE_ADULT)
        want: dict[int, list[tuple[int, int]]] = {}  # frame index -> (face row, second index)
        for lab in (lab for lab in labels if lab.clip == clip):
            k = len(sec_rows)
            sec_rows.append((clip, lab.t_s, int(lab.values["psmile"]), lab.pview))
            for r in adult[np.abs(res.pts_s[res.face_frame[adult]] - lab.t_s) <= E.HALF_WINDOW_S + 1e-9]:
                want.setdefault(int(res.face_frame[r]), []).append((int(r), k))
        for frame in iter_frames(path, E.TICK_HZ, 640, fast_decode=True):
            for r, k in want.get(frame.index, []):
                crops.append(square_crop(frame.image, res.face_data[r, 0:4], CONTEXT, CROP_PX))
                rows.append(res.face_data[r])
                face_sec.append(k)
        print(f"{clip}: {sum(len(v) for v in want.values())} faces", file=sys.stderr)
    np.savez_compressed(
        args.out,
        crops=np.asarray(crops, np.uint8),
        rows=np.asarray(rows, np.float32),
        face_sec=np.asarray(face_sec, np.int32),
        clip=np.asarray([s[0] for s in sec_rows]),
        t_s=np.asarray([s[1] for s in sec_rows]),
        truth=np.asarray([s[2] for s in sec_rows], np.int8),
        pview=np.asarray([s[3] for s in sec_rows]),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
