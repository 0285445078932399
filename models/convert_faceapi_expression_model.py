"""Convert face-api's face expression classifier (tfjs weights) to ONNX for OpenCV's dnn module, and check the result.

A developer step, never run by vigclips. Issue 22 looked for a better appearance model of a parent's smile in profile
and at 3/4 than the FER2013 mini-Xception; this is one candidate, measured by ``bench/eval_smile_models.py``.

What it converts
    ``package/model/face_expression_model.bin`` (sha256 ``9a9840f2cf1f4c7eab95f197512569345c00d2426754d4608b92af30e0300f3d``)
    with ``face_expression_model-weights_manifest.json`` (sha256
    ``5b349c17c7836da506e03422cd6461c74085d8bb2713ad4114647dc5d28174c8``) from the npm package
    ``@vladmandic/face-api@1.7.15`` (tarball sha256 ``0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031``,
    MIT), the maintained fork of V. Muehler's face-api.js (MIT). Its authors say the model was trained on "a variety of
    images from publicly available datasets as well as images scraped from the web"; the datasets are not named.

The model (``src/faceFeatureExtractor``, ``src/faceExpressionNet`` of that package)
    Input 112 x 112 RGB, ``(x - mean_rgb) / 255`` with mean_rgb (122.782, 117.001, 104.298); four dense blocks of
    depthwise-separable 3 x 3 convolutions (32, 64, 128, 256 channels, each block halving the size, TF "same" padding),
    a 7 x 7 average pool, one fully connected layer to 7 logits and a softmax in the order neutral, happy, sad, angry,
    fearful, disgusted, surprised. The weights are stored uint8-quantized (value = q * scale + min) with float32 biases;
    this script dequantizes them as tfjs does.

Steps (repository root)::

    npm pack @vladmandic/face-api@1.7.15            # in a scratch folder, e.g. /tmp/faceapi
    (cd /tmp/faceapi && tar xzf vladmandic-face-api-1.7.15.tgz)
    python3 -m venv /tmp/onnx_conv && /tmp/onnx_conv/bin/pip install onnx==1.23.2 numpy
    /tmp/onnx_conv/bin/python models/convert_faceapi_expression_model.py convert /tmp/faceapi/package/model OUT.onnx
    .venv/bin/python models/convert_faceapi_expression_model.py check /tmp/faceapi/package/model OUT.onnx

``convert`` writes the graph by hand with ``onnx.helper`` (opset 13): TF's "same" padding becomes explicit pads
(asymmetric, one pixel at the end, for stride 2 on an even size), which OpenCV reads. ``check`` compares OpenCV's
output with a numpy forward pass written from the package's TypeScript on random and real-looking inputs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

LABELS = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_PX = 112


def load_weights(model_dir: Path) -> dict[str, np.ndarray]:
    """The tfjs weights, dequantized, by name (shapes as in TF: HWIO filters, HWC1 depthwise filters)."""
    manifest = json.loads((model_dir / "face_expression_model-weights_manifest.json").read_text())
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        blob = b"".join((model_dir / p).read_bytes() for p in group["paths"])
        at = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"]))
            q = w.get("quantization")
            if q:
                raw = np.frombuffer(blob, np.uint8, n, at).astype(np.float32)
                out[w["name"]] = (raw * np.float32(q["scale"]) + np.float32(q["min"])).reshape(w["shape"])
                at += n
            else:
                out[w["name"]] = np.frombuffer(blob, np.float32, n, at).reshape(w["shape"]).copy()
                at += 4 * n
        if at != len(blob):
            raise ValueError(f"read {at} of {len(blob)} bytes")
    return out


# ---- numpy reference (NHWC, as the TypeScript) ----


def _pad_same(x: np.ndarray, stride: int) -> np.ndarray:
    h = x.shape[1]
    out = -(-h // stride)
    total = max((out - 1) * stride + 3 - h, 0)
    lo = total // 2
    return np.pad(x, ((0, 0), (lo, total - lo), (lo, total - lo), (0, 0)))


def _conv(x: np.ndarray, f: np.ndarray, stride: int) -> np.ndarray:
    xp = _pad_same(x, stride)
    n, h, w, _ = xp.shape
    oh, ow = (h - 3) // stride + 1, (w - 3) // stride + 1
    out = np.zeros((n, oh, ow, f.shape[3]), np.float64)
    for dy in range(3):
        for dx in range(3):
            patch = xp[:, dy : dy + stride * oh : stride, dx : dx + stride * ow : stride, :]
            out += patch @ f[dy, dx]
    return out


def _dwconv(x: np.ndarray, f: np.ndarray, stride: int) -> np.ndarray:
    xp = _pad_same(x, stride)
    n, h, w, c = xp.shape
    oh, ow = (h - 3) // stride + 1, (w - 3) // stride + 1
    out = np.zeros((n, oh, ow, c), np.float64)
    for dy in range(3):
        for dx in range(3):
            out += xp[:, dy : dy + stride * oh : stride, dx : dx + stride * ow : stride, :] * f[dy, dx, :, 0]
    return out


def _sep(x: np.ndarray, W: dict, p: str, stride: int) -> np.ndarray:
    d = _dwconv(x, W[f"{p}/depthwise_filter"], stride)
    return d @ W[f"{p}/pointwise_filter"][0, 0] + W[f"{p}/bias"]


def reference(W: dict[str, np.ndarray], x_nhwc: np.ndarray) -> np.ndarray:
    """Softmax outputs of a (n, 112, 112, 3) normalized RGB batch, computed the way the TypeScript does."""
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    out = x_nhwc.astype(np.float64)
    for b in range(4):
        p = f"dense{b}"
        if b == 0:
            o1 = relu(_conv(out, W[f"{p}/conv0/filters"], 2) + W[f"{p}/conv0/bias"])
        else:
            o1 = relu(_sep(out, W, f"{p}/conv0", 2))
        o2 = _sep(o1, W, f"{p}/conv1", 1)
        o3 = _sep(relu(o1 + o2), W, f"{p}/conv2", 1)
        o4 = _sep(relu(o1 + o2 + o3), W, f"{p}/conv3", 1)
        out = relu(o1 + o2 + o3 + o4)
    feat = out.mean(axis=(1, 2))
    logits = feat @ W["fc/weights"] + W["fc/bias"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---- ONNX graph ----


def build_onnx(W: dict[str, np.ndarray]):  # -> onnx.ModelProto
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, np.float32), name))
        return name

    def pads(stride: int, size: int) -> list[int]:
        out = -(-size // stride)
        total = max((out - 1) * stride + 3 - size, 0)
        lo = total // 2
        return [lo, lo, total - lo, total - lo]

    def conv(x: str, w: np.ndarray, b: np.ndarray | None, stride: int, size: int, group: int, name: str, k: int) -> str:
        ins = [x, const(f"{name}/W", w)] + ([const(f"{name}/B", b)] if b is not None else [])
        nodes.append(helper.make_node("Conv", ins, [name], kernel_shape=[k, k], strides=[stride, stride],
                                      pads=pads(stride, size) if k == 3 else [0, 0, 0, 0], group=group))  # fmt: skip
        return name

    def sep(x: str, p: str, stride: int, size: int) -> str:
        dw = W[f"{p}/depthwise_filter"]  # (3, 3, C, 1) -> (C, 1, 3, 3)
        c = dw.shape[2]
        d = conv(x, dw.transpose(2, 3, 0, 1), None, stride, size, c, f"{p}/dw", 3)
        pw = W[f"{p}/pointwise_filter"]  # (1, 1, C, O) -> (O, C, 1, 1)
        return conv(d, pw.transpose(3, 2, 0, 1), W[f"{p}/bias"], 1, size, 1, f"{p}/pw", 1)

    def add(a: str, b: str, name: str) -> str:
        nodes.append(helper.make_node("Add", [a, b], [name]))
        return name

    def relu(a: str, name: str) -> str:
        nodes.append(helper.make_node("Relu", [a], [name]))
        return name

    x, size = "input", INPUT_PX
    for b in range(4):
        p = f"dense{b}"
        if b == 0:
            f = W[f"{p}/conv0/filters"].transpose(3, 2, 0, 1)
            o1 = relu(conv(x, f, W[f"{p}/conv0/bias"], 2, size, 1, f"{p}/conv0", 3), f"{p}/o1")
        else:
            o1 = relu(sep(x, f"{p}/conv0", 2, size), f"{p}/o1")
        size = -(-size // 2)
        o2 = sep(o1, f"{p}/conv1", 1, size)
        s12 = add(o1, o2, f"{p}/s12")
        o3 = sep(relu(s12, f"{p}/i3"), f"{p}/conv2", 1, size)
        s123 = add(s12, o3, f"{p}/s123")
        o4 = sep(relu(s123, f"{p}/i4"), f"{p}/conv3", 1, size)
        x = relu(add(s123, o4, f"{p}/s1234"), f"{p}/out")
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pool"]))
    nodes.append(helper.make_node("Flatten", ["pool"], ["feat"], axis=1))
    nodes.append(helper.make_node("Gemm", ["feat", const("fc/W", W["fc/weights"]), const("fc/B", W["fc/bias"])],
                                  ["logits"]))  # fmt: skip
    nodes.append(helper.make_node("Softmax", ["logits"], ["predictions"], axis=1))
    graph = helper.make_graph(
        nodes, "faceapi_expression",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, INPUT_PX, INPUT_PX])],
        [helper.make_tensor_value_info("predictions", TensorProto.FLOAT, ["batch", len(LABELS)])],
        initializer=inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="vigclips")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("convert", "check"))
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("onnx_path", type=Path)
    args = ap.parse_args(argv)
    W = load_weights(args.model_dir)
    if args.step == "convert":
        args.onnx_path.write_bytes(build_onnx(W).SerializeToString())
        print(f"wrote {args.onnx_path}")
        return 0
    import cv2

    net = cv2.dnn.readNetFromONNX(str(args.onnx_path))
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (4, INPUT_PX, INPUT_PX, 3)).astype(np.uint8)
    imgs[2:] = cv2.GaussianBlur(imgs[2:].reshape(-1, INPUT_PX, 3), (0, 0), 6).reshape(2, INPUT_PX, INPUT_PX, 3)
    blob = cv2.dnn.blobFromImages(list(imgs), 1 / 255.0, (INPUT_PX, INPUT_PX), MEAN_RGB[::-1], swapRB=False)
    net.setInput(blob)
    got = net.forward()
    want = reference(W, blob.transpose(0, 2, 3, 1))
    diff = float(np.abs(got - want).max())
    print(f"OpenCV vs numpy reference: max |difference| {diff:.2e}")
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
