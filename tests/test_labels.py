"""The by-eye label files in bench/labels/ keep their format (the evaluations of issues 11 and 12 read them as they
are); bench/contact_sheet.py, which cuts the frames they are judged from, shows the frame nearest each whole second;
bench/spectrogram_sheet.py, which draws the sound the laughter labels are judged from, puts a tone where it is."""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from vigclips.media.probe import probe

LABELS = Path(__file__).resolve().parents[1] / "bench" / "labels"
LOOK_FILES = sorted(LABELS.rglob("looks_*.csv"))  # the second coder's files the evaluation does not read too
COLUMNS = ["clip", "t_s", "p2i", "i2p", "ismile", "note"]
# Optional columns (issue 23), between ismile and note, all three or none; the header must say what they mean.
EXTRA_COLUMNS = ["psmile", "child_side", "parent_side"]
VALUES = {"0", "1", "?"}
SIDES = {"left", "right", "out", "?"}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    return header, list(csv.DictReader(body))


def test_label_files_exist():
    assert any(p.name == "looks_2UWdXP.csv" for p in LOOK_FILES)


@pytest.mark.parametrize("path", LOOK_FILES, ids=lambda p: str(p.relative_to(LABELS)))
def test_label_file_format(path):
    header, rows = _read(path)
    assert header, "a header of # lines states the protocol"
    body_first = next(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    columns = body_first.split(",")
    assert columns in (COLUMNS, COLUMNS[:-1] + EXTRA_COLUMNS + COLUMNS[-1:])
    extra = len(columns) > len(COLUMNS)
    if extra:
        protocol = " ".join(header)
        assert all(word in protocol for word in ("psmile", "child_side", "parent_side", "midline", "out ="))
    assert rows
    seen = set()
    for row in rows:
        assert None not in row, f"{row['clip']} t={row['t_s']}: more fields than columns (a comma in the note?)"
        assert all(row[c] in VALUES for c in ("p2i", "i2p")), row
        # ismile may be left empty where the protocol says it was not labelled (the TV clips have no baby)
        assert row["ismile"] in VALUES or (row["ismile"] == "" and "ismile is left empty" in " ".join(header)), row
        assert float(row["t_s"]) >= 0, row
        if extra:
            assert row["psmile"] in VALUES, row
            assert row["child_side"] in SIDES and row["parent_side"] in SIDES, row
        key = (row["clip"], float(row["t_s"]))
        assert key not in seen, f"duplicate row {key}"
        seen.add(key)


PSMILE_FILES = sorted(LABELS.glob("psmile_*.csv"))
PSMILE_COLUMNS = ["clip", "t_s", "psmile", "pview", "note"]


def test_parent_smile_label_files_exist():
    assert {p.name for p in PSMILE_FILES} >= {"psmile_2UWdXP.csv", "psmile_4JDccE.csv"}


@pytest.mark.parametrize("path", PSMILE_FILES, ids=lambda p: p.name)
def test_parent_smile_label_file_format(path):
    header, rows = _read(path)
    assert any("psmile" in line and "1 =" in line for line in header), "the protocol says what 1, 0 and ? mean"
    body_first = next(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    assert body_first.split(",") == PSMILE_COLUMNS
    seen = set()
    for row in rows:
        assert None not in row, f"{row['clip']} t={row['t_s']}: more fields than columns (a comma in the note?)"
        assert row["psmile"] in VALUES, row
        # the view is said exactly where the smile is: f (faces the camera) or t (turned), else ?
        assert row["pview"] in ({"f", "t"} if row["psmile"] in ("0", "1") else {"?"}), row
        key = (row["clip"], float(row["t_s"]))
        assert key not in seen, f"duplicate row {key}"
        seen.add(key)


# Files whose protocol says every whole second of each clip is labelled (others may label a subset).
COMPLETE_FILES = ["looks_2UWdXP.csv", "looks_icatcher.csv", "looks_webcam.csv", "psmile_2UWdXP.csv", "psmile_4JDccE.csv"]


def _times_by_clip(name: str) -> dict[str, list[float]]:
    """The labelled times of each clip of a label file, in file order."""
    by_clip: dict[str, list[float]] = {}
    for row in _read(LABELS / name)[1]:
        by_clip.setdefault(row["clip"], []).append(float(row["t_s"]))
    return by_clip


@pytest.mark.parametrize("name", COMPLETE_FILES)
def test_every_whole_second_of_each_clip_is_labelled(name, shared_media):
    for clip, seconds in _times_by_clip(name).items():
        found = list(shared_media.rglob(clip))
        assert len(found) == 1, f"{clip}: expected one file under {shared_media}"
        last_s = math.ceil(probe(found[0]).duration_s) - 1
        assert sorted(seconds) == list(range(last_s + 1)), f"{clip}: seconds 0..{last_s} expected"


# Files whose protocol says every half second (0.5, 1.5, ... before the end) of each clip is labelled.
COMPLETE_HALF_FILES = ["looks_4JDccE_half.csv"]


@pytest.mark.parametrize("name", COMPLETE_HALF_FILES)
def test_every_half_second_of_each_clip_is_labelled(name, shared_media):
    by_clip = _times_by_clip(name)
    family = name.removeprefix("looks_").split("_")[0]
    clips = sorted(p.name for p in (shared_media / "lookit_laughter").glob(f"{family}.*.mp4"))
    assert sorted(by_clip) == clips, "every clip of the family, and no other"
    for clip, times in by_clip.items():
        duration_s = probe(shared_media / "lookit_laughter" / clip).duration_s
        want = [k + 0.5 for k in range(math.ceil(duration_s)) if k + 0.5 < duration_s]
        assert times == want, f"{clip}: half seconds 0.5..{want[-1]} in order expected"


def test_the_laughter_labels_cover_every_second_of_every_clip_once(shared_media) -> None:
    spans: dict[str, list[tuple[int, int]]] = {}
    for r in _read(LABELS / "lookit_laughter_seconds.csv")[1]:
        assert r["label"] in {"0", "1", "?"}, r
        spans.setdefault(r["file"], []).append((int(r["start_s"]), int(r["end_s"])))
    with (shared_media / "lookit_laughter" / "labels.csv").open(newline="") as fh:
        clips = {r["file"]: r["duration"] for r in csv.DictReader(fh)}
    assert set(spans) == set(clips)
    for name, duration in clips.items():
        h, m, sec = duration.split(":")
        end = int(np.ceil(int(h) * 3600 + int(m) * 60 + float(sec)))
        got = sorted(spans[name])
        assert got[0][0] == 0 and got[-1][1] == end, (name, got)
        assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(got, got[1:])), (name, got)  # no gap, no overlap


def _contact_sheet():
    """bench/contact_sheet.py is a script, not a package module: load it from its path."""
    spec = importlib.util.spec_from_file_location("contact_sheet", LABELS.parent / "contact_sheet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_contact_sheet_takes_the_frame_nearest_each_time(lavfi_clip):
    sheet = _contact_sheet()
    clip = lavfi_clip("ten_fps.mp4", video="testsrc2=size=160x120:rate=10", audio=None, seconds=3.0)
    assert sheet.probe(clip)[1:] == (160, 120)
    for want_s, expect_s in [(0.0, 0.0), (1.0, 1.0), (1.04, 1.0), (1.06, 1.1), (2.9, 2.9)]:
        frame, pts_s = sheet.frame_near(clip, want_s, 160, 120)
        assert frame.shape == (120, 160, 3)
        assert pts_s == pytest.approx(expect_s, abs=1e-3), want_s
    assert sheet.frame_near(clip, 3.5, 160, 120) is None  # past the end: no frame rather than the last one


def test_contact_sheet_tiles_whole_seconds(lavfi_clip, tmp_path, capsys):
    sheet = _contact_sheet()
    clip = lavfi_clip("ten_fps.mp4", video="testsrc2=size=160x120:rate=10", audio=None, seconds=3.0)
    out = tmp_path / "sheet.png"
    assert sheet.main([str(clip), "-o", str(out), "--cols", "2", "--width", "200"]) == 0
    img = cv2.imread(str(out))
    # seconds 0, 1, 2 in rows of 2 tiles of 200x150, under a 40 px title bar
    assert img.shape == (40 + 2 * 150, 2 * 200, 3)
    assert "3 seconds" in capsys.readouterr().out
    assert sheet.main([str(clip), "-o", str(out), "--around", "0.2", "--crop", "0,0,80,60", "--width", "100"]) == 0
    assert cv2.imread(str(out)).shape == (40 + 3 * 75, 3 * 100, 3)
    assert sheet.main([str(clip), "-o", str(out), "--crop", "100,0,80,60"]) == 2
    assert "outside the 160x120 frame" in capsys.readouterr().err


def _spectrogram_sheet():
    spec = importlib.util.spec_from_file_location("spectrogram_sheet", LABELS.parent / "spectrogram_sheet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spectrogram_sheet_shows_a_tone_at_its_frequency_and_its_level(lavfi_clip, tmp_path, capsys):
    sheet = _spectrogram_sheet()
    t = np.arange(sheet.SR) / sheet.SR
    x = np.where(t < 0.5, 0.5 * np.sin(2 * np.pi * 440.0 * t), 0.0)  # 0.5 s of 440 Hz, then silence
    s_db, f_hz = sheet.spectrogram(x)
    frame = s_db[:, 50]  # 0.25 s: inside the tone (5 ms hop)
    assert f_hz[int(np.argmax(frame))] == pytest.approx(440.0, abs=16.0)  # within one 15.6 Hz bin
    level = sheet.level_db(x)
    assert level[50] == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.5) and level[150] < -100
    clip = lavfi_clip("beep.mp4", video="testsrc2=size=160x120:rate=10", audio="sine=frequency=440", seconds=3.0)
    out = tmp_path / "spec.png"
    assert sheet.main([str(clip), "-o", str(out), "--row-s", "2"]) == 0
    assert cv2.imread(str(out)) is not None
    assert sheet.main([str(tmp_path / "missing.mp4"), "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err


# A guider's picks per family (issue 22): joined-recording times, read by bench/eval_picks.py.
PICK_FILES = sorted(LABELS.glob("picks_*.csv"))
PICK_COLUMNS = ["kind", "start_s", "end_s", "why"]
GAP_S = 1.0  # the black, silent seconds bench/join_clips.py puts between a family's clips


def test_pick_files_exist():
    assert {p.name for p in PICK_FILES} >= {"picks_2UWdXP.csv", "picks_4JDccE.csv"}


@pytest.mark.parametrize("path", PICK_FILES, ids=lambda p: p.name)
def test_pick_file_format(path):
    header, rows = _read(path)
    assert any("Protocol" in line for line in header), "the header states the protocol"
    assert any("before" in line and "output" in line for line in header), "the header says it was labelled blind"
    body_first = next(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    assert body_first.split(",") == PICK_COLUMNS
    kinds = [r["kind"] for r in rows]
    assert kinds.count("pick") == 3 and kinds.count("alt") <= 5 and set(kinds) <= {"pick", "alt"}
    for r in rows:
        assert None not in r, f"{r}: more fields than columns (a comma in the why?)"
        start_s, end_s = float(r["start_s"]), float(r["end_s"])
        assert 0 <= start_s and 3.0 <= end_s - start_s <= 15.0, r
        assert r["why"].strip(), r
    picks = sorted((float(r["start_s"]), float(r["end_s"])) for r in rows if r["kind"] == "pick")
    assert all(a[1] <= b[0] for a, b in zip(picks, picks[1:])), "the three picks are three different moments"


@pytest.mark.parametrize("path", PICK_FILES, ids=lambda p: p.name)
def test_picks_lie_inside_the_joined_recording(path, shared_media):
    family = path.stem.removeprefix("picks_")
    clips = sorted((shared_media / "lookit_laughter").glob(f"{family}.*.mp4"))
    assert clips, family
    joined_s = sum(probe(c).duration_s for c in clips) + GAP_S * (len(clips) - 1)
    for r in _read(path)[1]:
        assert float(r["end_s"]) <= joined_s + 0.5, (r, joined_s)


def _label_agreement():
    spec = importlib.util.spec_from_file_location("label_agreement", LABELS.parent / "label_agreement.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_label_agreement_kappa_and_side_changes():
    agree = _label_agreement()
    # 8 of 10 agree; each coder says 1 half the time: chance 0.5, kappa (0.8 - 0.5) / 0.5 = 0.6
    pairs = [("1", "1")] * 4 + [("0", "0")] * 4 + [("1", "0"), ("0", "1")]
    assert agree.kappa(pairs) == pytest.approx(0.6)
    assert math.isnan(agree.kappa([("0", "0")] * 3))  # one class only: kappa undefined
    rows = {("a", t): {"child_side": side} for t, side in [(0.5, "right"), (1.5, "out"), (2.5, "left"), (3.5, "?"),
                                                            (4.5, "left"), (5.5, "right")]}
    rows |= {("b", t): {"child_side": side} for t, side in [(0.5, "left"), (1.5, "out"), (2.5, "left")]}
    assert agree.side_changes(rows, "child_side") == {"a": ["right", "left", "right"]}


def test_label_agreement_compares_two_coders_of_the_same_times(tmp_path, capsys):
    agree = _label_agreement()
    header = "# protocol\nclip,t_s,p2i,i2p,ismile,note\n"
    first = tmp_path / "first.csv"
    second = tmp_path / "second.csv"
    # p2i: both decide at 0.5-4.5 (1/1, 0/0, 0/0, 1/0, 0/1); 5.5 is ? in the first only; 6.5 only in the first file
    first.write_text(header + "\n".join([
        "a,0.5,1,0,,x", "a,1.5,0,0,,x", "a,2.5,0,?,,x", "a,3.5,1,1,,x", "a,4.5,0,0,,x", "a,5.5,?,0,,x",
        "a,6.5,1,1,,x"]) + "\n")
    second.write_text(header + "\n".join([
        "a,0.5,1,0,0,x", "a,1.5,0,0,0,x", "a,2.5,0,1,0,x", "a,3.5,0,1,1,x", "a,4.5,1,0,0,x", "a,5.5,1,0,?,x"]) + "\n")
    one, two = agree.load(first), agree.load(second)
    res = agree.compare_same(one, two, "p2i")
    assert res["n_shared"] == 6
    assert res["pairs"] == [("1", "1"), ("0", "0"), ("0", "0"), ("1", "0"), ("0", "1")]
    assert res["agree"] == pytest.approx(3 / 5)
    # first says 1 at 2 of 5, second at 2 of 5: chance 0.4*0.4 + 0.6*0.6 = 0.52, kappa (0.6 - 0.52) / 0.48
    assert res["kappa"] == pytest.approx(0.08 / 0.48)
    assert res["counts"][0] == {"1": 2, "0": 3, "?": 1} and res["counts"][1] == {"1": 3, "0": 3}
    assert res["table"][("?", "1")] == 1 and res["table"][("1", "0")] == 1
    assert res["opposite"] == [("a", 3.5), ("a", 4.5)]
    i2p = agree.compare_same(one, two, "i2p")  # 2.5 is ? against 1: not an opposite decision
    assert i2p["agree"] == 1.0 and i2p["opposite"] == [] and len(i2p["pairs"]) == 5
    assert agree.main([str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert "6 times in both, compared directly" in out
    assert "ismile    not labelled in both files: skipped" in out  # the first file leaves ismile empty
    assert "1 vs 0 at 2 time(s): a t=3.5 (1 vs 0), a t=4.5 (0 vs 1)" in out
