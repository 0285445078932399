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

from vigclips import intervals as iv
from vigclips.types import MediaInfo, Signals, VocalSegment

if TYPE_CHECKING:  # for the annotations only: importing them would load OpenCV and the audio stack
    from vigclips.audio import TurnSummary
    from vigclips.vision import VisionResult

TIME_COLUMN = "time_s"
#: ``infant_smile`` at or above this is a smiling face (the scoring's default ``smile_on``).
FACE_SMILE_ON = 0.5
#: A smile this close (seconds, either side) to a loud high sound still says delight: a laugh's smile comes and goes.
SMILE_NEAR_S = 0.5
#: A laugh the sound alone heard is kept where the baby's face, when seen, smiles within this many seconds of it.
LAUGH_SMILE_NEAR_S = 1.0


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


def face_says_not_crying(
    infant_cry: NDArray[np.float32],
    infant_smile: NDArray[np.float32],
    infant_laugh: NDArray[np.float32],
    infant_voice: NDArray[np.float32],
    tick_hz: float,
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
    """What the face says counts (issue 22): a cry is kept only where the baby's face, where seen, does not smile.

    Where the face smiles (``infant_smile`` >= :data:`FACE_SMILE_ON` within ±:data:`SMILE_NEAR_S`), the sound the audio
    took for a cry is delight: it moves to ``infant_laugh`` and ``infant_voice`` (a sound made, not a cry). Where the
    face is not seen (NaN), or seen and not smiling, the sound alone decides.

    Args:
        infant_cry, infant_smile, infant_laugh, infant_voice: (T,) per-tick channels (NaN: not measured).
        tick_hz: ticks per second.

    Returns:
        ``(infant_cry, infant_laugh, infant_voice)``, new arrays.

    Example:
        >>> cry = np.array([1.0, 1.0, 1.0, 0.0, 1.0], np.float32)
        >>> smile = np.array([np.nan, 0.9, 0.0, 0.0, 0.0], np.float32)
        >>> c, l, v = face_says_not_crying(cry, smile, np.zeros(5, np.float32), np.zeros(5, np.float32), 1.0)
        >>> c.tolist(), l.tolist()
        ([1.0, 0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0, 0.0])
    """
    cry = np.asarray(infant_cry, np.float32)
    smiling = iv.near(np.nan_to_num(np.asarray(infant_smile, np.float32), nan=0.0) >= FACE_SMILE_ON,
                    int(round(SMILE_NEAR_S * tick_hz)))
    delight = np.where(smiling, np.nan_to_num(cry), 0.0).astype(np.float32)
    fused_cry = np.where(smiling & ~np.isnan(cry), 0.0, cry).astype(np.float32)
    laugh = np.asarray(infant_laugh, np.float32)
    voice = np.asarray(infant_voice, np.float32)
    fused_laugh = np.where(np.isnan(laugh), laugh, np.maximum(np.nan_to_num(laugh), delight)).astype(np.float32)
    fused_voice = np.where(np.isnan(voice), voice, np.minimum(1.0, np.nan_to_num(voice) + delight)).astype(np.float32)
    return fused_cry, fused_laugh, fused_voice


def segments_after_face_veto(
    segments: Sequence[VocalSegment], heard_cry: NDArray[np.float32], fused_cry: NDArray[np.float32], tick_hz: float
) -> list[VocalSegment]:
    """The vocal segments as the face veto left the channels: the part of a ``CRY`` segment whose ticks
    :func:`face_says_not_crying` turned into delight (heard as a cry, >= 0.5, fused below) becomes ``LAUGH``.

    Without it the RTTM and ELAN files would still say ``CRY`` over a smiling baby the signals, reasons and teaching
    clips call laughing (issue 22), and the turns counted from the segments would skip the baby's delighted sound.

    Args:
        segments: the audio stage's segments.
        heard_cry: (T,) ``infant_cry`` before the face veto; fused_cry: (T,) after it.
        tick_hz: ticks per second (tick ``i`` covers ``[i / tick_hz, (i + 1) / tick_hz)``).

    Returns:
        New list, sorted by onset; segments of other labels unchanged.

    Example:
        >>> heard = np.ones(4, np.float32); fused = np.array([1, 0, 0, 1], np.float32)
        >>> [(x.start_s, x.end_s, x.label) for x in segments_after_face_veto([VocalSegment(0.0, 4.0, "CRY")], heard, fused, 1.0)]
        [(0.0, 1.0, 'CRY'), (1.0, 3.0, 'LAUGH'), (3.0, 4.0, 'CRY')]
    """
    vetoed = (np.nan_to_num(np.asarray(heard_cry, np.float32)) >= 0.5) & (np.nan_to_num(np.asarray(fused_cry, np.float32)) < 0.5)
    out: list[VocalSegment] = []
    for seg in segments:
        if seg.label != "CRY" or not vetoed.any():
            out.append(seg)
            continue
        first = max(0, int(math.floor(seg.start_s * tick_hz)))
        last = min(vetoed.size, int(math.ceil(seg.end_s * tick_hz)))
        runs = iv.mask_to_intervals(vetoed[first:last]) + first
        cut = seg.start_s
        for a, b in runs.tolist():
            a_s, b_s = max(seg.start_s, a / tick_hz), min(seg.end_s, b / tick_hz)
            if a_s > cut:
                out.append(VocalSegment(cut, a_s, "CRY"))
            out.append(VocalSegment(a_s, b_s, "LAUGH"))
            cut = b_s
        if cut < seg.end_s:
            out.append(VocalSegment(cut, seg.end_s, "CRY"))
    return sorted(out, key=lambda x: (x.start_s, x.end_s))


def face_confirms_laugh(
    infant_laugh: NDArray[np.float32], infant_smile: NDArray[np.float32], tick_hz: float
) -> NDArray[np.float32]:
    """A laugh heard at a tick where the baby's face is seen and does not smile within ±:data:`LAUGH_SMILE_NEAR_S` is
    not claimed.

    A laughing baby smiles, open-mouthed; a "laugh" heard beside a seen, straight face is most often the parent's playful
    voice or the baby's babble (the sound stage cannot always tell whose high voice it is). Where the face is not seen
    the sound decides.

    Example:
        >>> laugh = np.array([0.9, 0.9, 0.9, 0.9], np.float32)
        >>> smile = np.array([np.nan, 0.8, 0.0, 0.0], np.float32)
        >>> face_confirms_laugh(laugh, smile, 1.0).tolist()  # unseen, smiling, smile 1 s away, straight face
        [0.8999999761581421, 0.8999999761581421, 0.8999999761581421, 0.0]
    """
    smile = np.asarray(infant_smile, np.float32)
    half = int(round(LAUGH_SMILE_NEAR_S * tick_hz))
    smiling = iv.near(np.nan_to_num(smile, nan=0.0) >= FACE_SMILE_ON, half)
    seen = ~np.isnan(smile)
    laugh = np.asarray(infant_laugh, np.float32)
    return np.where(seen & ~smiling & ~np.isnan(laugh), 0.0, laugh).astype(np.float32)


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
