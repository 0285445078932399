"""Outputs beside moments.json: timeline.png, <stem>.eaf, moments.vtt, the EDL (issue 5)."""

from __future__ import annotations

import itertools
import re
import stat
import struct
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vigclips.report import TIERS, write_eaf, write_edl, write_timeline_png, write_vtt
from vigclips.report.edl import timecode
from vigclips.report.webvtt import vtt_timestamp
from vigclips.scoring import ScoringConfig, find_moments
from vigclips.types import Moment, Signals, VocalSegment

from signal_builders import attuned_episode, merge, mock_signals

@pytest.fixture(scope="module")
def recording() -> tuple[Signals, list[Moment]]:
    sig = mock_signals(600, **merge(attuned_episode(100), attuned_episode(400), {"infant_cry": [(200, 230)]}))
    return sig, find_moments(sig, ScoringConfig(), top_n=4)


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_timeline_png(tmp_path: Path, recording) -> None:
    sig, ms = recording
    out = write_timeline_png(sig, ms, tmp_path / "timeline.png", ScoringConfig(), title="play.mp4")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert 1200 <= width <= 2400 and 300 <= height <= 1200
    assert _private(out)
    assert [p.name for p in tmp_path.iterdir()] == ["timeline.png"]  # no temporary file left behind


def test_timeline_png_without_any_channel(tmp_path: Path) -> None:
    sig = Signals.empty_like_ticks(Fraction(10), 300)
    out = write_timeline_png(sig, find_moments(sig, ScoringConfig(), 2), tmp_path / "timeline.png", ScoringConfig())
    assert out.stat().st_size > 5000


def test_eaf_is_valid_xml_with_the_tiers(tmp_path: Path, recording) -> None:
    sig, ms = recording
    out = write_eaf(sig, ms, None, None, tmp_path / "play.eaf", "play.mp4", ScoringConfig())
    root = ET.parse(out).getroot()
    assert root.tag == "ANNOTATION_DOCUMENT" and root.get("FORMAT") == "3.0"
    assert root.find("HEADER").get("TIME_UNITS") == "milliseconds"
    assert root.find("HEADER/MEDIA_DESCRIPTOR").get("RELATIVE_MEDIA_URL") == "./play.mp4"
    slots = {ts.get("TIME_SLOT_ID"): int(ts.get("TIME_VALUE")) for ts in root.iter("TIME_SLOT")}
    tiers = {t.get("TIER_ID"): t for t in root.iter("TIER")}
    assert list(tiers) == list(TIERS)
    ids = [a.get("ANNOTATION_ID") for a in root.iter("ALIGNABLE_ANNOTATION")]
    assert len(ids) == len(set(ids))
    for name, tier in tiers.items():
        spans = [(slots[a.get("TIME_SLOT_REF1")], slots[a.get("TIME_SLOT_REF2")]) for a in tier.iter("ALIGNABLE_ANNOTATION")]
        for s, e in spans:
            assert e > s
        for (_, e0), (s1, _) in itertools.pairwise(spans):
            assert s1 >= e0, f"overlap on tier {name}"
    cands = [a.findtext("ANNOTATION_VALUE") for a in tiers["candidates"].iter("ALIGNABLE_ANNOTATION")]
    assert len(cands) == len(ms) and any("looked at each other for 2.4 s" in c for c in cands)
    mutual = [
        (slots[a.get("TIME_SLOT_REF1")], slots[a.get("TIME_SLOT_REF2")])
        for a in tiers["mutual gaze"].iter("ALIGNABLE_ANNOTATION")
    ]
    assert mutual == [(100_000, 102_400), (400_000, 402_400)]
    assert len(list(tiers["turns started by baby"].iter("ANNOTATION"))) == 4
    assert len(list(tiers["baby cry"].iter("ANNOTATION"))) == 1
    assert _private(out)


def test_eaf_uses_voice_segments_when_given(tmp_path: Path, recording) -> None:
    sig, ms = recording
    segs = [VocalSegment(1.0, 2.5, "ADULT"), VocalSegment(2.0, 3.0, "ADULT"), VocalSegment(3.2, 3.9, "INFANT")]
    root = ET.parse(write_eaf(sig, ms, segs, None, tmp_path / "x.eaf", "/data/x.mov", ScoringConfig())).getroot()
    assert root.find("HEADER/MEDIA_DESCRIPTOR").get("MEDIA_URL") == "file:///data/x.mov"
    tiers = {t.get("TIER_ID"): t for t in root.iter("TIER")}
    assert len(list(tiers["parent voice"].iter("ANNOTATION"))) == 2  # the overlapping segment is clipped, not dropped
    assert len(list(tiers["baby voice"].iter("ANNOTATION"))) == 1


def test_vtt_chapters(tmp_path: Path, recording) -> None:
    _, ms = recording
    text = write_vtt(ms, tmp_path / "moments.vtt").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    cues = re.findall(r"^(m\d\d)\n(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)$", text, flags=re.MULTILINE)
    assert sorted(c[0] for c in cues) == sorted(m.id for m in ms)
    starts = [c[1] for c in cues]
    assert starts == sorted(starts)  # chapters in time order
    assert all("-->" not in c[3] for c in cues)
    assert vtt_timestamp(3725.5) == "01:02:05.500"


def test_edl_events(tmp_path: Path, recording) -> None:
    _, ms = recording
    text = write_edl(ms, tmp_path / "play.edl", Fraction(30000, 1001), "play file.mp4").read_text()
    assert text.startswith("TITLE: ") and "FCM: NON-DROP FRAME" in text
    events = re.findall(
        r"^(\d{3})  (\S+)\s+AA/V\s+C\s+(\d\d:\d\d:\d\d:\d\d) (\d\d:\d\d:\d\d:\d\d) (\d\d:\d\d:\d\d:\d\d) (\d\d:\d\d:\d\d:\d\d)$",
        text,
        flags=re.MULTILINE,
    )
    assert [e[0] for e in events] == [f"{k:03d}" for k in range(1, len(ms) + 1)]
    assert events[0][4] == "01:00:00:00"
    for prev, nxt in itertools.pairwise(events):
        assert nxt[4] == prev[5]  # record side is contiguous
    first = min(ms, key=lambda m: m.start_s)
    assert events[0][2] == timecode(round(first.start_s * 30000 / 1001), 30)
    assert text.count("* FROM CLIP NAME: play file.mp4") == len(ms)
    assert events[0][1] == "PLAYFILE"


def test_timecode_examples() -> None:
    assert timecode(0, 25) == "00:00:00:00"
    assert timecode(25 * 3600 + 24, 25) == "01:00:00:24"
    assert timecode(29, 30) == "00:00:00:29"
