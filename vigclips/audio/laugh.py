"""Laughter: rhythmic bouts of short voiced calls (issue 12): the ``infant_laugh`` / ``adult_laugh`` channels.

A laugh is a bout of short vowel-like calls ("ha-ha-ha"), each ~0.1-0.2 s, repeated at a steady ~3-6 per second, with
breathy, much quieter gaps between them (Provine & Yong 1991, Ethology 89:115: notes ~210 ms apart; Bachorowski et al.
2001, JASA 110:1581: calls ~0.1 s, a bout of 3-5; Nwokah et al. 1993, JSHR 36:1016 for infants). A cry is the opposite:
long expirations of 0.5-1.5 s with short inspirations between. So:

* a *call* is a peak of the smoothed frame level, voiced within ±30 ms, no more than 15 dB below the loudest sound
  within ±0.5 s, standing at least ``laugh_min_dip_db`` above the lowest level between it and the next peak
  (shallower peaks are merged into the louder one). Its length is the burst of frames around the peak within 10 dB of
  it (not the voiced run: pitch tracking drops out of a harsh laugh or cry for tens of ms at a time);
* a *bout* is a run of at least ``laugh_min_calls`` calls each no longer than ``laugh_max_call_s``, their onsets
  ``laugh_min_ioi_s``-``laugh_max_ioi_s`` apart and steady (every interval within ``laugh_ioi_tolerance`` of the
  bout's median). A long call (a cry's expiration, a held vowel) ends the bout;
* the bout's score is 0.5 at ``laugh_min_calls`` calls, 0.75 with one more, 1 with two more or beyond;
* whose laugh it is comes from the voice-type stage: a bout whose voiced frames lie mostly in infant segments (infant
  voice or cry) is the infant's, mostly in adult segments the adult's.

Limits, said plainly: speech with a steady syllable rhythm ("nom-nom-nom", "ha-ha" said rather than laughed) can pass
as a laugh; a silent, smiling laugh (breathy, unvoiced) is not heard; a mother laughing above ~300 Hz for half a second
is taken for the infant by the voice-type stage, and her laugh with it. A laugh of three steady calls and an irregular tail
(4JDccE.joke1.rep1 at 13.5-14.9 s) is missed: four are asked, because three steady calls also occur in cries (asking
for three finds that laugh but also finds laughter in two of the three donateacry cries).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigclips.audio.features import HOP_S, FrameFeatures
from vigclips.audio.settings import AudioConfig
from vigclips.audio.vad import VoiceActivity
from vigclips.audio.voicetype import ADULT, CRY, INFANT, LAUGH, TypedSegment

#: Level smoothing before peak picking (Hann window of 5 frames, 50 ms): removes pitch-period ripple, keeps calls.
_SMOOTH_FRAMES = 5
#: A call's peak must have a voiced frame within this many frames (30 ms).
_VOICED_NEAR = 3
#: A call's peak is at most this far below the loudest frame within ±_LOUD_CONTEXT frames (0.5 s): the calls of one
#: laugh are of a loudness; a bump in the breathy gap between two calls is not a call.
_CALL_MAX_BELOW_DB = 15.0
#: A call lasts while the level stays within this many dB of its peak.
_BURST_DB = 10.0
_LOUD_CONTEXT = 50
#: Score of a bout of exactly ``laugh_min_calls`` calls, and what each further call adds (capped at 1).
_SCORE_MIN_CALLS = 0.5
_SCORE_PER_CALL = 0.25


@dataclass(frozen=True, slots=True)
class LaughBout:
    """One laugh bout in frame units: ``[start, end)``, its number of calls and its 0-1 score."""

    start: int
    end: int
    calls: int
    score: float


def _smooth_db(level_db: NDArray[np.float32]) -> NDArray[np.float64]:
    w = np.hanning(_SMOOTH_FRAMES + 2)[1:-1]
    return np.convolve(level_db.astype(np.float64), w / w.sum(), mode="same")


def find_calls(feat: FrameFeatures, va: VoiceActivity, cfg: AudioConfig) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Laugh-call candidates: ``(peaks, runs)``, the peak frame of each call and the (C, 2) voiced run through it.

    A peak with no voiced run through it (voiced only nearby) gets the run ``[peak, peak + 1)``.
    """
    env = _smooth_db(feat.level_db)
    n = env.shape[0]
    if n < 3:
        return np.zeros(0, np.int64), np.zeros((0, 2), np.int64)
    pk = np.flatnonzero((env[1:-1] > env[:-2]) & (env[1:-1] >= env[2:])) + 1
    c = np.concatenate([[0], np.cumsum(va.voiced)])
    near = c[np.minimum(pk + _VOICED_NEAR + 1, n)] - c[np.maximum(pk - _VOICED_NEAR, 0)] > 0
    pk = pk[near]
    padded = np.pad(env, _LOUD_CONTEXT, mode="edge")
    loud = np.lib.stride_tricks.sliding_window_view(padded, 2 * _LOUD_CONTEXT + 1).max(axis=1)
    pk = pk[env[pk] >= loud[pk] - _CALL_MAX_BELOW_DB]
    kept: list[int] = []
    for p in pk.tolist():
        # merge peaks whose dip is shallow: they are one call (or one syllable), keep the louder
        if kept and float(env[kept[-1] : p + 1].min()) > min(env[kept[-1]], env[p]) - cfg.laugh_min_dip_db:
            if env[p] > env[kept[-1]]:
                kept[-1] = p
            continue
        kept.append(p)
    peaks = np.asarray(kept, np.int64)
    # A call's extent: the frames around its peak that stay within _BURST_DB of it (a burst of sound). Voicing is no
    # measure of it: YIN drops out of a harsh laugh or cry for tens of ms at a time.
    runs = np.zeros((peaks.shape[0], 2), np.int64)
    for i, p in enumerate(peaks.tolist()):
        floor = env[p] - _BURST_DB
        a = p
        while a > 0 and env[a - 1] >= floor:
            a -= 1
        b = p + 1
        while b < n and env[b] >= floor:
            b += 1
        runs[i] = (a, b)
    return peaks, runs


