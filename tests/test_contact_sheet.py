"""The parent's sheet for the shared review (#15) and literal notes (#13): the guider's note and ticked principles only,
every line wrapped inside the page, more pages when needed, PNG and PDF, no pyplot and no backend switch; and the teaching
clips' caption, legend and "seen well" rule."""

from __future__ import annotations

import csv
import math
import re
import subprocess
import sys
from fractions import Fraction

import cv2
import numpy as np
import pytest

from vigclips.export import export_clips
from vigclips.export.clips import plan_clips, sheet_entries, sheet_title
from vigclips.media import probe
from vigclips.results.cues import CueTrack
from vigclips.export.teaching import draw_cues
from vigclips.export.sheet import layout_contact_sheet, write_contact_sheet
from vigclips.results.decisions import DecisionStore
from vigclips.results.moments import build_document, read_moments, sha256_file, source_record, write_moments

PEEKABOO = "lookit_laughter/2UWdXP.joke1.rep2.take1.Peekaboo.mp4"
NOTE = ("Look how Ella turns to you and laughs when you come out from behind your hands. You waited for her, and she "
        "waited for you: she knows the game now, and she loves playing it with you. Watch her face at the end!")  # fmt: skip
LITERAL_NOTES = ["paid $5 then $10", r"weird $\frac{$ note", r"back\slash {braces} and $x^2$", "🙂 she laughs 👶🏽 so much"]


def _inside(page) -> None:
    """Every text drawn on the page lies inside it (nothing runs off an edge or is cut at the bottom)."""
    fig = page.figure
    renderer = fig.canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    for text in fig.texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= w + 0.5 and box.y1 <= h + 0.5, (text.get_text(), box)
        assert text.get_parse_math() is False  # a "$" is a dollar sign, never mathematics


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _entries(notes: list[str]) -> list[dict]:
    return [{"image": None, "label": str(k + 1), "start_s": 10.0 * k, "end_s": 10.0 * k + 6.5,
             "principles": ["Receiving initiatives"], "note": note} for k, note in enumerate(notes)]  # fmt: skip


@pytest.mark.filterwarnings("ignore:Glyph")
def test_literal_notes_are_drawn_as_written_and_never_abort(tmp_path):
    out = tmp_path / "contact_sheet.png"
    files = write_contact_sheet(_entries(LITERAL_NOTES), out, "4 moments · test.mp4")
    assert files[0] == out and files[-1] == out.with_suffix(".pdf")
    assert cv2.imread(str(out)) is not None and out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    pages = layout_contact_sheet(_entries(LITERAL_NOTES), "4 moments · test.mp4")
    for page in pages:
        _inside(page)
    for note in LITERAL_NOTES:
        assert any(note in page.lines for page in pages)  # drawn as one literal line each, "$" and "\" untouched


