"""The command line of issue 13: analysis.npz and ELAN links of a real analysis, `rank`, learned weights found without
`--weights`, `-v`/`-q` after the subcommand, and log lines that never write through the progress line."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigclips.cli import _handle_errors, _setup_logging, main
from vigclips.progress import TqdmProgress
from vigclips.userdirs import user_weights_path

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


from test_cli import analysed_sample  # noqa: E402,F401  (the demo analysed once per module, --top 3)

analysed = analysed_sample


def _doc(folder: Path) -> dict:
    return json.loads((folder / "moments.json").read_text())


def test_rank_of_a_real_analysis_reproduces_it_then_applies_new_settings(analysed, tmp_path):
    import shutil

    folder = tmp_path / analysed.name
    shutil.copytree(analysed, folder)
    before = _doc(folder)
    assert (folder / "analysis.npz").stat().st_mode & 0o777 == 0o600
    result = CliRunner().invoke(main, ["rank", str(folder), "--top", "3", "--no-timeline"])
    assert result.exit_code == 0, result.output
    assert "3 candidate(s) ranked again, 0 moment(s) with your decisions kept" in result.output
    after = _doc(folder)
    assert [(m["id"], m["start_s"], m["end_s"], m["score"], m["still"]) for m in after["moments"]] == \
           [(m["id"], m["start_s"], m["end_s"], m["score"], m["still"]) for m in before["moments"]]  # fmt: skip
    # the guider confirms one; a ranking with fewer candidates keeps it and cuts stills for what is new
    after["moments"][1]["status"] = "confirmed"
    (folder / "moments.json").write_text(json.dumps(after))
    result = CliRunner().invoke(main, ["rank", str(folder), "--top", "1", "-v"])
    assert result.exit_code == 0, result.output
    final = _doc(folder)
    assert final["moments"][0] == after["moments"][1] and len(final["moments"]) == 2
    for m in final["moments"]:
        assert m["still"] is None or (folder / m["still"]).is_file()


def test_the_eaf_of_a_real_analysis_links_the_recording_both_ways(analysed, sample_video):
    pympi = pytest.importorskip("pympi")
    (link,) = pympi.Elan.Eaf(str(analysed / f"{sample_video.stem}.eaf")).media_descriptors
    assert link["MEDIA_URL"] == sample_video.resolve().as_uri()
    assert (analysed / link["RELATIVE_MEDIA_URL"]).resolve() == sample_video.resolve()
    xmlschema = pytest.importorskip("xmlschema")
    schema = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "EAFv3.0.xsd"
    if not schema.is_file():
        pytest.skip(f"ELAN's schema not found at {schema}: check out the project beside the shared/ folder")
    xmlschema.XMLSchema(str(schema)).validate(str(analysed / f"{sample_video.stem}.eaf"))


def test_learned_weights_are_used_without_weights_option(analysed, tmp_path):
    import shutil

    folder = tmp_path / analysed.name
    shutil.copytree(analysed, folder)
    document = _doc(folder)
    for moment, status in zip(document["moments"], ["confirmed", "rejected", "rejected"]):
        moment["status"] = status
    (folder / "moments.json").write_text(json.dumps(document))
    result = CliRunner().invoke(main, ["learn", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"weights saved to {user_weights_path()}" in result.output
    result = CliRunner().invoke(main, ["rank", str(folder), "--no-timeline", "--no-stills", "-v"])
    assert result.exit_code == 0, result.output
    assert "ranking with the weights learned by `vigclips learn`" in result.output  # -v after the subcommand counts
    assert _doc(folder)["analysis"]["ranked"]["scoring"]["weights_file"] == str(user_weights_path())


def test_quiet_after_the_subcommand(analysed):
    result = CliRunner().invoke(main, ["export", str(analysed), "-q"])
    assert result.exit_code == 0
    assert logging.getLogger("vigclips").level == logging.ERROR


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_lines_never_write_through_the_progress_line(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _setup_logging(0, False)

    @_handle_errors
    def work() -> None:
        progress = TqdmProgress()
        progress.start(100, "faces")
        progress.advance(40)
        logging.getLogger("vigclips").warning("a frame could not be read")
        progress.advance(60)
        progress.close()

    try:
        work()
    finally:
        _setup_logging(0, False)
    text = terminal.getvalue()
    assert "faces:" in text  # the line was shown
    assert re.search(r"(^|[\r\n])WARNING: a frame could not be read\n", text), repr(text)


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_and_takes_verbosity_after_it(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output and len(result.output) > 200
    assert "-v, --verbose" in result.output and "-q, --quiet" in result.output