def find_bouts(peaks: NDArray[np.int64], runs: NDArray[np.int64], cfg: AudioConfig) -> list[LaughBout]:
    """Group calls into laugh bouts (rules in the module docstring).

    Example:
        >>> cfg = AudioConfig()
        >>> peaks = np.array([100, 125, 150, 175, 300])
        >>> runs = np.stack([peaks - 5, peaks + 5], axis=1)
        >>> [(b.start, b.end, b.calls, b.score) for b in find_bouts(peaks, runs, cfg)]
        [(95, 180, 4, 0.5)]
    """
    lo, hi = cfg.laugh_min_ioi_s / HOP_S, cfg.laugh_max_ioi_s / HOP_S
    max_call = cfg.laugh_max_call_s / HOP_S
    short = (runs[:, 1] - runs[:, 0]) <= max_call + 1e-9
    out: list[LaughBout] = []
    i, n = 0, peaks.shape[0]
    while i < n:
        if not short[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and short[j + 1] and lo - 1e-9 <= peaks[j + 1] - peaks[j] <= hi + 1e-9:
            j += 1
        k = j - i + 1
        if k >= cfg.laugh_min_calls:
            ioi = np.diff(peaks[i : j + 1]).astype(np.float64)
            med = float(np.median(ioi))
            if np.all(np.abs(ioi - med) <= cfg.laugh_ioi_tolerance * med + 1e-9):
                score = min(1.0, _SCORE_MIN_CALLS + _SCORE_PER_CALL * (k - cfg.laugh_min_calls))
                out.append(LaughBout(int(runs[i, 0]), int(runs[j, 1]), k, round(score, 3)))
        i = j + 1
    return out


def laugh_bouts(feat: FrameFeatures, va: VoiceActivity, cfg: AudioConfig) -> list[LaughBout]:
    """All laugh bouts in the recording, whoever laughs."""
    peaks, runs = find_calls(feat, va, cfg)
    return find_bouts(peaks, runs, cfg)


def split_by_speaker(
    bouts: list[LaughBout], labels: NDArray[np.int8], voiced: NDArray[np.bool_]
) -> tuple[list[LaughBout], list[LaughBout]]:
    """``(infant bouts, adult bouts)``: each bout goes to the voice type of most of its voiced frames.

    Args:
        bouts: from :func:`laugh_bouts`.
        labels: (N,) frame labels (voice-type codes, 0 = nobody).
        voiced: (N,) voiced frames.
    """
    infant: list[LaughBout] = []
    adult: list[LaughBout] = []
    for b in bouts:
        lab = labels[b.start : b.end][voiced[b.start : b.end]]
        if lab.size == 0:
            continue
        if np.mean((lab == INFANT) | (lab == CRY) | (lab == LAUGH)) > 0.5:
            infant.append(b)
        elif np.mean(lab == ADULT) > 0.5:
            adult.append(b)
    return infant, adult


def relabel_laughs(typed: list[TypedSegment], infant_bouts: list[LaughBout], cfg: AudioConfig) -> list[TypedSegment]:
    """Give the frames of infant laugh bouts the ``LAUGH`` label: a laugh is not a cry, nor plain babble.

    An infant or cry segment overlapping a bout is split into the part before, the laugh, and the part after; a part
    shorter than ``min_segment_s`` joins the laugh, and a cry part shorter than ``cry_min_s`` is no longer a cry.

    Example:
        >>> seg = [TypedSegment(0, 280, CRY, 0.9, 450.0, -5.0)]  # a 2.8 s "cry" with a laugh in it
        >>> [(s.start, s.end, s.label) for s in relabel_laughs(seg, [LaughBout(90, 200, 4, 0.8)], AudioConfig())]
        [(0, 90, 2), (90, 200, 4), (200, 280, 2)]
    """
    if not infant_bouts:
        return typed
    min_part = int(round(cfg.min_segment_s / HOP_S))
    min_cry = int(round(cfg.cry_min_s / HOP_S))
    out: list[TypedSegment] = []
    for seg in typed:
        hits = [b for b in infant_bouts if b.start < seg.end and b.end > seg.start]
        if seg.label not in (INFANT, CRY) or not hits:
            out.append(seg)
            continue
        cuts: list[tuple[int, int, int]] = []
        pos = seg.start
        for b in sorted(hits, key=lambda b: b.start):
            a, e = max(seg.start, b.start), min(seg.end, b.end)
            if a - pos < min_part and cuts and cuts[-1][2] == LAUGH:
                a = cuts[-1][0]
                cuts.pop()
            elif a - pos < min_part:
                a = pos
            elif a > pos:
                cuts.append((pos, a, seg.label))
            cuts.append((a, e, LAUGH))
            pos = e
        if seg.end - pos < min_part:
            last = cuts.pop()
            cuts.append((last[0], seg.end, last[2]))
        elif seg.end > pos:
            cuts.append((pos, seg.end, seg.label))
        for a, e, code in cuts:
            if code == CRY and e - a < min_cry:
                code = INFANT
            out.append(TypedSegment(a, e, code, seg.p_infant, seg.median_f0_hz, seg.harsh_db))
    return out


def bout_frames(bouts: list[LaughBout], n_frames: int) -> NDArray[np.float32]:
    """(N,) per-frame laugh score: each bout's score over its frames, 0 elsewhere."""
    out = np.zeros(n_frames, np.float32)
    for b in bouts:
        np.maximum(out[b.start : b.end], b.score, out=out[b.start : b.end])
    return out
