"""How infant-directed an adult's speech sounds (issue 12): the ``adult_ids`` channel.

Infant-directed speech ("motherese", IDS) is higher and more variable in pitch, with exaggerated, gliding contours,
than the same speaker's adult-directed speech (Fernald et al. 1989, J Child Lang 16:477; ManyBabies Consortium 2020,
AMPPS 3:24). We score each phrase of adult speech (an ``ADULT`` segment, cut into pieces of at most
:data:`PIECE_S`) on two measures and combine them with a logistic model:

* ``pitch_st``: the phrase's median F0 in semitones above the speaker's usual pitch. The usual pitch is the median F0
  of all adult speech in the recording when it holds at least ``ids_min_reference_s`` of voiced adult speech (the same
  speaker where the recording allows), else a fixed reference (:data:`POPULATION_REFERENCE_HZ`);
* ``glide_st_s``: how fast the pitch moves, the median absolute F0 change between consecutive voiced 10 ms frames, in
  semitones per second (exaggerated contours glide; flat adult talk does not).

The speech rate, vowel lengths and pitch range were measured too and did not separate IDS from ADS within mothers on
the ManyBabies norming clips (``bench/eval_audio.py``), so they are not used. The two weights were fitted on those clips
(all six mothers); the figures reported are leave-one-mother-out.

Limits: a recording spoken almost all in IDS has IDS as its "usual" pitch, so only the glides count there; adult
speech above ~300 Hz for half a second is taken for the infant by the voice-type stage and gets no IDS score.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigclips.audio.features import HOP_S
from vigclips.audio.voicetype import ADULT, TypedSegment

#: Longest stretch of speech scored as one phrase (longer segments are cut into equal pieces up to this length).
PIECE_S = 3.0
#: Reference pitch when the recording has too little adult speech to tell the speaker's own: the median of the six
#: ManyBabies mothers' medians over all their clips (IDS and ADS together), 185 Hz.
POPULATION_REFERENCE_HZ = 185.0
#: A phrase needs this many voiced frames (0.2 s) to be scored.
_MIN_VOICED = 20
#: Logistic model ``p = sigmoid(b0 + b_pitch * pitch_st + b_glide * glide_st_s)``, fitted by
#: ``bench/eval_audio.py`` (its row "IDS model fitted on all six mothers") on the ManyBabies clips, each mother's joined.
IDS_INTERCEPT = -3.16
IDS_PITCH_PER_ST = 0.219
IDS_GLIDE_PER_ST_S = 0.201


def phrase_pieces(start: int, end: int) -> list[tuple[int, int]]:
    """Cut frames ``[start, end)`` into equal pieces of at most :data:`PIECE_S`.

    Example:
        >>> phrase_pieces(0, 700)
        [(0, 233), (233, 466), (466, 700)]
    """
    max_len = int(round(PIECE_S / HOP_S))
    n = max(1, int(np.ceil((end - start) / max_len)))
    edges = np.linspace(start, end, n + 1).astype(np.int64)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def phrase_measures(log2_f0: NDArray[np.float64]) -> tuple[float, float] | None:
    """``(median F0 in Hz, glide in semitones/s)`` of one phrase's log2 F0 track (NaN = unvoiced), or None.

    Example:
        >>> track = np.log2(np.array([200.0, 202.0, 204.0, np.nan, 210.0] * 10))
        >>> f0, glide = phrase_measures(track)
        >>> round(f0), round(glide)
        (203, 17)
    """
    v = np.isfinite(log2_f0)
    if int(v.sum()) < _MIN_VOICED:
        return None
    st = 12.0 * log2_f0
    both = v[1:] & v[:-1]
    if not both.any():
        return None
    glide = float(np.median(np.abs(np.diff(st))[both])) / HOP_S
    return float(2.0 ** np.median(log2_f0[v])), glide


def ids_probability(pitch_st: NDArray[np.float64] | float, glide_st_s: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """The logistic IDS model on the two measures.

    Example:
        >>> [round(float(p), 2) for p in ids_probability(np.array([-1.0, 3.0]), np.array([8.0, 20.0]))]
        [0.15, 0.82]
    """
    z = IDS_INTERCEPT + IDS_PITCH_PER_ST * np.asarray(pitch_st, float) + IDS_GLIDE_PER_ST_S * np.asarray(glide_st_s, float)
    return 1.0 / (1.0 + np.exp(-z))


def speaker_reference_hz(log2_f0: NDArray[np.float64], typed: list[TypedSegment], min_voiced_s: float) -> float:
    """The adult speaker's usual pitch: median F0 over all adult speech, or the population reference when too little."""
    adult = np.zeros(log2_f0.shape[0], bool)
    for s in typed:
        if s.label == ADULT:
            adult[s.start : s.end] = True
    v = adult & np.isfinite(log2_f0)
    if v.sum() * HOP_S < min_voiced_s:
        return POPULATION_REFERENCE_HZ
    return float(2.0 ** np.median(log2_f0[v]))


def ids_frames(
    log2_f0: NDArray[np.float64], typed: list[TypedSegment], min_reference_s: float, reference_hz: float | None = None
) -> NDArray[np.float32]:
    """(N,) per-frame IDS probability, NaN outside adult speech (and in phrases too short to score).

    Args:
        log2_f0: (N,) octave-repaired log2 F0 of voiced frames, NaN elsewhere (:func:`voicetype.repaired_log2_f0`).
        typed: the typed segments; only ``ADULT`` ones are scored.
        min_reference_s: voiced adult speech needed to use the recording's own reference pitch.
        reference_hz: the speaker's usual pitch if known (overrides the estimate).

    Returns:
        The frame channel.
    """
    out = np.full(log2_f0.shape[0], np.nan, np.float32)
    ref = reference_hz if reference_hz is not None else speaker_reference_hz(log2_f0, typed, min_reference_s)
    for seg in typed:
        if seg.label != ADULT:
            continue
        for a, b in phrase_pieces(seg.start, seg.end):
            m = phrase_measures(log2_f0[a:b])
            if m is None:
                continue
            f0, glide = m
            out[a:b] = float(ids_probability(12.0 * np.log2(f0 / ref), glide))
    return out
