"""The media layer on real recordings and synthetic ffmpeg clips: probe, frames with PTS, audio, stills, bad inputs."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vigclips.errors import MediaOpenError, NoVideoStreamError, TruncatedMediaError
from vigclips.media import decode_audio, extract_still, grab_frame, iter_frames, probe
from vigclips.media.decode import fast_decode_args
from vigclips.media.probe import parse_probe_text
from vigclips.types import MediaInfo

ROTATED_TEXT = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mp4':
  Duration: 00:01:02.50, start: 0.000000, bitrate: 293 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 287 kb/s, 29.97 fps, 29.97 tbr, 90k tbn (default)
    Side data:
      Display Matrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)
At least one output file must be specified
"""


def test_parse_rotated_phone_video():
    info = parse_probe_text(Path("phone.mp4"), 1000, ROTATED_TEXT)
    assert (info.width, info.height) == (1080, 1920)  # display size, portrait
    assert info.rotation_deg == 270
    assert info.fps == Fraction(30000, 1001)
    assert info.duration_s == pytest.approx(62.5)
    assert info.has_audio and info.audio_sample_rate == 48000 and info.audio_channels == 2


@pytest.mark.parametrize(
    "text, problem",
    [
        ("Error opening input files: Invalid data found when processing input", "not a recording"),
        ("[mov,mp4 @ 0x1] moov atom not found\nError opening input", "index is missing"),
        ("Input #0, tty, from 'notes.mp4':\n  Duration: 00:00:00.52\n  Stream #0:0: Video: ansi, pal8, 640x400, 25 fps", "text file"),
        ("Input #0, image2, from 'x.jpg':\n  Duration: 00:00:00.04\n  Stream #0:0: Video: mjpeg, 640x480, 25 fps", "still image"),
        ("Input #0, mov,mp4, from 'x.mp4':\n  Duration: N/A\n  Stream #0:0: Video: h264, yuv420p, 640x480, 25 fps", "how long"),
    ],
    ids=["garbage", "no-moov", "text", "image", "no-duration"],
)
def test_parse_refusals_name_the_problem(text, problem):
    with pytest.raises(MediaOpenError, match=problem):
        parse_probe_text(Path("x.mp4"), 10, text)


@pytest.mark.parametrize(
    "name, width, height, fps, has_audio",
    [
        ("icatcher_fd_video.mp4", 640, 480, Fraction(30), False),
        ("pyfeat_face_noface.mov", 960, 540, Fraction(132, 5), True),  # HEVC, variable frame rate
        ("grid_lipnet_id2_swwp2s.mpg", 360, 288, Fraction(25), True),  # MPEG-PS
        ("laeo_tvhid_highFive_0016.avi", 544, 416, Fraction(25), True),
        ("facerec_short_hamilton_clip.mp4", 640, 360, Fraction(30000, 1001), True),
    ],
)
def test_probe_real_recordings(shared_media, name, width, height, fps, has_audio):
    info = probe(shared_media / name)
    assert (info.width, info.height, info.fps, info.has_audio) == (width, height, fps, has_audio)


def test_probe_audio_only(shared_media):
    info = probe(shared_media / "divime_aclew_starter_test.wav")
    assert not info.has_video and info.has_audio and info.duration_s == pytest.approx(17.94)


@pytest.mark.parametrize("name", ["icatcher_fd_video.mp4", "pyfeat_noface_face.mov", "grid_lipnet_id2_swwp2s.mpg"])
def test_frames_cover_the_recording_at_tick_rate(shared_media, name):
    info = probe(shared_media / name)
    frames = list(iter_frames(info.path, Fraction(10), 640, info))
    pts = np.array([f.pts_s for f in frames])
    assert len(frames) == pytest.approx(info.duration_s * 10, abs=2)
    assert np.allclose(np.diff(pts), 0.1, atol=1e-6)  # one frame per tick, in PTS order
    assert frames[0].image.dtype == np.uint8 and frames[0].image.shape[1] <= 640 and frames[0].image.shape[2] == 3


def test_late_video_start_keeps_true_timestamps(shared_media):
    # The Hamilton clip's video starts 0.85 s in: the first frame must say so, not claim t = 0.
    frames = list(iter_frames(shared_media / "facerec_short_hamilton_clip.mp4", Fraction(10)))
    assert frames[0].pts_s == pytest.approx(0.8, abs=0.1)


def test_portrait_phone_video_is_decoded_upright(lavfi_clip, tmp_path):
    from vigclips.media.ffmpeg import base_args, run_ffmpeg

    landscape = lavfi_clip("landscape.mp4", audio=None, seconds=1.0)
    portrait = tmp_path / "portrait.mp4"  # rotation metadata only, as phones write it
    run_ffmpeg([*base_args(), "-v", "error", "-display_rotation", "90", "-i", str(landscape), "-c", "copy", str(portrait)], "rotate")
    info = probe(portrait)
    assert info.rotation_deg == 90 and (info.width, info.height) == (240, 320)
    frame = next(iter_frames(portrait, Fraction(10), 640, info))
    assert frame.image.shape[:2] == (320, 240)


