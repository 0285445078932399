"""The principle weights to rank with, and the learned-weights file that holds them (issue 5).

Hand-set weights come from :class:`~vigclips.scoring.settings.ScoringConfig`; learned ones from a small JSON file that
``vigclips learn`` writes (:meth:`LearnedWeights.save`) and ranking reads (:func:`load_weights`, through
``ScoringConfig.weights_file``). Reader and writer of that file live here together; fitting the model is
:mod:`vigclips.scoring.learn`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigclips.errors import ConfigError
from vigclips.fileio import atomic_write_text
from vigclips.scoring.principles import PRINCIPLES
from vigclips.scoring.settings import ScoringConfig

WEIGHTS_VERSION = 1
"""Version of the learned-weights file, written by :meth:`LearnedWeights.save` and checked by :func:`load_weights`."""
DEFAULT_L2 = 1.0
"""Default ridge penalty: with a handful of decisions the weights stay near 0 unless the evidence is consistent."""

_WEIGHTS_CACHE: dict[tuple[str, float], tuple[dict[str, float], float]] = {}
"""Learned weights already read, by (resolved path, modification time)."""


def load_weights(cfg: ScoringConfig) -> tuple[dict[str, float], float | None]:
    """The principle weights to rank with: hand-set from ``cfg``, or learned from ``cfg.weights_file``.

    Returns:
        ``(weights, intercept)``; ``intercept`` is ``None`` for hand-set weights (weighted mean) and a float for a
        learned logistic model (see :mod:`vigclips.scoring.learn`).

    Raises:
        ConfigError: the weights file is missing, not JSON, or not a learned-weights file.
    """
    if not cfg.weights_file:
        return cfg.weights, None
    path = Path(cfg.weights_file).expanduser()
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError:
        raise ConfigError(path, "learned weights file not found (run `vigclips learn` or clear scoring.weights_file)") from None
    if key in _WEIGHTS_CACHE:
        w, b = _WEIGHTS_CACHE[key]
        return dict(w), b
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("model") != "logistic" or data.get("version") != WEIGHTS_VERSION:
            raise ValueError(f"not a version-{WEIGHTS_VERSION} logistic weights file")
        coef = {str(k): float(v) for k, v in data["coef"].items()}
        missing = [p for p in PRINCIPLES if p not in coef]
        if missing:
            raise ValueError(f"missing coefficient for {missing[0]}")
        intercept = float(data["intercept"])
        unusable = [name for name, value in [*coef.items(), ("intercept", intercept)] if not math.isfinite(value)]
        if unusable:  # NaN would rank every candidate equal (and fail when saved): a damaged or hand-edited file
            raise ValueError(f"{unusable[0]} must be a number, got {coef.get(unusable[0], intercept)}")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(path, f"not a learned weights file ({exc})") from None
    _WEIGHTS_CACHE[key] = (coef, intercept)
    return dict(coef), intercept


@dataclass(frozen=True, slots=True)
class LearnedWeights:
    """A fitted model: ``P(confirmed) = σ(intercept + Σ coef[p] · S_p)``."""

    coef: dict[str, float]
    intercept: float
    l2: float = DEFAULT_L2
    n_confirmed: int = 0
    n_rejected: int = 0
    n_recordings: int = 0

    def predict(self, x: NDArray[np.floating]) -> NDArray[np.float64]:
        """Probabilities for per-principle scores ``x`` (n, 4) in :data:`PRINCIPLES` order."""
        w = np.array([self.coef[p] for p in PRINCIPLES])
        return 1.0 / (1.0 + np.exp(-(self.intercept + np.asarray(x, dtype=np.float64) @ w)))

    def to_dict(self) -> dict[str, object]:
        """The JSON document :func:`load_weights` reads."""
        return {
            "version": WEIGHTS_VERSION,
            "model": "logistic",
            "features": list(PRINCIPLES),
            "coef": {p: round(self.coef[p], 6) for p in PRINCIPLES},
            "intercept": round(self.intercept, 6),
            "l2": self.l2,
            "trained_on": {"confirmed": self.n_confirmed, "rejected": self.n_rejected, "recordings": self.n_recordings},
            "note": "P(confirmed) = 1 / (1 + exp(-(intercept + sum(coef[p] * score[p])))); learned locally by vigclips learn",
        }

    def save(self, path: Path) -> Path:
        """Write the weights JSON atomically, owner-only."""
        return atomic_write_text(Path(path), json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> LearnedWeights:
        """Read a weights JSON written by :meth:`save`.

        Raises:
            ConfigError: missing or malformed file.
        """
        coef, intercept = load_weights(ScoringConfig(weights_file=str(path)))
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        trained = data.get("trained_on", {}) if isinstance(data.get("trained_on"), dict) else {}
        return cls(
            coef=coef,
            intercept=float(intercept or 0.0),
            l2=float(data.get("l2", DEFAULT_L2)),
            n_confirmed=int(trained.get("confirmed", 0)),
            n_rejected=int(trained.get("rejected", 0)),
            n_recordings=int(trained.get("recordings", 0)),
        )
