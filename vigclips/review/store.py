"""Moved to :mod:`vigclips.moments_file` (the ``moments.json`` contract analysis, batch, review and export all use).

Kept as a re-export so code written against the old place keeps working; new code imports :mod:`vigclips.moments_file`.
"""

from vigclips.moments_file import *  # noqa: F401,F403
from vigclips.moments_file import __all__  # noqa: F401
