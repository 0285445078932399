"""What separates true infant laughter from false laughter (issue 22): measurements per laughter event.

    .venv/bin/python bench/laugh_events.py [--media ../shared/media] [--csv out.csv]

An *event* is a run of frames the model-plus-held-voicing rule calls laughter before the breathiness asked by
``crylaugh.breathy_laughs`` (``crylaugh.cry_laugh_frames``' laugh
score >= 0.5). Each is measured (pitch height, range and contour; calls and their regularity; the model's own output
over ±2.5 s, run there everywhere (``prob_ctx_share``), beside the share of those ±2.5 s the pipeline looks at
(``look_ctx_share``); the voice-type stage's adult/infant margin; level dips; spectrum; breathiness as recorded
(``loud_flat``) and with the room's sound taken out (``room_flat``, what ``breathy_laughs`` is given)) and given a class from where it
was found: ``laugh`` (laughter_dev/laugh, LookitLaughter seconds labelled 1), ``speech`` (adult speech: ManyBabies,
GRID, Lookit adults), ``noise`` (household sound: the eval_audio noise files and laughter_dev/noise), ``cry``
(laughter_dev/cry, donateacry), ``lookit0`` (LookitLaughter seconds labelled 0: the mother's playful voice, the
toddler talking), ``lookit?``. Prints per-class medians and writes one row per event.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from vigclips.audio.crylaugh import (  # noqa: E402
    calls_near, cry_laugh_frames, held_voicing_share, look_mask, room_corrected,
)
from vigclips.audio.features import HOP_S, compute_features  # noqa: E402
from vigclips.audio.laughnet import FRAME_HZ, N_FRAMES, laugh_probability, log_mel, predict, windows_at  # noqa: E402
from vigclips.audio.settings import AudioConfig  # noqa: E402
from vigclips.audio.vad import detect_voice  # noqa: E402
from vigclips.audio.voicetype import classify, repaired_log2_f0  # noqa: E402
from vigclips.intervals import mask_to_intervals  # noqa: E402
from vigclips.media.decode import decode_audio  # noqa: E402

from eval_audio import (  # noqa: E402
    ADULT_SPANS, CRY_FILES, GRID, LAUGHTER, LAUGHTER_DEV, MANYBABIES, NOISE_FILES, SR, dev_recording, join_pcm,
    labelled_seconds, read_csv,
)


def internals(x: np.ndarray, cfg: AudioConfig) -> dict:
    """The audio stage's frame arrays up to the laughter decision (as analyze_audio computes them)."""
    feat = compute_features(x)
    va = detect_voice(feat, cfg)
    typed = classify(feat, va, cfg)
    look = look_mask(typed, len(feat))
    prob = laugh_probability(x, look, HOP_S)
    held = held_voicing_share(va.voiced & look_mask(typed, len(feat), 0.0))
    _, laugh = cry_laugh_frames(prob, held, calls_near(va.voiced))
    p_inf = np.full(len(feat), np.nan)
    for s in typed:
        p_inf[s.start : s.end] = s.p_infant
    room_flat, room_loud = room_corrected(x, laugh)
    return {"feat": feat, "va": va, "typed": typed, "prob": prob, "laugh": laugh, "held": held, "p_inf": p_inf,
            "lf": repaired_log2_f0(feat, va), "prob_all": model_everywhere(x, len(feat)), "room_flat": room_flat,
            "room_loud": room_loud}


def model_everywhere(x: np.ndarray, n: int) -> np.ndarray:
    """(n,) the laughter model's probability on every frame: one-second windows side by side over the whole
    recording (the pipeline runs it only where an infant is heard), each frame taking its window's."""
    db = log_mel(x)
    starts = np.arange(0, max(1, db.shape[0] - N_FRAMES + 1), N_FRAMES)
    p = predict(windows_at(db, starts))
    centres_s = (starts + N_FRAMES / 2) / FRAME_HZ
    out = np.empty(n, np.float32)
    for a in range(0, n, 2000):  # blocks bound the (frames x windows) distance matrix
        t = np.arange(a, min(n, a + 2000)) * HOP_S
        out[a : a + t.size] = p[np.argmin(np.abs(t[:, None] - centres_s[None, :]), axis=1)]
    return out


