"""Vision stage (issue 3): faces, roles, head pose, gaze, mutual gaze and smiles as per-tick channels.

Example:
    >>> from vigclips.vision import analyze_frames, VisionConfig, VISION_COLUMNS   # doctest: +SKIP
    >>> result = analyze_frames(frames, VisionConfig(infant="auto"))  # doctest: +SKIP
    >>> result.channels["mutual_gaze"]  # doctest: +SKIP
"""

import importlib

_EXPORTS = {
    "EXTRA_COLUMNS": "vigclips.vision.analyze",
    "VISION_COLUMNS": "vigclips.vision.analyze",
    "VisionResult": "vigclips.vision.analyze",
    "analyze_frames": "vigclips.vision.analyze",
    "render_overlay": "vigclips.vision.overlay",
    "VisionConfig": "vigclips.vision.settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    # Imported on first use (PEP 562): reading the settings (every command's start-up) must not load OpenCV and the models.
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
