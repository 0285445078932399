"""Issue 14, items 12 and 13: every failure answered plainly (one line, the right exit code), and an intact file accepted."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigclips.cli import main
from vigclips.errors import TruncatedMediaError
from vigclips.media import iter_frames, probe
from vigclips.media.ffmpeg import base_args, run_ffmpeg


def _make(out: Path, *inputs: tuple[str, float], codec: list[str] | None = None) -> Path:
    """A file from lavfi sources, each with its own length: ``("testsrc2=size=160x120:rate=25", 6.3)``."""
    args = [*base_args(), "-v", "error", "-y"]
    for source, seconds in inputs:
        args += ["-f", "lavfi", "-t", str(seconds), "-i", source]
    args += [*(codec or ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]), str(out)]
    run_ffmpeg(args, f"making {out.name}")
    return out


@pytest.fixture(scope="module")
def picture_ends_first(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("short_picture")
    return _make(folder / "picture_ends_first.mp4", ("testsrc2=size=160x120:rate=25", 6.3), ("sine=frequency=300", 8.0))


def test_14_12_a_picture_track_that_ends_before_the_sound_is_a_warning_not_an_error(picture_ends_first, caplog):
    info = probe(picture_ends_first)
    assert info.duration_s == pytest.approx(8.0, abs=0.1)
    with caplog.at_level(logging.WARNING, logger="vigclips"):
        frames = list(iter_frames(picture_ends_first, Fraction(10), info=info))
    assert frames[-1].pts_s == pytest.approx(6.2, abs=0.11)
    assert any("picture ends at 6.3 s of 8.0 s (the sound goes on)" in r.getMessage() for r in caplog.records)


def test_14_12_a_cut_off_file_is_still_refused(picture_ends_first, tmp_path):
    cut = tmp_path / "cut.mkv"
    whole = _make(tmp_path / "whole.mkv", ("testsrc2=size=160x120:rate=25", 8.0), ("sine=frequency=300", 8.0))
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(TruncatedMediaError, match="truncated or damaged"):
        list(iter_frames(cut, Fraction(10)))


def test_14_12_analyze_accepts_it_end_to_end(picture_ends_first, tmp_path):
    result = CliRunner().invoke(main, ["analyze", str(picture_ends_first), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "picture_ends_first" / "moments.json").is_file()
