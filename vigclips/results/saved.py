"""``analysis.npz``: what ``vigclips rank`` needs to re-rank a recording without analysing it again (issue 13).

Beside ``signals.csv`` (rounded, for people and spreadsheets) ``analyze`` keeps the exact per-tick channels and the vocal
segments, so a re-ranking reproduces the analysis's own ranking to the bit when nothing changed. As STYLE S8 asks, the file
carries an explicit cache key: the recording's sha256, the settings that shaped the signals (``[analysis]``, ``[vision]``,
``[audio]``; ``[scoring]`` is what ``rank`` applies anew) and the vigclips version, and :func:`load_analysis` checks it
against ``moments.json`` before anything is used.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from vigclips import __version__
from vigclips.audio.turns import count_turns
from vigclips.errors import ReviewFileError
from vigclips.fileio import atomic_write_bytes
from vigclips.results.layout import ANALYSIS_FILE
from vigclips.results.moments import saved_config, source_of
from vigclips.signals import Analysis
from vigclips.types import MediaInfo, Signals, VocalSegment

log = logging.getLogger("vigclips")

CACHE_FORMAT = 1
SIGNAL_SECTIONS = ("analysis", "vision", "audio")
"""The settings sections that decide the signals (and so belong to the cache key); ``[scoring]`` and ``[export]`` do not."""


@dataclass(frozen=True, slots=True)
class SavedAnalysis:
    """The measured part of an analysis, as saved: channels on one timebase, vocal segments, and the key they were made with."""

    signals: Signals
    segments: list[VocalSegment]
    key: dict[str, Any]


def cache_key(sha256: str, config: dict[str, Any]) -> dict[str, Any]:
    """The key of an analysis: recording content, the settings that shaped the signals, vigclips version, file format.

    Args:
        sha256: hex sha256 of the recording.
        config: the run's settings as :meth:`PipelineConfig.to_dict` gives them (only :data:`SIGNAL_SECTIONS` are kept).

    Example:
        >>> cache_key("ab12", {"analysis": {"fps": 10.0}, "scoring": {"top": 5}})["settings"]
        {'analysis': {'fps': 10.0}}
    """
    settings = {name: config[name] for name in SIGNAL_SECTIONS if name in config}
    return {"format": CACHE_FORMAT, "sha256": sha256, "settings": settings, "vigclips": __version__}


def save_analysis(path: Path, signals: Signals, segments: list[VocalSegment], key: dict[str, Any]) -> Path:
    """Write ``analysis.npz`` atomically, owner-only (compressed numpy arrays, no pickled objects).

    Args:
        path: where to write, ``OUT/<name>/analysis.npz``.
        signals: the per-tick channels.
        segments: the vocal segments.
        key: from :func:`cache_key`.
    """
    names = sorted(signals.channels)
    matrix = (np.stack([signals.channels[n].astype(np.float32) for n in names]) if names
              else np.zeros((0, len(signals)), np.float32))  # fmt: skip
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        key=np.array(json.dumps(key, sort_keys=True, default=str)),
        tick_hz=np.array([signals.tick_hz.numerator, signals.tick_hz.denominator], dtype=np.int64),
        t_s=signals.t_s.astype(np.float64),
        channel_names=np.array(names, dtype=np.str_),
        channels=matrix,
        segment_bounds_s=np.array([[s.start_s, s.end_s] for s in segments], dtype=np.float64).reshape(-1, 2),
        segment_labels=np.array([s.label for s in segments], dtype=np.str_),
    )
    return atomic_write_bytes(Path(path), buffer.getvalue())


def read_analysis(path: Path) -> SavedAnalysis:
    """Read ``analysis.npz`` (without checking its key; see :func:`load_analysis`).

    Raises:
        ReviewFileError: missing, damaged or of another format.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            key = json.loads(str(data["key"]))
            num, den = (int(v) for v in data["tick_hz"])
            t_s = data["t_s"]
            names = [str(n) for n in data["channel_names"]]
            matrix = data["channels"]
            bounds = data["segment_bounds_s"]
            labels = [str(v) for v in data["segment_labels"]]
    except FileNotFoundError:
        raise ReviewFileError(path, "not found: this folder was analysed by an older vigclips; run `vigclips analyze` again "
                                    "to re-rank it") from None  # fmt: skip
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile, zlib.error) as exc:
        # A truncated or damaged file fails in the zip directory, in a member's compressed data, or in its header.
        raise ReviewFileError(path, f"cannot read the saved analysis (damaged or cut short: {exc.__class__.__name__}); "
                                    "run `vigclips analyze` again") from None  # fmt: skip
    if not isinstance(key, dict) or key.get("format") != CACHE_FORMAT:
        raise ReviewFileError(path, f"saved analysis of format {key.get('format') if isinstance(key, dict) else key!r}; "
                                    f"this vigclips reads format {CACHE_FORMAT}")  # fmt: skip
    problem = _shape_problem(num, den, t_s, names, matrix, bounds, labels)
    if problem:  # ranking NaN times would "find" nothing and say so with exit 0: refuse instead
        raise ReviewFileError(path, f"{problem}; run `vigclips analyze` again")
    signals = Signals(tick_hz=Fraction(num, den), t_s=t_s, channels={n: matrix[i] for i, n in enumerate(names)})
    segments = [VocalSegment(float(a), float(b), label) for (a, b), label in zip(bounds, labels, strict=True)]
    return SavedAnalysis(signals=signals, segments=segments, key=key)


