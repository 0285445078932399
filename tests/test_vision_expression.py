"""The expression classifier (issue 11): crops, the smile probability, and the bundled model on real faces."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest

from vigclips.media.decode import iter_frames
from vigclips.types import Frame
from vigclips.vision import VisionConfig, analyze_frames
from vigclips.vision.channels import infant_smile
from vigclips.vision.expression import EXPRESSIONS, INPUT_PX, ExpressionModel, face_crops, smile_probability
from vigclips.vision.face_rows import _F


def test_face_crops_square_the_box_and_pad_outside_the_image_with_black() -> None:
    gray = np.full((100, 200), 255, np.uint8)
    # A 40 x 20 box whose square (40 x 40) reaches 10 px above the image: the top quarter of the crop is black.
    crops = face_crops(gray, np.array([[100.0, 0.0, 140.0, 20.0]]))
    assert crops.shape == (1, 1, INPUT_PX, INPUT_PX) and crops.dtype == np.float32
    assert np.allclose(crops[0, 0, : INPUT_PX // 4 - 1], -1.0)
    assert np.allclose(crops[0, 0, INPUT_PX // 4 + 1 :], 1.0)
    assert face_crops(gray, np.zeros((0, 4))).shape == (0, 1, INPUT_PX, INPUT_PX)


def test_smile_probability_weighs_happy_against_neutral_and_sad_only() -> None:
    p = np.zeros((3, len(EXPRESSIONS)))
    p[0, EXPRESSIONS.index("happy")], p[0, EXPRESSIONS.index("neutral")] = 0.3, 0.1
    p[1, EXPRESSIONS.index("happy")], p[1, EXPRESSIONS.index("fear")] = 0.3, 0.7  # fear does not count
    p[2, EXPRESSIONS.index("sad")] = 1.0
    assert smile_probability(p).tolist() == pytest.approx([0.75, 1.0, 0.0])


def test_infant_smile_is_face_mesh_from_the_front_and_mixes_in_the_classifier_as_the_head_turns() -> None:
    cfg = VisionConfig(expression_smile_full=0.5)
    rows = np.full((6, len(_F)), np.nan, np.float32)
    rows[:, _F["head_yaw_deg"]] = [10.0, 22.5, -45.0, 80.0, 45.0, 45.0]
    rows[:, _F["smile"]] = [0.2, 0.2, 0.2, np.nan, 0.9, np.nan]
    rows[:, _F["mouth_width_ratio"]] = [0.55, 0.55, 0.55, np.nan, 0.55, np.nan]  # a child's neutral width: no widening
    rows[:, _F["mouth_open"]] = [0.0, 0.0, 0.0, np.nan, 0.0, np.nan]
    rows[:, _F["expression_smile"]] = [0.4, 0.4, 0.4, 0.3, np.nan, np.nan]
    got = infant_smile(rows, cfg)
    # frontal: face mesh alone; 22.5 deg: a quarter of 0.4 / 0.5 = 0.8; 45 deg: the mean; no mesh (profile): unknown,
    # whatever the classifier says; no classifier: face mesh alone; neither: unknown
    assert got[[0, 1, 2, 4]].tolist() == pytest.approx([0.2, 0.35, 0.5, 0.9])
    assert np.isnan(got[3]) and np.isnan(got[5])


def _still(path):
    img = cv2.imread(str(path))
    assert img is not None, path
    h, w = img.shape[:2]
    return cv2.resize(img, (640, round(h * 640 / w)), interpolation=cv2.INTER_AREA) if w > 640 else img


@pytest.mark.parametrize(("name", "smiling"), [("pyfeat_single_face.jpg", True), ("grid_lipnet_id2_swwp2s.mpg", False)])
def test_classifier_on_a_smiling_man_and_a_man_speaking(shared_media, name, smiling) -> None:
    if name.endswith(".jpg"):
        image = _still(shared_media / name)
    else:
        image = next(f.image for f in iter_frames(shared_media / name, Fraction(10)) if f.pts_s >= 1.0)
    res = analyze_frames([Frame(0, 0.0, image)], VisionConfig())
    assert res.face_data.shape[0] >= 1
    row = res.face_data[np.argmax(res.face_data[:, _F["det_score"]])]
    box = row[0:4]
    probs = ExpressionModel().probabilities(image, box[None])
    assert probs.shape == (1, len(EXPRESSIONS)) and abs(float(probs.sum()) - 1.0) < 1e-3
    smile = float(smile_probability(probs)[0])
    assert (smile >= 0.5) == smiling, (name, dict(zip(EXPRESSIONS, probs[0].round(2))))
    # the vision stage stores the same value in its face rows
    assert float(row[_F["expression_smile"]]) == pytest.approx(smile, abs=1e-4)


def test_expression_off_leaves_the_column_unknown(shared_media) -> None:
    res = analyze_frames([Frame(0, 0.0, _still(shared_media / "pyfeat_single_face.jpg"))], VisionConfig(expression=False))
    assert res.face_data.shape[0] >= 1 and np.isnan(res.face_data[:, _F["expression_smile"]]).all()
