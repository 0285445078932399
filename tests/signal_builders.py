"""Literal signal builders shared by the ranking and report tests: channels on at given (start_s, end_s) stretches."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from vigclips.types import Signals

HZ = 10


def mock_signals(duration_s: float, faces: bool = True, **stretches: list[tuple[float, float]]) -> Signals:
    """Signals of ``duration_s`` with each named channel 1 inside its (start_s, end_s) stretches and 0 elsewhere.

    With ``faces`` both faces are present throughout unless ``infant_present``/``adult_present`` are given.
    """
    n = round(duration_s * HZ)
    sig = Signals.empty_like_ticks(Fraction(HZ), n)
    if faces:
        sig["infant_present"] = np.ones(n)
        sig["adult_present"] = np.ones(n)
    for name, spans in stretches.items():
        x = np.zeros(n, dtype=np.float32)
        for a, b in spans:
            x[round(a * HZ) : round(b * HZ)] = 1.0
        sig[name] = x
    return sig


def attuned_episode(t0: float) -> dict[str, list[tuple[float, float]]]:
    """An attuned exchange starting at ``t0``: baby looks up and smiles, parent smiles back 0.8 s later, 3 turns."""
    return {
        "adult_looks_at_infant": [(t0 - 2, t0 + 12)],
        "infant_looks_at_adult": [(t0, t0 + 2.4)],
        "mutual_gaze": [(t0, t0 + 2.4)],
        "infant_smile": [(t0, t0 + 2.0)],
        "adult_smile": [(t0 + 0.8, t0 + 2.5)],
        "infant_voice": [(t0 + 1.0, t0 + 2.0), (t0 + 4.5, t0 + 6.0)],
        "adult_voice": [(t0 + 2.5, t0 + 4.0), (t0 + 7.0, t0 + 10.0)],
    }


def merge(*dicts: dict[str, list[tuple[float, float]]]) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for d in dicts:
        for k, v in d.items():
            out.setdefault(k, []).extend(v)
    return out


_COMPARISON = re.compile(r"\d\s*[<>≤≥=]|[<>≤≥=]\s*\d")
_ZERO_COUNT = re.compile(r"(?<![\d.,])0+(?:[.,]0+)?(?![.,]?\d)(?!%\S)")
_NEGATIVE = re.compile(r"\b(no|none|not|never|nothing|without)\b", re.IGNORECASE)
_JARGON = re.compile(r"\b(directed|contingent|initiative|initiatives|prompt|mutual gaze|vocal turns?|≥|threshold)\b", re.IGNORECASE)


def reason_problems(reason: str) -> list[str]:
    """What breaks the wording rules of issue 15 in one reason (empty when it is fine): a digit beside a comparison sign,
    a zero count, a negative sentence, or jargon ("directed", "prompt", "initiative", "mutual gaze"…)."""
    problems = []
    if _COMPARISON.search(reason):
        problems.append("a figure with a comparison sign")
    if _ZERO_COUNT.search(reason):
        problems.append("a zero count")
    if _NEGATIVE.search(reason):
        problems.append("a negative phrase")
    if _JARGON.search(reason):
        problems.append(f"jargon ({_JARGON.search(reason).group(0)})")
    return problems
