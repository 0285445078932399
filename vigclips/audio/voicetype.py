"""Who is vocalising: adult, infant, or an infant crying, from pitch, spectral shape and duration.

The evidence is pitch first: infants vocalise at ~300-600 Hz, adults speak at ~85-255 Hz (higher in
infant-directed speech). Each voiced frame gives a log-odds from its F0; the odds are pooled over a window so one
excited high syllable of a parent does not turn into an infant, and short label runs are absorbed into their
neighbours; frames with clean periodicity weigh more than weakly periodic ones, where pitch errors come from. An
infant stretch becomes a cry when it is long (cry expirations follow each other with inspirations too short to split
them, so a cry bout runs over a second) and harsh (strong energy at 1-4 kHz, which a toddler's speech or a coo lacks).
Stretches whose pitch is held dead level (music, electronic toys) are dropped: voices wobble. So are would-be infant
stretches that are periodic only in flickers (no 40 ms of unbroken voicing: the ringing of a slap or a knock); an
infant phonates through its vocalisations. Where faces are seen, per-tick mouth-openness channels settle segments
whose acoustic evidence is near even.

Limits, said plainly: a television or radio voice is a voice (adult or child by its pitch); a sibling is an infant
when their pitch is high; an adult speaking above ~300 Hz for more than half a second becomes an infant.

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigclips.audio.features import HOP_S, FrameFeatures
from vigclips.audio.settings import AudioConfig
from vigclips.audio.vad import VoiceActivity
from vigclips.intervals import mask_to_intervals

#: Frame label codes.
NONE, ADULT, INFANT, CRY = 0, 1, 2, 3
#: An infant laugh (found after voice typing, by :mod:`vigclips.audio.laugh`).
LAUGH = 4
LABEL_NAMES = {ADULT: "ADULT", INFANT: "INFANT", CRY: "CRY", LAUGH: "LAUGH"}
#: Log-odds are clipped so one frame can never outvote a whole context.
_MAX_LOGODDS = 3.0
#: Octave-error repair: a frame more than this many octaves from its context's median pitch is moved one octave.
_OCTAVE_JUMP = 0.75
_OCTAVE_CONTEXT_S = 0.3
#: Steady-tone test: 200 ms windows (20 frames), and the share of a segment's voiced frames that must lie in them.
_STEADY_WINDOW = 20
_STEADY_FRACTION = 0.1


@dataclass(frozen=True, slots=True)
class TypedSegment:
    """A vocalisation segment in frame units with the evidence behind its label.

    Attributes:
        start: first frame (inclusive). end: last frame (exclusive).
        label: ADULT, INFANT or CRY code.
        p_infant: mean per-frame infant probability over the segment's voiced frames (0-1).
        median_f0_hz: median (octave-repaired) F0 of the voiced frames.
        harsh_db: median 1-4 kHz vs 80-1000 Hz energy ratio of the voiced frames.
    """

    start: int
    end: int
    label: int
    p_infant: float
    median_f0_hz: float
    harsh_db: float


def repaired_log2_f0(feat: FrameFeatures, va: VoiceActivity) -> NDArray[np.float64]:
    """log2 F0 of voiced frames with isolated octave jumps repaired; NaN elsewhere.

    YIN's typical mistakes are single octaves (a strong second harmonic, or a period doubled in creaky voice);
    a frame more than 0.75 octave from the median of its ±0.3 s context within the same region is moved one
    octave towards it.
    """
    out = np.full(len(feat), np.nan)
    lf = np.log2(np.where(va.voiced, feat.f0_hz, np.nan).astype(np.float64))
    half = int(round(_OCTAVE_CONTEXT_S / HOP_S))
    for a, b in va.regions:
        seg = lf[a:b]
        med = _running_nanmedian(seg, half)
        diff = seg - med
        seg = np.where(diff > _OCTAVE_JUMP, seg - 1.0, np.where(diff < -_OCTAVE_JUMP, seg + 1.0, seg))
        out[a:b] = seg
    return out


def classify(feat: FrameFeatures, va: VoiceActivity, cfg: AudioConfig) -> list[TypedSegment]:
    """Label every active region's frames ADULT / INFANT / CRY.

    Args:
        feat: frame features.
        va: voice activity from :func:`vigclips.audio.vad.detect_voice`.
        cfg: audio settings (``infant_f0_hz``, ``voice_context_s``, ``min_segment_s``, ``infant_min_sustained_s``,
            ``cry_*``).

    Returns:
        The typed segments in time order (frames outside them: nobody vocalises).
    """
    lf = repaired_log2_f0(feat, va)
    logodds = np.clip((lf - np.log2(cfg.infant_f0_hz)) / cfg.infant_f0_width_oct, -_MAX_LOGODDS, _MAX_LOGODDS)
    half = max(1, int(round(cfg.voice_context_s / HOP_S)))
    min_run = int(round(cfg.min_segment_s / HOP_S))
    segments: list[TypedSegment] = []
    for a, b in va.regions:
        lo = logodds[a:b]
        has = ~np.isnan(lo)
        if not has.any():
            continue
        # Confident pitch counts more: weight 1 for a perfectly periodic frame, falling to 0 at the voicing limit.
        # Pitch errors (a formant's ringing, a harmonic taken for F0) come from weakly periodic frames.
        w = np.clip(1.0 - feat.aperiodicity[a:b] / cfg.vad_max_aperiodicity, 0.05, 1.0) ** 2
        w = np.where(has, w, np.nan)
        pooled = _window_mean(lo * w, half) / _window_mean(w, half)
        # frames with no voiced evidence nearby take the region's overall decision
        pooled = np.where(np.isnan(pooled), np.nansum(lo * w) / np.nansum(w), pooled)
        lab = np.where(pooled > 0, INFANT, ADULT).astype(np.int8)
        lab = absorb_short_runs(lab, min_run)
        for ra, rb in label_runs(lab):
            s, e = a + ra, a + rb
            v = va.voiced[s:e]
            p_inf = float(np.mean(_sigmoid(logodds[s:e][v]))) if v.any() else float(lab[ra] == INFANT)
            f0_med = float(2.0 ** np.nanmedian(lf[s:e])) if v.any() else float("nan")
            harsh = float(np.median(feat.hf_ratio_db[s:e][v])) if v.any() else float("nan")
            if _is_steady_tone(lf[s:e], cfg.steady_tone_cents):
                continue  # a held note (music, an electronic toy, a TV jingle), not a voice
            code = int(lab[ra])
            if code == INFANT and _longest_run(v) * HOP_S < cfg.infant_min_sustained_s - 1e-9:
                continue  # no sustained phonation: an impact's ringing, not an infant's voice
            if code == INFANT and (e - s) * HOP_S >= cfg.cry_min_s and harsh >= cfg.cry_min_harsh_db:
                code = CRY
            segments.append(TypedSegment(s, e, code, p_inf, f0_med, harsh))
    return segments


def _is_steady_tone(log2_f0: NDArray[np.float64], max_range_cents: float) -> bool:
    """True when the pitch is held dead level, as an instrument or an electronic toy holds a note.

    Voices wobble (jitter, vibrato, glides): on the shared media no 200 ms stretch of any voice, adult, toddler,
    cry, squeal or synthetic demo voice, stays within 8 cents; the music in icatcher_test_short.mp4 does so for 21 % of its voiced frames.
    A segment counts as a steady tone when at least :data:`_STEADY_FRACTION` of its voiced frames lie in such
    stretches.
    """
    if max_range_cents <= 0:
        return False
    cents = log2_f0 * 1200.0
    n, w = cents.shape[0], _STEADY_WINDOW
    voiced = ~np.isnan(cents)
    if voiced.sum() < w:
        return False
    win = np.lib.stride_tricks.sliding_window_view(np.pad(cents, (0, w - 1), constant_values=np.nan), w)[:n]
    full = ~np.isnan(win).any(axis=1)
    flat = np.zeros(n, bool)
    if full.any():
        flat[full] = (np.max(win[full], axis=1) - np.min(win[full], axis=1)) < max_range_cents
    covered = np.zeros(n + w, np.int64)
    starts = np.flatnonzero(flat)
    np.add.at(covered, starts, 1)
    np.add.at(covered, starts + w, -1)
    in_flat = np.cumsum(covered)[:n] > 0
    return float(np.mean(in_flat[voiced])) >= _STEADY_FRACTION


def _longest_run(mask: NDArray[np.bool_]) -> int:
    """Length of the longest run of True values.

    Example:
        >>> _longest_run(np.array([True, False, True, True, False]))
        2
    """
    runs = mask_to_intervals(mask)
    return int(np.max(runs[:, 1] - runs[:, 0])) if runs.size else 0


def _sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-x))


def _window_mean(x: NDArray[np.float64], half: int) -> NDArray[np.float64]:
    """Mean of the non-NaN values within ±half samples; NaN where there are none."""
    v = ~np.isnan(x)
    c = np.concatenate([[0.0], np.cumsum(np.where(v, x, 0.0))])
    k = np.concatenate([[0], np.cumsum(v)])
    idx = np.arange(x.shape[0])
    lo = np.clip(idx - half, 0, x.shape[0])
    hi = np.clip(idx + half + 1, 0, x.shape[0])
    cnt = k[hi] - k[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, (c[hi] - c[lo]) / np.maximum(cnt, 1), np.nan)


def _running_nanmedian(x: NDArray[np.float64], half: int) -> NDArray[np.float64]:
    n = x.shape[0]
    padded = np.pad(x, half, constant_values=np.nan)
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)[:n]
    out = np.full(n, np.nan)
    ok = (~np.isnan(win)).any(axis=1)
    if ok.any():
        out[ok] = np.nanmedian(win[ok], axis=1)
    return out


def label_runs(lab: NDArray[np.int8]) -> list[tuple[int, int]]:
    """[start, end) runs of equal values."""
    if lab.shape[0] == 0:
        return []
    cut = np.flatnonzero(np.diff(lab)) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [lab.shape[0]]])
    return list(zip(starts.tolist(), ends.tolist()))


def absorb_short_runs(lab: NDArray[np.int8], min_run: int) -> NDArray[np.int8]:
    """Relabel runs shorter than ``min_run`` with the label of their longer neighbour, shortest first."""
    lab = lab.copy()
    while True:
        runs = label_runs(lab)
        if len(runs) <= 1:
            return lab
        lengths = [b - a for a, b in runs]
        i = int(np.argmin(lengths))
        if lengths[i] >= min_run:
            return lab
        a, b = runs[i]
        left = lengths[i - 1] if i > 0 else -1
        right = lengths[i + 1] if i + 1 < len(runs) else -1
        j = i - 1 if left >= right else i + 1
        lab[a:b] = lab[runs[j][0]]


MOUTH_DOMINANCE = 1.5
"""How many times more one mouth must move than the other to settle a segment."""


def mouth_tiebreak(
    segments: list[TypedSegment],
    t_s: NDArray[np.float64],
    infant_mouth: NDArray[np.float32] | None,
    adult_mouth: NDArray[np.float32] | None,
    cfg: AudioConfig,
) -> list[TypedSegment]:
    """Settle acoustically ambiguous segments with the faces' mouth movement.

    A segment whose infant probability is within ``cfg.mouth_tiebreak_margin`` of 0.5 goes to whichever tracked
    face's mouth opening varies more during it (a speaking mouth opens and closes); cries stay cries.

    Args:
        segments: typed segments (frame units on the 10 ms grid).
        t_s: (T,) float64 tick times of the mouth channels.
        infant_mouth: (T,) float32 infant mouth openness per tick (NaN where the face is not seen), or None.
        adult_mouth: (T,) float32 adult mouth openness per tick, or None.
        cfg: audio settings.

    Returns:
        The segments, relabelled where the mouths decide.
    """
    if infant_mouth is None or adult_mouth is None:
        return segments
    out = []
    for seg in segments:
        if seg.label != CRY and abs(seg.p_infant - 0.5) <= cfg.mouth_tiebreak_margin:
            m = (t_s >= seg.start * HOP_S) & (t_s < seg.end * HOP_S)
            inf = infant_mouth[m]
            adu = adult_mouth[m]
            inf, adu = inf[~np.isnan(inf)], adu[~np.isnan(adu)]
            # need at least 3 seen ticks of both faces to compare their movement
            if inf.shape[0] >= 3 and adu.shape[0] >= 3:
                s_inf, s_adu = float(np.std(inf)), float(np.std(adu))
                moving, still = max(s_inf, s_adu), min(s_inf, s_adu)
                if moving >= cfg.mouth_min_movement and moving >= MOUTH_DOMINANCE * still:
                    seg = TypedSegment(seg.start, seg.end, INFANT if s_inf > s_adu else ADULT, seg.p_infant,
                                       seg.median_f0_hz, seg.harsh_db)
        out.append(seg)
    return out
