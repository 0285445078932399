"""Issue 24, items 4 and 11: a page opened before a re-analysis cannot write onto the new moments, and damaged or odd input
gets a plain answer (one line naming the file and the problem, exit 2 or HTTP 400, nothing written), never an internal
error or an HTTP 500."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vigclips.cli import main
from vigclips.config import PipelineConfig
from vigclips.results.decisions import DecisionStore, StaleRevisionError, revision_token
from vigclips.results.folder import swap_in_folder
from vigclips.results.moments import build_document, read_moments, sha256_file, source_record, write_moments
from vigclips.results.saved import read_analysis, save_analysis
from vigclips.review.server import ReviewServer
from vigclips.media import probe

from signal_builders import noisy_recording, write_output_folder
from test_review_server import _request

SIGNALS = noisy_recording(300)


def _analysed(folder: Path, cfg: PipelineConfig | None = None) -> Path:
    write_output_folder(folder, *SIGNALS, cfg)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and not p.name.endswith(".lock")}  # fmt: skip


def _one_line(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("Preparing the review page")]  # review's
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------------------------------------------------------------
# 4: a page opened before a re-analysis


def _reanalysed(tmp_path: Path) -> tuple[Path, dict]:
    """An output folder, then a re-analysis of it with other settings (no decisions yet, so it is allowed)."""
    folder = _analysed(tmp_path / "out" / "play")
    old = read_moments(folder)
    work = _analysed(tmp_path / "out" / ".play.partial", PipelineConfig().with_overrides({"scoring.max_moment_s": 6.0}))
    swap_in_folder(work, folder)
    return folder, old


def test_a_page_opened_before_a_reanalysis_cannot_save_onto_the_new_moments(tmp_path):
    folder = _analysed(tmp_path / "out" / "play")
    server = ReviewServer(folder).start()
    try:
        status, _, body = _request(server, "GET", "/api/moments")
        state = json.loads(body)
        shown = state["document"]["moments"][0]
        work = _analysed(tmp_path / "out" / ".play.partial", PipelineConfig().with_overrides({"scoring.max_moment_s": 6.0}))
        swap_in_folder(work, folder)  # re-analysed with other settings while the page stayed open
        new = read_moments(folder)
        assert new["revision"] == 1 and new["moments"][0]["id"] == shown["id"]  # same id, the revision moved on...
        assert (new["moments"][0]["start_s"], new["moments"][0]["end_s"]) != (shown["start_s"], shown["end_s"])  # ...not span
        before = (folder / "moments.json").read_bytes()
        page_sends = state.get("revision_token", state["document"]["revision"])  # what app.js sends back
        status, _, body = _request(server, "POST", f"/api/moments/{shown['id']}", body={"revision": page_sends,
                                                                                       "status": "confirmed"})  # fmt: skip
        assert status == 409, body
        assert "analysed again" in json.loads(body)["error"]
        assert (folder / "moments.json").read_bytes() == before
        # After a reload the page's token is the new one, and the decision goes through.
        state = json.loads(_request(server, "GET", "/api/moments")[2])
        status, _, _ = _request(server, "POST", f"/api/moments/{shown['id']}", body={"revision": state["revision_token"],
                                                                                    "status": "confirmed"})  # fmt: skip
        assert status == 200 and read_moments(folder)["moments"][0]["status"] == "confirmed"
    finally:
        server.stop()


def test_the_store_tells_documents_of_different_analyses_apart(tmp_path):
    folder, old = _reanalysed(tmp_path)
    with pytest.raises(StaleRevisionError, match="analysed again"):
        DecisionStore(folder).decide(revision_token(old), "m01", {"status": "confirmed"})
    assert read_moments(folder)["moments"][0]["status"] == "candidate"
    current = read_moments(folder)
    assert DecisionStore(folder).decide(revision_token(current), "m01", {"status": "rejected"})["revision"] == 2


def test_a_stale_token_of_the_same_analysis_is_refused_as_before(tmp_path):
    folder = _analysed(tmp_path / "play")
    store = DecisionStore(folder)
    token = revision_token(store.read())
    store.decide(token, "m01", {"status": "confirmed"})
    with pytest.raises(StaleRevisionError, match="changed elsewhere"):
        store.decide(token, "m02", {"status": "confirmed"})


def test_old_files_without_created_utc_still_load_and_take_decisions(tmp_path):
    folder = _analysed(tmp_path / "play")
    document = json.loads((folder / "moments.json").read_text())
    del document["created_utc"], document["generator"]
    (folder / "moments.json").write_text(json.dumps(document))
    store = DecisionStore(folder)
    assert store.decide(revision_token(store.read()), "m01", {"status": "confirmed"})["revision"] == 1


# ----------------------------------------------------------------------------------------------------------------------
# 11: the review page's requests


@pytest.fixture()
def server(tmp_path):
    srv = ReviewServer(_analysed(tmp_path / "out" / "play")).start()
    yield srv
    srv.stop()


@pytest.mark.parametrize("raw, message", [
    (b'{"revision": ' + b"9" * 5000 + b', "status": "confirmed"}', "request body must be JSON"),
    (b'{"revision": ' + b"9" * 4000 + b', "status": "confirmed"}', "revision must be a whole number"),
    (b'{"revision": 0, "note": "keep \\ud800 this"}', "unpaired surrogate"),
    (b'{"revision": 0, "note": "\\udfff"}', "unpaired surrogate"),
    (b'{"revision": "0-zzzz", "status": "confirmed"}', "revision must be the one the page loaded"),
    (b'{"revision": 0, "\\ud800": 1}', "cannot change \ud800"),
], ids=["5000-digits", "4000-digits", "surrogate", "lone-low-surrogate", "bad-token", "surrogate-key"])  # fmt: skip
def test_odd_requests_are_a_plain_400_and_change_nothing(server, raw, message):
    before = (server.folder / "moments.json").read_bytes()
    status, _, body = _request(server, "POST", "/api/moments/m01", raw_body=raw)
    assert status == 400, body
    assert message in json.loads(body)["error"]
    assert (server.folder / "moments.json").read_bytes() == before


def test_a_surrogate_in_a_new_moments_note_is_a_plain_400(server):
    raw = b'{"revision": 0, "start_s": 1.0, "end_s": 9.0, "note": "\\ud83d"}'
    status, _, body = _request(server, "POST", "/api/moments", raw_body=raw)
    assert status == 400 and "unpaired surrogate" in json.loads(body)["error"]
    status, _, body = _request(server, "POST", "/api/moments", raw_body=b'{"revision": 0, "\\udc80": 1}')
    assert status == 400 and "cannot set \udc80" in json.loads(body)["error"]


# ----------------------------------------------------------------------------------------------------------------------
# 11: damaged or hand-edited files, through the CLI


def _edit(folder: Path, change) -> None:
    document = json.loads((folder / "moments.json").read_text())
    change(document)
    (folder / "moments.json").write_text(json.dumps(document))  # allow_nan: json writes NaN as a literal


def _commands(folder: Path, tmp_path: Path) -> dict[str, list[str]]:
    return {"export": ["export", str(folder)], "rank": ["rank", str(folder), "--no-stills", "--no-timeline"],
            "review": ["review", str(folder), "--no-browser", "--port", "0"],
            "learn": ["learn", str(folder), "-o", str(tmp_path / "weights.json")]}  # fmt: skip


@pytest.mark.parametrize("change, needles", [
    (lambda d: d["moments"][0].update(rank="first"), ("moments.json", "rank must be a whole number")),
    (lambda d: d["moments"][0].update(reasons=5), ("moments.json", "reasons must be a list")),
    (lambda d: d["source"].update(fps="abc"), ("moments.json", "source.fps")),
    (lambda d: d["source"].update(duration_s=float("nan")), ("moments.json", "source.duration_s")),
    (lambda d: d.update(revision="first"), ("moments.json", "revision must be a whole number")),
    (lambda d: d.update(revision=-1), ("moments.json", "revision must be a whole number")),
    (lambda d: d["summary"].update(duration_s=float("nan")), ("moments.json", "summary.duration_s", "NaN")),
    (lambda d: d["moments"][0].update(note="\ud800"), ("moments.json", "moments[0].note", "surrogate")),
], ids=["rank", "reasons", "fps", "nan-duration", "revision-text", "revision-negative", "nan-summary", "surrogate-note"])  # fmt: skip
@pytest.mark.parametrize("command", ["export", "rank", "review", "learn"])
def test_a_wrong_field_in_moments_json_is_one_line_and_exit_2(tmp_path, monkeypatch, change, needles, command):
    def served(self):
        raise AssertionError("the review page was served")  # instead of serving for ever

    monkeypatch.setattr(ReviewServer, "serve_forever", served)
    folder = _analysed(tmp_path / "out" / "play")
    _edit(folder, change)
    before = _snapshot(folder)
    _one_line(CliRunner().invoke(main, _commands(folder, tmp_path)[command]), *needles)
    assert _snapshot(folder) == before and not (tmp_path / "weights.json").exists()


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_analysis_npz_is_one_line_for_rank(tmp_path, keep):
    folder = _analysed(tmp_path / "out" / "play")
    npz = folder / "analysis.npz"
    npz.write_bytes(npz.read_bytes()[: int(npz.stat().st_size * keep)])
    before = _snapshot(folder)
    _one_line(CliRunner().invoke(main, ["rank", str(folder), "--no-stills", "--no-timeline"]), "analysis.npz", "damaged")
    assert _snapshot(folder) == before


def _rewrite_analysis(folder: Path, change) -> None:
    saved = read_analysis(folder / "analysis.npz")
    t_s, channels, segments = change(saved.signals.t_s.copy(), dict(saved.signals.channels), list(saved.segments))
    signals = type(saved.signals)(tick_hz=saved.signals.tick_hz, t_s=t_s, channels=channels)
    save_analysis(folder / "analysis.npz", signals, segments, saved.key)


def _nan_times(t, c, s):
    t[:] = np.nan
    return t, c, s


def _backwards(t, c, s):
    return t[::-1].copy(), c, s


def _short_channel(t, c, s):
    name = sorted(c)[0]
    return t, {**c, name: c[name][:-5]}, s


def _nan_segment(t, c, s):
    return t, c, [type(s[0])(float("nan"), 1.0, s[0].label), *s[1:]]


@pytest.mark.parametrize("change, needle", [(_nan_times, "t_s holds"), (_backwards, "t_s must increase"),
                                            (_short_channel, "channels must be"), (_nan_segment, "segment_bounds_s")])
def test_nan_or_disordered_times_in_analysis_npz_are_refused_not_ranked_to_nothing(tmp_path, change, needle):
    folder = _analysed(tmp_path / "out" / "play")
    if change is _short_channel:  # Signals itself refuses a short channel, so write the arrays by hand
        with np.load(folder / "analysis.npz") as data:
            arrays = dict(data)
        arrays["channels"] = arrays["channels"][:, :-5]
        np.savez_compressed(folder / "analysis.npz", **arrays)
    else:
        _rewrite_analysis(folder, change)
    before = _snapshot(folder)
    _one_line(CliRunner().invoke(main, ["rank", str(folder), "--no-stills", "--no-timeline"]), "analysis.npz", needle)
    assert _snapshot(folder) == before


def test_nan_learned_weights_are_one_line(tmp_path):
    folder = _analysed(tmp_path / "out" / "play")
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"version": 1, "model": "logistic", "intercept": 0.0,
                                   "coef": {p: float("nan") for p in ("attentive", "encouraging", "receiving", "developing")}}))
    before = _snapshot(folder)
    _one_line(CliRunner().invoke(main, ["rank", str(folder), "--no-stills", "--no-timeline", "--weights", str(weights)]),
              "weights.json", "must be a number")  # fmt: skip
    assert _snapshot(folder) == before


# ----------------------------------------------------------------------------------------------------------------------
# 11: a damaged signals.csv with `export --annotate`, end to end


@pytest.fixture()
def annotated_folder(lavfi_clip, tmp_path):
    src = tmp_path / "play.mp4"
    shutil.copy(lavfi_clip("reliability.mp4", seconds=3.0), src)
    info = probe(src)
    folder = tmp_path / "out" / "play"
    folder.mkdir(parents=True)
    records = [{"id": "m01", "rank": 1, "start_s": 1.5, "end_s": 2.5, "score": 0.5, "reasons": ["turns"],
                "scores": {"developing": 0.7}, "status": "confirmed", "still": None}]  # fmt: skip
    write_moments(folder / "moments.json", build_document(source_record(info, sha256_file(src)), Fraction(10), {}, {}, records))
    rows = ["time_s,infant_face_x,infant_face_y,adult_face_x,adult_face_y,mutual_gaze,infant_smile,adult_voice"]
    rows += [f"{t:.3f},0.4,0.6,0.7,0.35,{1 if 1 <= t < 2 else 0},0.8,1" for t in np.arange(0, 3.0, 0.1)]
    (folder / "signals.csv").write_text("\n".join(rows) + "\n")
    return folder


def _cut_mid_row(text: str) -> str:
    return text[: text.index("\n1.500,") + 12]


def _cut_mid_header(text: str) -> str:
    return text[:30]


def _garbage(text: str) -> bytes:
    return b"\xff\xfe\x00garbage" + bytes(range(256))


def _nan_time(text: str) -> str:
    return text.replace("\n1.500,", "\nnan,")


def _repeated_time(text: str) -> str:
    return text.replace("\n1.500,", "\n1.400,")


def _cut_at_a_row_end(text: str) -> str:
    return text[: text.index("\n0.100,") + 1]  # one row left, which ends well before the moment (1.5 s) begins


@pytest.mark.parametrize("damage", [_cut_mid_row, _cut_mid_header, _garbage, _nan_time, _repeated_time, _cut_at_a_row_end])
def test_a_damaged_signals_csv_with_export_annotate_is_one_line_and_nothing_is_made(annotated_folder, damage):
    csv_path = annotated_folder / "signals.csv"
    damaged = damage(csv_path.read_text())
    csv_path.write_bytes(damaged if isinstance(damaged, bytes) else damaged.encode())
    before = _snapshot(annotated_folder)
    _one_line(CliRunner().invoke(main, ["export", str(annotated_folder), "--annotate"]), "signals.csv")
    assert _snapshot(annotated_folder) == before and not (annotated_folder / "clips").exists()
