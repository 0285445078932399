"""ELAN files that open with their video found and bring a trainer's corrections back (issue 13)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from vigclips.config import PipelineConfig
from vigclips.errors import ReviewFileError
from vigclips.report.elan import REVIEW_TIERS, TIERS, media_urls, write_eaf
from vigclips.review.elan_import import import_elan, read_elan_decisions
from vigclips.results.saved import load_saved
from vigclips.results.derived import write_reviewed_files
from vigclips.results.decisions import DecisionError, DecisionStore

from signal_builders import noisy_recording, write_output_folder

pympi = pytest.importorskip("pympi", reason="pympi-ling is a dependency: pip install -e '.[test]'")
SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "EAFv3.0.xsd"


@pytest.fixture
def reviewed(tmp_path):
    """An output folder OUT/play/ beside the recording's folder rec/, with decisions, tags, a note and an added moment."""
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "play é.mp4").write_bytes(b"stand-in for the recording")
    sig, segs = noisy_recording(600)
    folder = tmp_path / "out" / "play é"
    write_output_folder(folder, sig, segs, file_name="play é.mp4")
    doc = json.loads((folder / "moments.json").read_text())
    doc["source"]["path"] = str(tmp_path / "rec" / "play é.mp4")
    (folder / "moments.json").write_text(json.dumps(doc))
    store = DecisionStore(folder)
    doc = store.read()
    m1, m2 = doc["moments"][:2]
    doc = store.decide(doc["revision"], m1["id"], {"status": "confirmed", "tags": ["receiving", "developing"],
                                                   "note": "a $5 toy & {smile} 😀"})  # fmt: skip
    doc = store.decide(doc["revision"], m2["id"], {"status": "rejected"})
    doc, _ = store.add(doc["revision"], 500.0, 506.5, tags=["attentive"])
    write_reviewed_files(folder, doc, load_saved(folder, doc), PipelineConfig())
    return folder


def _eaf(folder: Path) -> Path:
    return folder / "play é.eaf"


def test_eaf_validates_against_the_eaf_3_0_schema(reviewed) -> None:
    xmlschema = pytest.importorskip("xmlschema", reason="pip install -e '.[test]' installs xmlschema")
    if not SCHEMA.is_file():
        pytest.skip(f"ELAN's schema not found at {SCHEMA}: check out the project beside the shared/ folder")
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(_eaf(reviewed)))


def test_both_media_links_find_the_recording_from_any_working_directory(reviewed, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path / "rec")  # anywhere but the .eaf's folder
    eaf = pympi.Elan.Eaf(str(_eaf(reviewed)))
    (link,) = eaf.media_descriptors
    recording = (tmp_path / "rec" / "play é.mp4").resolve()
    absolute = Path(unquote(urlparse(link["MEDIA_URL"]).path))
    assert link["MEDIA_URL"].startswith("file:///") and absolute == recording
    assert link["RELATIVE_MEDIA_URL"] == "../../rec/play é.mp4"
    assert (_eaf(reviewed).parent / link["RELATIVE_MEDIA_URL"]).resolve() == recording


def test_media_urls_of_a_bare_name_and_of_a_folder_beside() -> None:
    assert media_urls("play.mp4", "/x/out") == ("play.mp4", "./play.mp4")
    assert media_urls("/x/out/play/rec.mov", "/x/out/play")[1] == "./rec.mov"


def test_tiers_name_their_participants_and_carry_the_review(reviewed) -> None:
    eaf = pympi.Elan.Eaf(str(_eaf(reviewed)))
    assert list(eaf.get_tier_names()) == [*TIERS, *REVIEW_TIERS]
    assert eaf.get_parameters_for_tier("baby smile")["PARTICIPANT"] == "baby"
    assert eaf.get_parameters_for_tier("turns started by parent")["PARTICIPANT"] == "parent"
    assert "PARTICIPANT" not in eaf.get_parameters_for_tier("mutual gaze")
    assert eaf.get_parameters_for_tier("guider decisions")["ANNOTATOR"] == "guider"
    doc = json.loads((reviewed / "moments.json").read_text())
    decisions = read_elan_decisions(_eaf(reviewed))
    expected = sorted((m["start_s"], m["end_s"], m["status"], m["id"]) for m in doc["moments"] if m["status"] != "candidate")
    assert [(d.start_s, d.end_s, d.status, d.moment_id) for d in decisions] == expected
    confirmed = next(d for d in decisions if d.status == "confirmed" and d.moment_id == doc["moments"][0]["id"])
    assert confirmed.tags == ("receiving", "developing") and confirmed.note == "a $5 toy & {smile} 😀"


def _edit_eaf(path: Path, edit) -> None:
    eaf = pympi.Elan.Eaf(str(path))
    edit(eaf)
    eaf.to_file(str(path))


