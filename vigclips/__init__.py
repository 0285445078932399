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
from vigclips.lazy import lazy_exports  # noqa: E402
from vigclips.types import ClipSpec, Frame, MediaInfo, Moment, Signals, VocalSegment  # noqa: E402

# Heavy parts (mediapipe, scipy) load on first use, so `import vigclips.media` or the CLI's --help stay quick.
_all_lazy, __getattr__ = lazy_exports(__name__, {
    "Analysis": "vigclips.signals",
    "PipelineConfig": "vigclips.config",
    "analyze": "vigclips.pipeline",
    "analyze_to_folder": "vigclips.pipeline",
    "export_clips": "vigclips.export",
    "find_moments": "vigclips.pipeline",
    "import_elan": "vigclips.review.elan_import",
    "load_config": "vigclips.config",
    "load_user_config": "vigclips.config",
    "rank_folder": "vigclips.rerank",
    "run_batch": "vigclips.batch",
})

__all__ = sorted(["BadInputError", "ClipSpec", "Frame", "MediaInfo", "Moment", "Signals", "VigclipsError", "VocalSegment",
                  "__version__", *_all_lazy])
