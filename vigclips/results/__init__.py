"""A recording's results folder ``OUT/<name>/``: its layout, the ``moments.json`` contract and the guider's decisions in
it, the saved analysis ``rank`` re-ranks from, the cues read back from ``signals.csv``, the review previews, the one writer
of the derived files (timeline, ELAN, WebVTT, EDL), and building and swapping the folder without losing decisions.

Analysis, ``rank``, review, export, batch and ELAN import all go through this package; nothing else names a file in it.

Example:
    >>> from vigclips.results.moments import read_moments  # doctest: +SKIP
    >>> read_moments(Path("out/demo_play"))["moments"][0]["reasons"]  # doctest: +SKIP
"""
