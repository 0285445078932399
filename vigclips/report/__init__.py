"""Outputs written beside ``moments.json``: timeline, ELAN annotations, WebVTT chapters and an editor cut list.

Example:
    >>> from vigclips.report import write_timeline_png, write_eaf, write_vtt, write_edl  # doctest: +SKIP
"""

from vigclips.report.edl import render_edl, write_edl
from vigclips.report.elan import TIERS, render_eaf, write_eaf
from vigclips.report.timeline import write_timeline_png
from vigclips.report.webvtt import render_vtt, write_vtt

__all__ = ["TIERS", "render_eaf", "render_edl", "render_vtt", "write_eaf", "write_edl", "write_timeline_png", "write_vtt"]
