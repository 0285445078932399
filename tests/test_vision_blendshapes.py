"""MediaPipe's blendshapes model (issue 22): the smile it reads, the parent's smile from it, and the model on real faces."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from media_helpers import face_test_image, still_640
from vigclips.media.decode import iter_frames
from vigclips.types import Frame
from vigclips.vision import VisionConfig, analyze_frames
from vigclips.vision.blendshapes import BLENDSHAPES, LANDMARK_SUBSET, BlendshapeModel, smile_from_blendshapes
from vigclips.vision.channels import adult_mesh_smile, adult_smile, build_result
from vigclips.vision.face_mediapipe import MediaPipeFaces, to_rgb
from vigclips.vision.face_rows import _F


def test_the_smile_is_the_mean_of_the_two_mouth_corners_and_nothing_else() -> None:
    s = np.zeros((3, len(BLENDSHAPES)))
    s[0, BLENDSHAPES.index("mouthSmileLeft")], s[0, BLENDSHAPES.index("mouthSmileRight")] = 0.9, 0.3
    s[1, BLENDSHAPES.index("jawOpen")], s[1, BLENDSHAPES.index("cheekSquintLeft")] = 1.0, 1.0  # not a smile
    s[2, BLENDSHAPES.index("mouthSmileRight")] = 0.5
    assert smile_from_blendshapes(s).tolist() == pytest.approx([0.6, 0.0, 0.25])
    assert len(LANDMARK_SUBSET) == 146 and max(LANDMARK_SUBSET) == 477


def test_the_parents_mesh_smile_takes_the_blendshapes_where_they_ran_and_the_lip_corners_elsewhere() -> None:
    cfg = VisionConfig(adult_blend_full=0.4)
    rows = np.full((4, len(_F)), np.nan, np.float32)
    rows[:, _F["smile"]] = [0.9, 0.0, 0.3, np.nan]
    rows[:, _F["blend_smile"]] = [0.1, 0.6, np.nan, np.nan]
    got = adult_mesh_smile(rows, cfg)
    assert got[:3].tolist() == pytest.approx([0.25, 1.0, 0.3]) and np.isnan(got[3])
    # the expression switch mixes the classifier with this measure, not with the lip corners
    rows[:, _F["head_yaw_deg"]] = 0.0
    rows[:, _F["expression_smile"]] = 0.0
    mixed = adult_smile(rows, VisionConfig(adult_blend_full=0.4, adult_smile_expression=True))
    assert mixed[:3].tolist() == pytest.approx([0.125, 0.5, 0.15])


@pytest.mark.parametrize(("name", "smiling"), [("pyfeat_single_face.jpg", True), ("grid_lipnet_id2_swwp2s.mpg", False)])
def test_blendshapes_on_a_smiling_man_and_a_man_speaking(shared_media, name, smiling) -> None:
    image = face_test_image(shared_media, name)
    with MediaPipeFaces(detector="none") as models:
        meshes = models.mesh(to_rgb(image))
    assert meshes.shape[0] >= 1
    largest = np.argmax(np.ptp(meshes[:, :, 0], axis=1))
    smile = float(BlendshapeModel().smile(meshes[largest : largest + 1])[0])
    assert (smile >= 0.5) == smiling, (name, smile)


def test_the_analysis_reads_the_blendshapes_of_the_adult_not_the_baby(shared_media) -> None:
    # A Lookit clip: mother and child both facing the camera, so both are within the model's 30 degrees.
    frames = list(iter_frames(shared_media / "lookit_causal_ex2.mp4", Fraction(5)))[:10]
    res = analyze_frames(frames, VisionConfig())
    read = np.isfinite(res.face_data[:, _F["blend_smile"]])
    assert read.any()
    assert np.isfinite(res.channels["adult_smile"]).any()
    frame_of_adult = np.flatnonzero(res.channels["adult_present"] > 0)
    assert read.sum() <= frame_of_adult.size  # one adult face a frame at most, never the child's


def test_blendshapes_off_leaves_the_column_unknown(shared_media) -> None:
    res = analyze_frames([Frame(0, 0.0, still_640(shared_media / "pyfeat_single_face.jpg"))], VisionConfig(blendshapes=False))
    assert res.face_data.shape[0] >= 1 and np.isnan(res.face_data[:, _F["blend_smile"]]).all()


def test_the_model_reads_any_number_of_faces() -> None:
    model = BlendshapeModel()
    assert model.scores(np.zeros((0, 478, 3), np.float32)).shape == (0, len(BLENDSHAPES))
    rng = np.random.default_rng(0)
    faces = rng.uniform(100, 200, (3, 478, 3)).astype(np.float32)
    scores = model.scores(faces)
    assert scores.shape == (3, len(BLENDSHAPES)) and np.all((scores >= 0) & (scores <= 1))
    assert np.allclose(model.scores(faces[1:2]), scores[1:2], atol=1e-6)  # one face per call, same answer


@pytest.mark.slow
def test_a_mothers_smile_into_the_camera_is_seen_and_her_talking_is_not(shared_media) -> None:
    """Issue 22: 4JDccE "Nom nom nom", the mother facing the camera (by-eye labels in bench/labels/psmile_4JDccE.csv):
    smiling at 1, 10, 12, 13, 14, 34, 35, 36 s, not at 2, 6-9, 11 s (she talks). The lip-corner measure alone found 2
    of the 8 smiles."""
    clip = shared_media / "lookit_laughter" / "4JDccE.joke1.rep1.take1.NomNomNom.mp4"
    res = analyze_frames(iter_frames(clip, Fraction(10), 640, fast_decode=True), VisionConfig())
    lips = res.face_data.copy()
    lips[:, _F["blend_smile"]] = np.nan  # as without the blendshapes model
    before = build_result(res.pts_s, res.image_wh, res.face_frame, res.face_track, lips, VisionConfig())

    def second(s: float, result) -> float:
        near = np.abs(result.pts_s - s) <= 0.2 + 1e-9
        return float(np.nan_to_num(result.channels["adult_smile"][near], nan=0.0).mean())

    smiling, talking = (1, 10, 12, 13, 14, 34, 35, 36), (2, 6, 7, 8, 9, 11)
    assert sum(second(s, res) >= 0.5 for s in smiling) >= 5, [second(s, res) for s in smiling]
    assert sum(second(s, res) >= 0.5 for s in talking) <= 1, [second(s, res) for s in talking]
    assert sum(second(s, before) >= 0.5 for s in smiling) <= 3
