"""Portable installs (issue 13): the ffmpeg that is used, per-user settings and weights found automatically, packaging."""

from __future__ import annotations

import json
import logging
import os
import stat
import tomllib
from pathlib import Path

import pytest

import vigclips
from vigclips.config import load_user_config
from vigclips.errors import ConfigError, FfmpegError
from vigclips.media import ffmpeg as ffm
from vigclips.userdirs import user_config_dir, user_weights_path

REPO = Path(__file__).resolve().parents[1]


def _fake_ffmpeg(folder: Path, version_line: str) -> Path:
    """An executable that answers ``-version`` like an ffmpeg of that version (and does nothing else)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "ffmpeg"
    exe.write_text(f"#!/bin/sh\necho '{version_line}'\necho 'libavcodec     58. 134.100 / 58. 134.100'\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


@pytest.fixture
def fresh_lookup():
    ffm.ffmpeg_exe.cache_clear()
    yield
    ffm.ffmpeg_exe.cache_clear()


@pytest.mark.skipif(os.name == "nt", reason="the fake ffmpeg is a shell script")
def test_an_old_ffmpeg_named_by_the_environment_is_passed_over_in_one_line(tmp_path, monkeypatch, caplog, fresh_lookup):
    old = _fake_ffmpeg(tmp_path / "old", "ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021 the FFmpeg developers")
    monkeypatch.setenv("VIGCLIPS_FFMPEG", str(old))
    with caplog.at_level(logging.WARNING, logger="vigclips"):
        chosen = ffm.ffmpeg_exe()
    assert chosen != str(old) and "imageio_ffmpeg" in chosen
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"not using VIGCLIPS_FFMPEG={old}: is FFmpeg 4.4.2, older than the 5.1 vigclips needs; "
                        "using the ffmpeg bundled with imageio-ffmpeg instead"]  # fmt: skip


@pytest.mark.skipif(os.name == "nt", reason="the fake ffmpeg is a shell script")
def test_a_new_enough_ffmpeg_named_by_the_environment_is_used(tmp_path, monkeypatch, fresh_lookup):
    new = _fake_ffmpeg(tmp_path / "new", "ffmpeg version n6.1.1 Copyright (c) 2000-2023 the FFmpeg developers")
    monkeypatch.setenv("VIGCLIPS_FFMPEG", str(new))
    assert ffm.ffmpeg_exe() == str(new)


def test_the_bundled_ffmpeg_wins_over_one_on_path(tmp_path, monkeypatch, fresh_lookup):
    _fake_ffmpeg(tmp_path / "bin", "ffmpeg version 7.0 Copyright")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("VIGCLIPS_FFMPEG", raising=False)
    assert "imageio_ffmpeg" in ffm.ffmpeg_exe()


@pytest.mark.skipif(os.name == "nt", reason="the fake ffmpeg is a shell script")
def test_without_a_bundled_binary_an_old_ffmpeg_on_path_is_refused_with_the_reason(tmp_path, monkeypatch, caplog,
                                                                                    fresh_lookup):  # fmt: skip
    old = _fake_ffmpeg(tmp_path / "bin", "ffmpeg version 5.0.1 Copyright")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("VIGCLIPS_FFMPEG", raising=False)
    monkeypatch.setattr(ffm, "_bundled_ffmpeg", lambda: None)
    with pytest.raises(FfmpegError, match=rf"no usable ffmpeg \({old} \(on PATH\) is FFmpeg 5.0.1, older than the 5.1"):
        ffm.ffmpeg_exe()
    caplog.clear()


@pytest.mark.parametrize(("text", "expected"), [
    ("ffmpeg version 5.1 Copyright", (True, "5.1")),
    ("ffmpeg version 5.0.3-1 Copyright", (False, "5.0.3")),
    ("ffmpeg version N-113000-g1234abcd Copyright\nlibavutil      58.  2.100\nlibavcodec     60.  3.100 / 60.  3.100",
     (True, "with libavcodec 60.3")),
    ("ffmpeg version N-100000-gdeadbeef\nlibavcodec     58. 134.100", (False, "with libavcodec 58.134")),
    ("avconv version 12", (False, "of an unknown version")),
], ids=["release-5.1", "release-5.0", "git-new", "git-old", "not-ffmpeg"])  # fmt: skip
def test_ffmpeg_version_text(text, expected) -> None:
    assert ffm.ffmpeg_version_ok(text) == expected


def test_settings_come_from_the_user_folder_and_learned_weights_are_found(tmp_path) -> None:
    folder = user_config_dir()
    assert folder.parent == Path(os.environ["XDG_CONFIG_HOME"])  # the conftest keeps tests out of the developer's folder
    assert load_user_config().scoring.weights_file == ""  # nothing learned yet
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text("[analysis]\ntop = 7\n")
    weights = user_weights_path()
    weights.write_text(json.dumps({"version": 1, "model": "logistic", "features": [], "coef": {}, "intercept": 0}))
    cfg = load_user_config()
    assert cfg.analysis.top == 7 and cfg.scoring.weights_file == str(weights)
    # explicit choices win: a named file, then the options
    other = tmp_path / "other.toml"
    other.write_text('[scoring]\nweights_file = "/elsewhere.json"\n')
    assert load_user_config(other).scoring.weights_file == "/elsewhere.json"
    assert load_user_config(None, {"analysis.top": 2}).analysis.top == 2


def test_vigclips_config_names_the_settings_file(tmp_path, monkeypatch) -> None:
    named = tmp_path / "service.toml"
    named.write_text("[analysis]\nfps = 5\n")
    monkeypatch.setenv("VIGCLIPS_CONFIG", str(named))
    assert load_user_config().analysis.fps == 5.0
    monkeypatch.setenv("VIGCLIPS_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="missing.toml.*config file not found"):
        load_user_config()


def test_learn_saves_where_analyze_looks(tmp_path) -> None:
    from vigclips.scoring.learn import default_weights_path

    assert default_weights_path() == user_weights_path()


def test_packaging_metadata() -> None:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    project = meta["project"]
    assert project["requires-python"].startswith(">=3.11")  # config.py uses tomllib
    assert "version" in project["dynamic"] and meta["tool"]["setuptools"]["dynamic"]["version"]["attr"] == "vigclips.__version__"
    assert "License :: OSI Approved :: Apache Software License" in project["classifiers"]
    assert "Apache License" in (REPO / "LICENSE").read_text() and "Version 2.0" in (REPO / "LICENSE").read_text()
    assert (REPO / "vigclips" / "py.typed").is_file() and "py.typed" in meta["tool"]["setuptools"]["package-data"]["vigclips"]
    from importlib.metadata import version

    assert version("vigclips") == vigclips.__version__
