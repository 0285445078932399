"""bench/miss_sheet.py picks the labelled times a look cue gets wrong by eval_looks.py's own rule,
bench/eval_headpose_models.py crops the parent's face and puts a candidate's head pose on her face rows,
bench/smile_forms.py compares forms of the baby's classifier smile leave-one-clip-out (issue 23), and
bench/eval_smile_models.py runs the shipped classifier on stored crops (issue 22)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from vigclips.vision.expression import ExpressionModel, smile_probability

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load(name: str):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod  # its dataclass looks its module up there
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def ms():
    return _load("miss_sheet")


@pytest.fixture(scope="module")
def hp():
    return _load("eval_headpose_models")


@pytest.fixture(scope="module")
def sf():
    return _load("smile_forms")


def test_misses_use_the_window_and_count_unseen_ticks_as_no(ms):
    t = np.round(np.arange(0.0, 3.05, 0.1), 1)
    col = np.full(t.shape, np.nan)
    col[(t >= 0.8) & (t <= 1.2)] = [1.0, 1.0, 0.4, np.nan, np.nan]  # mean 0.48 with the unseen ticks as 0
    col[(t >= 1.8) & (t <= 2.2)] = 0.6
    got = ms.misses(t, col, [(1.0, 1), (1.0, 0), (2.0, 1), (2.0, 0), (3.0, 0)], "clip.mp4")
    assert [(m.t_s, m.kind) for m in got] == [(1.0, "FN"), (2.0, "FP")]
    assert got[0].score == pytest.approx(0.48)
    assert got[1].score == pytest.approx(0.6)


def test_square_crop_pads_outside_the_frame_with_black(hp):
    img = np.full((100, 200, 3), 200, np.uint8)
    crop = hp.square_crop(img, np.array([180.0, 40, 220, 60]), 1.0)  # 40 x 20 box past the right edge
    assert crop.shape == (40, 40, 3)
    assert crop[:, :20].min() == 200 and crop[:, 20:].max() == 0  # x 180-200 inside, 200-220 black
    assert crop[:10].max() == 200  # y 30-40 is still inside the frame
    assert hp.square_crop(img, np.array([90.0, 40, 110, 60]), 1.5).shape == (30, 30, 3)


def test_network_input_is_the_demos_normalisation(hp):
    x = hp.network_input(np.full((30, 30, 3), 255, np.uint8))
    assert x.shape == (1, 3, 64, 64) and x.dtype == np.float32
    assert float(x.max()) == pytest.approx(127.5 / 128.0)


def test_with_pose_replaces_only_the_chosen_readings(hp):
    from vigclips.vision.face_rows import _F, FACE_FIELDS

    data = np.zeros((2, len(FACE_FIELDS)), np.float32)
    data[:, _F["has_mesh"]] = 1, 0
    data[:, _F["head_yaw_deg"]] = data[:, _F["gaze_yaw_deg"]] = 10, 20
    rows = {"face_data": data}
    pose = {0: np.array([40.0, -15.0]), 1: np.array([60.0, -5.0])}
    pitch = hp.with_pose(rows, pose, "pitch")["face_data"]
    assert pitch[:, _F["gaze_pitch_deg"]].tolist() == [-15.0, -5.0]
    assert pitch[:, _F["gaze_yaw_deg"]].tolist() == [10.0, 20.0]
    no_mesh = hp.with_pose(rows, pose, "no-mesh")["face_data"]
    assert no_mesh[:, _F["gaze_yaw_deg"]].tolist() == [10.0, 60.0]
    assert no_mesh[:, _F["gaze_pitch_deg"]].tolist() == [0.0, -5.0]
    assert hp.with_pose(rows, pose, "all")["face_data"][:, _F["head_yaw_deg"]].tolist() == [40.0, 60.0]
    assert rows["face_data"][0, _F["gaze_yaw_deg"]] == 10.0  # the rows given are not changed


@pytest.fixture(scope="module")
def dc():
    return _load("diag_child_looks")


def test_hand_on_line_measures_from_the_segment_in_child_face_heights(dc):
    child, parent = np.array([100.0, 200.0]), np.array([300.0, 100.0])
    hands = np.full((2, 21, 2), [0.0, 0.0])
    hands[0, 5] = [200.0, 150.0]  # on the line, half way
    hands[1, :] = [400.0, 100.0]  # beyond the parent: its nearest point is the parent's end
    dist, along = dc.hand_on_line(child, parent, 50.0, hands)
    assert (dist, along) == (0.0, 0.5)
    dist, along = dc.hand_on_line(child, parent, 50.0, hands[1:])
    assert along == 1.0 and dist == pytest.approx(2.0)
    assert dc.hand_on_line(child, parent, 50.0, np.zeros((0, 21, 2)))[0] == float("inf")


def test_window_score_is_the_mean_over_the_window_with_unseen_as_no(ms):
    t = np.round(np.arange(0.0, 1.05, 0.1), 1)
    col = np.where(t <= 0.5, 1.0, np.nan)
    assert ms.window_score(t, col, 0.5) == pytest.approx(0.6)  # 0.3-0.5 seen, 0.6 and 0.7 not
    assert ms.window_score(t, col, 5.0) == 0.0


def test_the_shipped_form_is_the_one_channels_computes(sf) -> None:
    from vigclips.vision.channels import infant_expression_smile
    from vigclips.vision.expression import EXPRESSIONS, smile_probability, surprise_share
    from vigclips.vision.face_rows import _F

    p = np.zeros((2, len(EXPRESSIONS)))
    p[0, [EXPRESSIONS.index(e) for e in ("happy", "neutral", "surprise", "fear")]] = 0.3, 0.2, 0.4, 0.1
    p[1, [EXPRESSIONS.index(e) for e in ("happy", "sad")]] = 0.5, 0.5
    rows = np.full((2, len(_F)), np.nan, np.float32)
    rows[:, _F["expression_smile"]], rows[:, _F["expression_surprise"]] = smile_probability(p), surprise_share(p)
    now = sf.FORMS["happy / (happy + neutral + sad + surprise) [now]"](p)
    assert now.tolist() == pytest.approx([1 / 3, 0.5])
    assert infant_expression_smile(rows).tolist() == pytest.approx(now.tolist(), abs=1e-6)
    assert sf.FORMS["happy / (happy + neutral + sad) [before]"](p).tolist() == pytest.approx([0.6, 0.5])
    assert sf.FORMS["before, 0 where surprise > happy"](p).tolist() == pytest.approx([0.0, 0.5])


def test_leave_one_clip_out_chooses_on_the_other_clips_only(sf) -> None:
    # value "a" is right on clips 1, 2 and 4, "b" only on clip 3: held out, clip 3 gets "a" (the others prefer it)
    right, wrong = [(1, 1), (0, 0)], [(1, 0), (0, 1)]
    by_value = {
        "a": {("ismile", "c1"): right, ("ismile", "c2"): right, ("ismile", "c3"): wrong, ("ismile", "c4"): right},
        "b": {("ismile", "c1"): wrong, ("ismile", "c2"): wrong, ("ismile", "c3"): right, ("ismile", "c4"): wrong},
    }
    held, chosen = sf.loco(by_value, ["c1", "c2", "c3", "c4"])
    assert held[("ismile", "c3")] == wrong and held[("ismile", "c1")] == right
    assert chosen == {"a": 4}


def test_fer_scores_run_the_shipped_classifier_on_stored_crops() -> None:
    """eval_smile_models.py ranks the shipped expression model's smile on stored face crops (it broke silently when the
    model moved to onnxruntime): the same crop must give what the pipeline's own model gives."""
    esm = _load("eval_smile_models")
    rng = np.random.default_rng(0)
    # smooth pictures (noise upscaled), so that resizing before or after the grey conversion gives the same input
    crops = np.stack([cv2.resize(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), (esm.CROP_PX, esm.CROP_PX),
                                 interpolation=cv2.INTER_LINEAR) for _ in range(3)])
    scores = esm.fer_scores(crops, esm.CONTEXT)  # the whole stored crop as the face box
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    gray = np.stack([cv2.cvtColor(c, cv2.COLOR_BGR2GRAY) for c in crops])
    side = esm.CROP_PX
    own = [smile_probability(ExpressionModel().probabilities(cv2.cvtColor(g, cv2.COLOR_GRAY2BGR),
                                                           np.array([[0.0, 0.0, side, side]])))[0] for g in gray]
    assert scores == pytest.approx(np.array(own), abs=0.03)  # the bench resizes before the grey conversion
