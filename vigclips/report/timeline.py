"""``timeline.png``: the main signals over time with the candidates shaded and numbered (issue 5).

Readable at a glance by a guider: one labelled row per cue (as the ranking saw it, after thresholds), the combined
score underneath, and each candidate as a shaded band with its rank on top. Drawn with matplotlib's Agg backend (no
display needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vigclips import intervals as iv
from vigclips.fileio import atomic_path
from vigclips.scoring import score_track
from vigclips.scoring.settings import ScoringConfig
from vigclips.types import Moment, Signals

_ROWS: tuple[tuple[str, str, str], ...] = (
    # (label, Cues attribute, colour)
    ("baby face seen", "infant_seen", "#9e9e9e"),
    ("parent face seen", "adult_seen", "#616161"),
    ("baby looks at parent", "infant_look", "#64b5f6"),
    ("parent looks at baby", "adult_look", "#1976d2"),
    ("mutual gaze", "mutual", "#0d47a1"),
    ("baby smiles", "infant_smile", "#ffb74d"),
    ("parent smiles", "adult_smile", "#f57c00"),
    ("shared smile", "shared_smile", "#bf360c"),
    ("parent voice", "adult_voice", "#81c784"),
    ("baby voice", "infant_voice", "#2e7d32"),
    ("baby cries", "cry", "#c62828"),
    ("baby laughs", "infant_laugh", "#ad1457"),
    ("parent sing-song voice", "adult_ids", "#6a1b9a"),
)


AXES_X_FRAC = (0.11, 0.99)
"""Where the time axis starts and ends across the picture (fractions of its width): the review page maps clicks with it."""

_STEPS_S: tuple[int, ...] = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
"""Candidate spacings of the time axis ticks, in seconds."""


def _mmss(t_s: float, _pos: object = None) -> str:
    t = round(t_s)
    return f"{t // 3600}:{t // 60 % 60:02d}:{t % 60:02d}" if t >= 3600 else f"{t // 60}:{t % 60:02d}"


def write_timeline_png(
    signals: Signals,
    moments: Sequence[Moment],
    path: Path,
    cfg: ScoringConfig,
    turns: object | None = None,
    title: str = "",
) -> Path:
    """Draw the timeline and write it as a PNG atomically, owner-only.

    Args:
        signals: the recording's per-tick channels.
        moments: the ranked candidates to shade and number.
        path: where to write, e.g. ``OUT/timeline.png``.
        cfg: scoring settings used for the thresholds and the score row.
        turns: turns from the audio stage, as given to :func:`vigclips.scoring.find_moments`.
        title: optional title (e.g. the recording's name).

    Returns:
        ``path``.

    Example:
        >>> write_timeline_png(signals, moments, out / "timeline.png", ScoringConfig())  # doctest: +SKIP
    """
    # The object-oriented API only: no pyplot and no backend switch (#13: the caller's backend is left alone).
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    cues, _scores, combined = score_track(signals, cfg, turns)
    t = np.asarray(signals.t_s, dtype=np.float64)
    n = t.shape[0]
    tick = cues.tick_s
    t_end = float(t[-1] + tick) if n else 1.0
    rows = [r for r in _ROWS if _row_measured(r[1], cues)]

    fig = Figure(figsize=(16, 1.2 + 0.32 * len(rows) + 1.6), dpi=100)
    gs = fig.add_gridspec(2, 1, height_ratios=[max(1, len(rows)) * 0.32, 1.6], hspace=0.08)
    ax = fig.add_subplot(gs[0])
    ax_s = fig.add_subplot(gs[1], sharex=ax)
    for k, (_label, attr, colour) in enumerate(rows):
        y = len(rows) - 1 - k
        mask = getattr(cues, attr)
        spans = iv.mask_to_intervals(mask)
        if spans.shape[0]:
            starts = t[spans[:, 0]]
            ends = np.where(spans[:, 1] < n, t[np.minimum(spans[:, 1], n - 1)], t_end)
            ax.broken_barh(list(zip(starts, ends - starts, strict=True)), (y - 0.35, 0.7), facecolors=colour)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in reversed(rows)], fontsize=9)
    ax.set_ylim(-0.6, max(len(rows), 1) - 0.4)
    if not rows:
        ax.text(0.5, 0.5, "no faces or voices were measured", transform=ax.transAxes, ha="center", va="center")
    ax.tick_params(axis="x", labelbottom=False)
    ax.grid(axis="x", alpha=0.3)

    ax_s.plot(t, combined, color="#37474f", lw=0.9)
    # Real recordings often score far below 1; scale so the peaks are visible, but never exaggerate noise.
    top = float(np.nanmax(combined)) if n else 0.0
    ax_s.set_ylim(0, max(0.2, min(1.05, 1.15 * top)))
    ax_s.set_ylabel("score (0–1)", fontsize=9)
    ax_s.set_xlim(0, t_end)
    # Round clock steps (10 s, 30 s, 1 min, 5 min, …) so a guider reads times straight off the axis.
    step = next((x for x in _STEPS_S if t_end / x <= 16), _STEPS_S[-1])
    ax_s.xaxis.set_major_locator(MultipleLocator(step))
    ax_s.xaxis.set_major_formatter(FuncFormatter(_mmss))
    ax_s.set_xlabel("time (min:s)")
    ax_s.grid(alpha=0.3)

    for m in moments:
        for a in (ax, ax_s):
            a.axvspan(m.start_s, m.end_s, color="#fdd835", alpha=0.35, lw=0)
        ax.text((m.start_s + m.end_s) / 2, 1.0, str(m.rank), transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=10, fontweight="bold", color="#5d4037")
    heading = title or "vigclips timeline"
    fig.suptitle(f"{heading}: candidates shaded and numbered by rank", fontsize=11)
    fig.subplots_adjust(left=AXES_X_FRAC[0], right=AXES_X_FRAC[1], top=1 - 0.5 / fig.get_figheight(), bottom=0.55 / fig.get_figheight())
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)


def _row_measured(attr: str, cues: object) -> bool:
    measured = cues.measured
    family = {
        "infant_seen": "faces", "adult_seen": "faces", "infant_look": "gaze", "adult_look": "gaze", "mutual": "gaze",
        "infant_smile": "smile", "adult_smile": "smile", "shared_smile": "smile", "adult_voice": "voice",
        "infant_voice": "voice", "cry": "cry", "infant_laugh": "laugh", "adult_ids": "ids",
    }[attr]
    return family in measured