def measure(d: dict, a: int, b: int) -> dict[str, float]:
    """Measurements of the event ``[a, b)``."""
    feat, va, lf = d["feat"], d["va"], d["lf"]
    n = len(feat)
    v = va.voiced[a:b]
    f0 = lf[a:b][v]
    f0 = f0[np.isfinite(f0)]
    ctx = slice(max(0, a - 250), min(n, b + 250))
    prob_ctx = d["prob_all"][ctx]
    runs = mask_to_intervals(va.voiced[a:b])
    durs = (runs[:, 1] - runs[:, 0]) * HOP_S if len(runs) else np.zeros(0)
    onsets = runs[:, 0] * HOP_S if len(runs) else np.zeros(0)
    ioi = np.diff(onsets)
    lev = feat.level_db[a:b]
    # contour: slope of pitch within each call (st/s), and call-to-call pitch steps (st)
    call_f0 = [np.nanmedian(lf[a + r0 : a + r1]) for r0, r1 in runs.tolist() if np.isfinite(lf[a + r0 : a + r1]).any()]
    steps = np.abs(np.diff(call_f0)) * 12 if len(call_f0) > 1 else np.zeros(0)
    adult_ctx = np.mean([s.label == 1 for s in d["typed"] if s.end > ctx.start and s.start < ctx.stop] or [0])
    return {
        "dur_s": (b - a) * HOP_S,
        "f0_med_hz": float(2 ** np.median(f0)) if f0.size else np.nan,
        "f0_p90_hz": float(2 ** np.percentile(f0, 90)) if f0.size else np.nan,
        "f0_range_st": float(12 * (np.percentile(f0, 90) - np.percentile(f0, 10))) if f0.size else np.nan,
        "f0_step_st": float(np.median(steps)) if steps.size else np.nan,
        "p_infant": float(np.nanmean(d["p_inf"][a:b])),
        "prob_mean": float(np.nanmean(d["prob"][a:b])),
        "prob_ctx_share": float(np.mean(prob_ctx >= 0.5)),  # the model run everywhere, not only where looked
        "look_ctx_share": float(np.mean(np.isfinite(d["prob"][ctx]))),
        "n_calls": float(len(runs)),
        "call_rate_hz": float(len(runs) / max((b - a) * HOP_S, 0.1)),
        "call_med_s": float(np.median(durs)) if durs.size else np.nan,
        "ioi_cv": float(np.std(ioi) / np.mean(ioi)) if ioi.size > 1 else np.nan,
        "voiced_frac": float(np.mean(v)),
        "dip_db": float(np.percentile(lev, 95) - np.percentile(lev, 10)),
        "aper_med": float(np.median(feat.aperiodicity[a:b][v])) if v.any() else np.nan,
        "hf_db": float(np.median(feat.hf_ratio_db[a:b][v])) if v.any() else np.nan,
        "flat_med": float(np.median(feat.flatness[a:b][v])) if v.any() else np.nan,
        "centroid_hz": float(np.median(feat.centroid_hz[a:b][v])) if v.any() else np.nan,
        "adult_ctx": float(adult_ctx),
        "held_med": float(np.median(d["held"][a:b])),
    } | loud_measures(d, a, b)


def loud_measures(d: dict, a: int, b: int) -> dict[str, float]:
    """The event's loud frames (10 dB or more above the noise floor), voiced or not: laughter's breathy gaps."""
    feat, va = d["feat"], d["va"]
    loud = feat.level_db[a:b] - va.noise_floor_db[a:b] >= 10.0
    if not loud.any():
        return {"local_snr_db": np.nan, "ctx_p20_db": np.nan, "bg_flat": np.nan, "loud_flat": np.nan, "room_flat": np.nan,
                "loud_centroid": np.nan, "loud_unvoiced": np.nan, "loud_aper": np.nan}
    n = len(feat)
    lo, hi = max(0, a - 250), min(n, b + 250)
    around = np.ones(hi - lo, bool)
    around[a - lo : b - lo] = False
    bg = around & ~va.voiced[lo:hi]
    return {
        "local_snr_db": float(np.percentile(feat.level_db[a:b], 90) - np.median(feat.level_db[lo:hi][around])),
        "ctx_p20_db": float(np.percentile(feat.level_db[a:b], 90) - np.percentile(feat.level_db[lo:hi][around], 20)),
        "bg_flat": float(np.median(feat.flatness[lo:hi][bg])) if bg.any() else np.nan,
        "loud_flat": float(np.median(feat.flatness[a:b][loud])),
        "room_flat": float(np.median(d["room_flat"][a:b][d["room_loud"][a:b]])) if d["room_loud"][a:b].any() else 0.0,
        "loud_centroid": float(np.median(feat.centroid_hz[a:b][loud])),
        "loud_unvoiced": float(np.mean(~va.voiced[a:b][loud])),
        "loud_aper": float(np.median(feat.aperiodicity[a:b][loud])),
    }


