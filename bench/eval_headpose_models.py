"""Would a head-pose network on the parent's face crops see her looks better (issue 23)? A development-time measure:

    .venv/bin/python bench/eval_headpose_models.py [--models ../shared/models/headpose] [--family 4JDccE --family 2UWdXP]

The candidate is FSA-Net (``../shared/models/headpose/``, MIT; its README gives the source): the two published ONNX
files, averaged as the authors' demo does, on a square crop of the parent's face box (``--margin`` times its larger
side, black outside the frame), resized to 64 x 64, BGR, (x - 127.5) / 128. It runs on the parent's face rows at the
ticks within 0.2 s of a labelled time (face rows and roles from ``bench/eval_looks.py``'s cache, frames decoded as
there), and its yaw and pitch replace the parent's head pose and gaze in one of these ways before the channels are
built again:

* ``pitch``: its pitch on every parent face (face mesh reads a mother looking down at her toddler level);
* ``no-mesh``: its yaw and pitch where face mesh did not measure her (the keypoint pose otherwise);
* ``all``: its yaw and pitch everywhere (no irises).

Per family it prints the parent's looks (balanced accuracy; found; "no" read as no) and mutual gaze for the shipped
reading and each way, how well its yaw and pitch agree with face mesh's (correlation; its yaw sign is the opposite of
ours, which the correlation shows), whether OpenCV's ``dnn`` (what ``model_assets.load_onnx`` uses) reads the file,
and its CPU time per crop. Nothing is fitted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

import eval_looks as el  # noqa: E402

from vigclips.media.decode import iter_frames  # noqa: E402
from vigclips.vision import VisionConfig  # noqa: E402
from vigclips.vision.channels import build_result  # noqa: E402
from vigclips.vision.face_rows import _F  # noqa: E402
from vigclips.vision.roles import ROLE_ADULT  # noqa: E402

FILES = ("fsanet-1x1-iter-688590.onnx", "fsanet-var-iter-688590.onnx")
INPUT_PX = 64
WAYS = ("shipped", "pitch", "no-mesh", "all")


def square_crop(image: np.ndarray, box_xyxy: np.ndarray, margin: float) -> np.ndarray:
    """The square of ``margin`` times the box's larger side centred on it, black where it leaves the image.

    Example:
        >>> img = np.full((10, 10, 3), 255, np.uint8)
        >>> c = square_crop(img, np.array([-2.0, 0, 4, 6]), 1.0)
        >>> c.shape, int(c[:, 0].max()), int(c[:, -1].min())
        ((6, 6, 3), 0, 255)
    """
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    half = margin * max(x2 - x1, y2 - y1) / 2.0
    cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    x0, y0 = int(round(cx - half)), int(round(cy - half))
    side = max(1, int(round(2 * half)))
    h, w = image.shape[:2]
    out = np.zeros((side, side, 3), np.uint8)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out


def network_input(crop_bgr: np.ndarray) -> np.ndarray:
    """(1, 3, 64, 64) float32 as the authors' demo feeds the network."""
    x = cv2.resize(crop_bgr, (INPUT_PX, INPUT_PX)).transpose(2, 0, 1)[None].astype(np.float32)
    return (x - 127.5) / 128.0


