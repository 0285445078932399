"""Issue 22 on a real home recording: family 2UWdXP's 13 takes joined with 1 s of black, silent video between them
(as bench/eval_picks.py joins them), the whole pipeline, and the candidates: each one episode inside one take, none
over about 15 s, and a guider's pick among the top 5 (bench/labels/picks_2UWdXP.csv, labelled by eye beforehand)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from vigclips import PipelineConfig, analyze, find_moments
from vigclips.scoring.episodes import take_breaks
from vigclips.scoring.principles import compute_cues

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_candidates_on_a_joined_home_recording_are_single_episodes(shared_media, tmp_path):
    join = _bench("join_clips")
    picks_mod = _bench("eval_picks")
    files = join.family_files(shared_media, "2UWdXP")
    joined, layout = join.join_files([(f, None) for f in files], tmp_path, gap_s=1.0)
    analysis = analyze(joined, PipelineConfig())
    cfg = PipelineConfig()
    moments = find_moments(analysis, cfg, top=5)
    assert len(moments) == 5
    gaps = [(a[1], b[0]) for a, b in zip(layout, layout[1:])]
    for m in moments:
        assert m.end_s - m.start_s <= cfg.scoring.max_moment_s + 0.5, (m.start_s, m.end_s)
        # inside one take: no gap between takes lies (mostly) inside a candidate
        assert not any(m.start_s < g0 + 0.5 and m.end_s > g1 - 0.5 for g0, g1 in gaps), (m.start_s, m.end_s, gaps)
    # the black, silent gaps are found as take boundaries (all but at most one of the 12)
    breaks = take_breaks(compute_cues(analysis.signals, cfg.scoring, analysis.turns), cfg.scoring)
    t_s = analysis.signals.t_s
    found = sum(bool(breaks[(t_s >= g0) & (t_s < g1)].any()) for g0, g1 in gaps)
    assert found >= len(gaps) - 1, (found, len(gaps))
    res = picks_mod.score_family([(m.start_s, m.end_s) for m in moments],
                                 picks_mod.read_picks(BENCH / "labels" / "picks_2UWdXP.csv"))
    assert res["picks_found"] >= 1 and res["good_share"] >= 0.4, res
    assert np.isfinite([m.score for m in moments]).all()
