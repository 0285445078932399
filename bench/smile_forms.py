"""Forms of the expression classifier's smile for the baby, against the labelled home seconds (issue 23). Anyone can
rerun it:

    .venv/bin/python bench/smile_forms.py [--media ../shared/media] [--labels bench/labels] [--cache DIR]

The vision stage keeps one number of the classifier's seven outputs per face (happy / (happy + neutral + sad)) and the
surprise over the same denominator. This script runs the classifier again on every face row of the clips with
``ismile`` labels (the rows ``bench/eval_looks.py`` caches; the seven outputs are cached beside them), puts each form
below in place of the baby's classifier smile, and scores ``ismile`` as ``eval_looks.py`` does, for every
``expression_smile_full`` in :data:`FULLS`: per family in-sample, leave-one-clip-out with the full value chosen on the
other home clips (per form), and leave-one-clip-out with the form and the full value chosen together (every form
tried is a choice made against these labels). Last, face mesh's mouth width / eye distance of the baby by head turn
(medians per family, smiling or not): why face mesh cannot tell a smile at 3/4.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

import eval_looks as E  # noqa: E402

from vigclips.media.decode import iter_frames  # noqa: E402
from vigclips.vision import VisionConfig  # noqa: E402
from vigclips.vision.channels import build_result  # noqa: E402
from vigclips.vision.expression import EXPRESSIONS, ExpressionModel  # noqa: E402
from vigclips.vision.face_rows import _F, with_profile_yaw  # noqa: E402
from vigclips.vision.roles import ROLE_INFANT  # noqa: E402

_A, _D, _FE, _H, _S, _SU, _N = (EXPRESSIONS.index(e) for e in EXPRESSIONS)


def _ratio(p: np.ndarray, *others: int) -> np.ndarray:
    return p[:, _H] / np.maximum(p[:, _H] + p[:, list(others)].sum(axis=1), 1e-6)


FORMS = {
    "happy / (happy + neutral + sad) [before]": lambda p: _ratio(p, _N, _S),
    "happy / (happy + neutral + sad + surprise) [now]": lambda p: _ratio(p, _N, _S, _SU),
    "happy alone": lambda p: p[:, _H],
    "happy / (happy + neutral)": lambda p: _ratio(p, _N),
    "happy / (happy + neutral + sad + fear)": lambda p: _ratio(p, _N, _S, _FE),
    "happy / (happy + neutral + sad + surprise + fear)": lambda p: _ratio(p, _N, _S, _SU, _FE),
    "before x (1 - surprise)": lambda p: _ratio(p, _N, _S) * (1.0 - p[:, _SU]),
    "before, 0 where surprise > happy": lambda p: np.where(p[:, _SU] > p[:, _H], 0.0, _ratio(p, _N, _S)),
}
"""Each maps (k, 7) probabilities to the classifier's smile (0-1) that ``infant_smile`` mixes in."""
FULLS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
YAW_BINS_DEG = (0, 20, 40, 60, 90)


def probabilities(path: Path, rows: dict[str, np.ndarray], cache: Path) -> np.ndarray:
    """(M, 7) the classifier's outputs for every face row of one clip (cached beside the rows)."""
    key = cache / f"{path.name}-{rows['face_data'].shape[0]}-{E._code_digest()}-expression7.npy"
    if key.is_file():
        return np.load(key)
    model, data, frame_of = ExpressionModel(), rows["face_data"], rows["face_frame"]
    out = np.full((data.shape[0], len(EXPRESSIONS)), np.nan, np.float32)
    for frame in iter_frames(path, E.TICK_HZ, 640, fast_decode=True):
        k = np.flatnonzero(frame_of == frame.index)
        if k.size:
            out[k] = model.probabilities(frame.image, data[k, 0:4])
    np.save(key, out)
    return out