def test_corrections_made_in_elan_come_back_as_decisions(reviewed) -> None:
    doc = json.loads((reviewed / "moments.json").read_text())
    m1, m2, m3 = doc["moments"][:3]

    def trainer(eaf) -> None:
        # a trim in ELAN moves the annotation's start; the annotation, and the tags and note tied to it, stay
        (start_slot,) = [a[0] for a in eaf.tiers["guider decisions"][0].values() if a[2] == f"confirmed {m1['id']}"]
        eaf.timeslots[start_slot] += 500  # trimmed by half a second
        eaf.remove_annotation("guider decisions", round((m2["start_s"] + m2["end_s"]) * 500))
        eaf.add_annotation("guider decisions", round(m2["start_s"] * 1000), round(m2["end_s"] * 1000), f"confirmed {m2['id']}")
        eaf.add_ref_annotation("guider tags", "guider decisions", round((m2["start_s"] + m2["end_s"]) * 500), "Encouraging")
        eaf.add_annotation("guider decisions", round(m3["start_s"] * 1000), round(m3["end_s"] * 1000), f"rejected {m3['id']}")
        eaf.add_annotation("guider decisions", 20_000, 27_000, "confirmed")  # a moment the program missed
        eaf.add_ref_annotation("guider notes", "guider decisions", 23_500, "found it")  # its note, tied to it

    _edit_eaf(_eaf(reviewed), trainer)
    counts = import_elan(reviewed)
    assert counts == {"changed": 3, "added": 1, "unchanged": 1}
    after = {m["id"]: m for m in json.loads((reviewed / "moments.json").read_text())["moments"]}
    assert after[m1["id"]]["start_s"] == pytest.approx(m1["start_s"] + 0.5, abs=0.002)
    assert after[m1["id"]]["original_start_s"] == m1["start_s"]
    assert after[m1["id"]]["tags"] == ["receiving", "developing"]  # tags stay with the trimmed moment
    assert after[m2["id"]]["status"] == "confirmed" and after[m2["id"]]["tags"] == ["encouraging"]
    assert after[m3["id"]]["status"] == "rejected"
    added = [m for m in after.values() if m.get("added_by") == "guider" and m["start_s"] == 20.0]
    assert len(added) == 1 and added[0]["end_s"] == 27.0 and added[0]["status"] == "confirmed"
    assert added[0]["note"] == "found it"
    # the decisions now feed `vigclips learn` like any other
    from vigclips.results.moments import read_examples

    labels = {e.moment_id: e.y for e in read_examples([reviewed])}
    assert labels[m2["id"]] == 1 and labels[m3["id"]] == 0
    assert labels[added[0]["id"]] == 1  # scored from the saved signals, so the missed moment is training data too
    assert set(added[0]["scores"]) == {"attentive", "encouraging", "receiving", "developing"}


def test_a_value_elan_cannot_mean_is_refused_and_nothing_is_written(reviewed) -> None:
    before = (reviewed / "moments.json").read_bytes()
    _edit_eaf(_eaf(reviewed), lambda eaf: eaf.add_annotation("guider decisions", 1000, 3000, "maybe later"))
    with pytest.raises(ReviewFileError, match=r"annotation at 1.000 s on 'guider decisions' says 'maybe later'"):
        import_elan(reviewed)
    _edit_eaf(_eaf(reviewed), lambda eaf: (eaf.remove_annotation("guider decisions", 2000),
                                           eaf.add_annotation("guider decisions", 1000, 1050, "confirmed")))  # fmt: skip
    with pytest.raises(DecisionError, match="at least 0.2 s"):
        import_elan(reviewed)
    assert (reviewed / "moments.json").read_bytes() == before


def test_a_recording_on_another_drive_keeps_only_the_absolute_link(monkeypatch) -> None:
    def other_drive(path, start=None):  # what os.path.relpath does on Windows for D:\\ from C:\\
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr("vigclips.report.elan.os.path.relpath", other_drive)
    assert media_urls("/data/play.mp4", "/out/play") == ("file:///data/play.mp4", None)


def test_an_unchanged_eaf_changes_nothing_even_where_moments_overlap(reviewed) -> None:
    store = DecisionStore(reviewed)
    doc = store.read()
    first = next(m for m in doc["moments"] if m["status"] == "confirmed")
    # a moment the guider added over the end of a confirmed one: ELAN's tier holds it clipped to start where that one ends
    # (added beside it, then trimmed over it: an added moment may not overlap one in use, #15, but trimming can)
    doc, added = store.add(doc["revision"], first["end_s"], first["end_s"] + 4.0, note="the reply")
    doc = store.decide(doc["revision"], added, {"start_s": first["end_s"] - 1.0})
    write_reviewed_files(reviewed, doc, load_saved(reviewed, doc), PipelineConfig())
    before = (reviewed / "moments.json").read_text()
    assert import_elan(reviewed) == {"changed": 0, "added": 0, "unchanged": 4}
    after = json.loads((reviewed / "moments.json").read_text())
    assert after["moments"] == json.loads(before)["moments"]
