"""From window scores to ranked candidate moments with reasons a guider can check (issue 5).

:func:`find_moments` is the public entry point. The steps, all pure numpy on the signals' ticks:

1. cues → per-principle evidence → window scores → one combined 0–1 score per tick (:mod:`.principles`), scaled
   by how much of the window shows both faces (``visibility_weight``; :mod:`.windows`);
2. greedy temporal non-maximum suppression: take the best remaining peak; grow a moment around it while the score's
   lift above the no-cue floor stays above ``grow_ratio`` × the peak's; widen it to the whole exchange it touches
   (voices, smiles, looks bridged over gaps ≤ ``turn_max_gap_s``); hold it to ``min_moment_s``–``max_moment_s``
   around the peak; snap its boundaries to natural edges (a pause, the end of a turn, a look away) within
   ``snap_search_s``; pad it; and block ``nms_gap_s`` either side so the next candidate is a different moment. A
   tiny tie-break by distance to earlier candidates spreads candidates when scores are flat. If the recording has no
   room left at that gap, the gap drops to 0 (distinct, non-overlapping). Throughout, a moment may only be placed
   where it leaves room for the candidates still to come (:func:`.exclusion.moment_room`): when the recording is short or
   mostly excluded, a moment that would leave only fragments shorter than ``min_moment_s`` is shrunk towards its
   peak, or replaced by the min-length window near its peak that leaves room, so ``top_n`` are returned whenever
   they fit (:mod:`.selection`);
3. a moment where either face is missing for most of it, or the baby cries throughout, is not a candidate
   (:mod:`.exclusion`);
4. each moment gets plain-language reasons with figures, per-principle scores and details (:mod:`.reasons`), incl.
   the best still (:mod:`.still`).
"""

from __future__ import annotations

import numpy as np

from vigclips.errors import ConfigError
from vigclips.scoring.principles import compute_cues, principle_evidence
from vigclips.scoring.reasons import add_perception_caveats, describe
from vigclips.scoring.selection import select_moments
from vigclips.scoring.settings import ScoringConfig
from vigclips.scoring.weights import load_weights
from vigclips.scoring.windows import WindowScorer
from vigclips.types import Moment, Signals


def find_moments(signals: Signals, cfg: ScoringConfig, top_n: int, turns: object | None = None) -> list[Moment]:
    """Rank candidate attuned moments in a recording's signals.

    Args:
        signals: per-tick channels on one timebase (see ``vigclips.types.Signals``). Channels used, all optional:
            ``infant_present``, ``adult_present`` (or ``infant_face_x``/``adult_face_x``, or a ``faces`` count),
            ``infant_looks_at_adult``, ``adult_looks_at_infant``, ``mutual_gaze``, ``infant_smile``, ``adult_smile``,
            ``adult_voice``, ``infant_voice``, ``infant_cry`` (0–1; NaN = not seen).
        cfg: scoring settings; ``cfg.weights_file`` selects learned weights.
        top_n: how many candidates to return (at least 1).
        turns: optional turns from the audio stage (an object with a ``turns`` list, or the list itself); when
            ``None``, turns are derived from the voice channels.

    Returns:
        Up to ``top_n`` moments, rank 1 first (ids ``m01``, ``m02``, …), each ``min_moment_s``–``max_moment_s`` long,
        none overlapping another and none excluded (see :func:`~vigclips.scoring.exclusion.excluded`). **Exactly**
        ``top_n`` whenever the recording *has room* for them (:func:`~vigclips.scoring.exclusion.moment_room` ≥
        ``top_n``): there are ``top_n`` pairwise disjoint windows of ``min_moment_s`` (rounded to ticks) that each pass
        the exclusion rules (each checked face seen in at least ``1 − face_missing_max_frac`` of the window; crying,
        when measured, in at most ``cry_max_frac`` of it). In particular whenever ``top_n`` disjoint stretches of at
        least ``min_moment_s`` each have every checked face seen and no crying throughout. The gap between candidates
        asked for by ``nms_gap_s`` is kept while there is room for it and dropped to 0 (distinct, never overlapping)
        otherwise, so it is not part of the condition. Otherwise there are at least
        :func:`~vigclips.scoring.exclusion.moment_room` of them.

    Raises:
        ConfigError: ``top_n`` < 1, or an unreadable ``weights_file``.

    Example:
        >>> from fractions import Fraction
        >>> s = Signals.empty_like_ticks(Fraction(10), 600)
        >>> [m.id for m in find_moments(s, ScoringConfig(), top_n=2)]
        ['m01', 'm02']
    """
    if top_n < 1:
        raise ConfigError("top", f"the number of candidates must be at least 1, got {top_n}")
    n = len(signals)
    if n == 0:
        return []
    tick_s = 1.0 / float(signals.tick_hz) if signals.tick_hz else 0.1
    cues = compute_cues(signals, cfg, turns)
    weights, intercept = load_weights(cfg)
    evidence = principle_evidence(cues, cfg)
    picks = select_moments(cues, WindowScorer(cues, evidence, cfg, weights, intercept), cfg, top_n, tick_s)
    t_s = np.asarray(signals.t_s, dtype=np.float64)
    out: list[Moment] = []
    for rank, (s, e, p, score, at_peak) in enumerate(picks, start=1):
        start_s = float(t_s[s])
        end_s = float(t_s[e]) if e < n else float(t_s[-1] + tick_s)
        reasons, details = describe(cues, s, e, p, at_peak, weights, t_s, cfg)
        add_perception_caveats(signals, s, e, details)
        details["peak_t_s"] = round(float(t_s[p]), 3)
        out.append(
            Moment(
                id=f"m{rank:02d}",
                rank=rank,
                start_s=round(start_s, 3),
                end_s=round(end_s, 3),
                score=round(score, 4),
                reasons=tuple(reasons),
                scores=at_peak,
                details=details,
            )
        )
    return out
