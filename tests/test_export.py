"""Export on real recordings: clips are frame-exact, play anywhere (H.264/AAC), private, and honour the review file."""

from __future__ import annotations

import csv
import json
import shutil
from fractions import Fraction

import pytest

from vigclips.errors import ReviewFileError
from vigclips.export import export_clips
from vigclips.media import probe
from vigclips.results.moments import build_document, sha256_file, source_record, write_moments
from vigclips.types import MediaInfo

from media_helpers import frames_between, stored_frame_times


def _write_review_file(folder, info: MediaInfo, moments):
    records = [{"id": f"m{i + 1:02d}", "rank": i + 1, "start_s": a, "end_s": b, "score": 0.5, "reasons": ["test"], "status": s}
               for i, (a, b, s) in enumerate(moments)]  # fmt: skip
    write_moments(folder / "moments.json", build_document(source_record(info, sha256_file(info.path)), Fraction(10), {}, {}, records))


@pytest.mark.parametrize(
    "name, start_s, end_s",
    [
        ("lookit_causal_ex2.mp4", 0.9, 7.4),  # 12 fps H.264 with AAC
        ("pyfeat_noface_face.mov", 1.3, 4.2),  # HEVC, variable frame rate
        ("grid_lipnet_id2_swwp2s.mpg", 0.5, 2.5),  # MPEG-PS with MP2 audio
        ("icatcher_fd_video.mp4", 1.0, 3.0),  # no audio
    ],
)
def test_clip_duration_within_one_frame(shared_media, tmp_path, name, start_s, end_s):
    info = probe(shared_media / name)
    _write_review_file(tmp_path, info, [(start_s, end_s, "confirmed"), (0.1, 0.6, "rejected")])
    clips = export_clips(tmp_path)
    assert len(clips) == 1  # rejected moments are never cut
    clip = probe(clips[0])
    frame_s = 1 / float(info.fps)
    assert clip.duration_s == pytest.approx(end_s - start_s, abs=frame_s + 0.011)  # container rounds to 10 ms
    assert clip.video_codec == "h264" and clip.has_audio == info.has_audio
    if info.has_audio:
        assert clip.audio_codec == "aac"
    # every source frame in the moment once (a variable-rate recording keeps its own rhythm, #14)
    assert len(stored_frame_times(clips[0])) == len(frames_between(shared_media / name, start_s, end_s))
    assert (clips[0].stat().st_mode & 0o077) == 0
    assert (shared_media / name).stat().st_size == info.size_bytes  # the source is untouched


def test_all_candidates_manifest_and_names_sort_by_time(shared_media, tmp_path):
    info = probe(shared_media / "lookit_consent.mp4")
    _write_review_file(tmp_path, info, [(4.0, 6.0, "candidate"), (0.5, 2.0, "confirmed"), (2.0, 3.0, "rejected")])
    assert len(export_clips(tmp_path)) == 1
    clips = export_clips(tmp_path, include_candidates=True)
    assert [c.name for c in clips] == sorted(c.name for c in clips)
    assert clips[0].name == "lookit_consent_00h00m00.5s_m02.mp4"
    with open(tmp_path / "clips" / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["moment_id"] for r in rows] == ["m02", "m01"] and rows[0]["source_file"] == "lookit_consent.mp4"
    assert not [p for p in (tmp_path / "clips").iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_refuses_a_different_recording(shared_media, tmp_path):
    info = probe(shared_media / "lookit_consent.mp4")
    _write_review_file(tmp_path, info, [(0.5, 2.0, "confirmed")])
    impostor = tmp_path / "impostor.mp4"
    shutil.copy(shared_media / "lookit_causal_ex2.mp4", impostor)
    with pytest.raises(ReviewFileError, match="not the recording"):
        export_clips(tmp_path, source=impostor)
    document = json.loads((tmp_path / "moments.json").read_text())
    document["source"]["path"] = str(tmp_path / "moved-away.mp4")
    (tmp_path / "moments.json").write_text(json.dumps(document))
    with pytest.raises(ReviewFileError, match="not found"):
        export_clips(tmp_path)
