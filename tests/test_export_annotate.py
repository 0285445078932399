"""Teaching clips with the cues drawn in, exported stills, the contact sheet, and export honouring review decisions (#6)."""

from __future__ import annotations

import math
from fractions import Fraction

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from vigclips.cli import main
from vigclips.export import export_clips
from vigclips.media import grab_frame, iter_frames, probe
from vigclips.export.teaching import BABY_BGR, MUTUAL_BGR, PARENT_BGR, draw_cues, principle_caption
from vigclips.results.cues import CueTrack, read_cues
from vigclips.results.decisions import DecisionStore
from vigclips.results.moments import build_document, sha256_file, source_record, write_moments
from vigclips.results.records import MomentRecord
from vigclips.types import Moment

SIGNALS_CSV = """time_s,infant_face_x,infant_face_y,adult_face_x,adult_face_y,infant_gaze_yaw_deg,infant_gaze_pitch_deg,\
adult_gaze_yaw_deg,adult_gaze_pitch_deg,infant_looks_at_adult,adult_looks_at_infant,mutual_gaze,infant_smile,adult_smile,\
adult_voice,infant_voice,infant_cry
0.000,0.25,0.5,0.75,0.5,30,0,-30,0,1,0,0,0.9,0.1,1,0,0
0.100,0.25,0.5,0.75,0.5,30,0,-30,0,1,1,1,0.9,0.8,0,1,0
0.200,,,0.75,0.5,,,-30,0,,0,,,0.2,0,0,0
"""


def _cues(tmp_path, swapped=False) -> CueTrack:
    path = tmp_path / "signals.csv"
    path.write_text(SIGNALS_CSV)
    return read_cues(path, swapped)


def test_read_cues_and_nearest_tick(tmp_path):
    cues = _cues(tmp_path)
    assert cues.t_s.tolist() == [0.0, 0.1, 0.2]
    assert cues.channels["infant_smile"].dtype == np.float32
    assert cues.at(0.04)["mutual_gaze"] == 0.0
    assert cues.at(0.06)["mutual_gaze"] == 1.0
    assert math.isnan(cues.at(5.0)["infant_face_x"])  # past the end: the last tick (baby not seen)
    assert cues.at(-1.0)["adult_voice"] == 1.0


def test_read_cues_with_roles_swapped_trades_the_channels(tmp_path):
    cues = _cues(tmp_path, swapped=True)
    assert cues.at(0.0)["infant_face_x"] == 0.75 and cues.at(0.0)["adult_face_x"] == 0.25
    assert cues.at(0.0)["adult_looks_at_infant"] == 1.0 and cues.at(0.0)["infant_looks_at_adult"] == 0.0
    assert cues.at(0.0)["infant_voice"] == 1.0 and cues.at(0.0)["adult_voice"] == 0.0
    assert cues.at(0.0)["mutual_gaze"] == 0.0  # shared channels stay


@pytest.mark.parametrize(
    "fields, caption",
    [
        ({"tags": ["receiving", "attentive"], "scores": {"developing": 0.9}}, "Being attentive + Receiving initiatives"),
        ({"tags": [], "scores": {"attentive": 0.1, "developing": 0.6}}, "Developing attuned interactions"),
        ({"scores": {"attentive": 0.0}}, ""),
        ({}, ""),
    ],
    ids=["tags-win", "best-score", "all-zero", "nothing"],
)
def test_principle_caption(fields, caption):
    moment = {"id": "m01", "rank": 1, "start_s": 0.0, "end_s": 3.0, "score": 0.5, "reasons": [], "status": "confirmed", **fields}
    assert principle_caption(MomentRecord.from_json(moment)) == caption


def _close(pixel, bgr, tol=40) -> bool:
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(pixel, bgr))


def test_draw_cues_marks_faces_gaze_mutual_gaze_and_caption(tmp_path):
    image = np.zeros((240, 320, 3), dtype=np.uint8)
    out = draw_cues(image, _cues(tmp_path).at(0.1), "Developing attuned interactions")
    assert image.max() == 0  # the input is untouched
    radius = int(0.11 * 240)
    # Rings round both faces, in the role colours (a point on each ring, left side).
    assert any(_close(out[120, x], BABY_BGR) for x in range(80 - radius - 2, 80 - radius + 3))
    # Parent: the right side of the ring (the mutual-gaze line covers the left side).
    assert any(_close(out[120, x], PARENT_BGR) for x in range(240 + radius - 2, 240 + radius + 3))
    # Mutual gaze: a green line between the two faces, at the midpoint.
    assert any(_close(out[y, 160], MUTUAL_BGR) for y in range(117, 124))
    # Caption band at the bottom: darkened grey with white text.
    band = out[215:240]
    assert band.max() > 200 and np.median(band) > 0


