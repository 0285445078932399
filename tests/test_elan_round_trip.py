"""ELAN round trips that change nothing, and .eaf files that cannot be turned against their folder (issue 24).

Each folder is built from signals alone (``write_output_folder``); ``write_reviewed_files`` is what ``vigclips export`` and
``vigclips rank`` call to rewrite the ``.eaf`` after review.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigclips.cli import main
from vigclips.config import PipelineConfig
from vigclips.errors import ReviewFileError
from vigclips.review.elan_import import import_elan, read_elan_decisions
from vigclips.results.decisions import DecisionStore
from vigclips.results.derived import write_reviewed_files
from vigclips.results.saved import load_saved

from signal_builders import noisy_recording, write_output_folder

pytest.importorskip("pympi", reason="pympi-ling is a dependency: pip install -e '.[test]'")
SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "EAFv3.0.xsd"


@pytest.fixture
def folder(tmp_path) -> Path:
    """OUT/play/ as analysis leaves it: candidates m01 (320.5–331.5 s) … m05, no decision yet."""
    sig, segs = noisy_recording(600)
    out = tmp_path / "out" / "play"
    write_output_folder(out, sig, segs)
    return out


def _export(folder: Path) -> dict:
    """What `vigclips export` does to the .eaf: rewrite it from the current decisions; returns the document."""
    doc = DecisionStore(folder).read()
    write_reviewed_files(folder, doc, load_saved(folder, doc), PipelineConfig())
    return doc


def _moments(folder: Path) -> dict[str, dict]:
    return {m["id"]: m for m in json.loads((folder / "moments.json").read_text())["moments"]}


def _import_cli(folder: Path, *options: str):
    return CliRunner().invoke(main, ["import-elan", str(folder), *options])


def _one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_24_1_an_unedited_round_trip_keeps_tags_and_notes_on_their_trimmed_moments(folder) -> None:
    store = DecisionStore(folder)
    doc = store.read()
    # m02 trimmed, then m01 trimmed to start inside it, with a tag and a note: ELAN's tier clips m01 to start where m02 ends
    doc = store.decide(doc["revision"], "m02", {"status": "confirmed", "start_s": 418.0, "end_s": 424.0})
    doc = store.decide(doc["revision"], "m01", {"status": "confirmed", "start_s": 420.0, "end_s": 426.0,
                                                "tags": ["receiving"], "note": "she waits for his reply"})  # fmt: skip
    _export(folder)
    before = _moments(folder)
    result = _import_cli(folder)
    assert result.exit_code == 0, result.output
    assert "0 moment(s) changed, 0 added, 2 unchanged" in result.output
    after = _moments(folder)
    assert after["m01"]["tags"] == ["receiving"] and after["m01"]["note"] == "she waits for his reply"
    assert not after["m02"].get("tags") and not after["m02"].get("note")
    assert after == before


def _at(doc: dict, start_s: float) -> str:
    """The id of the candidate starting at ``start_s`` (the five episodes tie; their ranks follow the placing order)."""
    return next(m["id"] for m in doc["moments"] if abs(float(m["start_s"]) - start_s) < 1e-6)


def test_24_1_a_rejected_moments_note_never_moves_onto_the_added_moment_that_covers_it(folder) -> None:
    store = DecisionStore(folder)
    doc = store.read()
    late = _at(doc, 514.5)
    doc = store.decide(doc["revision"], late, {"status": "rejected", "note": "private: mum was upset here"})
    doc, added = store.add(doc["revision"], 514.0, 526.0, tags=["attentive"])
    _export(folder)
    before = _moments(folder)
    assert import_elan(folder)["changed"] == 0
    after = _moments(folder)
    assert not after[added].get("note") and after[late]["note"] == "private: mum was upset here"
    assert after == before


def test_24_a_moment_added_inside_a_rejected_one_stays_in_view_in_elan(folder) -> None:
    store = DecisionStore(folder)
    doc = store.read()
    late = _at(doc, 514.5)
    doc = store.decide(doc["revision"], late, {"status": "rejected", "note": "private"})
    doc, added = store.add(doc["revision"], 516.0, 520.0, tags=["attentive"])
    _export(folder)
    shown = {d.moment_id: d for d in read_elan_decisions(folder / "play.eaf")}
    assert (shown[added].start_s, shown[added].end_s, shown[added].tags) == (516.0, 520.0, ("attentive",))
    assert (shown[late].start_s, shown[late].end_s, shown[late].note) == (520.0, 525.5, "private")  # the longest free part
    before = _moments(folder)
    assert import_elan(folder) == {"changed": 0, "added": 0, "unchanged": 2}
    assert _moments(folder) == before


def test_24_round_trips_are_identities_for_every_kind_of_decided_moment(folder) -> None:
    store = DecisionStore(folder)
    doc = store.read()
    doc = store.decide(doc["revision"], "m01", {"status": "confirmed", "start_s": 321.0, "end_s": 330.0,
                                                "tags": ["receiving", "developing"], "note": "line one\nline\ttwo"})  # fmt: skip
    doc = store.decide(doc["revision"], "m05", {"start_s": 325.0, "end_s": 335.0, "tags": ["encouraging"]})  # overlaps m01
    doc = store.decide(doc["revision"], "m04", {"status": "confirmed", "start_s": 323.0, "end_s": 328.0, "note": "inside m01"})
    doc = store.decide(doc["revision"], "m03", {"status": "rejected", "note": "not for the parent"})
    doc, added = store.add(doc["revision"], 514.0, 526.0, note="the added one")
    doc = store.decide(doc["revision"], "m02", {"status": "rejected", "tags": ["attentive"]})
    _export(folder)
    before = _moments(folder)
    counts = import_elan(folder)
    assert counts["changed"] == 0 and counts["added"] == 0
    assert _moments(folder) == before
    # and a second export of the same decisions writes the same guider tiers
    eaf = (folder / "play.eaf").read_text()
    _export(folder)
    strip_date = lambda text: "\n".join(line for line in text.splitlines() if "DATE=" not in line)  # noqa: E731
    assert strip_date((folder / "play.eaf").read_text()) == strip_date(eaf)


def test_24_2_an_eaf_older_than_the_decisions_is_refused_unless_forced(folder) -> None:
    store = DecisionStore(folder)
    doc = store.read()
    doc = store.decide(doc["revision"], "m01", {"status": "confirmed", "tags": ["receiving"]})
    _export(folder)
    doc = store.decide(doc["revision"], "m01", {"status": "rejected", "note": "changed my mind on the page"})
    before = (folder / "moments.json").read_bytes()
    line = _one_error_line(_import_cli(folder))
    assert "play.eaf" in line and "revision" in line and "--force" in line
    with pytest.raises(ReviewFileError, match="revision"):
        import_elan(folder)
    assert (folder / "moments.json").read_bytes() == before
    result = _import_cli(folder, "--force")
    assert result.exit_code == 0, result.output
    assert _moments(folder)["m01"]["status"] == "confirmed"  # forced: the .eaf's word wins


def test_24_5_a_control_character_in_a_note_still_makes_a_valid_eaf(folder) -> None:
    store = DecisionStore(folder)
    doc = store.read()
    note = "pasted from Word:\x0bsecond line\nthird\tcolumn\x07"
    doc = store.decide(doc["revision"], "m01", {"status": "confirmed", "note": note})
    _export(folder)
    eaf = folder / "play.eaf"
    ET.parse(eaf)  # well-formed XML
    if SCHEMA.is_file():
        xmlschema = pytest.importorskip("xmlschema")
        xmlschema.XMLSchema(str(SCHEMA)).validate(str(eaf))
    (decision,) = read_elan_decisions(eaf)
    assert decision.note == "pasted from Word:\nsecond line\nthird\tcolumn"  # newlines and tabs survive
    assert import_elan(folder)["changed"] == 0
    assert _moments(folder)["m01"]["note"] == note  # what ELAN could not hold is not taken away from the note


def _decided(folder: Path) -> Path:
    store = DecisionStore(folder)
    doc = store.read()
    doc = store.decide(doc["revision"], "m01", {"status": "confirmed", "tags": ["receiving"]})
    store.decide(doc["revision"], "m02", {"status": "rejected"})
    _export(folder)
    return folder / "play.eaf"


def _edit_xml(path: Path, edit) -> None:
    tree = ET.parse(path)
    edit(tree.getroot())
    tree.write(path, encoding="UTF-8", xml_declaration=True)


def _first_decision(root: ET.Element) -> ET.Element:
    tier = next(t for t in root.iter("TIER") if t.get("TIER_ID") == "guider decisions")
    return next(tier.iter("ALIGNABLE_ANNOTATION"))


@pytest.mark.parametrize("damage, problem", [
    ("no time", "time slot .* has no time"),
    ("unknown slot", "unknown time slot"),
    ("twice", "moment m01 has more than one annotation"),
    ("tag of nothing", "refers to 'a9999', which is no annotation of 'guider decisions'"),
])  # fmt: skip
def test_24_11_a_damaged_eaf_is_one_plain_line_and_nothing_is_written(folder, damage, problem) -> None:
    eaf = _decided(folder)

    def edit(root: ET.Element) -> None:
        first = _first_decision(root)
        if damage == "no time":
            slot = next(s for s in root.iter("TIME_SLOT") if s.get("TIME_SLOT_ID") == first.get("TIME_SLOT_REF1"))
            del slot.attrib["TIME_VALUE"]
        elif damage == "unknown slot":
            first.set("TIME_SLOT_REF2", "ts9999")
        elif damage == "tag of nothing":
            next(root.iter("REF_ANNOTATION")).set("ANNOTATION_REF", "a9999")
        else:
            tier = next(t for t in root.iter("TIER") if t.get("TIER_ID") == "guider decisions")
            order = root.find("TIME_ORDER")
            ET.SubElement(order, "TIME_SLOT", {"TIME_SLOT_ID": "ts9001", "TIME_VALUE": "1000"})
            ET.SubElement(order, "TIME_SLOT", {"TIME_SLOT_ID": "ts9002", "TIME_VALUE": "5000"})
            copy = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION",
                                 {"ANNOTATION_ID": "a9001", "TIME_SLOT_REF1": "ts9001", "TIME_SLOT_REF2": "ts9002"})  # fmt: skip
            ET.SubElement(copy, "ANNOTATION_VALUE").text = "confirmed m01"

    _edit_xml(eaf, edit)
    before = (folder / "moments.json").read_bytes()
    with pytest.raises(ReviewFileError, match=problem):
        import_elan(folder)
    line = _one_error_line(_import_cli(folder))
    assert "play.eaf" in line
    assert (folder / "moments.json").read_bytes() == before


def test_24_2_an_eaf_that_does_not_say_its_revision_is_refused_and_forced_reads_tags_by_time(folder) -> None:
    """A file written before issue 24: no revision, tags on a time-aligned tier of their own."""
    pympi = pytest.importorskip("pympi")
    store = DecisionStore(folder)
    doc = store.read()
    store.decide(doc["revision"], "m01", {"status": "confirmed"})
    _export(folder)
    eaf_path = folder / "play.eaf"
    eaf = pympi.Elan.Eaf(str(eaf_path))
    eaf.properties = [(k, v) for k, v in eaf.properties if k != "vigclips_moments_revision"]
    eaf.remove_tier("guider tags")
    eaf.add_tier("guider tags")
    eaf.add_annotation("guider tags", 321_000, 330_000, "attentive")
    eaf.to_file(str(eaf_path))
    with pytest.raises(ReviewFileError, match="does not say which moments.json revision"):
        import_elan(folder)
    assert import_elan(folder, force=True)["changed"] == 1
    assert _moments(folder)["m01"]["tags"] == ["attentive"]
