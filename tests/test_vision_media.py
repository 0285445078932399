"""Vision stage on real shared media (issue 3): tolerances, not exact floats. Long runs are marked slow."""

from __future__ import annotations

import threading
from fractions import Fraction
from itertools import islice

import cv2
import numpy as np
import pytest

from vigclips.media.decode import iter_frames
from vigclips.types import Frame
from vigclips.vision import EXTRA_COLUMNS, VISION_COLUMNS, VisionConfig, analyze_frames, render_overlay
from vigclips.vision.face_rows import FACE_FIELDS
from vigclips.vision.face_mediapipe import MediaPipeFaces, _SolutionOutputTypes

TEN_HZ = Fraction(10)
_F = {n: i for i, n in enumerate(FACE_FIELDS)}


def _still(path) -> Frame:
    img = cv2.imread(str(path))
    assert img is not None, path
    h, w = img.shape[:2]
    if w > 640:
        img = cv2.resize(img, (640, round(h * 640 / w)), interpolation=cv2.INTER_AREA)
    return Frame(0, 0.0, img)


@pytest.fixture(scope="module")
def causal(shared_media):
    frames = list(iter_frames(shared_media / "lookit_causal_ex2.mp4", TEN_HZ))
    return frames, analyze_frames(iter(frames), VisionConfig())


def test_face_models_return_pixel_arrays(shared_media):
    img = _still(shared_media / "pyfeat_single_face.jpg").image
    # Full range: the short-range model fires (0.55) on the back of the infant's head in icatcher_no_face.jpg.
    with MediaPipeFaces(detector="full", static_image_mode=True) as models:
        dets, meshes = models.process(img)
        assert meshes.shape == (1, 478, 3) and meshes.dtype == np.float32
        assert dets.xyxy_px.dtype == np.float32 and len(dets) >= 1
        h, w = img.shape[:2]
        x1, y1, x2, y2 = dets.xyxy_px[0]
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h  # pixels, not normalised
        assert x1 - 20 < meshes[0, :, 0].mean() < x2 + 20
        none_dets, none_meshes = models.process(_still(shared_media / "icatcher_no_face.jpg").image)
        assert len(none_dets) == 0
        assert none_meshes.ndim == 3 and none_meshes.shape[1:] == (478, 3)
        with pytest.raises(ValueError, match="uint8"):
            models.process(img.astype(np.float32))


def test_lookit_dyad_channels_and_roles(causal):
    frames, res = causal
    n = len(frames)
    assert res.pts_s.shape == (n,)
    assert list(res.channels)[: len(VISION_COLUMNS)] == list(VISION_COLUMNS)
    assert set(EXTRA_COLUMNS) <= set(res.channels)
    ch = res.channels
    assert np.mean(ch["faces"] == 2) >= 0.95
    both = (ch["infant_present"] == 1) & (ch["adult_present"] == 1)
    assert both.mean() >= 0.95
    # The child is the front, left face (issue 3).
    assert np.mean(ch["infant_face_x"][both] < ch["adult_face_x"][both]) >= 0.95
    for c in ("infant_face_x", "infant_face_y", "adult_face_x", "adult_face_y"):
        assert np.all((ch[c][both] > 0) & (ch[c][both] < 1)), c
    # Both look roughly at the webcam: gaze within 35 degrees of it, and neither looks at the other for long.
    assert np.nanmedian(np.abs(ch["infant_gaze_yaw_deg"])) < 35
    assert np.nanmedian(np.abs(ch["adult_gaze_yaw_deg"])) < 35
    assert np.nanmean(ch["mutual_gaze"]) < 0.2
    for c in ("infant_looks_at_adult", "adult_looks_at_infant", "mutual_gaze", "infant_smile", "adult_smile",
              "infant_mouth_open", "adult_mouth_open"):  # fmt: skip
        v = ch[c][np.isfinite(ch[c])]
        assert v.size and np.all((v >= 0) & (v <= 1)), c
    assert res.role_confidence > 0.8
    # Track identities hold: two tracks for two people over 8 s.
    assert len(np.unique(res.face_track)) <= 3


def test_override_flips_roles(causal):
    frames, _ = causal
    res = analyze_frames(iter(frames), VisionConfig(infant="right"))
    ch = res.channels
    both = (ch["infant_present"] == 1) & (ch["adult_present"] == 1)
    assert np.all(ch["infant_face_x"][both] > ch["adult_face_x"][both])