def test_draw_cues_without_faces_draws_only_the_caption(tmp_path):
    image = np.full((240, 320, 3), 128, dtype=np.uint8)
    out = draw_cues(image, _cues(tmp_path).at(0.2) | {"adult_face_x": math.nan}, "", legend=False)
    assert np.array_equal(out, image)
    # The legend alone changes only the top-right corner.
    keyed = draw_cues(image, _cues(tmp_path).at(0.2) | {"adult_face_x": math.nan}, "")
    changed = np.argwhere(np.any(keyed != image, axis=2))
    assert changed.size and changed[:, 0].max() < 120 and changed[:, 1].min() > 320 // 3


def _review_folder(tmp_path, src, moments, signals=True):
    info = probe(src)
    records = [{"id": f"m{i + 1:02d}", "rank": i + 1, "start_s": a, "end_s": b, "score": 0.5, "reasons": ["turns"],
                "scores": {"developing": 0.7}, "status": "candidate", "still": None}
               for i, (a, b) in enumerate(moments)]  # fmt: skip
    folder = tmp_path / "out" / src.stem
    folder.mkdir(parents=True)
    write_moments(folder / "moments.json", build_document(source_record(info, sha256_file(src)), Fraction(10), {}, {}, records))
    if signals:
        t = np.arange(0, info.duration_s, 0.1)
        rows = ["time_s,infant_face_x,infant_face_y,adult_face_x,adult_face_y,mutual_gaze,infant_smile,adult_voice"]
        rows += [f"{v:.3f},0.4,0.6,0.7,0.35,{1 if 3 <= v < 6 else 0},0.8,1" for v in t]
        (folder / "signals.csv").write_text("\n".join(rows) + "\n")
    return folder, info


def test_export_annotate_stills_sheet_honours_trimmed_bounds(shared_media, tmp_path):
    src = shared_media / "lookit_causal_ex2.mp4"  # 12 fps, AAC, 8 s
    folder, info = _review_folder(tmp_path, src, [(0.5, 3.5), (5.0, 6.0), (1.0, 2.0)])
    store = DecisionStore(folder)
    trim = {"status": "confirmed", "start_s": 2.5, "end_s": 4.0, "tags": ["developing"], "note": "she waits"}
    doc = store.decide(0, "m01", trim)
    doc = store.decide(doc["revision"], "m02", {"status": "confirmed"})
    doc = store.decide(doc["revision"], "m03", {"status": "rejected"})
    clips = export_clips(folder, annotate=True, stills=True)
    assert [c.name for c in clips] == ["lookit_causal_ex2_00h00m02.5s_m01.mp4", "lookit_causal_ex2_00h00m05.0s_m02.mp4"]
    plain = probe(clips[0])
    assert plain.duration_s == pytest.approx(1.5, abs=1 / 12 + 0.011)  # the edited bounds, not the program's
    for clip in clips:
        teaching = folder / "clips" / "annotated" / clip.name
        t_info = probe(teaching)
        assert (t_info.video_codec, t_info.audio_codec, t_info.fps) == ("h264", "aac", Fraction(12))
        n_plain = sum(1 for _ in iter_frames(clip, Fraction(12), 64))
        assert sum(1 for _ in iter_frames(teaching, Fraction(12), 64)) == n_plain  # every frame, none extra
        assert (teaching.stat().st_mode & 0o077) == 0
    # The drawing is really there: at 1.0 s into the first clip (3.5 s in the recording) mutual gaze is on.
    drawn = grab_frame(folder / "clips" / "annotated" / clips[0].name, 1.0, 640).astype(int)
    original = grab_frame(clips[0], 1.0, 640).astype(int)
    assert np.abs(drawn - original).mean() > 3
    assert np.abs(drawn[-25:] - original[-25:]).mean() > 20  # caption band
    stills = sorted(p.name for p in (folder / "clips" / "stills").iterdir())
    assert stills == [c.stem + ".jpg" for c in clips]
    sheet = cv2.imread(str(folder / "clips" / "contact_sheet.png"))
    assert sheet is not None and sheet.shape[1] > sheet.shape[0] > 1000  # one landscape page
    # Rejecting a moment and exporting again removes its clip, teaching clip and still; nothing else is touched.
    (folder / "clips" / "my_notes.txt").write_text("mine")
    store.decide(doc["revision"], "m02", {"status": "rejected"})
    assert [c.name for c in export_clips(folder, contact_sheet=False)] == [clips[0].name]
    remaining = sorted(p.relative_to(folder / "clips").as_posix() for p in (folder / "clips").rglob("*") if p.is_file())
    timelines = [f"lookit_causal_ex2_chosen{suffix}" for suffix in (".edl", ".fcp.xml", ".otio")]  # the chosen moments (#13)
    assert remaining == ["annotated/" + clips[0].name, "contact_sheet.pdf", "contact_sheet.png", clips[0].name, *timelines,
                         "manifest.csv", "my_notes.txt", "stills/" + clips[0].stem + ".jpg"]  # fmt: skip