def _shape_problem(num: int, den: int, t_s: np.ndarray, names: list[str], matrix: np.ndarray, bounds: np.ndarray,
                   labels: list[str]) -> str | None:  # fmt: skip
    """What is wrong with the arrays of a saved analysis (the field named), or ``None``: the one timebase must be finite
    and increasing, every channel one value per tick, every vocal segment a finite span."""
    if num <= 0 or den <= 0:
        return f"tick_hz must be a positive rate, got {num}/{den}"
    if t_s.ndim != 1 or not np.issubdtype(t_s.dtype, np.number):
        return f"t_s must be one list of times, got shape {t_s.shape}"
    if not np.isfinite(t_s).all():
        return f"t_s holds {int(np.count_nonzero(~np.isfinite(t_s)))} time(s) that are not numbers (NaN or infinite)"
    if len(t_s) > 1 and not (np.diff(t_s) > 0).all():
        return "t_s must increase from tick to tick"
    if matrix.ndim != 2 or matrix.shape != (len(names), len(t_s)) or not np.issubdtype(matrix.dtype, np.number):
        return f"channels must be {len(names)} channel(s) of {len(t_s)} tick(s), got shape {matrix.shape}"
    if bounds.ndim != 2 or bounds.shape[1:] != (2,) or len(bounds) != len(labels) or not np.issubdtype(bounds.dtype, np.number):
        return f"segment_bounds_s must be {len(labels)} (start, end) pair(s), got shape {bounds.shape}"
    if not np.isfinite(bounds).all() or (len(bounds) and not (bounds[:, 1] >= bounds[:, 0]).all()):
        return "segment_bounds_s must be finite spans that end after they start"
    return None


def load_analysis(folder: Path, document: dict[str, Any]) -> SavedAnalysis:
    """The saved analysis of an output folder, checked against its ``moments.json`` document.

    The recording's sha256 must match (the file belongs to these moments). A different vigclips version is logged, not
    refused: the guider's decisions should not be stranded by an upgrade, and ``rank`` only re-applies the ranking.

    Raises:
        ReviewFileError: no saved analysis, or one of another recording.
    """
    path = Path(folder) / ANALYSIS_FILE
    saved = read_analysis(path)
    expected = document.get("source", {}).get("sha256")
    if expected and saved.key.get("sha256") != expected:
        raise ReviewFileError(path, "was made from another recording than moments.json names (sha256 differs); "
                                    "run `vigclips analyze` again")  # fmt: skip
    if saved.key.get("vigclips") != __version__:
        log.info("%s: signals measured by vigclips %s, ranked now by %s", path, saved.key.get("vigclips"), __version__)
    return saved


def load_saved(folder: Path, document: dict[str, Any]) -> Analysis:
    """The :class:`vigclips.signals.Analysis` of a folder rebuilt from ``analysis.npz`` (turns counted again from the saved
    segments with the analysis's own audio settings).

    Raises:
        ReviewFileError: no saved analysis, or one of another recording.
    """
    saved = load_analysis(folder, document)
    source = source_of(document)
    fps = source.frame_rate or Fraction(0)
    info = MediaInfo(path=Path(source.path or source.file_name), size_bytes=source.size_bytes or 0,
                     duration_s=float(source.duration_s or 0.0), has_video=bool(fps), fps=fps, width=source.width or 0,
                     height=source.height or 0, has_audio=source.has_audio)  # fmt: skip
    turns = count_turns(saved.segments, saved.signals, saved_config(document).audio)
    return Analysis(info=info, signals=saved.signals, segments=saved.segments, turns=turns)
