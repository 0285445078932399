"""Frame-level acoustic features: level, spectral shape and pitch (F0), in pure numpy.

Everything is computed on one frame grid: hop ``HOP_S`` (10 ms), so frame ``i`` is centred at ``i * HOP_S``.
The pitch tracker is YIN (de Cheveigné & Kawahara 2002, JASA 111:1917), computed with FFTs over all frames at
once so a minute of audio costs well under a second on one core (#4: >= 100x real time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Analysis sample rate. Audio at other rates is resampled to it (decode_audio already delivers 16 kHz).
SAMPLE_RATE_HZ = 16000
#: Frame hop: 10 ms is the usual speech-analysis hop and gives 10 frames per 10 Hz analysis tick.
HOP_S = 0.010
HOP = int(SAMPLE_RATE_HZ * HOP_S)
#: YIN runs on a low-passed copy decimated to 8 kHz: the band above ~2.5 kHz carries little periodicity but much
#: of a room's broadband noise, so dropping it makes voicing decisions hold at lower SNR, and halves the cost.
YIN_DECIM = 2
YIN_RATE_HZ = SAMPLE_RATE_HZ // YIN_DECIM
YIN_CUTOFF_HZ = 2500.0
#: YIN integration window (25 ms, the standard speech frame), in 8 kHz samples.
WIN = int(0.025 * YIN_RATE_HZ)
#: Lowest and highest F0 searched. 70 Hz covers low adult male voices; 1000 Hz covers infant squeals and the
#: high register of cries (Kent & Murray 1982: infant F0 mostly 250-650 Hz, with excursions to ~1 kHz).
F0_MIN_HZ = 70.0
F0_MAX_HZ = 1000.0
TAU_MAX = int(np.ceil(YIN_RATE_HZ / F0_MIN_HZ))
TAU_MIN = int(np.floor(YIN_RATE_HZ / F0_MAX_HZ))
_NFFT_YIN = 512  # >= WIN + TAU_MAX, so the FFT cross-correlation does not wrap
#: Context (16 kHz samples) cut around each frame centre; covers the spectrum frame and the YIN frame.
_CTX = 2 * 512
#: Spectrum frame (32 ms) for spectral shape.
_NFFT_SPEC = 512
#: Spectral features are measured below 4 kHz only, so 8 kHz phone recordings and wide-band recordings agree.
SPEC_MAX_HZ = 4000.0


@dataclass(frozen=True, slots=True)
class FrameFeatures:
    """Per-frame features on the 10 ms grid. Every array is (N,) float32.

    Attributes:
        t_s: frame centre times in seconds (float64).
        level_db: frame RMS level in dB re full scale (-120 for digital silence).
        f0_hz: YIN F0 estimate in Hz, NaN where the frame is not periodic enough to have one.
        aperiodicity: YIN's cumulative-mean-normalised difference at the chosen lag, 0 (perfectly periodic) to ~1 (noise).
        centroid_hz: spectral centroid below 4 kHz.
        flatness: spectral flatness (geometric / arithmetic mean of power) in 300-4000 Hz, 0 tonal .. 1 white noise.
        hf_ratio_db: energy in 1-4 kHz relative to 80-1000 Hz, in dB (high for a short vocal tract and for cries).
    """

    t_s: NDArray[np.float64]
    level_db: NDArray[np.float32]
    f0_hz: NDArray[np.float32]
    aperiodicity: NDArray[np.float32]
    centroid_hz: NDArray[np.float32]
    flatness: NDArray[np.float32]
    hf_ratio_db: NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


def resample_to_analysis_rate(pcm: NDArray[np.float32], sample_rate: int) -> NDArray[np.float32]:
    """Return ``pcm`` at :data:`SAMPLE_RATE_HZ` (polyphase resampling; a no-op at 16 kHz).

    Args:
        pcm: (S,) float mono samples.
        sample_rate: their rate in Hz.

    Returns:
        (S',) float32 at 16 kHz.
    """
    pcm = np.asarray(pcm, dtype=np.float32)
    if sample_rate == SAMPLE_RATE_HZ:
        return pcm
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(sample_rate), SAMPLE_RATE_HZ)
    return resample_poly(pcm, SAMPLE_RATE_HZ // g, int(sample_rate) // g).astype(np.float32)


def compute_features(
    pcm: NDArray[np.float32], chunk_frames: int = 2000, on_block: Callable[[float], object] | None = None
) -> FrameFeatures:
    """Compute :class:`FrameFeatures` for 16 kHz mono PCM.

    Args:
        pcm: (S,) float32 samples in [-1, 1] at :data:`SAMPLE_RATE_HZ`.
        chunk_frames: frames processed per batch (bounds memory on long recordings: ~20 s per batch).
        on_block: called with the seconds of audio done after each batch (progress reporting).

    Returns:
        The features, one row per 10 ms.

    Example:
        >>> x = np.sin(2 * np.pi * 200 * np.arange(16000) / 16000).astype(np.float32)
        >>> f = compute_features(x)
        >>> round(float(np.nanmedian(f.f0_hz)))
        200
    """
    pcm = np.asarray(pcm, dtype=np.float32)
    n = max(1, int(np.ceil(pcm.shape[0] / HOP)))
    parts = []
    for i0 in range(0, n, chunk_frames):
        i1 = min(n, i0 + chunk_frames)
        # the chunk's samples, with context on both sides so frames at chunk edges see the same data
        s0 = i0 * HOP - _CTX
        s1 = i1 * HOP + _CTX
        lo = max(0, s0)
        chunk = pcm[lo : max(lo, min(pcm.shape[0], s1))]
        chunk = np.concatenate([np.zeros(lo - s0, np.float32), chunk])
        parts.append(_features_chunk(chunk, i1 - i0, offset=_CTX))
        if on_block is not None:
            on_block(round((i1 - i0) * HOP_S, 3))
    cols = [np.concatenate([p[k] for p in parts]) for k in range(6)]
    t_s = np.arange(n, dtype=np.float64) * HOP_S
    return FrameFeatures(t_s, *cols)


def _features_chunk(x: NDArray[np.float32], n_frames: int, offset: int) -> tuple[NDArray[np.float32], ...]:
    """Features of ``n_frames`` frames whose first centre is at sample ``offset`` of ``x`` (offset = _CTX)."""
    half = _CTX // 2
    x = x[offset - half :]
    # now frame i's centre sits at sample i*HOP + half of x
    need = (n_frames - 1) * HOP + _CTX
    if x.shape[0] < need:
        x = np.concatenate([x, np.zeros(need - x.shape[0], np.float32)])
    x = x[:need]
    big = np.lib.stride_tricks.sliding_window_view(x, _CTX)[::HOP][:n_frames]  # (N, _CTX), centred
    c = half

    # Level: RMS over a 25 ms window around the centre.
    lw = int(0.025 * SAMPLE_RATE_HZ)
    w = big[:, c - lw // 2 : c + lw // 2].astype(np.float64)
    level_db = 10.0 * np.log10(np.mean(w * w, axis=1) + 1e-12)

    # Spectrum: 32 ms Hann frame around the centre, power below 4 kHz.
    spec_frames = big[:, c - _NFFT_SPEC // 2 : c + _NFFT_SPEC // 2] * _HANN_SPEC
    power = np.abs(np.fft.rfft(spec_frames, axis=1)) ** 2 + 1e-12
    freqs = np.fft.rfftfreq(_NFFT_SPEC, 1.0 / SAMPLE_RATE_HZ)
    low = power[:, _band(freqs, 80, 1000)].sum(axis=1)
    high = power[:, _band(freqs, 1000, SPEC_MAX_HZ)].sum(axis=1)
    hf_ratio_db = 10.0 * np.log10(high / low)
    sel = _band(freqs, 80, SPEC_MAX_HZ)
    centroid = (power[:, sel] * freqs[sel]).sum(axis=1) / power[:, sel].sum(axis=1)
    flatness = spectral_flatness(power[:, _band(freqs, 300, SPEC_MAX_HZ)])

    # Pitch: low-pass (FFT mask with a 500 Hz cosine roll-off), decimate to 8 kHz, YIN.
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(x.shape[0], 1.0 / SAMPLE_RATE_HZ)
    lo_edge, hi_edge = YIN_CUTOFF_HZ - 250.0, YIN_CUTOFF_HZ + 250.0
    mask = np.clip((hi_edge - f) / (hi_edge - lo_edge), 0.0, 1.0)
    mask = 0.5 - 0.5 * np.cos(np.pi * mask)
    xd = np.fft.irfft(spec * mask, x.shape[0])[::YIN_DECIM]
    yin_len = WIN + TAU_MAX
    hop_d = HOP // YIN_DECIM
    cd = half // YIN_DECIM
    start = cd - yin_len // 2
    need_d = (n_frames - 1) * hop_d + start + yin_len
    if xd.shape[0] < need_d:
        xd = np.concatenate([xd, np.zeros(need_d - xd.shape[0])])
    yin_frames = np.lib.stride_tricks.sliding_window_view(xd[start:need_d], yin_len)[::hop_d][:n_frames]
    f0, aper = _yin(yin_frames)
    return (
        level_db.astype(np.float32),
        f0,
        aper,
        centroid.astype(np.float32),
        flatness.astype(np.float32),
        hf_ratio_db.astype(np.float32),
    )


_HANN_SPEC = np.hanning(_NFFT_SPEC).astype(np.float32)


def band_power(pcm: NDArray[np.float32], frames: NDArray[np.int64], lo_hz: float = 300.0, hi_hz: float = SPEC_MAX_HZ) -> NDArray[np.float64]:
    """(F, K) power spectra of the given frames (the 32 ms Hann spectrum frame of :func:`compute_features`, centred at
    ``frame * HOP_S``), bins in ``[lo_hz, hi_hz)``: the spectrum behind ``flatness``, for the few frames that need it
    again (a laugh's, :func:`vigclips.audio.crylaugh.room_corrected`).

    Example:
        >>> x = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000).astype(np.float32)
        >>> p = band_power(x, np.array([50]))
        >>> int(np.argmax(p[0])) == int(np.argmin(np.abs(np.fft.rfftfreq(512, 1 / 16000)[_band(np.fft.rfftfreq(512, 1 / 16000), 300, 4000)] - 1000)))
        True
    """
    half = _NFFT_SPEC // 2
    padded = np.pad(np.asarray(pcm, np.float32), (half, half))
    starts = np.clip(np.asarray(frames, np.int64) * HOP, 0, max(0, padded.shape[0] - _NFFT_SPEC))
    seg = padded[starts[:, None] + np.arange(_NFFT_SPEC)[None, :]] * _HANN_SPEC
    power = np.abs(np.fft.rfft(seg, axis=1)).astype(np.float64) ** 2 + 1e-12
    return power[:, _band(np.fft.rfftfreq(_NFFT_SPEC, 1.0 / SAMPLE_RATE_HZ), lo_hz, hi_hz)]


def spectral_flatness(power: NDArray[np.floating]) -> NDArray[np.floating]:
    """(F,) geometric over arithmetic mean of each frame's (F, K) power spectrum: near 1 for noise (breath), near 0 for
    clean voicing (energy in a few harmonics). Used for ``flatness`` and for a laugh's room-corrected breathiness.

    Example:
        >>> spectral_flatness(np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 1e-6, 1e-6, 1e-6]])).round(3).tolist()
        [1.0, 0.0]
    """
    return np.exp(np.mean(np.log(power), axis=1)) / np.mean(power, axis=1)


def _band(freqs: NDArray[np.float64], lo_hz: float, hi_hz: float) -> NDArray[np.bool_]:
    return (freqs >= lo_hz) & (freqs < hi_hz)


#: YIN absolute threshold: the first dip of the normalised difference below it is taken as the period.
YIN_THRESHOLD = 0.2
#: The threshold is lowered to ``max(YIN_REL_FLOOR, YIN_REL_FACTOR * best dip)`` when the best dip is deep.
YIN_REL_FLOOR = 0.08
YIN_REL_FACTOR = 2.0
#: At twice the chosen lag the normalised difference must stay below max(ABS, aperiodicity + MARGIN).
YIN_CONSIST_ABS = 0.35
YIN_CONSIST_MARGIN = 0.2
#: Frames whose best normalised difference stays above this have no F0 (aperiodic).
YIN_MAX_APERIODICITY = 0.5


def _yin(frames: NDArray[np.float32]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """YIN F0 over (N, WIN + TAU_MAX) frames. Returns f0_hz (NaN if unvoiced) and aperiodicity, both (N,)."""
    n = frames.shape[0]
    x = frames.astype(np.float64)
    # difference function d(tau) = sum_j (x_j - x_{j+tau})^2, j < WIN, via r(tau) = sum_j x_j x_{j+tau}
    a = np.fft.rfft(x[:, :WIN], _NFFT_YIN, axis=1)
    b = np.fft.rfft(x, _NFFT_YIN, axis=1)
    r = np.fft.irfft(np.conj(a) * b, _NFFT_YIN, axis=1)[:, : TAU_MAX + 1]
    sq = np.concatenate([np.zeros((n, 1)), np.cumsum(x * x, axis=1)], axis=1)
    e0 = sq[:, WIN][:, None]  # energy of x[0:WIN]
    taus = np.arange(TAU_MAX + 1)
    e_tau = sq[:, taus + WIN] - sq[:, taus]  # energy of x[tau:tau+WIN]
    d = np.maximum(e0 + e_tau - 2.0 * r, 0.0)
    # cumulative mean normalised difference
    cum = np.cumsum(d[:, 1:], axis=1)
    cmnd = np.ones_like(d)
    cmnd[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(cum, 1e-12)
    search = cmnd[:, TAU_MIN : TAU_MAX + 1]
    # first local minimum below the threshold, else the global minimum
    glob = np.argmin(search, axis=1)
    gmin = search[np.arange(n), glob]
    # Threshold relative to the best dip: a strong second harmonic makes d(T/2) dip below a fixed 0.2 and YIN
    # reports the octave above (seen on child and adult voices in lookit_causal_ex2); the true period dips deeper.
    thr = np.minimum(YIN_THRESHOLD, np.maximum(YIN_REL_FLOOR, gmin * YIN_REL_FACTOR))
    below = search < thr[:, None]
    is_min = np.zeros_like(below)
    is_min[:, 1:-1] = (search[:, 1:-1] <= search[:, :-2]) & (search[:, 1:-1] <= search[:, 2:])
    cand = below & is_min
    has = cand.any(axis=1)
    first = np.argmax(cand, axis=1)
    idx = np.where(has, first, glob)
    rows = np.arange(n)
    # parabolic interpolation around the chosen lag
    i = np.clip(idx, 1, search.shape[1] - 2)
    y0, y1, y2 = search[rows, i - 1], search[rows, i], search[rows, i + 1]
    den = y0 - 2 * y1 + y2
    shift = np.where(np.abs(den) > 1e-12, 0.5 * (y0 - y2) / np.where(np.abs(den) > 1e-12, den, 1.0), 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    tau = TAU_MIN + i + shift
    aper = search[rows, idx]
    # Periodicity check at twice the lag: a voice periodic at tau is nearly as periodic at 2*tau, but the damped
    # ringing of a formant (a fricative, a transition) only repeats over one short lag. Seen on
    # lookit_causal_ex2 as 850-950 Hz "pitches" inside an adult's speech.
    lag = TAU_MIN + idx
    lag2 = 2 * lag
    has2 = lag2 + 1 <= TAU_MAX
    l2 = np.clip(lag2, 1, TAU_MAX - 1)
    c2 = np.minimum(np.minimum(cmnd[rows, l2 - 1], cmnd[rows, l2]), cmnd[rows, l2 + 1])
    consistent = ~has2 | (c2 <= np.maximum(YIN_CONSIST_ABS, aper + YIN_CONSIST_MARGIN))
    silent = e0[:, 0] < 1e-9
    f0 = YIN_RATE_HZ / tau
    f0 = np.where((aper < YIN_MAX_APERIODICITY) & consistent & ~silent, f0, np.nan)
    aper = np.where(silent, 1.0, aper)
    return f0.astype(np.float32), np.clip(aper, 0, 1.5).astype(np.float32)