def auc_of(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(a positive's value > a negative's), ties half; NaNs left out."""
    pos, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
    if not pos.size or not neg.size:
        return float("nan")
    return float(np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])))


def events(d: dict) -> list[tuple[int, int]]:
    return [tuple(r) for r in mask_to_intervals(d["laugh"] >= 0.5).tolist()]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", type=Path, default=REPO / ".." / "shared" / "media")
    ap.add_argument("--csv", type=Path, default=None)
    args = ap.parse_args()
    media = args.media.resolve()
    cfg = AudioConfig()
    rows: list[dict] = []

    def add(kind: str, rec: str, x: np.ndarray, label_of=None) -> None:
        d = internals(x, cfg)
        for a, b in events(d):
            k = kind if label_of is None else label_of(a * HOP_S, b * HOP_S)
            if k is None:
                continue
            rows.append({"kind": k, "rec": rec, "start_s": a * HOP_S} | measure(d, a, b))

    for k in ("laugh", "cry", "noise"):
        for f in sorted((media / LAUGHTER_DEV / k).iterdir()):
            add({"laugh": "laugh", "cry": "cry", "noise": "noise"}[k], dev_recording(f) + "/" + f.name, decode_audio(f, SR))
    for n in CRY_FILES:
        add("cry", n, decode_audio(media / n, SR))
    for n in NOISE_FILES:
        add("noise", n, decode_audio(media / n, SR))
    mb = read_csv(media / MANYBABIES / "labels.csv")
    for m in sorted({r["mother"] for r in mb}):
        x, _ = join_pcm([decode_audio(media / MANYBABIES / r["file"], SR) for r in mb if r["mother"] == m])
        add("speech", f"mb{m}", x)
    x, _ = join_pcm([decode_audio(media / n, SR) for n in (GRID, *ADULT_SPANS)])
    add("speech", "grid+lookit", x)
    labels = labelled_seconds()
    for name, secs in labels.items():
        def lab(t0: float, t1: float, secs=secs) -> str:
            ls = {secs.get(k, "?") for k in range(int(t0), int(np.ceil(t1)))}
            return "laugh" if "1" in ls else "lookit0" if ls == {"0"} else "lookit?"
        add("", name, decode_audio(media / LAUGHTER / name, SR), lab)

    keys = [k for k in rows[0] if k not in ("kind", "rec", "start_s")]
    kinds = sorted({r["kind"] for r in rows})
    print(f"{'kind':<8} {'n':>3} " + " ".join(f"{k[:11]:>11}" for k in keys))
    for kd in kinds:
        sel = [r for r in rows if r["kind"] == kd]
        print(f"{kd:<8} {len(sel):>3} " + " ".join(f"{np.nanmedian([r[k] for r in sel]):>11.3f}" for k in keys))
    # laughter_dev's chunks overlap: one laugh is seen in several chunks; count each (recording, pitch, length) once
    seen, uniq = set(), []
    for r in rows:
        key = (r["kind"], r["rec"].split("/")[0], round(r["f0_med_hz"], 1), round(r["dur_s"], 2))
        if key not in seen:
            seen.add(key)
            uniq.append(r)
    negs = ("lookit0", "speech", "noise")
    print(f"\nAUC of the laughs against each false kind (distinct events: "
          + ", ".join(f"{k} {sum(r['kind'] == k for r in uniq)}" for k in ("laugh", *negs)) + "); < 0.5: lower in laughs")
    for k in keys:
        pv = np.array([r[k] for r in uniq if r["kind"] == "laugh"], float)
        print(f"  {k:<15}" + " ".join(f"{kd} {auc_of(pv, np.array([r[k] for r in uniq if r['kind'] == kd], float)):.2f}"
                                       for kd in negs))
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
