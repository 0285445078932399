"""Ranking candidate attuned moments (issue 5): per-principle scores, moments with reasons, learned weights.

Modules, one job each, in the order a ranking uses them: ``settings`` (:class:`ScoringConfig`), ``cues`` (what is seen
and heard: masks and events), ``events`` (finding initiatives, responses, laughs, turns), ``principles`` (channels to
cues to per-principle window scores), ``weights`` (hand-set or learned weights; the learned-weights file),
``windows`` (window scores while candidates are placed), ``exclusion`` (which stretches may be candidates),
``selection`` (placing the moments), ``reasons`` (what a guider reads), ``still`` (the still of a moment), ``moments``
(:func:`find_moments`, the entry point) and ``learn`` (fitting weights to a guider's decisions). Interval algebra is
:mod:`vigclips.intervals`.

Example:
    >>> from fractions import Fraction
    >>> from vigclips.types import Signals
    >>> from vigclips.scoring import ScoringConfig, find_moments
    >>> moments = find_moments(Signals.empty_like_ticks(Fraction(10), 600), ScoringConfig(), top_n=3)
    >>> len(moments)
    3
"""

from vigclips.scoring.cues import TurnEvent
from vigclips.scoring.learn import default_weights_path, evaluate_leave_one_out, fit_and_save, learn_weights
from vigclips.scoring.moments import find_moments
from vigclips.scoring.principles import PRINCIPLES
from vigclips.scoring.settings import ScoringConfig
from vigclips.scoring.weights import LearnedWeights, load_weights
from vigclips.scoring.windows import score_track

__all__ = [
    "PRINCIPLES",
    "LearnedWeights",
    "ScoringConfig",
    "TurnEvent",
    "default_weights_path",
    "evaluate_leave_one_out",
    "find_moments",
    "fit_and_save",
    "learn_weights",
    "load_weights",
    "score_track",
]
