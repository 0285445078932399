"""The audio stage in one call: PCM in, per-tick voice channels and labelled vocal segments out (#4).

``analyze_audio`` = features (level, spectrum, YIN pitch) → voice activity → voice type (adult / infant) → the trained
laughter model on the infant stretches, which with how the voice is held tells cry from laugh (:mod:`.crylaugh`) →
rhythmic laugh bouts (an infant laugh becomes its own ``LAUGH`` type) and how infant-directed the adult speech is →
per-tick channels on the analysis timebase. Numpy and scipy; the laughter model runs in onnxruntime.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from vigclips.audio import crylaugh
from vigclips.audio.crylaugh import (
    LOUD_SNR_DB,
    breathy_laughs,
    calls_near,
    cry_laugh_frames,
    held_voicing_share,
    look_mask,
    merge_touching,
    retype_infant,
    room_corrected,
)
from vigclips.audio.features import HOP_S, SAMPLE_RATE_HZ, compute_features, resample_to_analysis_rate
from vigclips.audio.ids import ids_frames
from vigclips.audio.laugh import bout_frames, laugh_bouts, relabel_laughs, split_by_speaker
from vigclips.audio.laughnet import laugh_probability
from vigclips.audio.settings import AudioConfig
from vigclips.audio.vad import detect_voice
from vigclips.audio.voicetype import (
    ADULT,
    CRY,
    INFANT,
    LABEL_NAMES,
    LAUGH,
    TypedSegment,
    classify,
    mouth_tiebreak,
    repaired_log2_f0,
)
from vigclips.errors import BadInputError
from vigclips.progress import NullProgress, Progress
from vigclips.types import Signals, VocalSegment

AUDIO_COLUMNS: tuple[str, ...] = ("adult_voice", "infant_voice", "infant_cry", "infant_laugh", "adult_laugh", "adult_ids")
"""The ``signals.csv`` columns of the audio stage: the fraction (0-1) of each tick covered by adult speech, by infant
non-cry vocalisation (laughs included), and by crying (only where the sound says cry with confidence); the infant's
laughter (0-1: the laughter model's probability where the voice comes in short calls, or a rhythmic bout's score) and the
adult's (0-1 bout score, :mod:`vigclips.audio.laugh`); and how infant-directed the adult's speech is (0-1, :mod:`vigclips.audio.ids`; empty
where no adult speaks). NaN for ticks outside the audio."""

#: Coverage channels and the frame labels they count (a laugh is an infant vocalisation that is not a cry).
_CHANNEL_CODES = {"adult_voice": (ADULT,), "infant_voice": (INFANT, LAUGH), "infant_cry": (CRY,)}


@dataclass(slots=True)
class AudioResult:
    """What the audio stage found.

    Attributes:
        channels: :data:`AUDIO_COLUMNS` → (T,) float32 per-tick coverage (0-1), NaN where the tick lies outside the audio.
        segments: vocal segments labelled ``ADULT`` / ``INFANT`` / ``CRY`` / ``LAUGH``, sorted by start.
        duration_s: length of the analysed audio in seconds.
    """

    channels: dict[str, NDArray[np.float32]]
    segments: list[VocalSegment] = field(default_factory=list)
    duration_s: float = 0.0


def analyze_audio(
    pcm: NDArray[np.float32],
    sample_rate: int,
    t_s: NDArray[np.float64],
    cfg: AudioConfig,
    progress: Progress | None = None,
    *,
    signals: Signals | None = None,
) -> AudioResult:
    """Find who vocalises when: adult speech, infant vocalisations, laughs and cries; and how infant-directed the adult speaks.

    Args:
        pcm: (S,) float32 mono samples in [-1, 1] (from :func:`vigclips.media.decode.decode_audio`).
        sample_rate: their rate in Hz (16 kHz is native; others are resampled).
        t_s: (T,) float64 analysis tick times in seconds; the channels get one value per tick.
        cfg: the audio settings.
        progress: reports seconds of audio analysed; silent by default.
        signals: optional vision channels on the same ticks; when they hold ``infant_mouth_open`` and
            ``adult_mouth_open``, segments the voice alone leaves near even are given to the moving mouth.

    Returns:
        The :class:`AudioResult`.

    Raises:
        BadInputError: ``pcm`` or ``t_s`` is not 1-D, or ``sample_rate`` is not positive.

    Example:
        >>> sr = 16000; t = np.arange(3 * sr) / sr
        >>> phase = 2 * np.pi * np.cumsum(450 + 15 * np.sin(2 * np.pi * 5 * t)) / sr  # 450 Hz with vibrato
        >>> voice = np.sin(phase) + 0.5 * np.sin(2 * phase)
        >>> x = np.where((t > 1.0) & (t < 1.6), 0.2 * voice, 0.0).astype(np.float32)
        >>> res = analyze_audio(x, sr, np.arange(30) / 10, AudioConfig())
        >>> [(s.label, round(s.start_s, 1), round(s.end_s, 1)) for s in res.segments]
        [('INFANT', 1.0, 1.6)]
    """
    pcm = np.asarray(pcm)
    t_s = np.asarray(t_s, dtype=np.float64)
    if pcm.ndim != 1:
        raise BadInputError("audio", f"expected mono PCM of shape (S,), got {pcm.shape}")
    if t_s.ndim != 1:
        raise BadInputError("audio", f"t_s: expected shape (T,), got {t_s.shape}")
    if not sample_rate or sample_rate <= 0:
        raise BadInputError("audio", f"sample rate must be positive, got {sample_rate}")
    prog = progress or NullProgress()
    pcm = np.asarray(pcm, dtype=np.float32)  # no copy for float32 input: an hour of PCM is 230 MB
    if not np.isfinite(pcm).all():
        pcm = np.nan_to_num(pcm, nan=0.0, posinf=1.0, neginf=-1.0)
    x = resample_to_analysis_rate(pcm, int(sample_rate))
    duration_s = x.shape[0] / SAMPLE_RATE_HZ

    prog.start(round(duration_s, 3), "audio")
    try:
        feat = compute_features(x, on_block=prog.advance)
    finally:
        prog.close()
    va = detect_voice(feat, cfg)
    typed = classify(feat, va, cfg)
    if signals is not None and "infant_mouth_open" in signals and "adult_mouth_open" in signals:
        typed = mouth_tiebreak(typed, signals.t_s, signals["infant_mouth_open"], signals["adult_mouth_open"], cfg)
    # The trained model hears an aroused infant voice; held voicing says cry, short calls say laugh (crylaugh).
    prob = laugh_probability(x, look_mask(typed, len(feat)), HOP_S)
    cry, model_laugh = cry_laugh_frames(prob, held_voicing_share(va.voiced & look_mask(typed, len(feat), 0.0)), calls_near(va.voiced))
    # breathy as recorded (clean speech is not), and still with the room's sound taken out (a busy room's is not)
    model_laugh = breathy_laughs(model_laugh, feat.flatness, feat.level_db - va.noise_floor_db >= LOUD_SNR_DB)
    if crylaugh.ROOM_PERCENTILE is not None:
        model_laugh = breathy_laughs(model_laugh, *room_corrected(x, model_laugh))
    typed = retype_infant(typed, cry, model_laugh, cfg.min_segment_s, cfg.cry_min_s)
    infant_bouts, adult_bouts = split_by_speaker(laugh_bouts(feat, va, cfg), labels_from_segments(typed, len(feat)), va.voiced)
    ids = ids_frames(repaired_log2_f0(feat, va), typed, cfg.ids_min_reference_s)
    # Only a strong bout (score >= 0.5: four calls or more) makes a LAUGH segment; weaker ones stay in the channel.
    typed = merge_touching(relabel_laughs(typed, [b for b in infant_bouts if b.score >= 0.5], cfg))
    labels = labels_from_segments(typed, len(feat))
    segments = [
        VocalSegment(round(s.start * HOP_S, 3), round(min(s.end * HOP_S, duration_s), 3), LABEL_NAMES[s.label])
        for s in typed
    ]
    channels = tick_coverage(labels, t_s, duration_s)
    infant_laugh = np.maximum(bout_frames(infant_bouts, len(feat)), model_laugh)
    channels["infant_laugh"] = tick_mean(infant_laugh, t_s, duration_s, empty=0.0)
    channels["adult_laugh"] = tick_mean(bout_frames(adult_bouts, len(feat)), t_s, duration_s, empty=0.0)
    channels["adult_ids"] = tick_mean(ids, t_s, duration_s, empty=np.nan)
    return AudioResult(channels=channels, segments=segments, duration_s=duration_s)


def labels_from_segments(typed: list[TypedSegment], n_frames: int) -> NDArray[np.int8]:
    """(N,) int8 frame labels (0 = nobody) from typed segments."""
    labels = np.zeros(n_frames, np.int8)
    for s in typed:
        labels[s.start : s.end] = s.label
    return labels


def _tick_bounds(t_s: NDArray[np.float64], n: int, duration_s: float) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Frame range ``[lo, hi)`` of each tick and the ticks outside the audio (see :func:`tick_coverage`)."""
    dt = float(np.median(np.diff(t_s))) if t_s.shape[0] > 1 else 0.1
    lo = np.clip(np.ceil((t_s - dt / 2) / HOP_S - 1e-9).astype(np.int64), 0, n)
    hi = np.clip(np.ceil((t_s + dt / 2) / HOP_S - 1e-9).astype(np.int64), 0, n)
    outside = (t_s + dt / 2 <= 0) | (t_s >= duration_s) | (hi <= lo)
    return lo, hi, outside


