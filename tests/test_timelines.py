"""EDLs (and the optional OpenTimelineIO files) that editors and OpenTimelineIO read back at any frame rate (issue 13)."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from vigclips.report.edl import edl_rate, render_edl
from vigclips.types import Moment

otio = pytest.importorskip("opentimelineio", reason="pip install -e '.[test]' installs OpenTimelineIO and its CMX adapter")

# Bounds that fall between frames at every rate, up to the end of a one-hour recording.
MOMENTS = [
    Moment("m01", 1, 6.033, 12.47, 0.8, ("parent paused (≥ 0.5 s) and the baby took the lead → 2 times",)),
    Moment("m02", 2, 100.01, 103.3, 0.5, ("Zoë’s mutual gaze for 2.4 s",)),
    Moment("g01", 3, 3590.95, 3599.9, 0.0, ("added by the guider",)),
]
RATES = {"15": Fraction(15), "24": Fraction(24), "25": Fraction(25), "29.97": Fraction(30000, 1001), "30": Fraction(30),
         "12": Fraction(12), "audio-only": None}  # fmt: skip


def _read_back(text: str):
    rate = float(Fraction(re.search(r"^TITLE: .*\(([\d.]+) fps\)$", text, flags=re.MULTILINE).group(1)))
    # 29.97 and 23.976 are written rounded in the title; OpenTimelineIO wants the exact rate
    rate = min((float(r) for r in (Fraction(24000, 1001), Fraction(30000, 1001), Fraction(60000, 1001))),
               key=lambda r: abs(r - rate)) if abs(rate - round(rate)) > 0.01 else rate  # fmt: skip
    return otio.adapters.read_from_string(text, "cmx_3600", rate=rate), rate


@pytest.mark.parametrize("fps", list(RATES.values()), ids=list(RATES))
def test_edl_reads_back_in_opentimelineio_within_one_frame(fps) -> None:
    text = render_edl(MOMENTS, fps, "Zoë play.mp4")
    assert text.isascii()
    timeline, rate = _read_back(text)
    assert rate == pytest.approx(float(edl_rate(fps)))
    frame_s = 1 / float(fps) if fps else 1 / rate  # one frame of the recording (of the EDL, for audio only)
    track = timeline.tracks[0]
    assert track.kind == ("Video" if fps else "Audio")
    clips = list(track.find_clips())
    assert len(clips) == len(MOMENTS)
    for clip, moment in zip(clips, sorted(MOMENTS, key=lambda m: m.start_s), strict=True):
        start = clip.source_range.start_time.to_seconds()
        end = start + clip.source_range.duration.to_seconds()
        assert abs(start - moment.start_s) <= frame_s and abs(end - moment.end_s) <= frame_s, (clip.name, start, end)
    # the record side is one contiguous sequence starting at 01:00:00:00
    assert timeline.tracks[0].range_of_child_at_index(0).start_time.to_seconds() == 0


def test_edl_rates() -> None:
    assert edl_rate(Fraction(15)) == 30 and edl_rate(Fraction(12)) == 24
    assert edl_rate(Fraction(15000, 1001)) == Fraction(30000, 1001)
    assert edl_rate(Fraction(90)) == 60 and edl_rate(Fraction(18)) == 24 and edl_rate(None) == 30
    assert edl_rate(29.97) == Fraction(30000, 1001)


@pytest.mark.parametrize("measured, rate", [(Fraction(1494, 100), 30), (14.94, 30), (Fraction(1202, 100), 24), (7.49, 30),
                                             (Fraction(2495, 100), 25), (Fraction(1798, 100), 24)],
                         ids=["webcam-14.94", "float-14.94", "12.02", "7.49", "24.95", "17.98-nearest"])
def test_a_measured_rate_near_a_nominal_one_is_written_at_its_timecode_rate(measured, rate) -> None:
    """A Lookit webcam clip measures 14.94 fps; its EDL said 24 fps where the README promises 30 for 15 fps (#25)."""
    assert edl_rate(measured) == rate


def test_edl_names_and_comments_are_ascii() -> None:
    text = render_edl(MOMENTS, Fraction(15), "Zoë play.mp4", title="vigclips chosen Zoë play",
                      clip_names=["Zoë_1", "Zoë_2", "Zoë_3"])  # fmt: skip
    assert text.isascii()
    assert "* COMMENT: m01 rank 1 score 0.80 - parent paused (>= 0.5 s) and the baby took the lead -> 2 times" in text
    assert "* FROM CLIP NAME: Zoe_1" in text and text.startswith("TITLE: vigclips chosen Zoe play (30 fps)\n")
    timeline, _ = _read_back(text)
    assert [c.name for c in timeline.tracks[0].find_clips()] == ["Zoe_1", "Zoe_2", "Zoe_3"]


@pytest.mark.parametrize("rate", ["15", "30000/1001"], ids=["15fps", "29.97fps"])
def test_export_writes_the_chosen_trimmed_moments_as_timelines(lavfi_clip, tmp_path, rate) -> None:
    from vigclips.export import export_clips, export_name
    from vigclips.results.moments import moment_records
    from vigclips.media import probe
    from vigclips.results.decisions import DecisionStore
    from vigclips.results.moments import build_document, sha256_file, source_record, write_moments

    video = lavfi_clip(f"timeline_{rate.replace('/', '_')}.mp4", video=f"testsrc2=size=160x120:rate={rate}", seconds=8.0)
    info = probe(video)
    folder = tmp_path / "out" / video.stem
    folder.mkdir(parents=True)
    records = [{"id": f"m{k:02d}", "rank": k, "start_s": a, "end_s": b, "score": 0.5, "reasons": ["mutual gaze ≥ 1 s"],
                "status": "candidate"} for k, (a, b) in enumerate([(0.5, 2.5), (3.0, 5.0), (5.5, 7.5)], start=1)]  # fmt: skip
    write_moments(folder / "moments.json", build_document(source_record(info, sha256_file(video)), Fraction(10), {}, {}, records))
    store = DecisionStore(folder)
    doc = store.read()
    doc = store.decide(doc["revision"], "m01", {"status": "confirmed", "start_s": 0.733, "end_s": 2.41})  # trimmed
    doc = store.decide(doc["revision"], "m02", {"status": "rejected"})
    doc = store.decide(doc["revision"], "m03", {"status": "confirmed", "note": "Zoë’s turn"})

    clips = export_clips(folder, contact_sheet=False)
    assert [c.stem for c in clips] == [export_name(video.stem, m) for m in moment_records(doc) if m.status == "confirmed"]
    chosen = folder / "clips" / f"{export_name(video.stem)}.edl"
    text = chosen.read_text()
    assert text.isascii()
    timeline, edl_fps = _read_back(text)
    clips_read = list(timeline.tracks[0].find_clips())
    assert [c.name for c in clips_read] == [c.stem for c in clips]
    frame_s = 1 / float(Fraction(rate))
    for clip, (start_s, end_s) in zip(clips_read, [(0.733, 2.41), (5.5, 7.5)], strict=True):
        got_start = clip.source_range.start_time.to_seconds()
        assert abs(got_start - start_s) <= frame_s and abs(got_start + clip.source_range.duration.to_seconds() - end_s) <= frame_s
    native = otio.adapters.read_from_file(str(chosen.with_suffix(".otio")))
    assert [c.name for c in native.find_clips()][:2] == [c.stem for c in clips]
    first = next(iter(native.find_clips()))
    assert first.metadata["vigclips"]["status"] == "confirmed" and first.media_reference.target_url == video.resolve().as_uri()
    fcp = otio.adapters.read_from_file(str(folder / "clips" / f"{export_name(video.stem)}.fcp.xml"), adapter_name="fcp_xml")
    fcp_clips = list(fcp.find_clips())
    assert abs(fcp_clips[0].source_range.start_time.to_seconds() - 0.733) <= frame_s
    # the files beside moments.json follow the decisions: no rejected moment, trimmed bounds
    vtt = (folder / "moments.vtt").read_text()
    assert "m02" not in vtt and "00:00:00.733 --> 00:00:02.410" in vtt and "confirmed, #1" in vtt
    assert "m02" not in (folder / f"{video.stem}.edl").read_text()
    # nothing chosen any more: no timeline is left that shows moments no longer chosen
    doc = store.read()
    for moment_id in ("m01", "m03"):
        doc = store.decide(doc["revision"], moment_id, {"status": "rejected"})
    assert export_clips(folder, contact_sheet=False) == []
    assert not list((folder / "clips").glob(f"{export_name(video.stem)}.*"))
