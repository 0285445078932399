"""Vision stage (issue 3): faces, roles, head pose, gaze, mutual gaze and smiles as per-tick channels.

Example:
    >>> from vigclips.vision import analyze_frames, VisionConfig, VISION_COLUMNS   # doctest: +SKIP
    >>> result = analyze_frames(frames, VisionConfig(infant="auto"))  # doctest: +SKIP
    >>> result.channels["mutual_gaze"]  # doctest: +SKIP
"""

from vigclips.vision.analyze import EXTRA_COLUMNS, VISION_COLUMNS, VisionResult, analyze_frames
from vigclips.vision.overlay import render_overlay
from vigclips.vision.settings import VisionConfig

__all__ = ["EXTRA_COLUMNS", "VISION_COLUMNS", "VisionConfig", "VisionResult", "analyze_frames", "render_overlay"]
