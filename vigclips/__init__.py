"""vigclips: find, review and export attuned parent–infant moments for Video Interaction Guidance.

Everything the command line does is one import away::

    from vigclips import analyze, find_moments, analyze_to_folder, export_clips, load_config, rank_folder, import_elan

The library logs to ``logging.getLogger("vigclips")`` and never prints; nothing goes over the network.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger("vigclips").addHandler(logging.NullHandler())

from vigclips.errors import BadInputError, VigclipsError  # noqa: E402
from vigclips.types import ClipSpec, Frame, MediaInfo, Moment, Signals, VocalSegment  # noqa: E402

# Heavy parts (mediapipe, scipy) load on first use, so `import vigclips.media` or the CLI's --help stay quick.
_LAZY = {
    "PipelineConfig": "vigclips.config",
    "load_config": "vigclips.config",
    "export_clips": "vigclips.export",
    "Analysis": "vigclips.pipeline",
    "analyze": "vigclips.pipeline",
    "analyze_to_folder": "vigclips.pipeline",
    "find_moments": "vigclips.pipeline",
    "run_batch": "vigclips.batch",
    "rank_folder": "vigclips.rerank",
    "import_elan": "vigclips.report.elan_import",
    "load_user_config": "vigclips.config",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'vigclips' has no attribute {name!r}")

__all__ = [
    "Analysis",
    "BadInputError",
    "ClipSpec",
    "Frame",
    "MediaInfo",
    "Moment",
    "PipelineConfig",
    "Signals",
    "VigclipsError",
    "VocalSegment",
    "__version__",
    "analyze",
    "analyze_to_folder",
    "export_clips",
    "find_moments",
    "import_elan",
    "load_config",
    "load_user_config",
    "rank_folder",
    "run_batch",
]
