"""A trained laughter detector: the ResNet of Gillick et al. (2021), run by onnxruntime (issue 22).

The model (``audio/models/laughter_resnet.onnx``, MIT, converted by ``models/convert_laughter_model.py`` from
jrgillick/laughter-detection's AudioSet checkpoint) reads one second of sound as a 44 x 128 log mel spectrogram of 8 kHz
audio and says how likely it holds laughter. AudioSet's laughter classes include baby laughter.

The features follow the repository's ``featurize_melspec`` (librosa's ``melspectrogram`` defaults: 2048-point periodic
Hann window, hop 186 samples, centred frames padded with zeros, 128 Slaney mel bands 0-4 kHz, power; then
``amplitude_to_db(S, ref=np.max)``: 20·log10 of the power, relative to the loudest value, floored 80 below it). The
model was trained on one-second excerpts, each featurised on its own, so here too each window is referred to its own
loudest value. Pure numpy and scipy (``models/convert_laughter_model.py features`` checks them against librosa).

Speed: one window costs about 2 GFLOP (10-15 ms on one core), so the model is not run everywhere:
:func:`laugh_probability` takes the stretches to look at (where the voice stages heard an infant) and lays one-second
windows side by side over them.
"""

from __future__ import annotations

import functools
from math import gcd

import numpy as np
from numpy.typing import NDArray

from vigclips.intervals import mask_to_intervals
from vigclips.model_assets import LAUGHTER_MODEL, load_onnx

SAMPLE_RATE_HZ = 8000
HOP = 186
N_FFT = 2048
N_MELS = 128
N_FRAMES = 44
TOP_DB = 80.0
#: Frames per second of the mel spectrogram (8000 / 186).
FRAME_HZ = SAMPLE_RATE_HZ / HOP
#: Each window's loudness is referred to the loudest sound within this many seconds either side (the model's AudioSet
#: clips were 10 s long; 0 refers each window to itself).
REF_CONTEXT_S = 0.0
#: One window's length in seconds (about 1.02 s), and the stretch length above which windows are laid every 2 s.
WINDOW_S = N_FRAMES / FRAME_HZ
LONG_STRETCH_S = 3.0
#: Windows per call to the network (one allocation, fewer calls).
_BATCH = 16


