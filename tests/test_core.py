"""Pure pieces of the foundation: config loading, the tick grid, signals.csv, moments.json, safe writes, clip arguments."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vigclips.config import PipelineConfig, load_config
from vigclips.errors import ConfigError, ReviewFileError
from vigclips.fileio import atomic_path, atomic_write_text
from vigclips.media.ffmpeg import ClipEncoding, build_clip_args
from vigclips.results.moments import build_document, read_moments, write_moments
from vigclips.signals import place_on_ticks, read_signals_csv, signals_csv_text, tick_times
from vigclips.types import Signals


def test_config_precedence(tmp_path):
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text("[analysis]\nfps = 5\ntop = 7\n")
    cfg = load_config(cfg_file, {"analysis.top": 3, "analysis.fps": None})
    assert cfg.analysis.fps == 5.0  # file beats default
    assert cfg.analysis.top == 3  # command line beats file
    assert cfg.analysis.tick_hz == Fraction(5)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[analysis]\nfsp = 5\n", "unknown setting analysis.fsp"),
        ("[analysis]\nfps = 'fast'\n", "analysis.fps has the wrong type"),
        ("[analysis]\nfps = 500\n", "analysis.fps must be between"),
        ("[nonsense]\nx = 1\n", "unknown setting nonsense"),
        ("[analysis\n", "not valid TOML"),
    ],
    ids=["typo", "type", "range", "table", "syntax"],
)
def test_config_errors_name_the_setting(tmp_path, text, message):
    cfg_file = tmp_path / "bad.toml"
    cfg_file.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(cfg_file)
    assert str(cfg_file) in str(info.value)


def test_example_config_is_the_defaults_and_current():
    from vigclips.config import example_config_text

    example = Path(__file__).resolve().parents[1] / "vigclips.example.toml"
    assert load_config(example) == PipelineConfig()
    assert example.read_text(encoding="utf-8") == example_config_text(), "regenerate: python -m vigclips.config > vigclips.example.toml"


def test_tick_grid_and_placement():
    t_s = tick_times(1.0, Fraction(10))
    assert len(t_s) == 10 and t_s[-1] == pytest.approx(0.9)
    placed = place_on_ticks(np.array([0.21, 0.5, 3.0]), {"x": np.array([1.0, 2.0, 9.0])}, Fraction(10), 10)
    assert np.isnan(placed["x"][0]) and placed["x"][2] == 1.0 and placed["x"][5] == 2.0  # 3.0 s is off the grid


def test_signals_csv_round_trip():
    signals = Signals(Fraction(10), tick_times(0.3, Fraction(10)), {"faces": [2, 1, 0], "infant_smile": [0.5, np.nan, 0.25]})
    text = signals_csv_text(signals, ["faces", "infant_smile", "adult_voice"])
    assert text.splitlines()[0] == "time_s,faces,infant_smile,adult_voice"
    assert text.splitlines()[2] == "0.100,1,,"  # not seen / not measured = empty cell
    back = read_signals_csv(text)
    assert back.tick_hz == Fraction(10) and np.isnan(back["infant_smile"][1]) and back["faces"][0] == 2


def test_signals_reject_wrong_length():
    with pytest.raises(ValueError, match="expected shape"):
        Signals(Fraction(10), np.arange(3) / 10, {"x": [1, 2]})


def _document(**moment_overrides):
    moment = {"id": "m01", "rank": 1, "start_s": 1.0, "end_s": 4.0, "score": 0.5, "reasons": ["r"], "status": "candidate"}
    moment.update(moment_overrides)
    source = {"file_name": "a.mp4", "duration_s": 10.0}
    return build_document(source, Fraction(10), {}, {}, [moment])


def test_moments_file_round_trip_is_private(tmp_path):
    path = write_moments(tmp_path / "out" / "moments.json", _document())
    assert (path.stat().st_mode & 0o777) == 0o600 and (path.parent.stat().st_mode & 0o777) == 0o700
    document = read_moments(path.parent)
    assert document["version"] == 1 and document["moments"][0]["id"] == "m01"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("moments"), "missing key 'moments'"),
        (lambda d: d["moments"][0].pop("end_s"), r"missing key 'moments\[0\].end_s'"),
        (lambda d: d.update(version=7), "unsupported format version 7"),
        (lambda d: d["moments"][0].update(status="maybe"), "status must be one of"),
        (lambda d: d["moments"][0].update(end_s=0.5), "needs 0 <= start_s < end_s"),
        (lambda d: d["moments"][0].update(end_s=99.0), "after the recording"),
    ],
    ids=["no-moments", "no-end", "version", "status", "bounds", "past-end"],
)
def test_moments_file_errors_name_the_key(tmp_path, mutate, message):
    document = _document()
    mutate(document)
    path = tmp_path / "moments.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ReviewFileError, match=message):
        read_moments(path)


def test_moments_file_not_json(tmp_path):
    (tmp_path / "moments.json").write_text("{oops")
    with pytest.raises(ReviewFileError, match="not valid JSON"):
        read_moments(tmp_path)


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "x.csv"
    atomic_write_text(target, "old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["x.csv"]


def test_clip_args_are_frame_exact():
    args = build_clip_args(Path("in.mov"), 2.0, 4.5, Path("out.mp4"), ClipEncoding(fps=Fraction(30000, 1001)))
    assert args[1] == "-nostdin"
    assert args[args.index("-ss") + 1] == "2.000000" and args.index("-ss") < args.index("-i")
    # every source frame at its own time (variable-rate recordings were re-timed to their average rate, #14)
    assert args[args.index("-fps_mode") + 1] == "passthrough" and "-r" not in args and "-frames:v" not in args
    assert "trim=end=2.500000" in args[args.index("-filter_complex") + 1]
    assert "libx264" in args and "aac" in args and "+faststart" in args and "yuv420p" in args
    silent = build_clip_args(Path("in.mov"), 0, 1, Path("o.mp4"), ClipEncoding(fps=Fraction(25), with_audio=False))
    assert "aac" not in silent
    with pytest.raises(ValueError):
        build_clip_args(Path("in.mov"), 3, 3, Path("o.mp4"), ClipEncoding(fps=Fraction(25)))


def test_reading_settings_loads_neither_opencv_nor_the_models():
    # Every command reads its settings first; `vigclips --help` or `vigclips rank` must not wait for OpenCV and MediaPipe.
    import subprocess
    import sys

    code = "import sys, vigclips.config, vigclips.cli; print(sorted({'cv2', 'mediapipe'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    code = "import sys; from vigclips.vision import analyze_frames; print('cv2' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "True"