def with_pose(rows: dict[str, np.ndarray], pose: dict[int, np.ndarray], way: str) -> dict[str, np.ndarray]:
    """A copy of the face rows with the candidate's ``(yaw_deg, pitch_deg)`` (our conventions) on the rows in ``pose``."""
    data = rows["face_data"].copy()
    for i, (yaw, pitch) in pose.items():
        mesh = data[i, _F["has_mesh"]] > 0
        if way in ("pitch", "all") or (way == "no-mesh" and not mesh):
            data[i, [_F["head_pitch_deg"], _F["gaze_pitch_deg"]]] = pitch
        if way == "all" or (way == "no-mesh" and not mesh):
            data[i, [_F["head_yaw_deg"], _F["gaze_yaw_deg"], _F["kp_yaw_deg"]]] = yaw
    return dict(rows, face_data=data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=REPO.parent / "shared" / "models" / "headpose")
    ap.add_argument("--family", action="append", default=None, help="clip name prefix (default 4JDccE and 2UWdXP)")
    ap.add_argument("--margin", type=float, action="append", default=None, help="crop side / box side (default 1.0, 1.3)")
    ap.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--labels", type=Path, default=REPO / "bench" / "labels")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "vigclips" / "eval_looks")
    args = ap.parse_args(argv)
    import onnxruntime as ort  # a vigclips dependency (it runs the bundled models)
    for name in FILES:
        try:
            cv2.dnn.readNetFromONNX(str(args.models / name))
            print(f"OpenCV dnn reads {name}")
        except cv2.error as e:
            why = [ln for ln in str(e).splitlines() if "error" in ln] or [str(e)]
            print(f"OpenCV dnn cannot read {name}: {why[-1].strip()[:160]}")
    nets = [ort.InferenceSession(str(args.models / n), providers=["CPUExecutionProvider"]) for n in FILES]
    families, margins = args.family or ["4JDccE", "2UWdXP"], args.margin or [1.0, 1.3]
    cfg = VisionConfig()
    labels = el.load_labels(args.labels)
    poses: dict[float, dict[str, dict[int, np.ndarray]]] = {m: {} for m in margins}
    base: dict[str, dict[str, np.ndarray]] = {}
    cost_s, n_crops = 0.0, 0
    for clip in sorted({lab.clip for lab in labels if lab.clip.split(".")[0] in families}):
        video = el.media_path(args.media, clip)
        rows = base[clip] = el.vision_rows(video, args.cache, cfg)
        res = build_result(rows["pts_s"], rows["image_wh"], rows["face_frame"], rows["face_track"], rows["face_data"], cfg)
        at = np.array([lab.t_s for lab in labels if lab.clip == clip])
        near = np.abs(res.pts_s[:, None] - at[None, :]).min(axis=1) <= el.HALF_WINDOW_S + 0.05
        todo: dict[int, list[int]] = {}
        for i in np.flatnonzero(res.face_role == ROLE_ADULT):
            if near[res.face_frame[i]]:
                todo.setdefault(int(res.face_frame[i]), []).append(int(i))
        for m in margins:
            poses[m][clip] = {}
        for k, frame in enumerate(iter_frames(video, el.TICK_HZ, 640, fast_decode=True)):
            for i in todo.get(k, []):
                for m in margins:
                    x = network_input(square_crop(frame.image, rows["face_data"][i, :4], m))
                    t0 = time.process_time()
                    yaw, pitch, _ = np.mean([n.run(["output"], {"input": x})[0][0] for n in nets], axis=0)
                    cost_s, n_crops = cost_s + time.process_time() - t0, n_crops + 1
                    poses[m][clip][i] = np.array([-yaw, pitch])  # its yaw is positive to the subject's right
    print(f"FSA-Net (two models averaged): {1000 * cost_s / max(n_crops, 1):.1f} ms CPU a crop over {n_crops} crops (noisy)")
    for m in margins:
        mesh, cand = [], []
        for clip, p in poses[m].items():
            for i, v in p.items():
                d = base[clip]["face_data"][i]
                if d[_F["has_mesh"]] > 0:
                    mesh.append([d[_F["head_yaw_deg"]], d[_F["head_pitch_deg"]]])
                    cand.append(v)
        mesh_a, cand_a = np.array(mesh).reshape(-1, 2), np.array(cand).reshape(-1, 2)
        r = [np.corrcoef(mesh_a[:, j], cand_a[:, j])[0, 1] if len(mesh_a) > 2 else np.nan for j in (0, 1)]
        print(f"\nmargin {m}: against face mesh on {len(mesh_a)} parent faces: yaw r = {r[0]:.2f}, pitch r = {r[1]:.2f}")
        print(f"  {'way':8} " + " ".join(f"{f + ' ' + c:>26}" for f in families for c in ("p2i", "mutual")))
        for way in WAYS:
            chans = {c: el.tick_channels(with_pose(base[c], poses[m][c], way) if way != "shipped" else base[c], cfg)
                     for c in base}  # fmt: skip
            pairs = el.evaluate([lab for lab in labels if lab.clip in chans], chans)
            cells = []
            for f in families:
                for cue in ("p2i", "mutual"):
                    pooled = el._pooled(pairs, cue, [c for c in chans if c.split(".")[0] == f])
                    ba, tpr, _, _ = el.balanced(pooled)
                    tnr = el.rates(pooled)[1]
                    cells.append(f"{ba:.3f} ({tpr:.2f}; {tnr:.2f})")
            print(f"  {way:8} " + " ".join(f"{c:>26}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
