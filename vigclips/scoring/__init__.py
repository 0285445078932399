"""Ranking candidate attuned moments (issue 5): per-principle scores, moments with reasons, learned weights.

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
from vigclips.scoring.moments import find_moments, score_track
from vigclips.scoring.principles import PRINCIPLES
from vigclips.scoring.settings import ScoringConfig
from vigclips.scoring.weights import LearnedWeights, load_weights

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
