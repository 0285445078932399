"""The one timebase: what an analysis measured (:class:`Analysis`), tick grids, placing per-frame values on ticks, and
``signals.csv``.

Every detector's output ends up as a (T,) float32 channel on the same ticks (``t_s = i / tick_hz``); NaN means "not measured
here" (e.g. no face seen, or no frame decoded for that tick).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from vigclips.types import MediaInfo, Signals, VocalSegment

if TYPE_CHECKING:  # for the annotations only: importing them would load OpenCV and the audio stack
    from vigclips.audio import TurnSummary
    from vigclips.vision import VisionResult

TIME_COLUMN = "time_s"


@dataclass
class Analysis:
    """Everything measured on one recording, on one timebase: ``signals`` (one row per tick), the vocal ``segments``, the
    ``turns`` counted from them, and (after a fresh analysis, not a saved one) the ``vision`` result the overlay draws."""

    info: MediaInfo
    signals: Signals
    segments: list[VocalSegment] = field(default_factory=list)
    turns: TurnSummary | None = None
    vision: VisionResult | None = None
    timings_s: dict[str, float] = field(default_factory=dict)


def tick_times(duration_s: float, tick_hz: Fraction) -> NDArray[np.float64]:
    """Tick times ``0, 1/tick_hz, …`` covering ``[0, duration_s)``; at least one tick.

    Example:
        >>> tick_times(0.35, Fraction(10)).tolist()
        [0.0, 0.1, 0.2, 0.3]
    """
    n_ticks = max(1, math.ceil(duration_s * tick_hz - 1e-9))
    return np.arange(n_ticks, dtype=np.float64) / float(tick_hz)


def tick_indices(pts_s: NDArray[np.float64], tick_hz: Fraction, n_ticks: int) -> NDArray[np.int64]:
    """Nearest tick of each timestamp, or -1 where it falls outside ``[0, n_ticks)``."""
    idx = np.rint(np.asarray(pts_s, dtype=np.float64) * float(tick_hz)).astype(np.int64)
    idx[(idx < 0) | (idx >= n_ticks)] = -1
    return idx


def place_on_ticks(
    pts_s: NDArray[np.float64], values: dict[str, NDArray], tick_hz: Fraction, n_ticks: int
) -> dict[str, NDArray[np.float32]]:
    """Put per-frame values onto the tick grid (nearest tick; a later frame on the same tick wins); NaN where no frame landed."""
    idx = tick_indices(pts_s, tick_hz, n_ticks)
    keep = idx >= 0
    placed: dict[str, NDArray[np.float32]] = {}
    for name, arr in values.items():
        out = np.full(n_ticks, np.nan, dtype=np.float32)
        out[idx[keep]] = np.asarray(arr, dtype=np.float32)[keep]
        placed[name] = out
    return placed


def signals_csv_text(signals: Signals, columns: Sequence[str]) -> str:
    """CSV with ``time_s`` then ``columns`` (those not measured are written empty), one row per tick.

    Values are written with 4 significant decimals; NaN (not measured / not seen) is an empty cell, as the issue asks.
    """
    header = [TIME_COLUMN, *columns]
    matrix = np.column_stack([signals.t_s] + [signals.get(name).astype(np.float64) for name in columns])
    buffer = io.StringIO()
    buffer.write(",".join(header) + "\n")
    for row in matrix:
        cells = [f"{row[0]:.3f}"]
        cells.extend("" if math.isnan(v) else f"{v:.4g}" for v in row[1:])
        buffer.write(",".join(cells) + "\n")
    return buffer.getvalue()


def read_signals_csv(text: str, tick_hz: Fraction | None = None) -> Signals:
    """Parse ``signals.csv`` back into :class:`Signals` (empty cells become NaN)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = lines[0].split(",")
    if header[0] != TIME_COLUMN:
        raise ValueError(f"first column must be {TIME_COLUMN!r}, got {header[0]!r}")
    rows = [[float(c) if c else np.nan for c in ln.split(",")] for ln in lines[1:]]
    matrix = np.array(rows, dtype=np.float64).reshape(len(rows), len(header))
    if tick_hz is None:
        step = float(np.median(np.diff(matrix[:, 0]))) if len(rows) > 1 else 0.1
        tick_hz = Fraction(1 / step).limit_denominator(1000)
    return Signals(tick_hz=tick_hz, t_s=matrix[:, 0], channels={h: matrix[:, i] for i, h in enumerate(header) if i})
