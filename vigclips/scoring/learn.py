"""Learning the principle weights from a guider's confirmations and rejections (issue 5).

The model is deliberately small so a guider or service can read it: a **logistic regression** on the four
per-principle scores a moment had when it was ranked (``moments.json`` → ``moments[].scores``)::

    P(confirmed | moment) = σ(b + Σ_p w_p · S_p),  p ∈ PRINCIPLES

fitted by Newton's method (iteratively reweighted least squares) in numpy with an L2 penalty ``l2 · Σ w_p²`` (the
intercept is not penalised) and class-balanced example weights, so ten confirmations against forty rejections still
move the weights. The result is saved as a small JSON file (never sent anywhere) and used at ranking time through
``ScoringConfig.weights_file``: the combined score becomes the model's probability instead of the hand-set weighted
mean.

:func:`evaluate_leave_one_out` checks that learning helps: for each recording, fit on all the others, then re-rank the
held-out recording's decided moments with the default weights and with the learned ones, and compare precision@k and
average precision of the confirmations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigclips.errors import ConfigError
from vigclips.scoring.principles import PRINCIPLES, combine
from vigclips.scoring.settings import ScoringConfig
from vigclips.scoring.weights import DEFAULT_L2, LearnedWeights
from vigclips.userdirs import user_weights_path

log = logging.getLogger("vigclips")

POSITIVE = frozenset({"confirmed"})
NEGATIVE = frozenset({"rejected"})


@dataclass(frozen=True, slots=True)
class Example:
    """One decided moment: its recording, id, per-principle scores (4,) and label (1 confirmed, 0 rejected)."""

    recording: str
    moment_id: str
    x: tuple[float, ...]
    y: int


MIN_USEFUL_COEF = 1e-6
"""A fit whose coefficients are all smaller than this learned nothing (the decisions contradict each other)."""


def default_weights_path() -> Path:
    """Where ``vigclips learn`` saves by default: ``learned_weights.json`` in the platform's per-user config folder
    (:func:`vigclips.userdirs.user_weights_path`), where ``analyze`` and ``rank`` find it without ``--weights``."""
    return user_weights_path()


def fit_logistic(
    x: NDArray[np.floating], y: NDArray[np.integer], l2: float = DEFAULT_L2, balanced: bool = True, max_iter: int = 50
) -> tuple[NDArray[np.float64], float]:
    """L2-penalised logistic regression by Newton's method (IRLS).

    Args:
        x: (n, d) features.
        y: (n,) labels 0/1.
        l2: penalty on the coefficients (not the intercept).
        balanced: weight each class by ``n / (2 · n_class)``.
        max_iter: Newton steps at most (it converges in a handful).

    Returns:
        ``(coef (d,), intercept)``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = x.shape
    sw = np.ones(n)
    if balanced:
        pos = y.sum()
        neg = n - pos
        if pos > 0 and neg > 0:
            sw = np.where(y == 1, n / (2 * pos), n / (2 * neg))
    a = np.hstack([np.ones((n, 1)), x])
    beta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[0] = 1e-6  # a whisper on the intercept keeps the Hessian invertible when one class is separable
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(a @ beta)))
        grad = a.T @ (sw * (p - y)) + penalty * beta
        hess = (a * (sw * p * (1 - p))[:, None]).T @ a + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta[1:], float(beta[0])


def _fit_examples(examples: list[Example], l2: float) -> LearnedWeights:
    x = np.array([e.x for e in examples], dtype=np.float64).reshape(-1, len(PRINCIPLES))
    y = np.array([e.y for e in examples], dtype=np.int64)
    pos, neg = int(y.sum()), int((1 - y).sum())
    if pos == 0 or neg == 0:
        raise ConfigError(
            "learn",
            f"need at least one confirmed and one rejected moment to learn from; found {pos} confirmed and {neg} rejected "
            "(mark moments in moments.json or the review page first)",
        )
    coef, intercept = fit_logistic(x, y, l2)
    return LearnedWeights(
        coef={p: float(c) for p, c in zip(PRINCIPLES, coef, strict=True)},
        intercept=intercept,
        l2=l2,
        n_confirmed=pos,
        n_rejected=neg,
        n_recordings=len({e.recording for e in examples}),
    )


def learn_weights(examples: list[Example], cfg: ScoringConfig, l2: float = DEFAULT_L2) -> LearnedWeights:
    """Fit the principle weights to a guider's decisions.

    Args:
        examples: the decided moments (:func:`vigclips.results.moments.read_examples` reads them from output folders).
        cfg: the scoring settings (kept for symmetry with ranking; the features are the stored scores).
        l2: ridge penalty on the coefficients.

    Returns:
        The fitted :class:`LearnedWeights` (``.save(path)`` to use it via ``ScoringConfig.weights_file``).

    Raises:
        ConfigError: no confirmed or no rejected moment.

    Example:
        >>> w = learn_weights(read_examples([Path("out/play1"), Path("out/play2")]), ScoringConfig())  # doctest: +SKIP
        >>> w.save(default_weights_path())  # doctest: +SKIP
    """
    del cfg
    return _fit_examples(examples, l2)


