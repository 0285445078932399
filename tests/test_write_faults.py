"""Issue 24: a write that fails anywhere leaves every file as it was or as it would have been, and every decision where it
was made.

Each data-writing command is run once cleanly to count the files it commits (every file goes through one ``os.replace``,
``vigclips.fileio.atomic_path``), then once per commit with an ``OSError`` injected at that commit, from the same folder.
After each failed run: ``moments.json`` is valid and holds the decisions of before or of after, every other file is
byte-identical to before or to after, and nothing else (no temporary file) is left.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest

from signal_builders import noisy_recording, write_output_folder
from vigclips.config import PipelineConfig
from vigclips.errors import VigclipsError
from vigclips.export import export_clips
from vigclips.rerank import rank_folder
from vigclips.results.decisions import DecisionStore
from vigclips.results.derived import write_reviewed_files
from vigclips.results.moments import read_examples, read_moments, write_moments
from vigclips.results.saved import load_saved
from vigclips.review.elan_import import import_elan
from vigclips.scoring import fit_and_save

TIME_KEYS = {"created_utc", "decided_utc", "utc", "analysis_time_s", "stage_time_s"}
"""What differs between two runs of one command by the clock alone."""


def _without_times(value):
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k not in TIME_KEYS}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _state(root: Path) -> dict[str, object]:
    """Every file under ``root`` (lock files aside: they are empty and outlive their holders by design)."""
    out: dict[str, object] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".lock")):
        rel = path.relative_to(root).as_posix()
        if path.suffix == ".json":
            out[rel] = _without_times(json.loads(path.read_text(encoding="utf-8")))
        elif path.suffix == ".eaf":
            out[rel] = b"".join(line for line in path.read_bytes().splitlines(True) if b"DATE=" not in line)
        elif path.suffix == ".pdf":
            out[rel] = re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)", b"", path.read_bytes())
        else:
            out[rel] = path.read_bytes()
    return out


def _commits(command: Callable[[], object]) -> int:
    real = os.replace
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    with mock.patch.object(os, "replace", counting):
        command()
    return len(calls)


def _failing_at(k: int):
    real = os.replace
    calls = [0]

    def replace(*args, **kwargs):
        calls[0] += 1
        if calls[0] == k:
            raise OSError(errno.ENOSPC, "No space left on device (injected)")
        return real(*args, **kwargs)

    return mock.patch.object(os, "replace", replace)


def _check_every_failure(tmp_path: Path, make: Callable[[Path], None], command: Callable[[Path], object]) -> int:
    """Run ``command`` on a fresh copy of the folder ``make`` builds, failing at each commit in turn; returns the count."""
    template = tmp_path / "template"
    make(template)
    before = _state(template)
    clean = tmp_path / "clean"
    shutil.copytree(template, clean)
    n_commits = _commits(lambda: command(clean))
    after = _state(clean)
    assert n_commits > 0 and after != before, "the command must write something for this test to mean anything"
    for k in range(1, n_commits + 1):
        run = tmp_path / f"fail{k}"
        shutil.copytree(template, run)
        with _failing_at(k), pytest.raises((OSError, VigclipsError)):
            command(run)
        read_moments(next(run.rglob("moments.json")))  # still valid
        state = _state(run)
        for rel, content in state.items():
            assert content in (before.get(rel), after.get(rel)), f"failure at commit {k}: {rel} is neither old nor new"
        assert set(state) <= set(before) | set(after), f"failure at commit {k} left {sorted(set(state) - set(before) - set(after))}"
    return n_commits


def _folder(root: Path, decided: bool = True) -> None:
    folder = root / "play"
    sig, segments = noisy_recording(600.0)
    write_output_folder(folder, sig, segments)
    if decided:
        store = DecisionStore(folder)
        doc = store.decide(0, "m01", {"status": "confirmed", "start_s": 31.0, "tags": ["receiving"], "note": "her turn"})
        store.decide(doc["revision"], "m02", {"status": "rejected", "note": "private"})


def test_a_page_save_that_fails_keeps_the_decisions_before_it(tmp_path):
    n = _check_every_failure(tmp_path, _folder,
                             lambda root: DecisionStore(root / "play").decide(2, "m03", {"status": "confirmed"}))
    assert n == 1


def test_rank_failing_at_any_write_loses_no_decision(tmp_path):
    n = _check_every_failure(tmp_path, _folder,
                             lambda root: rank_folder(root / "play", PipelineConfig(), stills=False))
    assert n >= 5  # the timeline, moments.json, the .vtt, .edl and .eaf


def test_import_elan_failing_at_its_write_keeps_the_decisions_before_it(tmp_path):
    """A trainer's correction in ELAN (m01 rejected instead of confirmed) whose import fails to commit changes nothing."""
    import xml.etree.ElementTree as ET

    def make(root: Path) -> None:
        _folder(root)
        document = DecisionStore(root / "play").read()
        write_reviewed_files(root / "play", document, load_saved(root / "play", document), PipelineConfig())
        tree = ET.parse(root / "play" / "play.eaf")
        tier = next(t for t in tree.getroot().iter("TIER") if t.get("TIER_ID") == "guider decisions")
        value = next(v for v in tier.iter("ANNOTATION_VALUE") if v.text == "confirmed m01")
        value.text = "rejected m01"
        tree.write(root / "play" / "play.eaf", encoding="UTF-8", xml_declaration=True)

    assert _check_every_failure(tmp_path, make, lambda root: import_elan(root / "play", None, PipelineConfig())) == 1


