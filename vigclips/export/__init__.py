"""What a guider takes to the family: frame-accurate clips of the chosen moments with ``manifest.csv`` and the editors'
timelines (:mod:`~vigclips.export.clips`), teaching versions with the cues drawn in (:mod:`~vigclips.export.teaching`), and
the parent's contact sheet (:mod:`~vigclips.export.sheet`).

Example:
    >>> from vigclips.export import export_clips  # doctest: +SKIP
    >>> export_clips(Path("out/demo_play"), include_candidates=True)  # doctest: +SKIP
"""

from vigclips.export.clips import export_clips, export_name

__all__ = ["export_clips", "export_name"]
