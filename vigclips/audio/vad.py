"""Voice activity: where someone vocalises, robust to recording level and to aperiodic household noise.

A frame counts as *voiced* when it is periodic (YIN aperiodicity low, an F0 in the voice range) **and** stands
clearly above the local noise floor. Voiced frames are the evidence; regions are grown from them by bridging short
gaps (consonants, pauses inside a phrase) and by extending edges over loud unvoiced frames (onset /s/, /t/, breath
at a cry's end). Level thresholds are relative to a running noise-floor estimate, so a quiet phone microphone and
a loud close-up recording give the same answer; aperiodic noise (kitchen, traffic, rustle) is rejected because it has
no pitch. Periodic noise (music, a television voice, squeaky toys) is *not* rejected: no hand-built DSP can tell a TV
voice from a parent's, and we say so in the docs rather than pretend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigclips.audio.features import HOP_S, FrameFeatures
from vigclips.audio.settings import AudioConfig
from vigclips.intervals import mask_to_intervals

#: Frames quieter than this are digital silence (zero padding, muted tracks) and are left out of the noise floor.
_DIGITAL_SILENCE_DB = -100.0
#: Block length and context of the running noise-floor estimate.
_FLOOR_BLOCK_S = 1.0
_FLOOR_CONTEXT_S = 15.0
#: The floor is never closer than this to the recording's loud end (its 95th level percentile).
_FLOOR_BELOW_PEAK_DB = 15.0
_PEAK_PERCENTILE = 95.0


@dataclass(frozen=True, slots=True)
class VoiceActivity:
    """Frame-level voice activity on the 10 ms grid.

    Attributes:
        voiced: (N,) bool, periodic frames above the noise floor (the frames that carry pitch evidence).
        active: (N,) bool, frames inside a vocalisation region (voiced frames plus bridged gaps and extended edges).
        noise_floor_db: (N,) float32 running noise-floor estimate in dBFS.
        regions: (R, 2) int64 frame index ranges ``[start, end)`` of the active regions, in time order.
    """

    voiced: NDArray[np.bool_]
    active: NDArray[np.bool_]
    noise_floor_db: NDArray[np.float32]
    regions: NDArray[np.int64]


def noise_floor_db(level_db: NDArray[np.float32], percentile: float) -> NDArray[np.float32]:
    """Running noise floor: a low percentile of frame levels over ±15 s, ignoring digital silence.

    Args:
        level_db: (N,) float32 frame levels in dBFS.
        percentile: which percentile counts as the floor (e.g. 10).

    Returns:
        (N,) float32 floor per frame (constant for recordings shorter than the context).
    """
    n = level_db.shape[0]
    lv = np.where(level_db > _DIGITAL_SILENCE_DB, level_db, np.nan).astype(np.float64)
    if np.all(np.isnan(lv)):
        return np.full(n, _DIGITAL_SILENCE_DB, np.float32)
    block = int(round(_FLOOR_BLOCK_S / HOP_S))
    n_blocks = int(np.ceil(n / block))
    padded = np.full(n_blocks * block, np.nan)
    padded[:n] = lv
    blocks = padded.reshape(n_blocks, block)
    half = int(round(_FLOOR_CONTEXT_S / _FLOOR_BLOCK_S))
    if n_blocks <= 2 * half + 1:
        floor = np.full(n_blocks, np.nanpercentile(blocks, percentile))
    else:
        # sort each block once, then take the percentile over every 31-block context
        ctx = np.lib.stride_tricks.sliding_window_view(
            np.pad(blocks, ((half, half), (0, 0)), mode="edge"), 2 * half + 1, axis=0
        )  # (n_blocks, block, 2*half+1)
        floor = np.nanpercentile(ctx.reshape(n_blocks, -1), percentile, axis=1)
    # blocks with no usable frame inherit the recording-wide floor
    floor = np.where(np.isnan(floor), np.nanpercentile(lv, percentile), floor)
    # When voice fills every non-silent frame (an edited clip, a long cry) the low percentile is itself voice:
    # the floor is then held at least _FLOOR_BELOW_PEAK_DB under the loud end of the recording.
    peak = np.nanpercentile(lv, _PEAK_PERCENTILE)
    floor = np.minimum(floor, peak - _FLOOR_BELOW_PEAK_DB)
    return np.repeat(floor, block)[:n].astype(np.float32)


def detect_voice(feat: FrameFeatures, cfg: AudioConfig) -> VoiceActivity:
    """Find vocalisation regions from frame features.

    Args:
        feat: features from :func:`vigclips.audio.features.compute_features`.
        cfg: the audio settings (thresholds ``vad_*``).

    Returns:
        The :class:`VoiceActivity`.

    Example:
        >>> from vigclips.audio.features import compute_features
        >>> sr = 16000; t = np.arange(2 * sr) / sr
        >>> x = np.where((t > 0.5) & (t < 1.5), 0.3 * np.sin(2 * np.pi * 220 * t), 0.0).astype(np.float32)
        >>> x += 0.001 * np.random.default_rng(0).standard_normal(x.shape).astype(np.float32)
        >>> va = detect_voice(compute_features(x), AudioConfig())
        >>> [(round(a * 0.01, 1), round(b * 0.01, 1)) for a, b in va.regions]
        [(0.5, 1.5)]
    """
    n = len(feat)
    floor = noise_floor_db(feat.level_db, cfg.vad_floor_percentile)
    snr = feat.level_db - floor
    voiced = (
        ~np.isnan(feat.f0_hz)
        & (feat.aperiodicity <= cfg.vad_max_aperiodicity)
        & (snr >= cfg.vad_min_snr_db)
        & (feat.level_db >= cfg.vad_min_level_dbfs)
    )
    voiced = _remove_short_runs(voiced, max(1, int(round(cfg.vad_min_voiced_run_s / HOP_S))))
    # bridge short unvoiced gaps between voiced frames (consonants, short pauses inside a phrase)
    active = _fill_short_gaps(voiced, int(round(cfg.vad_merge_gap_s / HOP_S)))
    # extend edges over loud frames (unvoiced onsets and offsets), at most vad_extend_s each side
    loud = (snr >= cfg.vad_extend_snr_db) & (feat.level_db >= cfg.vad_min_level_dbfs)
    active = _extend_edges(active, loud, int(round(cfg.vad_extend_s / HOP_S)))
    regions = mask_to_intervals(active)
    # drop regions with too little voiced evidence (clicks, a single periodic thud)
    min_voiced = int(round(cfg.vad_min_voiced_s / HOP_S))
    keep = np.array([voiced[a:b].sum() >= min_voiced for a, b in regions], dtype=bool) if len(regions) else np.zeros(0, bool)
    for a, b in regions[~keep]:
        active[a:b] = False
        voiced[a:b] = False
    regions = regions[keep] if len(regions) else regions
    return VoiceActivity(voiced=voiced, active=active, noise_floor_db=floor, regions=regions.reshape(-1, 2))


def _remove_short_runs(mask: NDArray[np.bool_], min_len: int) -> NDArray[np.bool_]:
    out = np.asarray(mask, bool).copy()
    for a, b in mask_to_intervals(out):
        if b - a < min_len:
            out[a:b] = False
    return out


def _fill_short_gaps(mask: NDArray[np.bool_], max_gap: int) -> NDArray[np.bool_]:
    """Set False runs of at most ``max_gap`` frames that lie between two True runs."""
    out = np.asarray(mask, bool).copy()
    gaps = mask_to_intervals(~out)
    for a, b in gaps:
        if a > 0 and b < out.shape[0] and b - a <= max_gap:
            out[a:b] = True
    return out


def _extend_edges(active: NDArray[np.bool_], loud: NDArray[np.bool_], max_ext: int) -> NDArray[np.bool_]:
    out = active.copy()
    n = out.shape[0]
    for a, b in mask_to_intervals(active):
        i = a
        while i > 0 and a - i < max_ext and loud[i - 1] and not out[i - 1]:
            i -= 1
        out[i:a] = True
        j = b
        while j < n and j - b < max_ext and loud[j] and not out[j]:
            j += 1
        out[b:j] = True
    return out