def tick_mean(
    frames: NDArray[np.float32], t_s: NDArray[np.float64], duration_s: float, empty: float
) -> NDArray[np.float32]:
    """Per-tick mean of a frame channel over its non-NaN frames; ``empty`` where a tick has none, NaN outside the audio.

    Example:
        >>> frames = np.array([0.5] * 10 + [np.nan] * 10, np.float32)  # 0.2 s of 10 ms frames
        >>> tick_mean(frames, np.array([0.05, 0.15, 0.25]), 0.2, np.nan).tolist()  # the third tick is past the end
        [0.5, nan, nan]
    """
    lo, hi, outside = _tick_bounds(t_s, frames.shape[0], duration_s)
    ok = ~np.isnan(frames)
    c = np.concatenate([[0.0], np.cumsum(np.where(ok, frames, 0.0))])
    k = np.concatenate([[0], np.cumsum(ok)])
    cnt = k[hi] - k[lo]
    mean = np.where(cnt > 0, (c[hi] - c[lo]) / np.maximum(cnt, 1), empty)
    return np.where(outside, np.nan, mean).astype(np.float32)


def tick_coverage(labels: NDArray[np.int8], t_s: NDArray[np.float64], duration_s: float) -> dict[str, NDArray[np.float32]]:
    """Per-tick fraction of 10 ms frames carrying each label.

    A tick at ``t`` stands for ``[t - dt/2, t + dt/2)`` where ``dt`` is the median tick spacing (0.1 s when there
    is a single tick). Ticks at or after the end of the audio are NaN (not measured), not 0.

    Args:
        labels: (N,) int8 frame labels on the 10 ms grid.
        t_s: (T,) float64 tick times.
        duration_s: audio length.

    Returns:
        ``adult_voice``, ``infant_voice`` (infant voice and laughs) and ``infant_cry`` → (T,) float32.
    """
    lo, hi, outside = _tick_bounds(t_s, labels.shape[0], duration_s)
    count = np.maximum(hi - lo, 1)
    out: dict[str, NDArray[np.float32]] = {}
    for name, codes in _CHANNEL_CODES.items():
        c = np.concatenate([[0], np.cumsum(np.isin(labels, codes))])
        frac = (c[hi] - c[lo]) / count
        out[name] = np.where(outside, np.nan, frac).astype(np.float32)
    return out
