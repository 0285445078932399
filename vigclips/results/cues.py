"""The per-tick cues of an analysis read back from ``signals.csv`` (:func:`read_cues`): what the teaching clips draw, the
review page's face rings show, and a trimmed moment's still is chosen from.

``signals.csv`` itself is written and parsed by :mod:`vigclips.signals`; this module adds what readers of a results folder
need on top: a missing or damaged file named in one line, the guider's "the faces are the wrong way round" applied, and the
cues at a frame's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigclips.errors import ReviewFileError
from vigclips.signals import read_signals_csv

CUE_ON = 0.5
"""A 0–1 channel at or above this counts as the cue being there (the same threshold the scoring uses by default)."""
SEEN_WELL_S = 0.3
"""A face counts as seen well enough to draw its gaze and smile cues when it was found on every tick this close (s)."""

_SWAP = {"infant_looks_at_adult": "adult_looks_at_infant", "adult_looks_at_infant": "infant_looks_at_adult"}


@dataclass(frozen=True, slots=True)
class CueTrack:
    """Per-tick cue channels read from ``signals.csv``: ``t_s`` (T,) float64 and channels (T,) float32 (NaN = not measured)."""

    t_s: NDArray[np.float64]
    channels: dict[str, NDArray[np.float32]]

    def at(self, t_s: float) -> dict[str, float]:
        """Values at the tick nearest ``t_s`` (NaN for channels not measured)."""
        if len(self.t_s) == 0:
            return {}
        i = int(np.clip(np.searchsorted(self.t_s, t_s), 1, len(self.t_s) - 1)) if len(self.t_s) > 1 else 0
        if len(self.t_s) > 1 and abs(self.t_s[i - 1] - t_s) <= abs(self.t_s[i] - t_s):
            i -= 1
        return {name: float(values[i]) for name, values in self.channels.items()}

    def for_frame(self, t_s: float) -> dict[str, float]:
        """:meth:`at`, plus ``infant_seen_well`` / ``adult_seen_well`` (1 or 0): the face was found on every tick within
        :data:`SEEN_WELL_S` either side, so its gaze arrow and smile or voice marks can be trusted (#15). Without a
        presence channel, a face position on each of those ticks counts."""
        out = self.at(t_s)
        if len(self.t_s) == 0:
            return out
        near = np.abs(self.t_s - t_s) <= SEEN_WELL_S + 1e-9
        for role in ("infant", "adult"):
            present = self.channels.get(f"{role}_present")
            if present is not None and np.isfinite(present).any():
                well = bool(near.any() and np.all(np.nan_to_num(present[near], nan=0.0) >= CUE_ON))
            else:
                x = self.channels.get(f"{role}_face_x")
                well = bool(x is not None and near.any() and np.isfinite(x[near]).all())
            out[f"{role}_seen_well"] = 1.0 if well else 0.0
        return out


def read_cues(path: Path, roles_swapped: bool = False) -> CueTrack:
    """Read ``signals.csv``; with ``roles_swapped`` the ``infant_*`` and ``adult_*`` channels trade places (the guider said
    the program had the faces the wrong way round).

    Raises:
        ReviewFileError: missing file, no ``time_s`` column, or rows that are not a signals table.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewFileError(path, "not found (teaching clips need the signals of the analysis)") from None
    except (OSError, UnicodeDecodeError) as exc:  # a folder in its place, unreadable, or binary garbage
        raise ReviewFileError(path, f"cannot be read as a signals table ({exc.__class__.__name__})") from None
    try:
        signals = read_signals_csv(text)
    except (ValueError, IndexError) as exc:  # e.g. cut short in the middle of a row: that row has too few cells
        raise ReviewFileError(path, f"not a signals table vigclips wrote ({_short(exc)}); run `vigclips analyze` again") from None
    t_s = signals.t_s
    if len(t_s) == 0:  # every analysis has ticks: a header alone was cut short
        raise ReviewFileError(path, "holds no rows of signals (cut short?); run `vigclips analyze` again")
    if not np.isfinite(t_s).all() or (len(t_s) > 1 and not (np.diff(t_s) > 0).all()):
        raise ReviewFileError(path, "time_s must be numbers that increase from row to row; run `vigclips analyze` again")
    channels = {(_swapped_name(name) if roles_swapped else name): values for name, values in signals.channels.items()}
    return CueTrack(t_s=signals.t_s, channels=channels)


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 120 else text[:117] + "..."


def _swapped_name(name: str) -> str:
    """``infant_smile`` <-> ``adult_smile``; the two "looks at" channels trade places; shared channels keep their name."""
    if name in _SWAP:
        return _SWAP[name]
    if name.startswith("infant_"):
        return "adult_" + name[len("infant_"):]
    if name.startswith("adult_"):
        return "infant_" + name[len("adult_"):]
    return name
