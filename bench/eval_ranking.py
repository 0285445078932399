"""Evaluate the ranking stage (issue 5) on recordings joined from real clips, and time it on an hour of signals.

What it does:

1. **Per-clip signals.** Each real clip from ``../shared/media`` listed in :data:`CLIPS` is analysed once with the
   project's own pipeline (``vigclips.pipeline.analyze``: faces, roles, gaze, smiles, voices) and cached as ``.npz``
   (``--cache``; the cache key holds the file's size, mtime, the vigclips version and a digest of its code).
   ``--signals-dir`` reads ``<stem>.npz`` files made elsewhere instead, so the evaluation also runs where the
   vision/audio stages are not installed; ``--freeze DIR`` keeps and reuses them (and the joined files' signals).
2. **Joined recordings.** For each target length and each shuffle seed, filler clips (no partner, no face, a sleeping
   baby, one-sided talk…) are drawn in random order, with repetition, until the length is reached, and the attuned
   episode(s) (the Lookit clip where a mother speaks and her child answers and smiles) are planted at random places
   between fillers. Signals are concatenated on one 10 Hz timebase (a clip without an audio track contributes
   silence, as it would in a joined file); vocal segments are shifted and turns recounted with the audio stage's
   ``count_turns`` on the joined recording, as the pipeline does.
3. **Ranking and metrics.** ``find_moments(joined, ScoringConfig(), top_n=--top)``; then per recording:
   *top-1 hit* (the best candidate overlaps a planted episode), *precision@k* with k = the number of planted episodes
   (share of the top k candidates that overlap one), the rank of the best candidate on each planted episode and its
   distance in seconds (0 when it overlaps), and *no-face violations*: candidates lying mostly (> 50 %) in a filler
   where no face is on screen (ground truth from the clip list, not from the detector).
4. **Cost.** The ranking stage on a synthetic 1-hour set of signals (36 000 ticks, all channels switching like real
   cues), best of 5 — target < 1 s — and the writers (timeline, ELAN, WebVTT, EDL) on the same hour.

5. With ``--join-media``: the same drawing rule on the real *files*: each clip is normalised (640×480, 30 fps,
   16 kHz mono, silence added where a clip has no sound), the clips are concatenated with ffmpeg, and the whole
   pipeline (``vigclips.pipeline.analyze``: roles decided over the joined recording, audio on the joined sound) runs
   on each joined file before ranking (lengths ≤ 300 s, at most 3 orders each; about 10–40 s of analysis per file).

Run::

    .venv/bin/python bench/eval_ranking.py                  # ~30 s the first time (per-clip analysis), seconds after
    .venv/bin/python bench/eval_ranking.py --join-media     # plus whole-pipeline runs on joined files (minutes)
    .venv/bin/python bench/eval_ranking.py --timing-only    # only the 1-hour cost
    .venv/bin/python bench/eval_ranking.py --json out.json  # also write every number as JSON
    .venv/bin/python bench/eval_ranking.py --join-media --freeze DIR  # keep/reuse every clip's and joined file's
                                                            # signals in DIR: a ranking change compared on the same
                                                            # measurements, even while the vision/audio code changes
    .venv/bin/python bench/eval_ranking.py --laughter 4JDccE,2UWdXP --freeze DIR  # issue 12: each family's
                                                            # LookitLaughter clips joined 1 s apart (--laughter-gap-s),
                                                            # whole pipeline, top 3 vs the parent's "laughed" reports
                                                            # (~1-4 min per family)

Hit rule: a candidate *overlaps* a planted episode when their intersection is at least half of the shorter of the two.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
# This checkout's vigclips, not whichever one the venv installed (a worktree run with another checkout's venv), and
# join_clips, the one joiner of the bench scripts.
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from vigclips.scoring import ScoringConfig, find_moments  # noqa: E402
from vigclips.types import Moment, Signals, VocalSegment  # noqa: E402
TICK_HZ = Fraction(10)
DEFAULT_MEDIA = (REPO / ".." / "shared" / "media").resolve()


@dataclass(frozen=True)
class Clip:
    """A real clip and what it is in the joined recordings.

    ``kind``: ``attuned`` (planted episode) or a filler kind; ``faces_on_screen``: False when no face is on screen at
    all (ground truth for the "no candidate where both faces are absent" target); ``end_s``: the clip is used only up
    to here (the rest is not of its kind).
    """

    file: str
    kind: str
    faces_on_screen: bool = True
    note: str = ""
    end_s: float | None = None


CLIPS: tuple[Clip, ...] = (
    Clip("lookit_causal_ex2.mp4", "attuned", note="mother speaks, child answers verbally and smiles; both faces frontal"),
    Clip("lookit_consent.mp4", "one-sided talk", note="same pair; mother reads the consent statement"),
    Clip("lookit_consent_ja.mp4", "one-sided talk", note="mother speaks to camera, girl in front"),
    Clip("evm_baby.mp4", "sleep", note="sleeping infant, no adult, no audio"),
    Clip("pyfeat_no_face.mp4", "no face", faces_on_screen=False, note="cartoon title"),
    Clip("pyfeat_WolfgangLanger_Pexels.mp4", "no partner", note="one woman, crying to laughing, silent"),
    Clip("grid_lipnet_id2_swwp2s.mpg", "no partner", note="one man talking to camera"),
    Clip("facerec_short_hamilton_clip.mp4", "no partner", note="one performer, audience cuts"),
    Clip("pyfeat_single_face.mp4", "no partner", note="one man smiling"),
    # From 20.8 s the mother turns her face to the baby, nuzzles and watches her, and the baby smiles (by eye,
    # issue 11): an attuned moment itself, found once the roles there were right, so not a filler.
    Clip("icatcher_test_vid_1000.mp4", "infant, parent from behind", note="infant on lap, mother behind her", end_s=20.0),
    Clip("icatcher_fd_video.mp4", "infant, parent from behind", note="infant over mother's shoulder, no audio"),
    Clip("laeo_tvhid_highFive_0016.avi", "adults look at each other", note="two men, high five"),
)

VISION_KEYS = ("faces", "infant_present", "adult_present", "infant_looks_at_adult", "adult_looks_at_infant", "mutual_gaze",
               "infant_smile", "adult_smile")
AUDIO_KEYS = ("adult_voice", "infant_voice", "infant_cry")
LAUGH_KEYS = ("infant_laugh", "adult_laugh")  # issue 12: silence in a clip without sound (adult_ids stays empty)


@dataclass
class ClipSignals:
    """Signals and vocal segments of one clip (times from the clip's start)."""

    clip: Clip
    signals: Signals
    segments: list[VocalSegment]


# ------------------------------------------------------------------------------------------------------ per-clip signals


def _cache_key(path: Path) -> str:
    """File identity plus a digest of the analysis code: signals cached by older vision or audio code are never reused."""
    import hashlib

    import vigclips

    package = Path(vigclips.__file__).parent
    code = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        code.update(source.read_bytes())
    st = path.stat()
    return f"{path.name}-{st.st_size}-{int(st.st_mtime)}-{vigclips.__version__}-{code.hexdigest()[:12]}"


def _save_npz(path: Path, cs: ClipSignals) -> None:
    seg = np.array([(s.start_s, s.end_s) for s in cs.segments], dtype=np.float64).reshape(-1, 2)
    labels = np.array([s.label for s in cs.segments], dtype="U8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as fh:
        np.savez_compressed(fh, t_s=cs.signals.t_s, seg=seg, labels=labels,
                            **{f"ch_{k}": v for k, v in cs.signals.channels.items()})
    os.replace(fh.name, path)


def _load_npz(path: Path, clip: Clip) -> ClipSignals:
    with np.load(path) as z:
        sig = Signals(tick_hz=TICK_HZ, t_s=z["t_s"])
        for key in z.files:
            if key.startswith("ch_"):
                sig[key[3:]] = z[key]
        segs = [VocalSegment(float(a), float(b), str(lab)) for (a, b), lab in zip(z["seg"], z["labels"], strict=True)]
    return ClipSignals(clip, sig, segs)


def clip_signals(media: Path, cache: Path, signals_dir: Path | None, freeze: Path | None = None) -> list[ClipSignals]:
    """Signals of every clip: from ``signals_dir``, ``freeze``, the cache, or the pipeline (then cached, and frozen)."""
    out = []
    for clip in CLIPS:
        path = media / clip.file
        if signals_dir is not None:
            out.append(_load_npz(signals_dir / f"{Path(clip.file).stem}.npz", clip))
            continue
        frozen = freeze / f"{Path(clip.file).stem}.npz" if freeze is not None else None
        if frozen is not None and frozen.is_file():
            out.append(_load_npz(frozen, clip))
            continue
        if not path.is_file():
            raise SystemExit(f"missing clip {path}: pass --media to the shared media folder")
        cached = cache / f"{_cache_key(path)}.npz"
        if cached.is_file():
            cs = _load_npz(cached, clip)
            if frozen is not None:
                _save_npz(frozen, cs)
            out.append(cs)
            continue
        from vigclips.config import PipelineConfig
        from vigclips.pipeline import analyze

        started = time.perf_counter()
        analysis = analyze(path, PipelineConfig())
        if analysis.signals.tick_hz != TICK_HZ:
            raise SystemExit(f"expected {TICK_HZ} ticks/s, got {analysis.signals.tick_hz}")
        cs = ClipSignals(clip, analysis.signals, list(analysis.segments))
        _save_npz(cached, cs)
        if frozen is not None:
            _save_npz(frozen, cs)
        print(f"  analysed {clip.file} ({len(cs.signals) / 10:.1f} s) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        out.append(cs)
    return [trimmed(cs) for cs in out]


def trimmed(cs: ClipSignals) -> ClipSignals:
    """The clip's signals and vocal segments up to its ``end_s`` (all of them without one)."""
    end_s = cs.clip.end_s
    if end_s is None:
        return cs
    keep = cs.signals.t_s < end_s
    sig = Signals(tick_hz=cs.signals.tick_hz, t_s=cs.signals.t_s[keep])
    for name, values in cs.signals.channels.items():
        sig[name] = values[keep]
    segments = [VocalSegment(s.start_s, min(s.end_s, end_s), s.label) for s in cs.segments if s.start_s < end_s]
    return ClipSignals(cs.clip, sig, segments)


# ------------------------------------------------------------------------------------------------------ joined recordings


@dataclass
class Joined:
    """A joined recording: signals, segments, and where each clip lies (start_s, end_s, clip)."""

    signals: Signals
    segments: list[VocalSegment]
    layout: list[tuple[float, float, Clip]]


def join(parts: list[ClipSignals]) -> Joined:
    """Concatenate clips' signals on one timebase; audio channels of clips without audio become silence (0)."""
    names = sorted({k for p in parts for k in p.signals.channels})
    n_total = sum(len(p.signals) for p in parts)
    sig = Signals.empty_like_ticks(TICK_HZ, n_total)
    cols = {k: np.full(n_total, np.nan, dtype=np.float32) for k in names}
    segments: list[VocalSegment] = []
    layout = []
    i = 0
    for p in parts:
        n = len(p.signals)
        off_s = i / float(TICK_HZ)
        for k in names:
            if k in p.signals:
                cols[k][i : i + n] = p.signals[k]
            elif k in AUDIO_KEYS or k in LAUGH_KEYS:
                cols[k][i : i + n] = 0.0  # a clip without sound is silence in a joined file
        segments += [VocalSegment(s.start_s + off_s, s.end_s + off_s, s.label) for s in p.segments]
        layout.append((off_s, off_s + n / float(TICK_HZ), p.clip))
        i += n
    for k, v in cols.items():
        sig[k] = v
    return Joined(sig, segments, layout)


def build_recording(clips: list[ClipSignals], length_s: float, n_planted: int, rng: np.random.Generator) -> Joined:
    """Fillers in random order (with repetition) to about ``length_s``, with ``n_planted`` attuned clips between them."""
    attuned = [c for c in clips if c.clip.kind == "attuned"]
    fillers = [c for c in clips if c.clip.kind != "attuned"]
    planted_s = sum(len(attuned[k % len(attuned)].signals) for k in range(n_planted)) / float(TICK_HZ)
    seq: list[ClipSignals] = []
    total = planted_s
    while total < length_s:
        c = fillers[int(rng.integers(len(fillers)))]
        if seq and seq[-1] is c:
            continue
        seq.append(c)
        total += len(c.signals) / float(TICK_HZ)
    # Planted episodes go into distinct gaps between fillers (never first in the file, never back to back).
    slots = rng.choice(np.arange(1, len(seq) + 1), size=min(n_planted, len(seq)), replace=False)
    for k, slot in enumerate(sorted(slots.tolist(), reverse=True)):
        seq.insert(slot, attuned[k % len(attuned)])
    return join(seq)


def count_turns_joined(j: Joined):
    """Turns of the joined recording with the audio stage's counter (as the pipeline does), or None if unavailable."""
    try:
        from vigclips.audio import AudioConfig, count_turns
    except ImportError:
        return None
    return count_turns(j.segments, j.signals, AudioConfig())


# ---------------------------------------------------------------------------------------------- joined media files


def join_media(order: list[Clip], media: Path, work: Path, gap_s: float = 0.0) -> tuple[Path, list[tuple[float, float, Clip]]]:
    """Join real clips into one file with :func:`join_clips.join_files`; returns the file and each clip's span.

    ``gap_s`` > 0 puts that much black, silent video between clips (takes recorded apart: no sound runs across a cut).
    """
    from join_clips import join_files

    joined, spans = join_files([(media / c.file, c.end_s) for c in order], work, gap_s)
    return joined, [(a, b, c) for (a, b), c in zip(spans, order, strict=True)]


def media_order(length_s: float, n_planted: int, rng: np.random.Generator, durations: dict[str, float]) -> list[Clip]:
    """The same drawing rule as :func:`build_recording`, on clip durations."""
    attuned = [c for c in CLIPS if c.kind == "attuned"]
    fillers = [c for c in CLIPS if c.kind != "attuned"]
    total = sum(durations[attuned[k % len(attuned)].file] for k in range(n_planted))
    seq: list[Clip] = []
    while total < length_s:
        c = fillers[int(rng.integers(len(fillers)))]
        if seq and seq[-1] is c:
            continue
        seq.append(c)
        total += durations[c.file]
    slots = rng.choice(np.arange(1, len(seq) + 1), size=min(n_planted, len(seq)), replace=False)
    for k, slot in enumerate(sorted(slots.tolist(), reverse=True)):
        seq.insert(slot, attuned[k % len(attuned)])
    return seq


def analyse_joined(order: list[Clip], media: Path, work: Path, frozen: Path | None, known: tuple[Clip, ...] | list[Clip],
                   gap_s: float = 0.0):
    """``(signals, segments, turns, layout)`` of the clips in ``order`` joined into one file and run through the whole
    pipeline; with ``frozen``, kept there (``.npz`` and the layout as ``.json``) and reused whatever the code, turns then
    recounted from the segments with the audio stage's counter, as the pipeline does. ``known``: the clips a frozen
    layout may name; ``gap_s``: see :func:`join_media`."""
    from vigclips.audio import AudioConfig, count_turns
    from vigclips.config import PipelineConfig
    from vigclips.pipeline import analyze

    if frozen is not None and frozen.is_file() and frozen.with_suffix(".json").is_file():
        by_file = {c.file: c for c in known}
        spans = json.loads(frozen.with_suffix(".json").read_text())
        layout = [(float(a), float(b), by_file[f]) for a, b, f in spans]
        cs = _load_npz(frozen, order[0])
        return cs.signals, cs.segments, count_turns(cs.segments, cs.signals, AudioConfig()), layout
    joined, layout = join_media(order, media, work, gap_s)
    analysis = analyze(joined, PipelineConfig())
    signals, segments = analysis.signals, list(analysis.segments)
    if frozen is not None:
        _save_npz(frozen, ClipSignals(order[0], signals, segments))
        frozen.with_suffix(".json").write_text(json.dumps([[a, b, c.file] for a, b, c in layout]))
    return signals, segments, analysis.turns, layout


def run_media_joins(
    media: Path, lengths: list[float], seeds: int, top: int, freeze: Path | None = None
) -> list[dict[str, object]]:
    """Join real files, run the whole pipeline (vision, audio, turns) on each joined file, and rank.

    With ``freeze``, each joined file's signals and vocal segments are kept there (``joined_<length>_<seed>.npz``) and
    reused on later runs whatever the code, so a ranking change is compared on the very same measurements; turns are
    recounted from the segments with the audio stage's counter, as the pipeline does.
    """
    from vigclips.media import probe

    durations = {c.file: min(probe(media / c.file).duration_s, c.end_s or np.inf) for c in CLIPS}
    rows = []
    with tempfile.TemporaryDirectory(prefix="vigclips-eval-") as tmp:
        work = Path(tmp)
        for length in lengths:
            for seed in range(seeds):
                rng = np.random.default_rng(1000 * int(length) + seed)
                order = media_order(length, 1 if length < 300 else 2, rng, durations)
                frozen = freeze / f"joined_{int(length)}_{seed}.npz" if freeze is not None else None
                t0 = time.perf_counter()
                signals, segments, turns, layout = analyse_joined(order, media, work, frozen, CLIPS)
                analyse_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                moments = find_moments(signals, ScoringConfig(), top, turns)
                j = Joined(signals, segments, layout)
                row = evaluate(j, moments)
                row.update(length_s=length, seed=seed, rank_s=time.perf_counter() - t0, analyse_s=analyse_s,
                           candidates=len(moments), mode="media")
                rows.append(row)
                print(f"  joined {row['duration_s']:.0f} s (seed {seed}): analysed in {analyse_s:.0f} s", file=sys.stderr)
    return rows


# ----------------------------------------------------------------------------------------------- laughter (issue 12)

LAUGHTER_DIR = "lookit_laughter"
#: Black, silent seconds between a family's clips (``--laughter-gap-s``): each is a separate take, and a laugh "heard"
#: across a cut (calls at the end of one take and the start of the next) is an artefact of joining, not the child's.
LAUGHTER_GAP_S = 1.0


def laughter_labels(media: Path) -> list[dict[str, str]]:
    """Rows of ``lookit_laughter/labels.csv`` (parent reports per clip), in file order."""
    import csv

    with (media / LAUGHTER_DIR / "labels.csv").open(newline="") as fh:
        return sorted(csv.DictReader(fh), key=lambda r: r["file"])


def auc(scores, positive) -> float:
    """Area under the ROC curve (ties count half); NaN without both classes. The one the bench scripts share.

    Example:
        >>> auc([0.9, 0.2, 0.5], [True, False, False])
        1.0
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(positive, dtype=bool)
    if s.shape != y.shape:
        raise ValueError(f"{s.shape[0]} scores for {y.shape[0]} labels")
    pos, neg = s[y], s[~y]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (pos.size * neg.size))


def analyse_family(media: Path, family: str, freeze: Path | None = None, gap_s: float = LAUGHTER_GAP_S):
    """One family's LookitLaughter clips joined in file order, ``gap_s`` apart, through the whole pipeline:
    ``(signals, segments, turns, layout)`` as :func:`analyse_joined` gives them (kept in ``freeze`` when given)."""
    rows = [r for r in laughter_labels(media) if r["child"] == family]
    order = [Clip(f"{LAUGHTER_DIR}/{r['file']}", "laughed" if r["parent_says_laughed"] == "Yes" else "no laugh") for r in rows]
    frozen = freeze / f"laughter_{family}_gap{gap_s:g}.npz" if freeze is not None else None
    with tempfile.TemporaryDirectory(prefix="vigclips-family-") as tmp:
        return analyse_joined(order, media, Path(tmp), frozen, order, gap_s)


def run_laughter(media: Path, family: str, top: int, freeze: Path | None = None,
                 gap_s: float = LAUGHTER_GAP_S) -> dict[str, object]:
    """Join one family's LookitLaughter clips (file order, ``gap_s`` apart) into one file, run the whole pipeline and
    rank.

    Reports where the top candidates fall (the clip holding most of each, and whether the parent said the child
    laughed in it) and, per clip, the seconds of baby laughter heard (``infant_laugh`` >= 0.5) against the parent's
    report (AUC).
    """
    t0 = time.perf_counter()
    signals, segments, turns, layout = analyse_family(media, family, freeze, gap_s)
    analyse_s = time.perf_counter() - t0
    moments = find_moments(signals, ScoringConfig(), top, turns)
    j = Joined(signals, segments, layout)
    laugh = signals.get("infant_laugh")
    per_clip = []
    for a, b, clip in layout:
        m = (signals.t_s >= a) & (signals.t_s < b)
        per_clip.append({"file": Path(clip.file).name, "laughed": clip.kind == "laughed",
                         "laugh_s": round(float(np.nansum(laugh[m] >= 0.5)) / float(TICK_HZ), 2)})
    cands = []
    for rank, mo in enumerate(moments, 1):
        main = _main_clip(j, mo)  # "mixed" when no clip holds more than half of it: not "in a clip where..."
        kind = next((c.kind for _, _, c in layout if c.file == main), "mixed")
        cands.append({"rank": rank, "start_s": round(mo.start_s, 1), "end_s": round(mo.end_s, 1), "clip": Path(main).name,
                      "laughed": kind == "laughed", "reasons": list(mo.reasons)})
    return {
        "family": family, "duration_s": round(len(signals) / float(TICK_HZ), 1), "analyse_s": round(analyse_s, 1), "gap_s": gap_s,
        "clips": per_clip, "candidates": cands,
        "auc_laugh_s": auc([c["laugh_s"] for c in per_clip], [c["laughed"] for c in per_clip]),
        "top_in_laughed": sum(c["laughed"] for c in cands[:3]),
    }


def report_laughter(res: dict[str, object]) -> None:
    print(f"\nLookitLaughter family {res['family']}: {res['duration_s']:.0f} s joined ({res['gap_s']:g} s between clips), "
          f"whole pipeline in {res['analyse_s']:.0f} s")
    for c in res["clips"]:  # type: ignore[union-attr]
        print(f"  {c['file']:42s} parent says laughed: {'yes' if c['laughed'] else 'no ':3s}  baby laughter heard {c['laugh_s']:4.1f} s")
    n_yes = sum(c["laughed"] for c in res["clips"])  # type: ignore[union-attr]
    print(f"  per clip, laughter seconds vs parent report: AUC {res['auc_laugh_s']:.2f} ({n_yes} laughed of "
          f"{len(res['clips'])}; target >= 0.75)")  # type: ignore[arg-type]
    for c in res["candidates"]:  # type: ignore[union-attr]
        print(f"  #{c['rank']} {c['start_s']:6.1f}-{c['end_s']:6.1f} s in {c['clip']} (laughed: {'yes' if c['laughed'] else 'no'}): "
              + "; ".join(c["reasons"]))
    k = min(3, len(res["candidates"]))  # type: ignore[arg-type]
    if n_yes == 0:
        print(f"  top 3 candidates in clips where the child laughed: n/a (no clip of {res['family']} has a laugh reported)")
        return
    ok = k == 3 and res["top_in_laughed"] == 3
    print(f"  top 3 candidates in clips where the child laughed: {res['top_in_laughed']} of {k} (target 3 of 3) "
          f"{'PASS' if ok else 'FAIL'}")


# ----------------------------------------------------------------------------------------------------------- metrics


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def hits(m: Moment, s: float, e: float) -> bool:
    """The candidate overlaps the episode by at least half of the shorter of the two."""
    return _overlap(m.start_s, m.end_s, s, e) >= 0.5 * min(m.duration_s, e - s)


def _main_clip(j: Joined, m: Moment) -> str:
    """The clip covering more than half of a candidate, or "mixed"."""
    return next((c.file for s, e, c in j.layout if _overlap(m.start_s, m.end_s, s, e) > 0.5 * m.duration_s), "mixed")


def evaluate(j: Joined, moments: list[Moment]) -> dict[str, object]:
    planted = [(s, e) for s, e, c in j.layout if c.kind == "attuned"]
    noface = [(s, e) for s, e, c in j.layout if not c.faces_on_screen]
    k = len(planted)
    top_k = moments[:k]
    prec = sum(any(hits(m, s, e) for s, e in planted) for m in top_k) / max(1, k)
    per_episode = []
    for s, e in planted:
        ranks = [m.rank for m in moments if hits(m, s, e)]
        dist = min((0.0 if _overlap(m.start_s, m.end_s, s, e) > 0 else min(abs(m.start_s - e), abs(s - m.end_s)))
                   for m in moments) if moments else float("nan")
        per_episode.append({"start_s": round(s, 1), "best_rank": min(ranks) if ranks else None, "distance_s": round(dist, 1)})
    on = [m.score for m in moments if any(hits(m, s, e) for s, e in planted)]
    off = [m.score for m in moments if not any(hits(m, s, e) for s, e in planted)]
    # How robust the win is: best planted candidate's score minus the best other candidate's.
    margin = (max(on) if on else 0.0) - (max(off) if off else 0.0)
    violations = [m.id for m in moments if sum(_overlap(m.start_s, m.end_s, s, e) for s, e in noface) > 0.5 * m.duration_s]
    return {
        "duration_s": round(len(j.signals) / float(TICK_HZ), 1),
        "planted": k,
        "top1_hit": bool(moments) and any(hits(moments[0], s, e) for s, e in planted),
        "precision_at_k": prec,
        "episodes": per_episode,
        "no_face_violations": violations,
        "top_reasons": list(moments[0].reasons) if moments else [],
        "top1_len_s": round(moments[0].duration_s, 1) if moments else 0.0,
        "margin": round(margin, 4),
        "top_clip": _main_clip(j, moments[0]) if moments else "none",
    }


# -------------------------------------------------------------------------------------------------------------- cost


def synthetic_hour(seed: int = 0) -> Signals:
    """36 000 ticks with every channel the ranker reads, switching in 0.5–3 s runs like real cues."""
    rng = np.random.default_rng(seed)
    n = 3600 * int(TICK_HZ)
    sig = Signals.empty_like_ticks(TICK_HZ, n)
    for name in ("infant_present", "adult_present"):
        sig[name] = (rng.random(n) > 0.1).astype(np.float32)
    for name in VISION_KEYS[3:] + AUDIO_KEYS:
        runs = rng.integers(5, 30, size=n // 5)
        sig[name] = np.repeat(rng.random(runs.size) < (0.05 if name == "infant_cry" else 0.3), runs)[:n].astype(np.float32)
    return sig


def timing(top: int) -> dict[str, float]:
    from vigclips.report import write_eaf, write_edl, write_timeline_png, write_vtt

    sig = synthetic_hour()
    find_moments(sig, ScoringConfig(), top)  # warm-up (imports, caches)
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        moments = find_moments(sig, ScoringConfig(), top)
        runs.append(time.perf_counter() - t0)
    out = {"rank_1h_best_s": min(runs), "rank_1h_median_s": float(np.median(runs)), "candidates": len(moments)}
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in (
            ("timeline_png_s", lambda: write_timeline_png(sig, moments, Path(tmp) / "timeline.png", ScoringConfig())),
            ("eaf_s", lambda: write_eaf(sig, moments, None, None, Path(tmp) / "x.eaf", "x.mp4", ScoringConfig())),
            ("vtt_s", lambda: write_vtt(moments, Path(tmp) / "moments.vtt")),
            ("edl_s", lambda: write_edl(moments, Path(tmp) / "x.edl", Fraction(30000, 1001), "x.mp4")),
        ):
            t0 = time.perf_counter()
            fn()
            out[name] = time.perf_counter() - t0
    return out


# --------------------------------------------------------------------------------------------------------------- main


def _short(name: str) -> str:
    return name.replace("_present", "").replace("infant", "I").replace("adult", "A")


def report(rows: list[dict[str, object]], top: int, title: str) -> dict[str, object]:
    """Print the per-recording table and the summary; return the summary."""
    print(f"\njoined recordings, {title} (top {top}; planted = {CLIPS[0].file}):")
    print("  length  seed  dur_s  planted  top1  top1_len_s  margin   P@k   best ranks / distance_s   no-face  "
          "top candidate's clip")
    for r in rows:
        eps = ", ".join(f"{e['best_rank'] or '-'}/{e['distance_s']}" for e in r["episodes"])  # type: ignore[union-attr]
        hit = "yes" if r["top1_hit"] else "no "
        print(f"  {r['length_s']:6.0f}  {r['seed']:4d}  {r['duration_s']:5.0f}  {r['planted']:7d}  {hit:4s}"
              f"  {r['top1_len_s']:10.1f}  {r['margin']:+.3f}  {r['precision_at_k']:.2f}  {eps:24s}"
              f"  {len(r['no_face_violations']):7d}"
              f"  {r['top_clip']}")
    top1 = float(np.mean([r["top1_hit"] for r in rows]))
    pk = float(np.mean([r["precision_at_k"] for r in rows]))
    viol = sum(len(r["no_face_violations"]) for r in rows)  # type: ignore[arg-type]
    found = [e["best_rank"] for r in rows for e in r["episodes"]]  # type: ignore[union-attr]
    dists = [e["distance_s"] for r in rows for e in r["episodes"]]  # type: ignore[union-attr]
    margins = [float(r["margin"]) for r in rows]  # type: ignore[arg-type]
    summary = {"recordings": len(rows), "top1_hit_rate": top1, "mean_precision_at_k": pk,
               "min_margin": min(margins), "median_margin": float(np.median(margins)),
               "episodes_in_top_n": sum(x is not None for x in found), "episodes": len(found),
               "median_distance_s": float(np.median(dists)), "no_face_violations": viol}
    print(f"summary: {len(rows)} recordings; planted episode is the top candidate in {100 * top1:.0f}%; mean precision@k "
          f"{pk:.2f}; {summary['episodes_in_top_n']}/{len(found)} planted episodes among the top {top} "
          f"(median distance {np.median(dists):.1f} s); candidates mostly inside a no-face filler: {viol}; score margin "
          f"over the best other candidate: min {summary['min_margin']:+.3f}, median {summary['median_margin']:+.3f}")
    if rows:
        print("  reasons of the first recording's top candidate:", "; ".join(rows[0]["top_reasons"]))  # type: ignore[arg-type]
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--media", type=Path, default=DEFAULT_MEDIA, help="the shared media folder")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    ap.add_argument("--cache", type=Path, default=cache_home / "vigclips" / "eval_ranking", help="per-clip signals cache")
    ap.add_argument("--signals-dir", type=Path, default=None, help="read <stem>.npz per clip from here instead of analysing")
    ap.add_argument("--lengths", default="60,180,600", help="joined recording lengths in seconds, comma-separated")
    ap.add_argument("--seeds", type=int, default=5, help="shuffles (orders) per length")
    ap.add_argument("--top", type=int, default=5, help="candidates per recording")
    ap.add_argument("--timing-only", action="store_true")
    ap.add_argument("--join-media", action="store_true",
                    help="also join the real files with ffmpeg and run the whole pipeline on each joined file (slower)")
    ap.add_argument("--json", type=Path, default=None, help="write all results as JSON here")
    ap.add_argument("--laughter", default="", metavar="FAMILY[,FAMILY]",
                    help="only the LookitLaughter check (issue 12): join each family's clips (4JDccE, 2UWdXP), run the "
                         "whole pipeline and rank")
    ap.add_argument("--laughter-gap-s", type=float, default=LAUGHTER_GAP_S,
                    help="black, silent seconds between the joined clips of --laughter (0: cut straight together)")
    ap.add_argument("--freeze", type=Path, default=None,
                    help="keep every clip's and joined file's signals in this folder and reuse them on later runs, "
                         "whatever the code: compares ranking changes on the same measurements")
    args = ap.parse_args(argv)

    results: dict[str, object] = {}
    if args.laughter:
        results["laughter"] = []
        for family in args.laughter.split(","):
            res = run_laughter(args.media, family.strip(), max(3, args.top), args.freeze, args.laughter_gap_s)
            report_laughter(res)
            results["laughter"].append(res)  # type: ignore[union-attr]
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str))
        return 0
    cost = timing(20)
    results["timing"] = cost
    print(f"ranking 1 h of signals (36 000 ticks, top 20): best {cost['rank_1h_best_s'] * 1000:.0f} ms, median "
          f"{cost['rank_1h_median_s'] * 1000:.0f} ms (target < 1 s); writers on that hour: timeline "
          f"{cost['timeline_png_s']:.2f} s, eaf {cost['eaf_s']:.2f} s, vtt {cost['vtt_s'] * 1000:.1f} ms, "
          f"edl {cost['edl_s'] * 1000:.1f} ms")
    if args.timing_only:
        return 0

    clips = clip_signals(args.media, args.cache, args.signals_dir, args.freeze)
    print("\nper-clip signals (share of ticks with the cue, threshold 0.5):")
    for cs in clips:
        s = cs.signals
        keys = ("infant_present", "adult_present", "mutual_gaze", "infant_smile", "adult_smile", "adult_voice", "infant_voice")
        frac = {k: float(np.nanmean(s.get(k) >= 0.5)) if np.isfinite(s.get(k)).any() else float("nan") for k in keys}
        print(f"  {cs.clip.file:34s} {cs.clip.kind:27s} {len(s) / 10:5.1f} s  "
              + " ".join(f"{_short(k)}={v:.2f}" for k, v in frac.items()))

    rows = []
    for length in [float(x) for x in args.lengths.split(",")]:
        for seed in range(args.seeds):
            rng = np.random.default_rng(1000 * int(length) + seed)
            n_planted = 1 if length < 300 else 2
            j = build_recording(clips, length, n_planted, rng)
            turns = count_turns_joined(j)
            t0 = time.perf_counter()
            moments = find_moments(j.signals, ScoringConfig(), args.top, turns)
            row = evaluate(j, moments)
            row.update(length_s=length, seed=seed, rank_s=time.perf_counter() - t0, candidates=len(moments))
            rows.append(row)
    results["recordings"] = rows
    results["summary"] = report(rows, args.top, "signals joined per clip")
    if args.join_media:
        lengths = [float(x) for x in args.lengths.split(",") if float(x) <= 300] or [180.0]
        media_rows = run_media_joins(args.media, lengths, min(args.seeds, 3), args.top, args.freeze)
        results["media_recordings"] = media_rows
        results["media_summary"] = report(media_rows, args.top, "real files joined with ffmpeg, whole pipeline")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
