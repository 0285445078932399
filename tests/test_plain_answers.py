"""Issue 14, items 12 and 13: every failure answered plainly (one line, the right exit code), and an intact file accepted."""

from __future__ import annotations

import logging
import re
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


# ----------------------------------------------------------------------------------------------------------------------
# 14.13: the same kind of problem always gets the same kind of answer: one line, exit 2, nothing half-made


def _one_error_line(result) -> str:
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output and "ffmpeg:" not in result.output
    return lines[0]


def test_14_13_a_damaged_mp4_index_is_a_plain_exit_2(tmp_path):
    good = _make(tmp_path / "good.mp4", ("testsrc2=size=160x120:rate=25", 4.0), ("sine", 4.0))
    data = bytearray(good.read_bytes())
    table = data.find(b"stco")  # the chunk offsets: every one now points past the end of the file
    data[table + 8 : table + 40] = b"\xff" * 32
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["analyze", str(damaged), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "cannot be decoded (the file is damaged" in _one_error_line(result)
    assert not (tmp_path / "out" / "damaged").exists()


def test_14_13_an_unreadable_file_is_its_own_error_and_the_others_go_on(tmp_path, picture_ends_first, monkeypatch):
    import builtins
    import os
    import sys

    probe_module = sys.modules["vigclips.media.probe"]  # the package's `probe` attribute is the function

    locked = tmp_path / "locked.mp4"
    locked.write_bytes(picture_ends_first.read_bytes())
    locked.chmod(0)
    # As a user other than root sees it (root reads anything): access refused, and opening fails.
    real_access, real_open = os.access, builtins.open
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == locked else real_access(p, mode, **kw))

    def refusing_open(file, *args, **kwargs):
        if isinstance(file, (str, Path)) and Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(probe_module, "open", refusing_open, raising=False)
    result = CliRunner().invoke(main, ["analyze", str(locked), str(picture_ends_first), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert _one_error_line(result) == f"error: {locked}: cannot read the file (Permission denied)"
    assert "picture_ends_first.mp4: results in" in result.output  # the other file was analysed


def test_14_13_a_one_frame_video_is_too_short_to_analyse_not_damaged(tmp_path):
    short = _make(tmp_path / "short.mp4", ("testsrc2=size=160x120:rate=25", 0.04))
    result = CliRunner().invoke(main, ["analyze", str(short), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert _one_error_line(result).endswith("short.mp4: is only 0.04 s long, shorter than one analysis step (0.1 s): too short "
                                            "to analyse")  # fmt: skip


def test_14_13_a_recording_too_short_for_any_moment_says_so(tmp_path):
    short = _make(tmp_path / "short.mp4", ("testsrc2=size=160x120:rate=25", 0.25))
    result = CliRunner().invoke(main, ["analyze", str(short), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert re.search(r"short.mp4: only 0\.\d\d s long, shorter than a moment \(scoring.min_moment_s = 3 s\): there will be no "
                     "candidates", result.output), result.output


def _review_file(folder: Path, recording: Path, moments: list[tuple[float, float, str]]) -> None:
    from vigclips.results.moments import build_document, sha256_file, source_record, write_moments

    records = [{"id": f"m{i + 1:02d}", "rank": i + 1, "start_s": a, "end_s": b, "score": 0.5, "reasons": ["test"],
                "status": s, "scores": {p: 0.5 for p in ("attentive", "encouraging", "receiving", "developing")}}
               for i, (a, b, s) in enumerate(moments)]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    document = build_document(source_record(probe(recording), sha256_file(recording)), Fraction(10), {}, {}, records)
    write_moments(folder / "moments.json", document)


def test_14_13_exporting_a_sound_recording_is_refused_plainly_and_makes_nothing(tmp_path):
    sound = _make(tmp_path / "sound.wav", ("sine", 6.0), codec=[])
    _review_file(tmp_path / "out" / "sound", sound, [(1.0, 4.0, "confirmed")])
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out" / "sound")])
    assert result.exit_code == 2
    assert "is a sound recording: there are no pictures to cut clips from" in _one_error_line(result)
    assert not (tmp_path / "out" / "sound" / "clips").exists()


def test_14_13_export_says_which_clips_of_an_earlier_all_it_removes(tmp_path, caplog):
    from vigclips.export import export_clips

    video = _make(tmp_path / "rec.mp4", ("testsrc2=size=160x120:rate=25", 8.0), ("sine", 8.0))
    folder = tmp_path / "out" / "rec"
    _review_file(folder, video, [(0.5, 2.0, "confirmed"), (4.0, 5.5, "candidate")])
    assert len(export_clips(folder, include_candidates=True, contact_sheet=False)) == 2
    with caplog.at_level(logging.WARNING, logger="vigclips"):
        assert len(export_clips(folder, contact_sheet=False)) == 1
    (warning,) = [r.getMessage() for r in caplog.records if "removed" in r.getMessage()]
    assert "removed 1 earlier clip(s) of moments not exported now (rec_00h00m04.0s_m02.mp4)" in warning
    assert "use --all to keep" in warning


def test_14_13_learn_refuses_decisions_that_contradict_each_other(tmp_path):
    video = _make(tmp_path / "rec.mp4", ("testsrc2=size=160x120:rate=25", 8.0))
    for name in ("a", "b"):  # same scores confirmed and rejected, in two recordings
        _review_file(tmp_path / "out" / name, video, [(0.5, 2.0, "confirmed"), (4.0, 5.5, "rejected")])
    weights = tmp_path / "weights.json"
    result = CliRunner().invoke(main, ["learn", str(tmp_path / "out" / "a"), str(tmp_path / "out" / "b"), "-o", str(weights)])
    assert result.exit_code == 2
    assert "do not tell confirmed from rejected moments apart" in _one_error_line(result)
    assert "nan" not in result.output and not weights.exists()


def test_14_11_a_killed_exports_leftovers_go_and_two_exports_take_turns(tmp_path):
    from vigclips.errors import BadInputError
    from vigclips.export import export_clips
    from vigclips.fileio import locked

    video = _make(tmp_path / "rec.mp4", ("testsrc2=size=160x120:rate=25", 4.0), ("sine", 4.0))
    folder = tmp_path / "out" / "rec"
    _review_file(folder, video, [(0.5, 2.0, "confirmed")])
    clips = folder / "clips"
    (clips / ".sheet-abc123").mkdir(parents=True)  # what a kill -9 during an export leaves
    leftovers = [clips / ".rec_00h00m00.5s_m01.mp4.k2j3.part.mp4", clips / ".manifest.csv.x9.part.csv"]
    for path in leftovers:
        path.write_bytes(b"half")
    with locked(folder / ".export.lock"):  # an export already running (the review page's button)
        with pytest.raises(BadInputError, match="another export of this recording is running"):
            export_clips(folder, contact_sheet=False)
    assert len(export_clips(folder, contact_sheet=False)) == 1
    assert not any(p.exists() for p in leftovers) and not (clips / ".sheet-abc123").exists()
