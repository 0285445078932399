"""The typed records of the moments.json contract: validated on read with the field named, and round trips that change
nothing (issue 21)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from vigclips.errors import ReviewFileError
from vigclips.results.moments import moment_records, read_moments, source_of, write_moments
from vigclips.results.records import Decision, MomentRecord, RecordError, SourceRecord

CANDIDATE = {"id": "m01", "rank": 1, "start_s": 6.5, "end_s": 11.0, "score": 0.8123, "reasons": ["they looked at each other"],
             "scores": {"attentive": 0.5, "developing": 0.9}, "status": "candidate", "still": "stills/m01.jpg",
             "details": {"best_still_t_s": 8.2}, "turns": [{"initiator": "INFANT"}], "preview": "previews/m01.mp4"}
REVIEWED = {**CANDIDATE, "status": "confirmed", "original_start_s": 6.5, "original_end_s": 11.0, "start_s": 7.0,
            "tags": ["receiving"], "note": "You answered her straight away", "decided_utc": "2026-12-07T00:00:00Z"}
ADDED = {"id": "g01", "rank": 6, "start_s": 20.0, "end_s": 26.0, "score": 0.0, "reasons": ["added by the guider"], "scores": {},
         "status": "confirmed", "still": None, "tags": [], "note": "", "added_by": "guider", "decided_utc": "2026-12-07T00:00:00Z"}


def _document(*moments: dict) -> dict:
    return {"version": 1, "revision": 0, "source": {"file_name": "play.mp4", "duration_s": 30.0, "fps": "30000/1001",
                                                      "sha256": "ab", "size_bytes": 10, "future_key": 1},
            "summary": {}, "moments": list(moments)}


@pytest.mark.parametrize("data", [CANDIDATE, REVIEWED, ADDED], ids=["candidate", "reviewed", "added"])
def test_a_record_read_and_written_back_is_the_same_json_key_for_key(data):
    record = MomentRecord.from_json(data)
    assert json.dumps(record.to_json()) == json.dumps(data)


def test_a_changed_record_keeps_unknown_keys_and_adds_new_ones_where_the_file_always_had_them():
    import dataclasses

    record = dataclasses.replace(MomentRecord.from_json({**CANDIDATE, "from_a_newer_version": [1]}), status="confirmed",
                                 original_start_s=6.5, original_end_s=11.0, start_s=7.0, tags=("receiving",), note="yes")
    out = record.to_json()
    assert out["from_a_newer_version"] == [1] and out["status"] == "confirmed" and out["tags"] == ["receiving"]
    assert list(out)[-5:] == ["from_a_newer_version", "original_start_s", "original_end_s", "tags", "note"]


def test_records_answer_what_readers_ask():
    reviewed, added, candidate = (MomentRecord.from_json(d) for d in (REVIEWED, ADDED, CANDIDATE))
    assert reviewed.holds_guider_work and added.holds_guider_work and not candidate.holds_guider_work
    assert (reviewed.program_start_s, reviewed.program_end_s) == (6.5, 11.0)
    assert reviewed.to_moment().start_s == 7.0 and reviewed.to_moment(original_bounds=True).start_s == 6.5
    assert added.added_by_guider and reviewed.tags == ("receiving",)
    source = SourceRecord.from_json(_document()["source"])
    assert source.stem == "play" and source.frame_rate == Fraction(30000, 1001)
    assert source.to_json() == _document()["source"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rank": "first"}, r"moments\[0\] \(m01\): rank must be a whole number, got 'first'"),
        ({"reasons": 5}, r"moments\[0\] \(m01\): reasons must be a list of sentences, got 5"),
        ({"score": None}, r"score must be a number"),
        ({"scores": {"attentive": "high"}}, r"scores must map principles to numbers"),
        ({"tags": ["fun"]}, r"tags must be a list of the principles"),
        ({"note": 5}, r"note must be text"),
        ({"still": 3}, r"moments\[0\] \(m01\)\.still must be a path in the folder"),
        ({"id": "x/../../../victim/pwned"}, r"moments\[0\]\.id must be letters, digits, '-' or '_'"),
        ({"id": ""}, r"moments\[0\]\.id must be a unique non-empty string"),
        ({"start_s": float("nan")}, r"start_s and end_s must be numbers"),
        ({"status": "maybe"}, r"moments\[0\]\.status must be one of candidate, confirmed, rejected"),
    ],
    ids=["rank", "reasons", "score", "scores", "tags", "note", "still", "id-path", "id-empty", "nan", "status"],
)
def test_a_field_of_the_wrong_kind_is_named_in_one_line(tmp_path, change, message):
    path = tmp_path / "moments.json"
    path.write_text(json.dumps(_document({**CANDIDATE, **change})), encoding="utf-8")
    with pytest.raises(ReviewFileError, match=message) as caught:
        read_moments(path)
    assert "\n" not in str(caught.value)
    with pytest.raises(ReviewFileError, match=message):  # nothing invalid is ever written either
        write_moments(tmp_path / "other.json", _document({**CANDIDATE, **change}))
    assert not (tmp_path / "other.json").exists()


@pytest.mark.parametrize(
    "source, message",
    [({"file_name": "play.mp4", "fps": "abc"}, r"source\.fps must be a frame rate"),
     ({"file_name": "play.mp4", "size_bytes": "10"}, r"source\.size_bytes must be a whole number of bytes"),
     ({"path": "/x"}, r"missing key 'source\.file_name'")],
    ids=["fps", "size", "no-name"],
)
def test_a_bad_source_is_named(tmp_path, source, message):
    path = tmp_path / "moments.json"
    path.write_text(json.dumps({**_document(CANDIDATE), "source": source}), encoding="utf-8")
    with pytest.raises(ReviewFileError, match=message):
        read_moments(path)


def test_typed_views_of_a_validated_document(tmp_path):
    path = write_moments(tmp_path / "moments.json", _document(CANDIDATE, REVIEWED | {"id": "m02"}, ADDED))
    document = read_moments(path)
    assert [m.id for m in moment_records(document)] == ["m01", "m02", "g01"]
    assert source_of(document).file_name == "play.mp4"


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"status": "confirmed"}, {"status": "confirmed"}),
        ({"start_s": 1.23456, "end_s": 4}, {"start_s": 1.235, "end_s": 4.0}),
        ({"tags": ["receiving", "attentive", "attentive"]}, {"tags": ["attentive", "receiving"]}),
        ({"note": "  a note  "}, {"note": "a note"}),
    ],
    ids=["status", "bounds-rounded", "tags-canonical", "note-stripped"],
)
def test_a_decision_keeps_only_what_it_changes(changes, expected):
    assert Decision.from_json(changes).to_json() == expected


@pytest.mark.parametrize(
    "changes, message",
    [({"score": 1.0}, "cannot change score"), ({}, "changes nothing"), ({"status": None}, "status must be one of"),
     ({"tags": "attentive"}, "tags must be a list"), ({"tags": ["fun"]}, "unknown tag 'fun'"), ({"note": 3}, "note must be text"),
     ({"start_s": True}, "start_s must be a number"), ({"note": "x" * 2001}, "keep it under 2000")],
    ids=["score", "empty", "status-null", "tags-text", "tag-unknown", "note-number", "start-bool", "note-long"],
)
def test_a_decision_refuses_what_a_page_must_not_send(changes, message):
    with pytest.raises(RecordError, match=message):
        Decision.from_json(changes)
