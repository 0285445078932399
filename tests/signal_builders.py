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


def noisy_recording(duration_s: float, every_s: float = 97.0, seed: int = 0):
    """A long recording's signals and vocal segments: an attuned episode every ``every_s`` seconds, with sensor noise.

    Returns:
        ``(signals, segments)``.
    """
    from vigclips.types import VocalSegment

    starts = np.arange(30.0, duration_s - 30.0, every_s)
    sig = mock_signals(duration_s, **merge(*[attuned_episode(float(t)) for t in starts]))
    rng = np.random.default_rng(seed)
    for name in list(sig.channels):
        sig[name] = np.clip(sig[name] + rng.normal(0, 0.05, len(sig)), 0, 1).astype(np.float32)
    segments = []
    for t in starts:
        segments += [VocalSegment(t + 1, t + 2, "INFANT"), VocalSegment(t + 2.5, t + 4, "ADULT"),
                     VocalSegment(t + 4.5, t + 6, "INFANT"), VocalSegment(t + 7, t + 10, "ADULT")]  # fmt: skip
    return sig, segments


def write_output_folder(folder, signals: Signals, segments, cfg=None, *, file_name: str = "play.mp4", fps: str = "25/1"):
    """An output folder as ``analyze`` leaves it, without a recording: ``moments.json`` and ``analysis.npz``.

    Returns:
        The ``moments.json`` document written.
    """
    from pathlib import Path

    from vigclips.audio import count_turns
    from vigclips.results.saved import cache_key, save_analysis
    from vigclips.config import PipelineConfig
    from vigclips.results.moments import build_document, moment_record, write_moments
    from vigclips.scoring import find_moments

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = cfg or PipelineConfig()
    sha256 = f"{len(signals):064x}"
    turns = count_turns(segments, signals, cfg.audio)
    moments = find_moments(signals, cfg.scoring, cfg.analysis.top, turns)
    save_analysis(folder / "analysis.npz", signals, segments, cache_key(sha256, cfg.to_dict()))
    duration_s = float(signals.t_s[-1] + 1 / float(signals.tick_hz))
    source = {"file_name": file_name, "path": str(folder.parent / file_name), "size_bytes": 1000, "sha256": sha256,
              "duration_s": duration_s, "fps": fps, "has_audio": True}  # fmt: skip
    records = []
    for m in moments:
        record = moment_record(m)
        record["turns"] = turns.within(m.start_s, m.end_s)
        records.append(record)
    document = build_document(source, signals.tick_hz, cfg.to_dict(), {"duration_s": duration_s}, records)
    write_moments(folder / "moments.json", document)
    return document


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
