"""Convert the laughter detector of Gillick et al. (jrgillick/laughter-detection, MIT) to ONNX for OpenCV's dnn module.

A developer step, never run by vigclips: vigclips only loads the file this writes,
``vigclips/audio/models/laughter_resnet.onnx``, with ``cv2.dnn.readNetFromONNX`` (the OpenCV that mediapipe already
brings), so neither PyTorch nor any other runtime is needed, at run time or here.

What it converts
    ``checkpoints/comparisons/resnet_without_augmentation_trained_on_audioset/best.pth.tar`` of jrgillick/laughter-detection
    @ 5d5e0327916959d832d95ffbef5f484efc93d799 (MIT; sha256 ``CHECKPOINT_SHA256`` below; a copy is in the workplace's
    ``shared/models/laughter/``). It is a legacy (pre-1.6, non-zip) PyTorch pickle; this script reads its state dict
    into numpy itself (a restricted unpickler: tensors and numpy scalars only, nothing is executed).

The model (``ResNetBigger`` configured by ``CONFIG_MAP['resnet_base']``: filters 64/32/16/16, linear layer 64)
    A 3x3 convolution (64 filters) with batch norm and ReLU, then four stages of two residual blocks (3x3 conv, BN,
    ReLU, 3x3 conv, BN, plus the input or a strided 1x1 conv + BN shortcut, ReLU); stages 2-4 halve both axes. Then a
    4x4 average pool (no padding: of the 6 x 16 map only the first 4 time rows count), flatten (64), batch norm,
    linear 64->32, batch norm, ReLU, linear 32->1, sigmoid. Dropout is inactive at inference. Every batch norm is
    folded into the convolution or linear layer next to it (eps 1e-5, PyTorch's default).

Input and output
    ONNX input ``mel``: float32 ``(batch, 1, 44, 128)``, 44 frames of a 128-band log mel spectrogram of 8 kHz audio
    (hop 186 samples, about 1 s), computed as the repository's ``featurize_melspec`` does with librosa's defaults
    (``vigclips.audio.laughnet.log_mel`` reproduces it in numpy). Output ``laugh``: ``(batch, 1)`` probability that the
    window holds laughter.

Steps (run from the repository root; the scratch venv lives outside the repository)::

    python3.11 -m venv /tmp/lg_conv
    /tmp/lg_conv/bin/pip install onnx==1.17.0 "numpy<2" librosa==0.10.2.post1 scipy
    /tmp/lg_conv/bin/python models/convert_laughter_model.py convert ../shared/models/laughter/resnet_audioset_best.pth.tar
    /tmp/lg_conv/bin/python models/convert_laughter_model.py features      # numpy log mel vs librosa (scratch venv)
    .venv/bin/python models/convert_laughter_model.py check ../shared/models/laughter/resnet_audioset_best.pth.tar

``check`` (repository venv) compares OpenCV's output with a plain numpy forward pass of the unfolded network on real
windows of the shared media, and times one call. The written file is byte-identical from run to run.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib
import pickle
import struct
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
ONNX_PATH = REPO / "vigclips" / "audio" / "models" / "laughter_resnet.onnx"
MEDIA = REPO.parent / "shared" / "media"
CHECKPOINT_SHA256 = "4a692cd68311a2dfe5fe0466266f1a707dc83b0728cfa24640a193cf6b60ee55"
BN_EPS = 1e-5
OPSET = 13
N_FRAMES, N_MELS = 44, 128
STAGES = (("block1", 64, 1), ("block2", 32, 2), ("block3", 16, 2), ("block4", 16, 2))
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64, "IntStorage": np.int32}
_SAFE_GLOBALS = {("numpy.core.multiarray", "scalar"), ("numpy", "dtype"), ("_codecs", "encode")}


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Tensor:
    def __init__(self, storage, offset, size, stride, *_):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


class _LegacyUnpickler(pickle.Unpickler):
    """Reads a legacy PyTorch pickle without torch: tensors become :class:`_Tensor` records, storages their keys."""

    def __init__(self, fh):
        super().__init__(fh, encoding="latin1")
        self.storage_types: dict[str, str] = {}

    def find_class(self, module, name):
        if module == "torch._utils" and name.startswith("_rebuild_tensor"):
            return _Tensor
        if module == "torch" and name.endswith("Storage"):
            return name
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if (module, name) in _SAFE_GLOBALS:
            return getattr(importlib.import_module(module), name)
        raise pickle.UnpicklingError(f"refusing {module}.{name}")

    def persistent_load(self, pid):
        _kind, storage_type, key, _location, _size, _view = pid
        self.storage_types[key] = storage_type
        return key


def load_state_dict(path: Path) -> dict[str, np.ndarray]:
    """The checkpoint's ``state_dict`` as float32/int64 numpy arrays (legacy format: header pickles, the object, the
    storage keys, then each storage as an int64 element count and its raw little-endian bytes)."""
    if sha256(path) != CHECKPOINT_SHA256:
        sys.exit(f"{path}: not the checkpoint this script documents (sha256 {CHECKPOINT_SHA256})")
    with path.open("rb") as fh:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(fh, encoding="latin1")
        up = _LegacyUnpickler(fh)
        obj = up.load()
        keys = pickle.load(fh, encoding="latin1")
        raw = {}
        for key in keys:
            (n,) = struct.unpack("<q", fh.read(8))
            dt = np.dtype(_DTYPES[up.storage_types[key]])
            raw[key] = np.frombuffer(fh.read(n * dt.itemsize), dt)
    out = {}
    for name, t in obj["state_dict"].items():
        buf = raw[t.storage]
        count = int(np.prod(t.size)) if t.size else 1
        arr = np.lib.stride_tricks.as_strided(buf[t.offset:], t.size, [s * buf.itemsize for s in t.stride])
        out[name] = np.array(arr[...] if t.size else buf[t.offset : t.offset + count].reshape(()))
    return out


# ------------------------------------------------------------------ the network, unfolded, in numpy (the reference)


def _bn(sd, p, x):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    scale = sd[p + ".weight"] / np.sqrt(sd[p + ".running_var"] + BN_EPS)
    return (x - sd[p + ".running_mean"].reshape(shape)) * scale.reshape(shape) + sd[p + ".bias"].reshape(shape)


def _conv(x, w, b=None, stride=1, pad=1):
    n, c, h, wd = x.shape
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    cols = np.empty((n, c, k, k, oh, ow), np.float64)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride]
    y = np.einsum("nckluv,ockl->nouv", cols, w.astype(np.float64), optimize=True)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def reference_forward(sd: dict[str, np.ndarray], mel: np.ndarray) -> np.ndarray:
    """(N, 1) laughter probability of (N, 1, 44, 128) windows, layer by layer as the PyTorch module computes it."""
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    x = relu(_bn(sd, "bn1", _conv(mel.astype(np.float64), sd["conv1.weight"])))
    for stage, _ch, stride in STAGES:
        for k, s in ((0, stride), (1, 1)):
            p = f"{stage}.{k}"
            out = relu(_bn(sd, p + ".bn1", _conv(x, sd[p + ".conv1.weight"], sd[p + ".conv1.bias"], s)))
            out = _bn(sd, p + ".bn2", _conv(out, sd[p + ".conv2.weight"], sd[p + ".conv2.bias"]))
            short = _bn(sd, p + ".shortcut.1", _conv(x, sd[p + ".shortcut.0.weight"], None, s, 0)) if (
                p + ".shortcut.0.weight" in sd) else x
            x = relu(out + short)
    rows, cols = x.shape[2] // 4, x.shape[3] // 4
    x = x[:, :, : rows * 4, : cols * 4].reshape(x.shape[0], x.shape[1], rows, 4, cols, 4).mean(axis=(3, 5))
    x = _bn(sd, "bn2", x.reshape(x.shape[0], -1))
    x = relu(_bn(sd, "bn3", x @ sd["linear1.weight"].T + sd["linear1.bias"]))
    x = x @ sd["linear2.weight"].T + sd["linear2.bias"]
    return 1.0 / (1.0 + np.exp(-x))


# ------------------------------------------------------------------------------------------- the ONNX graph


def _fold(sd, bn, w, b):
    """Weights and bias of ``bn(conv_or_linear(x))`` as one layer."""
    scale = sd[bn + ".weight"] / np.sqrt(sd[bn + ".running_var"] + BN_EPS)
    b0 = np.zeros(w.shape[0], np.float32) if b is None else b
    w2 = w * scale.reshape((-1,) + (1,) * (w.ndim - 1))
    return w2.astype(np.float32), ((b0 - sd[bn + ".running_mean"]) * scale + sd[bn + ".bias"]).astype(np.float32)


def build_onnx(sd: dict[str, np.ndarray]):
    """The folded network as an ``onnx.ModelProto`` (deterministic: fixed names, no timestamps)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, np.float32), name))
        return name

    def conv(x, name, w, b, stride, pad):
        nodes.append(helper.make_node("Conv", [x, const(name + ".w", w), const(name + ".b", b)], [name],
                                      kernel_shape=list(w.shape[2:]), strides=[stride, stride], pads=[pad] * 4))
        return name

    def relu(x, name):
        nodes.append(helper.make_node("Relu", [x], [name]))
        return name

    x = relu(conv("mel", "conv1", *_fold(sd, "bn1", sd["conv1.weight"], None), 1, 1), "conv1.relu")
    for stage, _ch, stride in STAGES:
        for k, s in ((0, stride), (1, 1)):
            p = f"{stage}.{k}"
            h = relu(conv(x, p + ".conv1", *_fold(sd, p + ".bn1", sd[p + ".conv1.weight"], sd[p + ".conv1.bias"]), s, 1),
                     p + ".relu1")
            h = conv(h, p + ".conv2", *_fold(sd, p + ".bn2", sd[p + ".conv2.weight"], sd[p + ".conv2.bias"]), 1, 1)
            if p + ".shortcut.0.weight" in sd:
                x = conv(x, p + ".shortcut", *_fold(sd, p + ".shortcut.1", sd[p + ".shortcut.0.weight"], None), s, 0)
            nodes.append(helper.make_node("Add", [h, x], [p + ".add"]))
            x = relu(p + ".add", p + ".out")
    nodes.append(helper.make_node("AveragePool", [x], ["pool"], kernel_shape=[4, 4], strides=[4, 4]))
    nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], axis=1))
    # bn2 then linear1 then bn3: one Gemm (y = x A^T + c)
    s2 = sd["bn2.weight"] / np.sqrt(sd["bn2.running_var"] + BN_EPS)
    c2 = sd["bn2.bias"] - sd["bn2.running_mean"] * s2
    w1 = sd["linear1.weight"] * s2[None, :]
    b1 = sd["linear1.weight"] @ c2 + sd["linear1.bias"]
    w1, b1 = _fold(sd, "bn3", w1, b1)
    nodes.append(helper.make_node("Gemm", ["flat", const("fc1.w", w1), const("fc1.b", b1)], ["fc1"], transB=1))
    relu("fc1", "fc1.relu")
    nodes.append(helper.make_node("Gemm", ["fc1.relu", const("fc2.w", sd["linear2.weight"]),
                                           const("fc2.b", sd["linear2.bias"])], ["fc2"], transB=1))
    nodes.append(helper.make_node("Sigmoid", ["fc2"], ["laugh"]))
    graph = helper.make_graph(
        nodes, "laughter_resnet",
        [helper.make_tensor_value_info("mel", TensorProto.FLOAT, ["batch", 1, N_FRAMES, N_MELS])],
        [helper.make_tensor_value_info("laugh", TensorProto.FLOAT, ["batch", 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="vigclips")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def _windows() -> np.ndarray:
    """Real 44-frame windows from laughter, cries and household sound in the shared media (repository venv)."""
    sys.path.insert(0, str(REPO))
    from vigclips.audio.laughnet import log_mel, windows_at
    from vigclips.media.decode import decode_audio

    out = []
    for sub in ("laugh", "cry", "noise"):
        for f in sorted((MEDIA / "laughter_dev" / sub).iterdir())[:4]:
            db = log_mel(decode_audio(f, 16000))
            out.append(windows_at(db, np.arange(0, max(1, db.shape[0] - N_FRAMES), 40)))
    return np.concatenate(out)


def convert(args: argparse.Namespace) -> None:
    sd = load_state_dict(Path(args.checkpoint))
    model = build_onnx(sd)
    ONNX_PATH.parent.mkdir(parents=True, exist_ok=True)
    ONNX_PATH.write_bytes(model.SerializeToString())
    print(f"wrote {ONNX_PATH.relative_to(REPO)}: {ONNX_PATH.stat().st_size} bytes, sha256 {sha256(ONNX_PATH)}")


def features(_args: argparse.Namespace) -> None:
    """The numpy log mel against librosa's (featurize_melspec's recipe), scratch venv."""
    import librosa
    import soundfile

    sys.path.insert(0, str(REPO))
    from vigclips.audio.laughnet import log_mel_8k

    for f in sorted((MEDIA / "laughter_dev" / "laugh").iterdir())[:3] + [MEDIA / "donateacry_f-04-ti.wav"]:
        x, sr = soundfile.read(f, dtype="float32", always_2d=True)
        y = librosa.resample(x.mean(axis=1), orig_sr=sr, target_sr=8000)
        for pad_mode in ("constant", "reflect"):
            ref = librosa.amplitude_to_db(librosa.feature.melspectrogram(y=y, sr=8000, hop_length=186, pad_mode=pad_mode).T,
                                          ref=np.max)
            got = log_mel_8k(y, pad_mode=pad_mode)
            print(f"{f.name} pad={pad_mode}: frames {got.shape} vs {ref.shape}, max |diff| "
                  f"{np.max(np.abs(got - ref)):.2e} dB")


def check(args: argparse.Namespace) -> None:
    """OpenCV dnn on the written file vs the numpy reference of the unfolded network (repository venv)."""
    import time

    import cv2

    sd = load_state_dict(Path(args.checkpoint))
    mel = _windows()
    ref = reference_forward(sd, mel)
    net = cv2.dnn.readNetFromONNX(str(ONNX_PATH))
    net.setInput(mel.astype(np.float32))
    got = net.forward()
    print(f"OpenCV {cv2.__version__}; {ONNX_PATH.name} sha256 {sha256(ONNX_PATH)}; {mel.shape[0]} windows")
    print(f"max |OpenCV - numpy reference| = {np.max(np.abs(got - ref)):.2e}; reference range "
          f"{ref.min():.3f}-{ref.max():.3f}")
    cv2.setNumThreads(1)
    net.setInput(mel[:8].astype(np.float32))
    net.forward()
    t0 = time.process_time()
    for _ in range(5):
        net.setInput(mel[:8].astype(np.float32))
        net.forward()
    print(f"CPU per window (batch of 8, one thread): {(time.process_time() - t0) / 40 * 1000:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("convert", help="checkpoint -> ONNX (scratch venv with onnx)")
    p.add_argument("checkpoint")
    p.set_defaults(fn=convert)
    p = sub.add_parser("features", help="numpy log mel vs librosa (scratch venv with librosa)")
    p.set_defaults(fn=features)
    p = sub.add_parser("check", help="OpenCV dnn vs the numpy reference (repository venv)")
    p.add_argument("checkpoint")
    p.set_defaults(fn=check)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