@dataclass(frozen=True, slots=True)
class LeaveOneOutReport:
    """Per held-out recording and mean: precision@k and average precision, default vs learned weights."""

    k: int
    recordings: list[dict[str, object]] = field(default_factory=list)
    mean_precision_at_k_default: float = float("nan")
    mean_precision_at_k_learned: float = float("nan")
    mean_ap_default: float = float("nan")
    mean_ap_learned: float = float("nan")

    def summary(self) -> str:
        """One line for the CLI."""
        if not self.recordings:
            return ("leave-one-recording-out check not possible: it needs at least two recordings with confirmed moments, "
                    "and confirmed and rejected moments in the others")  # fmt: skip
        return (
            f"leave-one-recording-out over {len(self.recordings)} recordings: precision@{self.k} "
            f"{self.mean_precision_at_k_default:.2f} → {self.mean_precision_at_k_learned:.2f}, average precision "
            f"{self.mean_ap_default:.2f} → {self.mean_ap_learned:.2f} (default → learned weights)"
        )


def _precision_at_k(order: NDArray[np.int64], y: NDArray[np.int64], k: int) -> float:
    return float(y[order[:k]].mean()) if k > 0 else float("nan")


def _average_precision(order: NDArray[np.int64], y: NDArray[np.int64]) -> float:
    hits = y[order]
    if hits.sum() == 0:
        return float("nan")
    prec = np.cumsum(hits) / np.arange(1, hits.size + 1)
    return float((prec * hits).sum() / hits.sum())


def evaluate_leave_one_out(
    examples: list[Example], cfg: ScoringConfig, k: int = 3, l2: float = DEFAULT_L2
) -> LeaveOneOutReport:
    """Does learning help? Leave-one-recording-out comparison of default and learned weights.

    For each recording with at least one confirmed moment, fit on the decisions of all *other* recordings (skipped if
    they lack a confirmation or a rejection), then order the held-out recording's decided moments by the default
    combined score (``cfg``'s hand-set weights) and by the learned probability; report precision@k (k capped at the
    number of decided moments) and average precision of the confirmations. Only moments a guider decided on can be
    judged, so this re-ranks the original candidates; it does not search the recording again.

    Args:
        examples: the decided moments of at least two recordings.
        cfg: supplies the default weights.
        k: the k of precision@k (a guider usually shows three clips).
        l2: ridge penalty.

    Returns:
        A :class:`LeaveOneOutReport`; means are NaN when no recording could be evaluated.
    """
    recordings = sorted({e.recording for e in examples})
    rows: list[dict[str, object]] = []
    for rec in recordings:
        held = [e for e in examples if e.recording == rec]
        rest = [e for e in examples if e.recording != rec]
        y = np.array([e.y for e in held], dtype=np.int64)
        if y.sum() == 0 or not any(e.y for e in rest) or all(e.y for e in rest):
            continue
        model = _fit_examples(rest, l2)
        x = np.array([e.x for e in held], dtype=np.float64)
        default = combine({p: x[:, j] for j, p in enumerate(PRINCIPLES)}, cfg.weights)
        learned = model.predict(x)
        kk = min(k, len(held))
        # Stable sorts, ties broken by the original rank order (file order).
        o_def = np.argsort(-default, kind="stable")
        o_learn = np.argsort(-learned, kind="stable")
        rows.append(
            {
                "recording": rec,
                "decided": len(held),
                "confirmed": int(y.sum()),
                "precision_at_k_default": _precision_at_k(o_def, y, kk),
                "precision_at_k_learned": _precision_at_k(o_learn, y, kk),
                "ap_default": _average_precision(o_def, y),
                "ap_learned": _average_precision(o_learn, y),
            }
        )
    if not rows:
        return LeaveOneOutReport(k=k)

    def mean(key: str) -> float:
        return float(np.mean([float(r[key]) for r in rows]))  # type: ignore[arg-type]

    return LeaveOneOutReport(
        k=k,
        recordings=rows,
        mean_precision_at_k_default=mean("precision_at_k_default"),
        mean_precision_at_k_learned=mean("precision_at_k_learned"),
        mean_ap_default=mean("ap_default"),
        mean_ap_learned=mean("ap_learned"),
    )


def fit_and_save(
    examples: list[Example],
    output: Path | None,
    cfg: ScoringConfig,
    l2: float = DEFAULT_L2,
    k: int = 3,
) -> tuple[Path, LearnedWeights, LeaveOneOutReport]:
    """What ``vigclips learn OUT...`` does: fit on every decision, save, and check by leave-one-recording-out.

    Args:
        examples: the decided moments (:func:`vigclips.results.moments.read_examples`).
        output: where to save the weights (None: :func:`default_weights_path`); written atomically, owner-only.
        cfg: supplies the default weights the evaluation compares against.
        l2: ridge penalty.
        k: the k of precision@k in the evaluation.

    Returns:
        ``(path, weights, report)``; use the path as ``[scoring] weights_file`` in the config.

    Raises:
        ConfigError: no confirmed or no rejected moment, or decisions that contradict each other (nothing is saved).
    """
    weights = learn_weights(examples, cfg, l2)
    if max(abs(c) for c in weights.coef.values()) < MIN_USEFUL_COEF:
        # e.g. the same moments both confirmed and rejected: such a model would rank every moment alike (#14)
        raise ConfigError("learn", f"the decisions do not tell confirmed from rejected moments apart ({weights.n_confirmed} "
                                   f"confirmed, {weights.n_rejected} rejected, with the same scores); nothing was saved")  # fmt: skip
    report = evaluate_leave_one_out(examples, cfg, k, l2)
    path = weights.save(Path(output) if output is not None else default_weights_path())
    return path, weights, report
