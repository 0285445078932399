"""Review decisions on moments.json: pure changes validated before writing, revisions, and the locked atomic store (#6)."""

from __future__ import annotations

import json
import os
import threading

import pytest

from vigclips.results.decisions import MIN_MOMENT_S, add_moment, apply_decision, check_revision, DecisionError, DecisionStore, set_roles_swapped, StaleRevisionError
from vigclips.results.moments import read_moments, validate_document, write_moments

STAMP = "2026-11-25T19:00:00Z"


def mock_document(n: int = 3, duration_s: float = 60.0) -> dict:
    moments = [{"id": f"m{i + 1:02d}", "rank": i + 1, "start_s": 10.0 * i + 1, "end_s": 10.0 * i + 7, "score": 0.5 - 0.1 * i,
                "reasons": ["mutual gaze for 2.0 s"], "scores": {"developing": 0.5}, "status": "candidate", "still": None}
               for i in range(n)]  # fmt: skip
    return {"version": 1, "revision": 0, "source": {"file_name": "play.mp4", "duration_s": duration_s}, "summary": {},
            "moments": moments}  # fmt: skip


def test_confirm_trim_tag_note_in_one_decision():
    doc = mock_document()
    new = apply_decision(doc, "m02", {"status": "confirmed", "start_s": 12.25, "end_s": 15.5, "tags": ["receiving", "attentive"],
                                      "note": "  she waits for him  "}, decided_utc=STAMP)  # fmt: skip
    m = new["moments"][1]
    assert (m["status"], m["start_s"], m["end_s"]) == ("confirmed", 12.25, 15.5)
    assert m["tags"] == ["attentive", "receiving"]  # canonical principle order
    assert m["note"] == "she waits for him"
    assert (m["original_start_s"], m["original_end_s"]) == (11.0, 17.0)
    assert m["decided_utc"] == STAMP
    assert new["revision"] == 1
    assert doc["moments"][1]["status"] == "candidate" and doc["revision"] == 0  # input untouched
    validate_document(new, "moments.json")


def test_second_trim_keeps_the_programs_original_bounds():
    doc = apply_decision(mock_document(), "m01", {"start_s": 2.0})
    doc = apply_decision(doc, "m01", {"end_s": 5.0})
    m = doc["moments"][0]
    assert (m["start_s"], m["end_s"], m["original_start_s"], m["original_end_s"]) == (2.0, 5.0, 1.0, 7.0)
    assert doc["revision"] == 2


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"status": "maybe"}, "status must be one of"),
        ({"start_s": -0.5}, "before the recording starts"),
        ({"end_s": 60.5}, "after the recording ends"),
        ({"start_s": 6.0, "end_s": 5.0}, "start before it ends"),
        ({"start_s": 5.0, "end_s": 5.0 + MIN_MOMENT_S / 2}, "at least"),
        ({"start_s": "3"}, "must be a number"),
        ({"end_s": float("nan")}, "must be a number"),
        ({"start_s": True}, "must be a number"),
        ({"tags": ["kind"]}, "unknown tag 'kind'"),
        ({"tags": "attentive"}, "must be a list"),
        ({"note": 3}, "note must be text"),
        ({"note": "x" * 2001}, "keep it under"),
        ({"score": 1.0}, "cannot change score"),
        ({}, "changes nothing"),
    ],
    ids=["status", "before-start", "after-end", "reversed", "too-short", "string", "nan", "bool", "tag", "tags-str", "note-type",
         "note-long", "score", "empty"],
)
def test_invalid_decisions_are_refused(changes, message):
    with pytest.raises(DecisionError, match=message):
        apply_decision(mock_document(), "m01", changes)


def test_unknown_moment_is_refused():
    with pytest.raises(DecisionError, match="no moment with id 'm99'"):
        apply_decision(mock_document(), "m99", {"status": "confirmed"})


def test_bounds_up_to_the_end_of_the_recording_are_fine():
    new = apply_decision(mock_document(duration_s=30.0), "m03", {"end_s": 30.0})
    assert new["moments"][2]["end_s"] == 30.0


def test_add_moment_gets_a_guider_id_and_next_rank():
    doc, first = add_moment(mock_document(), 40.0, 45.5, tags=["developing"], decided_utc=STAMP)
    doc, second = add_moment(doc, 50.0, 53.0, status="candidate")
    assert (first, second) == ("g01", "g02")
    added = doc["moments"][3]
    assert added["rank"] == 4 and doc["moments"][4]["rank"] == 5
    assert (added["start_s"], added["end_s"], added["status"]) == (40.0, 45.5, "confirmed")
    assert (added["tags"], added["added_by"]) == (["developing"], "guider")
    assert doc["revision"] == 2
    validate_document(doc, "moments.json")
    with pytest.raises(DecisionError, match="after the recording ends"):
        add_moment(doc, 58.0, 61.0)


