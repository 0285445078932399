"""Issue 25's changes to a moments.json from the review page: deleting an added moment, choosing the sheet's still, the
sheet's title and language; and the parent's sheet's fixed words from a table of phrases (m:ss times, plain principles)."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import cv2
import numpy as np
import pytest
from test_review_decisions import mock_document
from test_review_server import _request, server  # noqa: F401 - the fixture

from vigclips.export import export_clips
from vigclips.export.clips import sheet_title
from vigclips.media import extract_still, probe
from vigclips.export.phrases import PHRASES_DIR, PhraseTableError, available_languages, load_phrases
from vigclips.export.sheet import sheet_entry_text
from vigclips.results.decisions import (DecisionError, DecisionStore, add_moment, apply_decision, remove_moment,
                                        set_sheet_options)
from vigclips.results.moments import (build_document, moment_records, read_moments, sha256_file, source_record,
                                      validate_document, write_moments)

# ------------------------------------------------------------------------------------------------------------ decisions


def test_an_added_moment_can_be_deleted_the_programs_cannot():
    doc, added = add_moment(mock_document(), 40.0, 45.0, status="candidate")
    assert [m["id"] for m in doc["moments"]][-1] == added == "g01"
    after = remove_moment(doc, "g01")
    assert [m["id"] for m in after["moments"]] == ["m01", "m02", "m03"] and after["revision"] == doc["revision"] + 1
    with pytest.raises(DecisionError, match="only a moment you added"):
        remove_moment(doc, "m01")
    with pytest.raises(DecisionError, match="no moment with id"):
        remove_moment(doc, "g07")


def test_the_chosen_still_must_lie_inside_the_moment_and_can_be_given_back():
    doc = apply_decision(mock_document(), "m01", {"still_t_s": 3.25})  # m01: 1–7 s
    record = moment_records(doc)[0]
    assert record.still_t_s == 3.25 and record.chosen_still_t_s == 3.25 and record.holds_guider_work
    validate_document(doc, "moments.json")
    with pytest.raises(DecisionError, match="inside the moment"):
        apply_decision(doc, "m01", {"still_t_s": 8.0})
    with pytest.raises(DecisionError, match="must be a number"):
        apply_decision(doc, "m01", {"still_t_s": "3"})
    # A trim that leaves the chosen frame outside: kept in the file, but the program chooses again (export).
    trimmed = moment_records(apply_decision(doc, "m01", {"start_s": 4.0}))[0]
    assert trimmed.still_t_s == 3.25 and trimmed.chosen_still_t_s is None
    given_back = apply_decision(doc, "m01", {"still_t_s": None})
    assert "still_t_s" not in given_back["moments"][0]


@pytest.mark.parametrize("title, language, message", [
    ("a\nb", None, "one line"), ("x" * 121, None, "at most 120"), (3, None, "one line"), (None, "english", "a code"),
    (None, "../en", "a code")])  # fmt: skip
def test_the_sheets_title_and_language_are_checked(title, language, message):
    with pytest.raises(DecisionError, match=message):
        set_sheet_options(mock_document(), title, language)


def test_the_sheets_title_is_kept_and_the_default_has_the_date():
    doc = mock_document()
    day = dt.date(2026, 12, 7)
    assert sheet_title(doc, day=day) == "Our moments together, 7 December 2026"
    doc = set_sheet_options(doc, "  Ella and Mum, Tuesday  ", "en")
    assert doc["sheet"] == {"title": "Ella and Mum, Tuesday", "language": "en"}
    assert sheet_title(doc, day=day) == "Ella and Mum, Tuesday"
    assert sheet_title(set_sheet_options(doc, ""), day=day).startswith("Our moments together")
    # A language this computer has no table of (a folder from another computer): English, not a failed export.
    assert sheet_title(set_sheet_options(doc, "", "xx"), day=day) == "Our moments together, 7 December 2026"


# ------------------------------------------------------------------------------------------------------------ the sheet


def test_the_sheet_says_times_as_m_ss_and_principles_in_plain_words():
    phrases = load_phrases("en")
    entry = {"label": "2", "start_s": 62.46, "end_s": 69.9, "principles": [phrases.principles["receiving"]], "note": "You waited"}
    text = dict(sheet_entry_text(entry, phrases))
    assert text["heading"] == "Moment 2.  1:02 to 1:10  (7 seconds)"
    assert text["principles"] == "What it shows: Answering your baby"
    assert "initiative" not in " ".join(phrases.principles.values())  # no guider jargon on the parent's sheet


def test_a_new_language_is_one_translated_table(monkeypatch, tmp_path):
    for table in PHRASES_DIR.glob("*.toml"):
        (tmp_path / table.name).write_text(table.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "fr.toml").write_text('language_name = "Français"\ndefault_title = "Nos moments ensemble"\n'
                                      'months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", '
                                      '"septembre", "octobre", "novembre", "décembre"]\n'
                                      '[principles]\nreceiving = "Répondre à votre bébé"\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setattr("vigclips.export.phrases.PHRASES_DIR", tmp_path)
    load_phrases.cache_clear()
    try:
        assert available_languages() == {"en": "English", "fr": "Français"}
        fr = load_phrases("fr")
        assert fr.title(None, dt.date(2026, 8, 1)) == "Nos moments ensemble, 1 août 2026"
        assert fr.principles["receiving"] == "Répondre à votre bébé"
        assert fr.principles["attentive"] == load_phrases("en").principles["attentive"]  # untranslated: English
        (tmp_path / "de.toml").write_text('moment_heading = "Moment {nummer}"\n', encoding="utf-8")
        with pytest.raises(PhraseTableError, match="placeholder"):
            load_phrases("de")
        with pytest.raises(PhraseTableError, match="no table of phrases"):
            load_phrases("pl")
    finally:
        load_phrases.cache_clear()


# ------------------------------------------------------------------------------------------------------------ the server


def test_the_server_deletes_added_moments_only_and_saves_the_sheet_options(server):  # noqa: F811
    status, _, body = _request(server, "POST", "/api/moments", body={"revision": 0, "start_s": 16.0, "end_s": 19.5,
                                                                     "status": "candidate"})  # fmt: skip
    assert status == 201
    state = json.loads(body)
    assert state["added_id"] == "g01" and state["languages"] == {"en": "English"}
    token = state["revision_token"]
    status, _, body = _request(server, "POST", "/api/moments/m01/delete", body={"revision": token})
    assert status == 400 and "only a moment you added" in json.loads(body)["error"]
    status, _, body = _request(server, "POST", "/api/moments/g01/delete", body={"revision": token})
    assert status == 200
    token = json.loads(body)["revision_token"]
    assert [m["id"] for m in read_moments(server.folder)["moments"]] == ["m01", "m02", "m03"]
    status, _, body = _request(server, "POST", "/api/sheet", body={"revision": token, "title": "Our Tuesday"})
    assert status == 200 and read_moments(server.folder)["sheet"] == {"title": "Our Tuesday"}
    status, _, body = _request(server, "POST", "/api/moments/m02/still", body={"revision": token})
    assert status == 404


def test_export_cuts_the_sheets_still_at_the_frame_the_guider_chose(shared_media, tmp_path):
    """The still on the sheet (and in clips/stills/) is the frame chosen on the page, not the program's."""
    src = shared_media / "pyfeat_WolfgangLanger_Pexels.mp4"
    info = probe(src)
    folder = tmp_path / "out" / src.stem
    folder.mkdir(parents=True)
    records = [{"id": "m01", "rank": 1, "start_s": 2.0, "end_s": 12.0, "score": 0.5, "reasons": [], "status": "candidate",
                "still": None, "details": {"best_still_t_s": 3.0}}]  # fmt: skip
    write_moments(folder / "moments.json", build_document(source_record(info, sha256_file(src)), Fraction(10), {}, {}, records))
    store = DecisionStore(folder)
    store.decide(store.decide(0, "m01", {"status": "confirmed"})["revision"], "m01", {"still_t_s": 11.0})
    export_clips(folder, stills=True)
    (still,) = (folder / "clips" / "stills").glob("*.jpg")
    chosen = extract_still(src, 11.0, tmp_path / "at11.jpg", info=info)
    other = extract_still(src, 3.0, tmp_path / "at3.jpg", info=info)
    exported = cv2.imread(str(still)).astype(np.float64)
    assert np.abs(exported - cv2.imread(str(chosen))).mean() < 1.0 < np.abs(exported - cv2.imread(str(other))).mean()