def test_overlay_on_real_frame(causal):
    frames, res = causal
    f = frames[len(frames) // 2]
    out = render_overlay(f, res, f.index)
    assert out.shape == f.image.shape
    assert np.count_nonzero(np.any(out != f.image, axis=2)) > 500  # boxes, labels and rays drawn


def test_two_threads_measure_exactly_what_one_does(sample_video, monkeypatch):
    # 0-12 s of the demo: a near face, then from 6.5 s a small far one only the full-range detector finds.
    frames = list(islice(iter_frames(sample_video, TEN_HZ, fast_decode=True), 120))
    full_range_calls = []
    real_detect = MediaPipeFaces.detect

    def counting_detect(self, rgb, *, full_range=True):
        full_range_calls.append(full_range)
        return real_detect(self, rgb, full_range=full_range)

    monkeypatch.setattr(MediaPipeFaces, "detect", counting_detect)
    one = analyze_frames(iter(frames), VisionConfig(), threads=1)
    plan_one = list(full_range_calls)
    full_range_calls.clear()
    two = analyze_frames(iter(frames), VisionConfig(), threads=2)
    assert full_range_calls == plan_one
    for name, values in one.channels.items():
        np.testing.assert_array_equal(values, two.channels[name], err_msg=name)
    np.testing.assert_array_equal(one.face_data, two.face_data)
    # The full-range detector rests while only the near face is on screen, and follows the far face on every tick.
    far = np.array([f.pts_s for f in frames]) > 7.5
    ran = np.array(plan_one)
    assert ran[~far].mean() < 0.5 and ran[far].all()
    assert np.mean(one.channels["faces"][far] >= 2) >= 0.95


def test_no_face_clip(shared_media):
    res = analyze_frames(iter_frames(shared_media / "pyfeat_no_face.mp4", TEN_HZ), VisionConfig())
    assert len(res) >= 30
    assert np.all(res.channels["faces"] == 0)
    assert np.all(res.channels["infant_present"] == 0) and np.all(res.channels["adult_present"] == 0)
    assert np.isnan(res.channels["infant_gaze_yaw_deg"]).all() and np.isnan(res.channels["mutual_gaze"]).all()


def test_face_then_no_face(shared_media):
    res = analyze_frames(iter_frames(shared_media / "pyfeat_face_noface.mov", TEN_HZ), VisionConfig())
    t, faces = res.pts_s, res.channels["faces"]
    assert np.mean(faces[t < 2.0] >= 1) >= 0.95  # the man's face until the cut at ~2.35 s
    assert np.mean(faces[t > 2.7] == 0) >= 0.95  # then the cartoon title


def test_face_count_agrees_with_manual_counts(shared_media):
    gt = np.loadtxt(shared_media / "icatcher_fd_video_facecount_gt.csv", delimiter=",", skiprows=1).astype(int)
    res = analyze_frames(iter_frames(shared_media / "icatcher_fd_video.mp4", TEN_HZ), VisionConfig())
    idx = np.clip(np.round(res.pts_s * 30).astype(int), 0, len(gt) - 1)  # the manual counts are per 30 fps frame
    assert np.mean(res.channels["faces"] == gt[idx]) >= 0.9


@pytest.mark.parametrize(
    ("name", "smiling"),
    [("pyfeat_single_face.jpg", True), ("icatcher_one_face_normal.jpg", False)],
)
def test_smile_on_stills(shared_media, name, smiling):
    res = analyze_frames([_still(shared_media / name)], VisionConfig())
    smile = res.face_data[:, _F["smile"]]
    assert np.isfinite(smile).any()
    assert (np.nanmax(smile) >= 0.5) == smiling


def test_multi_face_still_smiles(shared_media):
    # Small faces in a group photo: the full-range detector finds them (short-range finds 3 of 5, bench/eval_vision.py)
    # and face mesh on crops measures them.
    res = analyze_frames([_still(shared_media / "pyfeat_multi_face.jpg")], VisionConfig(max_faces=8, detector="full"))
    assert res.channels["faces"][0] >= 4
    smiles = res.face_data[:, _F["smile"]]
    assert np.sum(smiles >= 0.5) >= 3  # four of the five smile broadly


@pytest.mark.slow
def test_infant_gaze_left_right_against_human_coding(shared_media):
    """The coder's convention is undocumented; the better mapping is viewer's left (bench/eval_vision.py)."""
    res = analyze_frames(iter_frames(shared_media / "icatcher_test_vid_1000.mp4", TEN_HZ), VisionConfig())
    events = []
    for line in (shared_media / "icatcher_test_vid_1000_coding_human1.txt").read_text().splitlines():
        p = line.split(",")
        if len(p) >= 3 and p[0].strip().isdigit() and p[2] in ("left", "right", "away") and int(p[0]) < 33700:
            events.append((int(p[0]) / 1000, p[2]))
    events.sort()
    et = np.array([e[0] for e in events])
    es = np.array([e[1] for e in events])
    code = es[np.searchsorted(et, res.pts_s, side="right") - 1]
    lr = (code == "left") | (code == "right")
    yaw = res.channels["infant_gaze_yaw_deg"]
    has = lr & np.isfinite(yaw)
    assert has.sum() >= 0.9 * lr.sum()
    pred = np.where(yaw < 0, "left", "right")
    # Measured 0.69 (target 0.90 not met; iCatcher+ scores 0.59 on the same ticks): guard against regressions.
    assert np.mean(pred[has] == code[has]) >= 0.6
    # Outside the coder's "right" at 21.97-23.90 s (where vigclips and iCatcher+ both see a look left of the camera)
    # it measures 0.93 on 56 ticks.
    rest = has & ~((res.pts_s >= 21.966) & (res.pts_s < 23.899))
    assert rest.sum() >= 50
    assert np.mean(pred[rest] == code[rest]) >= 0.85
    # Where the coder switches left->right (22.0 s) gaze moves right, and where it switches right->left (32.0 s), left.
    for t_before, t_switch, t_after, to_right in ((20.9, 21.966, 22.9, True), (31.5, 31.966, 32.4, False)):
        before = np.nanmedian(yaw[(res.pts_s >= t_before) & (res.pts_s < t_switch)])
        after = np.nanmedian(yaw[(res.pts_s >= t_switch) & (res.pts_s < t_after)])
        assert (after > before) == to_right


@pytest.mark.slow
@pytest.mark.parametrize(("name", "child_side"), [("lookit_consent.mp4", "left"), ("lookit_consent_ja.mp4", "right")])
def test_roles_other_lookit_clips(shared_media, name, child_side):
    res = analyze_frames(iter_frames(shared_media / name, TEN_HZ), VisionConfig())
    ch = res.channels
    both = (ch["infant_present"] == 1) & (ch["adult_present"] == 1)
    assert both.mean() >= 0.9
    left = ch["infant_face_x"][both] < ch["adult_face_x"][both]
    assert np.mean(left if child_side == "left" else ~left) >= 0.95


@pytest.mark.slow
def test_turned_baby_smile_held_through_mesh_dropouts(shared_media):
    """2UWdXP ThatsNotACat rep2: the baby in the high chair, at 3/4 to profile, smiles at 3 and 5-8 s (labels in
    bench/labels/looks_2UWdXP.csv); face mesh loses her face on most ticks while the detector keeps it (issue 11)."""
    from vigclips.vision.channels import build_result

    path = shared_media / "lookit_laughter" / "2UWdXP.joke5.rep2.take1.ThatsNotACat.mp4"
    res = analyze_frames(iter_frames(path, TEN_HZ), VisionConfig())
    seen = res.channels["infant_present"] > 0
    assert seen.mean() >= 0.9 and np.nanmedian(res.channels["infant_face_x"]) < 0.5  # the baby is the left face
    smile = res.channels["infant_smile"]
    smiling = (res.pts_s >= 2.8) & (res.pts_s <= 8.2) & seen
    # over the smiling seconds: a value on every tick (0.53 of them without the hold), and a smile (measured 0.56)
    assert np.isfinite(smile[smiling]).mean() >= 0.9
    assert np.mean(np.nan_to_num(smile[smiling])) >= 0.5
    off = build_result(res.pts_s, res.image_wh, res.face_frame, res.face_track, res.face_data,
                       VisionConfig(infant_smile_hold_s=0.0)).channels["infant_smile"]  # fmt: skip
    assert np.isfinite(off[smiling]).mean() <= 0.7
    assert np.isfinite(smile[seen]).mean() >= np.isfinite(off[seen]).mean() + 0.2  # whole clip: 0.71 against 0.36
    assert np.array_equal(np.isnan(off) & ~seen, np.isnan(smile) & ~seen)  # never a value where the baby is unseen


def test_reused_output_classes_never_carry_one_image_into_the_next(shared_media):
    """MediaPipe's ``process`` returns a class with the outputs set on it; vigclips keeps one such class per thread and
    set of streams (``face_mediapipe._SolutionOutputTypes``, 7 % of the vision stage's CPU). A frame without a face
    right after one with a face must still read as no face, and the face again after it."""
    face = _still(shared_media / "pyfeat_single_face.jpg").image
    empty = _still(shared_media / "icatcher_no_face.jpg").image  # no face for the full-range model (see above)
    with MediaPipeFaces(detector="full", static_image_mode=True) as models:
        counts = [(len(d), len(m)) for d, m in (models.process(img) for img in (face, empty, face, empty))]
    assert counts[0] == counts[2] and counts[0][0] >= 1 and counts[0][1] == 1
    assert counts[1] == counts[3] and counts[1][0] == 0


def test_output_classes_are_kept_per_thread_and_stream_names() -> None:
    types = _SolutionOutputTypes()
    a = types.namedtuple("SolutionOutputs", {"detections": 0}.keys())
    assert types.namedtuple("SolutionOutputs", ["detections"]) is a
    assert types.namedtuple("SolutionOutputs", ["multi_face_landmarks"]) is not a
    other: list[type] = []
    worker = threading.Thread(target=lambda: other.append(types.namedtuple("SolutionOutputs", ["detections"])))
    worker.start()
    worker.join()
    assert other[0] is not a and other[0]._fields == ("detections",)