def score(rows: dict, probs: dict, labels: list, cfg: VisionConfig, form: str) -> dict:
    """eval_looks' (truth, prediction) pairs with ``form`` as the baby's classifier smile."""
    channels = {}
    for clip, r in rows.items():
        data = r["face_data"].copy()
        ran = np.isfinite(data[:, _F["expression_smile"]])
        data[:, _F["expression_smile"]] = np.where(ran, FORMS[form](probs[clip].astype(np.float64)), np.nan)
        data[:, _F["expression_surprise"]] = np.nan  # the form is the whole smile
        channels[clip] = E.tick_channels({**r, "face_data": data}, cfg)
    return E.evaluate(labels, channels)


def _ba(pairs: dict, clips: list[str]) -> float:
    return E.balanced([p for c in clips for p in pairs.get(("ismile", c), [])])[0]


def loco(by_choice: dict, home: list[str]) -> tuple[dict, Counter]:
    """Held-out pairs per clip, each clip scored with the choice best on the other home clips."""
    held, chosen = {}, Counter()
    for c in home:
        best = max(by_choice, key=lambda v: _ba(by_choice[v], [o for o in home if o != c]))
        chosen[best] += 1
        held[("ismile", c)] = by_choice[best].get(("ismile", c), [])
    return held, chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    E.data_arguments(ap)
    args = ap.parse_args(argv)
    cfg = VisionConfig()
    labels = [lab for lab in E.load_labels(args.labels) if lab.values["ismile"] is not None]
    clips = sorted({lab.clip for lab in labels})
    rows = {c: E.vision_rows(E.media_path(args.media, c), args.cache, cfg) for c in clips}
    probs = {c: probabilities(E.media_path(args.media, c), rows[c], args.cache) for c in clips}
    home = [c for c in clips if E._home(c)]
    families = sorted({E._group(c) for c in clips})

    def line(pairs: dict) -> str:
        return "  ".join(f"{g} {_ba(pairs, [c for c in clips if E._group(c) == g]):.3f}" for g in families) + \
            f"  home {_ba(pairs, home):.3f}"  # fmt: skip

    every = {}
    for form in FORMS:
        by_full = {full: score(rows, probs, labels, dataclasses.replace(cfg, expression_smile_full=full), form)
                   for full in FULLS}  # fmt: skip
        every.update({(form, full): pairs for full, pairs in by_full.items()})
        print(f"\n{form}")
        for full, pairs in by_full.items():
            print(f"  expression_smile_full {full:3}: {line(pairs)}")
        held, chosen = loco(by_full, home)
        print(f"  leave-one-clip-out (full chosen):  {line(held)}  chosen {dict(chosen)}")
    held, chosen = loco(every, home)
    print(f"\nleave-one-clip-out, form and full chosen together: {line(held)}")
    print(f"  chosen: {dict(chosen)}")

    print("\nthe baby's mouth width / eye distance (face mesh), median over faces in labelled seconds, by head turn:")
    widths: dict[tuple[str, int, int], list[float]] = {}
    for clip in clips:
        r = rows[clip]
        res = build_result(r["pts_s"], r["image_wh"], r["face_frame"], r["face_track"], r["face_data"], cfg)
        data, at_s = with_profile_yaw(r["face_data"], cfg.profile_yaw_from_deg), res.pts_s[res.face_frame]
        for lab in (lab for lab in labels if lab.clip == clip):
            near = (res.face_role == ROLE_INFANT) & (np.abs(at_s - lab.t_s) <= E.HALF_WINDOW_S + 1e-9)
            near &= data[:, _F["has_mesh"]] > 0
            for yaw, width in zip(np.abs(data[near, _F["head_yaw_deg"]]), data[near, _F["mouth_width_ratio"]]):
                b = YAW_BINS_DEG[int(np.searchsorted(YAW_BINS_DEG, yaw, side="right")) - 1]
                widths.setdefault((E._group(clip), int(lab.values["ismile"]), b), []).append(float(width))
    for (family, truth, b), values in sorted(widths.items()):
        upper = YAW_BINS_DEG[YAW_BINS_DEG.index(b) + 1]
        print(f"  {family:24} {'smiling' if truth else 'not':8} turned {b:2d}–{upper}°: {np.median(values):.2f} "
              f"({len(values)} faces)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
