"""Value types shared by every stage. Imports only numpy and the standard library."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Container and stream facts from :mod:`vigclips.media.probe`.

    ``width``/``height`` are the *display* size, after rotation metadata is applied (decoded frames are upright).
    ``fps`` is the stream's average frame rate as a fraction (e.g. 30000/1001); VFR files report their average.
    """

    path: Path
    size_bytes: int
    duration_s: float
    has_video: bool
    width: int = 0
    height: int = 0
    fps: Fraction = Fraction(0)
    rotation_deg: int = 0
    video_codec: str = ""
    has_audio: bool = False
    audio_codec: str = ""
    audio_sample_rate: int = 0
    audio_channels: int = 0


class Frame(NamedTuple):
    """One decoded frame at an analysis tick.

    ``image`` is (H, W, 3) uint8 **BGR** (OpenCV order), upright. ``pts_s`` is the presentation time in seconds
    measured from the start of the recording (decoder PTS, not index / fps).
    """

    index: int
    pts_s: float
    image: NDArray[np.uint8]


@dataclass(slots=True)
class Signals:
    """Per-tick channels on one timebase.

    ``t_s`` (T,) float64 are the tick times in seconds; every channel is a (T,) float32 array, NaN where the value is
    unknown (e.g. a face not seen). ``tick_hz`` is the analysis rate.
    """

    tick_hz: Fraction
    t_s: NDArray[np.float64]
    channels: dict[str, NDArray[np.float32]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.t_s = np.asarray(self.t_s, dtype=np.float64)
        if self.t_s.ndim != 1:
            raise ValueError(f"t_s: expected shape (T,), got {self.t_s.shape}")
        for name in list(self.channels):
            self[name] = self.channels[name]

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    def __contains__(self, name: object) -> bool:
        return name in self.channels

    def __getitem__(self, name: str) -> NDArray[np.float32]:
        return self.channels[name]

    def __setitem__(self, name: str, values: NDArray) -> None:
        arr = np.asarray(values, dtype=np.float32)
        if arr.shape != self.t_s.shape:
            raise ValueError(f"channel {name!r}: expected shape {self.t_s.shape}, got {arr.shape}")
        self.channels[name] = arr

    def get(self, name: str, default: float = np.nan) -> NDArray[np.float32]:
        """The channel, or a constant array of ``default`` when it was not measured."""
        if name in self.channels:
            return self.channels[name]
        return np.full(self.t_s.shape, default, dtype=np.float32)

    @classmethod
    def empty_like_ticks(cls, tick_hz: Fraction, n_ticks: int) -> "Signals":
        """Signals with tick times ``i / tick_hz`` and no channels."""
        return cls(tick_hz=tick_hz, t_s=np.arange(n_ticks, dtype=np.float64) / float(tick_hz))


@dataclass(frozen=True, slots=True)
class VocalSegment:
    """A stretch of one voice type. ``label`` is ``ADULT``, ``INFANT``, ``CRY`` or ``LAUGH`` (the RTTM labels)."""

    start_s: float
    end_s: float
    label: str


@dataclass(frozen=True, slots=True)
class Moment:
    """A candidate attuned moment. ``reasons`` are plain-language sentences; ``scores`` per principle, 0–1."""

    id: str
    rank: int
    start_s: float
    end_s: float
    score: float
    reasons: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """One clip to cut: source recording, bounds in seconds, and where the clip goes."""

    source: Path
    start_s: float
    end_s: float
    output_path: Path