def test_learn_failing_at_its_write_keeps_the_old_weights(tmp_path):
    def make(root: Path) -> None:
        _folder(root)
        store = DecisionStore(root / "play")
        doc = store.decide(2, "m03", {"status": "confirmed"})
        doc = store.decide(doc["revision"], "m04", {"status": "rejected"})
        # The synthetic episodes all score alike; a guider's confirmations differ from her rejections.
        for moment in doc["moments"]:
            moment["scores"] = {**moment["scores"], "receiving": 0.9 if moment["status"] == "confirmed" else 0.1}
        write_moments(root / "play" / "moments.json", doc)
        (root / "weights.json").write_text('{"old": true}\n', encoding="utf-8")

    def learn(root: Path) -> object:
        return fit_and_save(read_examples([root / "play"]), root / "weights.json", PipelineConfig().scoring)

    assert _check_every_failure(tmp_path, make, learn) == 1


@pytest.mark.slow
def test_export_failing_at_any_write_leaves_old_or_new_files_only(tmp_path, sample_video):
    """The demo's moments cut for real: clips, manifest, stills, the parent's sheet, timelines, refreshed .eaf/.vtt/.edl."""
    from vigclips import pipeline

    def make(root: Path) -> None:
        folder = pipeline.analyze_to_folder(sample_video, root)
        store = DecisionStore(folder)
        doc = store.decide(0, "m01", {"status": "confirmed", "note": "=SUM(A1)"})
        m02 = next(m for m in doc["moments"] if m["id"] == "m02")
        store.decide(doc["revision"], "m02", {"status": "confirmed", "start_s": m02["start_s"] + 0.5, "tags": ["attentive"]})

    n = _check_every_failure(tmp_path, make,
                             lambda root: export_clips(root / "demo_play", stills=True))
    assert n >= 8


@pytest.mark.slow
def test_a_reanalysis_failing_at_any_write_leaves_the_old_folder(tmp_path, monkeypatch, sample_video):
    """``analyze`` builds the new folder beside the old one and swaps it in whole: a failure anywhere keeps the old one."""
    from vigclips import pipeline

    analysis = pipeline.analyze(sample_video)
    monkeypatch.setattr(pipeline, "analyze", lambda *args, **kwargs: analysis)  # the minute of vision once, not per run
    top_three = PipelineConfig().with_overrides({"analysis.top": 3})

    def make(root: Path) -> None:
        pipeline.analyze_to_folder(sample_video, root)

    n = _check_every_failure(tmp_path, make, lambda root: pipeline.analyze_to_folder(sample_video, root, top_three))
    assert n >= 8
