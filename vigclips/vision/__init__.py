"""Vision stage (issue 3): faces, roles, head pose, gaze, mutual gaze and smiles as per-tick channels.

Example:
    >>> from vigclips.vision import analyze_frames, VisionConfig, VISION_COLUMNS   # doctest: +SKIP
    >>> result = analyze_frames(frames, VisionConfig(infant="auto"))  # doctest: +SKIP
    >>> result.channels["mutual_gaze"]  # doctest: +SKIP
"""

from vigclips.lazy import lazy_exports

# Imported on first use: reading the settings (every command's start-up) must not load OpenCV and the models.
__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "EXTRA_COLUMNS": "vigclips.vision.result",
        "VISION_COLUMNS": "vigclips.vision.result",
        "VisionResult": "vigclips.vision.result",
        "analyze_frames": "vigclips.vision.analyze",
        "render_overlay": "vigclips.vision.overlay",
        "VisionConfig": "vigclips.vision.settings",
    },
)