def test_long_notes_wrap_and_continue_on_more_pages(tmp_path):
    long_note = " ".join(["She reaches for the spoon and looks up at you, and you name it for her."] * 25)  # ~1800 chars
    notes = [NOTE, long_note, "W" * 300, *[f"moment {k}" for k in range(6)]]
    pages = layout_contact_sheet(_entries(notes), "9 moments · test.mp4")
    assert len(pages) >= 3
    for page in pages:
        _inside(page)
    drawn = _squash("".join(line for page in pages for line in page.lines))
    for note in notes:
        assert _squash(note) in drawn  # every note in full, wrapped but never shortened
    files = write_contact_sheet(_entries(notes), tmp_path / "contact_sheet.png", "9 moments · test.mp4")
    assert [f.name for f in files][:2] == ["contact_sheet.png", "contact_sheet_page2.png"]
    pdf = (tmp_path / "contact_sheet.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == len(pages)
    # Fewer moments later: the extra pages go.
    write_contact_sheet(_entries(notes[:1]), tmp_path / "contact_sheet.png", "1 moment")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contact_sheet.pdf", "contact_sheet.png"]


def test_no_pyplot_and_the_callers_backend_is_left_alone(tmp_path):
    code = f"""
import sys, matplotlib
matplotlib.use("svg")
from pathlib import Path
from vigclips.export.sheet import write_contact_sheet
write_contact_sheet([{{"image": None, "label": "1", "start_s": 0, "end_s": 3, "note": "a $ note"}}], Path({str(tmp_path)!r}) / "s.png", "t")
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_peekaboo_sheet_shows_the_guiders_note_in_full_and_no_machine_reasons(shared_media, tmp_path):
    """Target of #15: the shared-review sheet of the Peekaboo clip shows the guider's note in full, inside the page."""
    src = shared_media / PEEKABOO
    info = probe(src)
    folder = tmp_path / "out" / src.stem
    folder.mkdir(parents=True)
    records = [{"id": f"m{k + 1:02d}", "rank": k + 1, "start_s": a, "end_s": b, "score": 0.5,
                "reasons": ["baby and parent smiled together for 1.2 s"], "scores": {"developing": 0.7},
                "status": "candidate", "still": None} for k, (a, b) in enumerate([(1.0, 5.0), (6.0, 10.0), (11.0, 14.5)])]  # fmt: skip
    write_moments(folder / "moments.json", build_document(source_record(info, sha256_file(src)), Fraction(10), {}, {}, records))
    store = DecisionStore(folder)
    doc = store.decide(0, "m01", {"status": "confirmed", "note": NOTE, "tags": ["receiving", "developing"]})
    doc = store.decide(doc["revision"], "m02", {"status": "confirmed", "note": LITERAL_NOTES[1]})
    doc = store.decide(doc["revision"], "m03", {"status": "confirmed"})
    clips = export_clips(folder)
    assert len(clips) == 3
    sheet = folder / "clips" / "contact_sheet.png"
    image = cv2.imread(str(sheet))
    assert image is not None and image.shape[1] > image.shape[0] > 1000
    assert (folder / "clips" / "contact_sheet.pdf").is_file()
    # The same layout the export drew: the note in full, every line inside the page, no program reasons.
    document = read_moments(folder)
    plan = plan_clips(document, src, folder / "clips", False)
    stills = [None] * len(plan)
    pages = layout_contact_sheet(sheet_entries(plan, stills), sheet_title(document))
    assert len(pages) == 1
    for page in pages:
        _inside(page)
    drawn = "\n".join(page.lines)
    assert _squash(NOTE) in _squash(drawn)
    assert "What it shows: Answering your baby, Taking turns together" in drawn  # plain words (#25)
    assert "smiled together" not in drawn  # never the machine's reasons
    # The manifest has the guider's note, principles and status.
    with open(folder / "clips" / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"note", "principles", "status"} <= set(rows[0])
    assert rows[0]["note"] == NOTE and rows[0]["principles"] == "Receiving initiatives; Developing attuned interactions"
    assert rows[1]["note"] == LITERAL_NOTES[1] and rows[0]["status"] == "confirmed"


# --------------------------------------------------------------------------------------------------------- teaching clips


def test_teaching_caption_fits_the_frame_and_the_legend_is_drawn():
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    caption = "Being attentive + Encouraging initiatives + Receiving initiatives + Developing attuned interactions"
    out = draw_cues(image, {}, caption)
    # The caption band: text pixels (white) reach neither edge of the frame, so nothing is cut off.
    band = out[260:]
    white = np.argwhere(band.min(axis=2) > 200)
    assert white.size and white[:, 1].min() >= 4 and white[:, 1].max() <= 640 - 4
    # The legend sits top right: amber and blue rings in it.
    corner = out[:120, 400:]
    assert (np.abs(corner.astype(int) - (60, 200, 255)).sum(axis=2) < 60).any()
    assert (np.abs(corner.astype(int) - (255, 160, 60)).sum(axis=2) < 60).any()


def test_cues_are_drawn_only_where_the_face_was_seen_well():
    t = np.round(np.arange(0, 2.0, 0.1), 3)
    n = len(t)
    present = np.ones(n, dtype=np.float32)
    present[9] = 0.0  # the baby's face lost for one tick at 0.9 s
    track = CueTrack(t_s=t, channels={
        "infant_present": present, "adult_present": np.ones(n, dtype=np.float32),
        "infant_face_x": np.full(n, 0.3, dtype=np.float32), "infant_face_y": np.full(n, 0.5, dtype=np.float32),
        "adult_face_x": np.full(n, 0.7, dtype=np.float32), "adult_face_y": np.full(n, 0.5, dtype=np.float32),
        "infant_gaze_yaw_deg": np.full(n, 60.0, dtype=np.float32), "infant_gaze_pitch_deg": np.zeros(n, dtype=np.float32),
        "mutual_gaze": np.ones(n, dtype=np.float32),
    })  # fmt: skip
    assert track.for_frame(1.5)["infant_seen_well"] == 1.0
    assert track.for_frame(1.0)["infant_seen_well"] == 0.0  # within 0.3 s of the lost tick
    image = np.zeros((240, 320, 3), dtype=np.uint8)
    well = draw_cues(image, track.for_frame(1.5), "", legend=False)
    barely = draw_cues(image, track.for_frame(1.0), "", legend=False)
    green = lambda img: int((np.abs(img.astype(int) - (80, 230, 80)).sum(axis=2) < 60).sum())  # noqa: E731
    assert green(well) > 50 and green(barely) == 0  # no looking-at-each-other line for a face barely seen
    # The ring is still drawn (where the face is), but not its gaze arrow: fewer amber pixels.
    amber = lambda img: int((np.abs(img.astype(int) - (60, 200, 255)).sum(axis=2) < 60).sum())  # noqa: E731
    assert 0 < amber(barely) < amber(well)
    assert not math.isnan(track.for_frame(1.0)["infant_face_x"])