def test_cli_export_options_and_review_help(shared_media, tmp_path):
    folder, _ = _review_folder(tmp_path, shared_media / "lookit_causal_ex2.mp4", [(1.0, 2.5)])
    store = DecisionStore(folder)
    store.decide(0, "m01", {"status": "confirmed"})
    result = CliRunner().invoke(main, ["export", str(folder), "--stills", "--no-contact-sheet"])
    assert result.exit_code == 0, result.output
    assert "sheet for the parent" not in result.output
    assert (folder / "clips" / "stills" / "lookit_causal_ex2_00h00m01.0s_m01.jpg").is_file()
    assert not (folder / "clips" / "contact_sheet.png").exists()
    result = CliRunner().invoke(main, ["export", str(folder), "--annotate"])
    assert result.exit_code == 0, result.output
    clip = folder / "clips" / "lookit_causal_ex2_00h00m01.0s_m01.mp4"
    assert result.output.splitlines() == [str(clip), f"{clip.parent / 'annotated' / clip.name} (teaching version)",
                                          f"{clip.parent / 'contact_sheet.pdf'} (sheet for the parent)",
                                          f"{clip.parent / 'contact_sheet.png'} (sheet for the parent)"]  # fmt: skip
    result = CliRunner().invoke(main, ["review", "--help"])
    assert result.exit_code == 0 and "--no-browser" in result.output and "--port" in result.output
    result = CliRunner().invoke(main, ["review", str(tmp_path / "nothing_here")])
    assert result.exit_code == 2 and "not found (run `vigclips analyze` first)" in result.output


def test_preview_args_keep_frame_rate_up_to_30_and_key_frames_every_second(tmp_path):
    from vigclips.media.ffmpeg import PreviewEncoding, build_preview_args

    args = build_preview_args(tmp_path / "in.mov", tmp_path / "p.mp4", PreviewEncoding(fps=Fraction(60000, 1001)), 2.0, 8.0)
    assert args[args.index("-r") + 1] == "30/1" and args[args.index("-g") + 1] == "30"
    assert args[args.index("-ss") + 1] == "2.000000" and args[args.index("-t") + 1] == "6.000000"
    assert args[args.index("-c:v") + 1] == "libx264" and "yuv420p" in args
    args = build_preview_args(tmp_path / "in.avi", tmp_path / "p.mp4", PreviewEncoding(fps=Fraction(12), with_audio=False))
    assert args[args.index("-r") + 1] == "12/1" and "-an" in args and "-ss" not in args
    with pytest.raises(ValueError):
        build_preview_args(tmp_path / "in.mov", tmp_path / "p.mp4", PreviewEncoding(fps=Fraction(25)), 3.0, 3.0)


def test_previews_play_in_browsers(shared_media, tmp_path):
    """MPEG-PS with MP2 sound (no browser plays it) becomes small H.264/AAC previews of a candidate and of the recording."""
    from vigclips.results.previews import write_previews

    src = shared_media / "grid_lipnet_id2_swwp2s.mpg"
    info = probe(src)
    rel = write_previews(info, [Moment(id="m01", rank=1, start_s=0.5, end_s=2.0, score=0.0, reasons=())], tmp_path)
    assert rel == {"m01": "previews/m01.mp4", "recording": "previews/recording.mp4"}
    for path, seconds in (("previews/m01.mp4", 1.5), ("previews/recording.mp4", info.duration_s)):
        preview = probe(tmp_path / path)
        assert (preview.video_codec, preview.audio_codec) == ("h264", "aac")
        assert preview.height <= 360 and preview.fps == info.fps
        assert preview.duration_s == pytest.approx(seconds, abs=0.1)
        assert ((tmp_path / path).stat().st_mode & 0o077) == 0
