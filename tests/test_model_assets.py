"""The model files (models/README.md, vigclips/model_assets.py): documented, present, unaltered, and a clear error if not."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from vigclips import model_assets
from vigclips.errors import ModelAssetError
from vigclips.model_assets import MODEL_ASSETS, asset_path, verify_model_assets

README = Path(__file__).resolve().parents[1] / "models" / "README.md"


def test_every_model_file_is_documented_with_its_size_and_checksum() -> None:
    text = README.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(MODEL_ASSETS), "models/README.md lists a different set of files than model_assets.py"
    for asset in MODEL_ASSETS:
        row = next((r for r in rows if f"{asset.relative_path}`" in r), None)
        assert row is not None, f"{asset.relative_path} is not in models/README.md"
        assert asset.sha256 in row
        assert f"| {asset_path(asset).stat().st_size} |" in row


def test_installed_model_files_match_their_checksums() -> None:
    verify_model_assets.cache_clear()
    paths = verify_model_assets()
    assert len(paths) == len(MODEL_ASSETS)
    for asset, path in zip(MODEL_ASSETS, paths):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == asset.sha256


def test_an_altered_or_missing_model_file_is_named_in_the_error(monkeypatch, tmp_path) -> None:
    altered = dataclasses.replace(model_assets.EXPRESSION_MODEL, sha256="0" * 64)
    monkeypatch.setattr(model_assets, "MODEL_ASSETS", (altered,))
    verify_model_assets.cache_clear()
    with pytest.raises(ModelAssetError, match=r"model file altered: .*fer_mini_xception\.onnx.*reinstall vigclips"):
        verify_model_assets()
    missing = dataclasses.replace(model_assets.EXPRESSION_MODEL, relative_path="vision/models/nothing.onnx")
    monkeypatch.setattr(model_assets, "MODEL_ASSETS", (missing,))
    verify_model_assets.cache_clear()
    with pytest.raises(ModelAssetError, match=r"model file missing: .*nothing\.onnx"):
        verify_model_assets()
    verify_model_assets.cache_clear()


def test_a_model_file_onnxruntime_cannot_read_is_a_model_asset_error_naming_it(tmp_path, monkeypatch) -> None:
    broken = tmp_path / "expression.onnx"
    broken.write_bytes(b"not an onnx graph")
    monkeypatch.setattr(model_assets, "asset_path", lambda asset: broken)
    with pytest.raises(ModelAssetError, match=r"cannot load the expression model .*expression\.onnx"):
        model_assets.load_onnx(model_assets.EXPRESSION_MODEL, "expression model")
