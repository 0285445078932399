"""Issue 24: whatever a guider does, in whatever order (saves on the page, `rank`, `export`, `import-elan` of the exported
.eaf with nothing edited in ELAN), the decisions afterwards are exactly the ones she made, each on the moment she made it on.

Hypothesis draws sequences of those steps; a model holds what the decisions must be. The default run uses a folder built
from synthetic signals (no recording, so no `export`); the slow run analyses the demo recording and exports for real.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signal_builders import noisy_recording, write_output_folder
from vigclips.config import PipelineConfig
from vigclips.errors import VigclipsError
from vigclips.export import export_clips
from vigclips.rerank import rank_folder
from vigclips.results.decisions import DecisionError, DecisionStore
from vigclips.results.moments import moment_records
from vigclips.review.elan_import import import_elan
from vigclips.scoring import PRINCIPLES

CFG = PipelineConfig()
NOTES = st.sampled_from(["", "You waited for her", "=SUM(A1) looks like a formula", "two\nlines", "tab\there", "Zoë’s turn",
                         "vertical\x0btab from a word processor", "mum seemed low today"])
SAVE = st.tuples(st.just("save"), st.integers(0, 20), st.sampled_from(["candidate", "confirmed", "rejected"]),
                 st.lists(st.sampled_from(PRINCIPLES), max_size=2, unique=True), NOTES,
                 st.sampled_from([None, (0.2, 0.0), (0.0, -0.3), (0.5, -0.5)]))
ADD = st.tuples(st.just("add"), st.floats(0.0, 1.0), st.sampled_from(["confirmed", "rejected", "candidate"]), NOTES)
# Issue 25: the frame chosen for the parent's sheet (a fraction of the moment, or None: given back to the program), and
# deleting a moment the guider added.
STILL = st.tuples(st.just("still"), st.integers(0, 20), st.one_of(st.none(), st.floats(0.0, 1.0)))
DELETE = st.tuples(st.just("delete"), st.integers(0, 3))
SHEET = st.tuples(st.just("sheet"), st.sampled_from(["", "Ella and Mum, Tuesday", "Zoë’s morning"]))
STEP = st.one_of(SAVE, ADD, STILL, DELETE, SHEET, st.tuples(st.just("rank")), st.tuples(st.just("import-elan")))


def _decisions(folder: Path) -> dict[str, tuple]:
    """What the guider decided, per moment that holds guider work."""
    return {m.id: (m.status, round(m.start_s, 3), round(m.end_s, 3), m.tags, m.note, m.still_t_s)
            for m in moment_records(DecisionStore(folder).read()) if m.holds_guider_work}  # fmt: skip


def _expect(expected: dict[str, tuple], written: dict, moment_id: str) -> None:
    """What the decisions must be after a saved change of one moment."""
    record = next(m for m in moment_records(written) if m.id == moment_id)
    expected.pop(moment_id, None)
    if record.holds_guider_work:
        expected[moment_id] = (record.status, round(record.start_s, 3), round(record.end_s, 3), record.tags, record.note,
                               record.still_t_s)  # fmt: skip


def _play(folder: Path, steps: list[tuple], *, can_export: bool) -> None:
    store = DecisionStore(folder)
    expected = _decisions(folder)
    sheet = store.read().get("sheet")
    exported = False
    for step in steps:
        kind = step[0]
        document = store.read()
        if kind == "save":
            _, which, status, tags, note, trim = step
            moments = moment_records(document)
            moment = moments[which % len(moments)]
            changes: dict = {"status": status, "tags": list(tags), "note": note}
            if trim is not None:
                changes["start_s"], changes["end_s"] = moment.start_s + trim[0], moment.end_s + trim[1]
            try:
                written = store.decide(document["revision"], moment.id, changes)
            except DecisionError:
                continue  # refused as a whole (e.g. a trim too short): nothing changed
            _expect(expected, written, moment.id)
        elif kind == "add":
            _, where, status, note = step
            duration_s = float(document["source"]["duration_s"])
            start_s = round(where * (duration_s - 10.0), 1)
            try:
                written, added = store.add(document["revision"], start_s, start_s + 6.0, status=status, note=note)
            except DecisionError:
                continue  # it would overlap a moment in use
            record = next(m for m in moment_records(written) if m.id == added)
            expected[added] = (record.status, record.start_s, record.end_s, record.tags, record.note, None)
        elif kind == "still":
            _, which, where = step
            moment = moment_records(document)[which % len(moment_records(document))]
            t_s = None if where is None else round(moment.start_s + where * (moment.end_s - moment.start_s), 3)
            written = store.decide(document["revision"], moment.id, {"still_t_s": t_s})
            _expect(expected, written, moment.id)
        elif kind == "delete":
            added_ids = [m.id for m in moment_records(document) if m.added_by_guider]
            if added_ids:
                moment_id = added_ids[step[1] % len(added_ids)]
                store.remove(document["revision"], moment_id)
                expected.pop(moment_id)
        elif kind == "rank":
            rank_folder(folder, CFG, stills=False)
            exported = True  # rank writes the .eaf with the guider's tiers too
            if can_export:
                export_clips(folder, CFG, include_candidates=False)
        elif kind == "import-elan" and exported:
            try:
                import_elan(folder, None, CFG)
            except VigclipsError:
                pass  # an .eaf older than the decisions is refused, and changes nothing
        elif kind == "sheet":
            sheet = store.sheet_options(document["revision"], step[1])["sheet"]
        assert _decisions(folder) == expected, f"after {step!r}"
        assert store.read().get("sheet") == sheet, f"after {step!r}"  # the sheet's heading too


@pytest.fixture(scope="module")
def synthetic_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "play"
    sig, segments = noisy_recording(600.0)
    write_output_folder(folder, sig, segments)
    return folder


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=8))
def test_any_sequence_of_saves_rank_and_elan_round_trips_keeps_exactly_the_decisions_made(steps, synthetic_folder, tmp_path):
    folder = tmp_path / f"run{abs(hash(tuple(map(repr, steps))))}" / "play"
    shutil.copytree(synthetic_folder, folder)
    _play(folder, steps, can_export=False)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=2, max_size=6))
def test_the_same_with_a_real_analysis_and_real_exports(steps, demo_folder, tmp_path):
    root = tmp_path / f"run{abs(hash(tuple(map(repr, steps))))}"
    shutil.copytree(demo_folder.parent, root)
    _play(root / demo_folder.name, steps, can_export=True)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory, sample_video) -> Path:
    from vigclips.pipeline import analyze_to_folder

    return analyze_to_folder(sample_video, tmp_path_factory.mktemp("demo"))