def test_audio_is_mono_16k_float(shared_media):
    pcm = decode_audio(shared_media / "lookit_causal_ex2.mp4")
    assert pcm.dtype == np.float32 and pcm.ndim == 1
    assert pcm.shape[0] / 16000 == pytest.approx(8.01, abs=0.1)
    assert 0.01 < np.abs(pcm).max() <= 1.0


def test_no_audio_is_a_clear_error(shared_media):
    with pytest.raises(MediaOpenError, match="no audio stream"):
        decode_audio(shared_media / "icatcher_fd_video.mp4")


def test_audio_only_has_no_frames(shared_media):
    with pytest.raises(NoVideoStreamError):
        next(iter_frames(shared_media / "divime_aclew_starter_test.wav", Fraction(10)))


def test_grab_frame_and_still(shared_media, tmp_path):
    image = grab_frame(shared_media / "lookit_causal_ex2.mp4", 6.5)
    assert image.shape == (480, 640, 3)
    still = extract_still(shared_media / "lookit_causal_ex2.mp4", 6.5, tmp_path / "s" / "m01.jpg")
    assert still.read_bytes()[:2] == b"\xff\xd8" and (still.stat().st_mode & 0o077) == 0


def test_bad_inputs(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    with pytest.raises(MediaOpenError, match="file not found"):
        probe(tmp_path / "missing.mp4")
    with pytest.raises(MediaOpenError, match="empty"):
        probe(empty)
    with pytest.raises(MediaOpenError, match="text file"):
        probe(text)
    with pytest.raises(MediaOpenError, match="folder"):
        probe(tmp_path)


def test_truncated_recordings(lavfi_clip, tmp_path):
    front = lavfi_clip("long_faststart.mp4", seconds=8.0, extra=["-movflags", "+faststart"])
    back = lavfi_clip("long_plain.mp4", seconds=8.0)
    cut_front = tmp_path / "cut_front.mp4"
    cut_front.write_bytes(front.read_bytes()[: front.stat().st_size // 2])
    cut_back = tmp_path / "cut_back.mp4"
    cut_back.write_bytes(back.read_bytes()[: back.stat().st_size // 2])
    with pytest.raises(TruncatedMediaError, match="truncated"):
        list(iter_frames(cut_front, Fraction(10)))
    with pytest.raises(MediaOpenError, match="incomplete or damaged"):
        probe(cut_back)
    assert cut_front.stat().st_size == front.stat().st_size // 2  # the source is never modified


def test_fast_decode_skips_only_what_analysis_can_spare():
    def info(width: int, fps: int) -> MediaInfo:
        return MediaInfo(Path("x.mp4"), 1, 10.0, True, width, width * 9 // 16, Fraction(fps))

    # 720p30 analysed at 640 px, 10 ticks/s: both savings
    assert fast_decode_args(Fraction(10), info(1280, 30), 640) == ["-skip_frame:v", "noref", "-skip_loop_filter:v", "all"]
    # ticks as often as frames (teaching clips, 12 fps sources): every frame is needed
    assert fast_decode_args(Fraction(12), info(1280, 12), 640) == ["-skip_loop_filter:v", "all"]
    # analysed at full size: block edges stay visible, so deblocking stays on
    assert fast_decode_args(Fraction(10), info(640, 30), 640) == ["-skip_frame:v", "noref"]
    assert fast_decode_args(Fraction(10), info(0, 0), 640) == []


def test_fast_decode_gives_the_same_ticks_and_nearly_the_same_pictures(lavfi_clip):
    # B-frames (veryfast) so that non-reference frames exist to skip; 1280 px so that deblocking is skipped too
    clip = lavfi_clip("bframes_720p30.mp4", video="testsrc2=size=1280x720:rate=30", audio=None, seconds=4.0,
                      extra=["-preset", "veryfast", "-bf", "3"])  # fmt: skip
    info = probe(clip)
    plain = list(iter_frames(clip, Fraction(10), 640, info))
    fast = list(iter_frames(clip, Fraction(10), 640, info, fast_decode=True, threads=1))
    assert [f.pts_s for f in fast] == [f.pts_s for f in plain]
    diff = [np.abs(a.image.astype(np.int16) - b.image.astype(np.int16)).mean() for a, b in zip(plain, fast)]
    # a source frame or two (33-67 ms) apart: testsrc2's moving parts differ a little (one frame off: ~3.7, two: ~7.3),
    # the rest is the same picture; a pick further away would differ more
    assert max(diff) < 9.0 and np.mean(diff) < 4.0, diff