@functools.lru_cache(maxsize=1)
def _mel_filters() -> NDArray[np.float32]:
    """(128, 1025) Slaney-style mel filterbank with Slaney area normalisation, as librosa.filters.mel builds it."""
    def hz_to_mel(f):
        f = np.asarray(f, np.float64)
        lin = f / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f >= 1000.0, log, lin)

    def mel_to_hz(m):
        m = np.asarray(m, np.float64)
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3))

    fft_hz = np.linspace(0, SAMPLE_RATE_HZ / 2, 1 + N_FFT // 2)
    mel_hz = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE_HZ / 2), N_MELS + 2))
    fdiff = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2 : N_MELS + 2] - mel_hz[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def power_db_8k(y: NDArray[np.float32], pad_mode: str = "constant") -> NDArray[np.float32]:
    """(F, 128) mel power in dB (20·log10, as the model was trained), not yet referred to any maximum.

    ``F = 1 + len(y) // 186`` centred frames of 8 kHz samples ``y``.
    """
    y = np.asarray(y, np.float32)
    pad = N_FFT // 2
    yp = np.pad(y, pad, mode=pad_mode) if y.shape[0] > pad or pad_mode == "constant" else np.pad(y, pad)
    n_frames = 1 + (yp.shape[0] - N_FFT) // HOP
    if n_frames <= 0:
        return np.zeros((0, N_MELS), np.float32)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann
    frames = np.lib.stride_tricks.sliding_window_view(yp, N_FFT)[::HOP][:n_frames]
    out = np.empty((n_frames, N_MELS), np.float32)
    fb = _mel_filters().T
    for a in range(0, n_frames, 512):  # blocks bound the memory of the spectrum
        spec = np.fft.rfft(frames[a : a + 512] * window, axis=1)
        power = (spec.real**2 + spec.imag**2).astype(np.float32)
        out[a : a + 512] = power @ fb
    return (20.0 * np.log10(np.maximum(out, 1e-5))).astype(np.float32)


def log_mel_8k(y: NDArray[np.float32], pad_mode: str = "constant") -> NDArray[np.float32]:
    """``featurize_melspec`` of 8 kHz samples: :func:`power_db_8k` referred to its maximum, floored at -80."""
    db = power_db_8k(y, pad_mode)
    if db.size == 0:
        return db
    return np.maximum(db, db.max() - TOP_DB) - db.max()


def to_8k(x16k: NDArray[np.float32]) -> NDArray[np.float32]:
    """16 kHz analysis samples down to the model's 8 kHz (polyphase, anti-aliased)."""
    from scipy.signal import resample_poly

    g = gcd(16000, SAMPLE_RATE_HZ)
    return resample_poly(np.asarray(x16k, np.float32), SAMPLE_RATE_HZ // g, 16000 // g).astype(np.float32)


def log_mel(x16k: NDArray[np.float32]) -> NDArray[np.float32]:
    """(F, 128) mel power in dB of 16 kHz samples (frame ``i`` centred at ``i * 186 / 8000`` s)."""
    return power_db_8k(to_8k(x16k))


def windows_at(db: NDArray[np.float32], starts: NDArray[np.int64]) -> NDArray[np.float32]:
    """(N, 1, 44, 128) model inputs: the 44 frames from each start, each referred to its own maximum, floored at
    -80 dB (as the model's one-second training excerpts were); short ends are padded with the floor."""
    starts = np.asarray(starts, np.int64)
    out = np.full((starts.shape[0], 1, N_FRAMES, N_MELS), -TOP_DB, np.float32)
    ctx = int(round(REF_CONTEXT_S * FRAME_HZ))
    frame_max = db.max(axis=1) if db.size else db
    for i, s in enumerate(starts.tolist()):
        w = db[s : s + N_FRAMES]
        if w.shape[0] == 0:
            continue
        top = float(frame_max[max(0, s - ctx) : s + N_FRAMES + ctx].max())
        out[i, 0, : w.shape[0]] = np.maximum(w, top - TOP_DB) - top
    return out


@functools.lru_cache(maxsize=1)
def _net():
    return load_onnx(LAUGHTER_MODEL, "laughter model")  # onnxruntime is only loaded when laughter is looked for


def predict(windows: NDArray[np.float32]) -> NDArray[np.float32]:
    """(N,) laughter probability of (N, 1, 44, 128) windows."""
    out = np.zeros(windows.shape[0], np.float32)
    net = _net()
    for a in range(0, windows.shape[0], _BATCH):
        out[a : a + _BATCH] = net.run(windows[a : a + _BATCH]).reshape(-1)
    return out


def laugh_probability(x16k: NDArray[np.float32], look: NDArray[np.bool_], hop_s: float) -> NDArray[np.float32]:
    """Laughter probability on the analysis frame grid, where ``look`` asks; NaN elsewhere.

    Each stretch looked at (stretches less than half a second apart count as one) is tiled with one-second windows side by side (the last one moved back to end with the
    stretch); a stretch longer than :data:`LONG_STRETCH_S` (a long cry, mostly) gets one window every two seconds.
    Every frame takes the probability of the window whose middle is nearest. About one network call per second looked
    at, or one per two in long stretches: this keeps the audio stage within its speed budget.

    Args:
        x16k: (S,) 16 kHz samples.
        look: (N,) bool on the analysis grid (``hop_s`` apart): where to look.
        hop_s: the analysis grid's spacing in seconds.

    Returns:
        (N,) float32 probability, NaN where not looked at.
    """
    prob = np.full(look.shape[0], np.nan, np.float32)
    stretches, inputs = [], []
    # stretches less than half a window apart share their windows
    closed = look.copy()
    runs = mask_to_intervals(look)
    for (_, b0), (a1, _) in zip(runs[:-1].tolist(), runs[1:].tolist()):
        if (a1 - b0) * hop_s < WINDOW_S / 2:
            closed[b0:a1] = True
    for a, b in mask_to_intervals(closed).tolist():
        t0, t1 = a * hop_s, b * hop_s
        lo = max(0, int((t0 - 0.1) * 16000))
        hi = min(x16k.shape[0], int((max(t1, t0 + WINDOW_S) + 0.1) * 16000))
        db = log_mel(x16k[lo:hi])
        first, end = (t0 - lo / 16000) * FRAME_HZ, (t1 - lo / 16000) * FRAME_HZ
        stride = N_FRAMES * (2 if t1 - t0 > LONG_STRETCH_S else 1)
        starts = np.append(np.arange(first, max(first + 1, end - N_FRAMES + 1), stride), end - N_FRAMES)
        starts = np.unique(np.clip(np.round(starts).astype(np.int64), 0, max(0, db.shape[0] - N_FRAMES)))
        inputs.append(windows_at(db, starts))
        stretches.append((a, b, lo / 16000 + (starts + N_FRAMES / 2) / FRAME_HZ))
    if not inputs:
        return prob
    p = predict(np.concatenate(inputs))
    k = 0
    for a, b, centres_s in stretches:
        t = np.arange(a, b) * hop_s
        nearest = np.argmin(np.abs(t[:, None] - centres_s[None, :]), axis=1)
        prob[a:b] = p[k + nearest]
        k += centres_s.shape[0]
    return np.where(look, prob, np.nan).astype(np.float32)
