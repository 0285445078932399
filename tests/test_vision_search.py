"""Faces the whole-frame detector misses (issue 23): the side strips' and lost-face squares' geometry on literal boxes,
when the searches run, and the edge search on a shared home clip where the toddler stands at the frame's right edge."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from vigclips.errors import ConfigError
from vigclips.vision import VisionConfig
from vigclips.vision.search_regions import LEFT, RIGHT, EdgeStrip, at_the_edge, edge_strips, lost_face_square, side_of, unmatched_boxes
from vigclips.vision.schedules import EdgeSchedule
from vigclips.vision.tracking import FaceTracker


def test_strips_cover_both_sides_and_pad_outwards() -> None:
    left, right = edge_strips(640, 0.25)
    assert (left.side, left.x0, left.x1, left.pad_px) == (LEFT, 0, 160, 160)
    assert (right.side, right.x0, right.x1, right.pad_px) == (RIGHT, 480, 640, 160)


def test_strip_x_maps_back_to_the_frame() -> None:
    left, right = EdgeStrip(LEFT, 0, 100, 100), EdgeStrip(RIGHT, 540, 640, 100)
    # on the left strip the padding comes first: padded x 100 is frame x 0; a box starting in the padding is past the edge
    assert left.to_frame_x(np.array([100.0, 130.0, 80.0])).tolist() == [0.0, 30.0, -20.0]
    # on the right strip the strip comes first, the padding after it: padded x 120 is 20 px past the right edge
    assert right.to_frame_x(np.array([0.0, 60.0, 120.0])).tolist() == [540.0, 600.0, 660.0]


def test_only_faces_the_edge_cuts_count() -> None:
    left, right = edge_strips(640, 0.4)
    boxes = np.array([[-40.0, 10, 40, 90], [5.0, 10, 85, 90], [30.0, 10, 110, 90], [150.0, 10, 230, 90]])
    # within a quarter of the box width (20 px) of the left edge: the first two; the third starts 30 px in
    assert at_the_edge(boxes, left, 640, 0.25).tolist() == [True, True, False, False]
    assert at_the_edge(np.array([[590.0, 0, 650, 60], [560.0, 0, 620, 60]]), right, 640, 0.25).tolist() == [True, False]


def test_edge_search_runs_on_frames_missing_a_face_then_on_the_finding_side_every_tick() -> None:
    plan = EdgeSchedule(0.5)
    ticks = [(0.0, False), (0.1, True), (0.2, True), (0.6, True)]
    assert [plan.sides_due(t, missing) for t, missing in ticks] == [(), (LEFT, RIGHT), (), (LEFT, RIGHT)]
    plan.found(0.6, [RIGHT])
    # on every tick missing a face up to 1 s after the last find, on the right only, both sides again every 0.5 s;
    # never on a tick with both faces
    due = [plan.sides_due(t, missing) for t, missing in ((0.7, True), (0.8, False), (0.9, True), (1.1, True), (1.2, True))]
    assert due == [(RIGHT,), (), (RIGHT,), (LEFT, RIGHT), (RIGHT,)]
    assert plan.sides_due(1.7, True) == (LEFT, RIGHT)  # 0.5 s after the last look at both sides
    assert plan.sides_due(1.8, True) == ()  # 1.2 s after the last find


def test_side_of_a_box() -> None:
    assert side_of(np.array([[0.0, 0, 100, 50], [280.0, 0, 340, 50], [330.0, 0, 400, 50]]), 640).tolist() == [LEFT, LEFT, RIGHT]


@pytest.mark.parametrize("bad", [-0.1, 11.0])
def test_edge_every_s_is_checked(bad: float) -> None:
    with pytest.raises(ConfigError):
        VisionConfig(edge_every_s=bad)


def test_toddler_at_the_right_edge_is_found_on_the_strip(shared_media) -> None:
    """4JDccE NomNomNom rep1, 21.8–23.2 s: the toddler stands at the right edge of the laptop's view, her face cut by
    it, hand at her mouth, in a dim room (labelled: her mother looks at her). The detector misses her on the whole
    frame; on the padded right strip it finds her on most frames."""
    from vigclips.media.decode import iter_frames
    from vigclips.vision.face_mediapipe import MediaPipeFaces, to_rgb

    clip = shared_media / "lookit_laughter" / "4JDccE.joke1.rep1.take1.NomNomNom.mp4"
    whole, strip, n = 0, 0, 0
    with MediaPipeFaces(detector="both", mesh=False, search=True) as models:
        for frame in iter_frames(clip, Fraction(10), 640, fast_decode=True):
            if frame.pts_s < 21.8:
                continue
            if frame.pts_s > 23.2:
                break
            rgb = to_rgb(frame.image)
            w = rgb.shape[1]
            n += 1
            whole += int(np.any(models.detect(rgb).xyxy_px[:, 2] > 0.85 * w))
            edge = models.detect_at_edges(rgb)
            strip += int(np.any(edge.xyxy_px[:, 0] > 0.7 * w))
    assert n >= 8
    assert whole <= n // 4  # the whole frame: (almost) never
    assert strip >= n // 2  # the strip: at least half the frames


def test_analysis_counts_the_toddler_at_the_edge(shared_media) -> None:
    """The same stretch through the whole vision stage: with the edge search (the default) most frames have both faces;
    without it, few do."""
    from vigclips.media.decode import iter_frames
    from vigclips.vision import analyze_frames

    clip = shared_media / "lookit_laughter" / "4JDccE.joke1.rep1.take1.NomNomNom.mp4"
    frames = [f for f in iter_frames(clip, Fraction(10), 640, fast_decode=True) if 21.8 <= f.pts_s <= 23.2]
    both = {}
    for edges in (False, True):
        res = analyze_frames(iter(frames), VisionConfig(edges=edges))
        both[edges] = float(np.mean(res.channels["faces"] >= 2))
    assert both[False] <= 0.35
    assert both[True] >= 0.8