def test_an_added_moment_may_not_overlap_one_in_use_nor_be_too_short():
    doc = mock_document()
    in_use = [m for m in doc["moments"] if m["status"] != "rejected"][0]
    with pytest.raises(DecisionError, match=r"overlap moment #\d"):
        add_moment(doc, float(in_use["start_s"]) + 0.5, float(in_use["end_s"]) + 5.0)
    with pytest.raises(DecisionError, match=r"at least 3\.0 s \(this one would last 2\.0 s\)"):
        add_moment(doc, 50.0, 52.0)
    # The shortest is the analysis's own min_moment_s when the document records it.
    doc["analysis"] = {"config": {"scoring": {"min_moment_s": 1.5}}}
    assert add_moment(doc, 50.0, 52.0)[1] == "g01"
    # A rejected moment may be covered again.
    rejected = apply_decision(doc, in_use["id"], {"status": "rejected"})
    assert add_moment(rejected, float(in_use["start_s"]), float(in_use["end_s"]))[1] == "g01"


def test_swap_roles_is_recorded():
    doc = set_roles_swapped(mock_document(), True, decided_utc=STAMP)
    assert doc["roles_swapped"] is True and doc["roles_swapped_utc"] == STAMP and doc["revision"] == 1
    with pytest.raises(DecisionError, match="true or false"):
        set_roles_swapped(doc, "yes")


@pytest.mark.parametrize("expected", [1, -1, "0", None, True], ids=["newer", "negative", "string", "missing", "bool"])
def test_check_revision_refuses_anything_but_the_current(expected):
    with pytest.raises(DecisionError):
        check_revision(mock_document(), expected)


def test_store_writes_atomically_and_refuses_stale_revision(tmp_path):
    write_moments(tmp_path / "moments.json", mock_document())
    store = DecisionStore(tmp_path)
    written = store.decide(0, "m01", {"status": "confirmed"})
    assert written["revision"] == 1
    on_disk = read_moments(tmp_path)
    assert on_disk["moments"][0]["status"] == "confirmed" and on_disk["revision"] == 1
    with pytest.raises(StaleRevisionError, match="reload the page") as info:
        store.decide(0, "m01", {"status": "rejected"})  # a page that still shows revision 0
    assert info.value.current == 1
    assert read_moments(tmp_path)["moments"][0]["status"] == "confirmed"  # nothing overwritten
    assert (os.stat(tmp_path / "moments.json").st_mode & 0o077) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".moments.json")] == []  # no temp file left


def test_store_refused_decision_leaves_the_file_as_it_was(tmp_path):
    write_moments(tmp_path / "moments.json", mock_document())
    before = (tmp_path / "moments.json").read_bytes()
    with pytest.raises(DecisionError):
        DecisionStore(tmp_path).decide(0, "m01", {"end_s": 999.0})
    assert (tmp_path / "moments.json").read_bytes() == before


def test_concurrent_writers_never_lose_a_decision(tmp_path):
    """Eight threads each retry on 409 until their decision lands: every one is in the file at the end."""
    write_moments(tmp_path / "moments.json", mock_document(n=8, duration_s=90.0))
    store = DecisionStore(tmp_path)

    def worker(i: int) -> None:
        while True:
            revision = store.read()["revision"]
            try:
                store.decide(revision, f"m{i + 1:02d}", {"status": "confirmed", "note": f"note {i}"})
                return
            except StaleRevisionError:
                continue

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    doc = json.loads((tmp_path / "moments.json").read_text())
    assert doc["revision"] == 8
    assert [m["note"] for m in doc["moments"]] == [f"note {i}" for i in range(8)]


def test_moving_only_the_start_clamps_an_end_the_program_put_just_past_the_recording():
    doc = mock_document(duration_s=8.01)
    doc["moments"][0]["end_s"] = 8.1  # as analyze writes for a last moment (the store accepts up to 0.5 s past the end)
    new = apply_decision(doc, "m01", {"start_s": 5.5})
    assert (new["moments"][0]["start_s"], new["moments"][0]["end_s"]) == (5.5, 8.01)
    with pytest.raises(DecisionError, match="after the recording ends"):
        apply_decision(doc, "m01", {"end_s": 8.1})  # but the guider cannot set it there
