"""Why baby smiles are missed or misfire, per labelled second (issue 11). Anyone can rerun it:

    .venv/bin/python bench/diag_smiles.py [--media ../shared/media] [--labels bench/labels] [--all]

For every home second with an ``ismile`` label of 0 or 1 (``bench/labels/looks_*.csv``) it prints what the vision stage
saw on the ticks within t +- 0.2 s (the window ``bench/eval_looks.py`` scores): the share of ticks with the baby's face
(``seen``), with its mouth measured by face mesh on that tick (``mesh``), the face's centre x and width in pixels and
its head yaw, the adult smile measure, the mouth width ratio and opening, the expression classifier's smile probability
for a baby (``expr``: :func:`vigclips.vision.channels.infant_expression_smile`), the baby's ``infant_smile`` as scored
(``pred``, unseen ticks count 0) and, for a wrong decision, the cause: ``unseen`` (no baby face on most ticks), ``no
mouth`` (seen, but neither measured nor held), ``measure`` (the measure itself was wrong). Only wrong decisions are
listed unless ``--all``. At the end, how well each measure alone separates smiling from other seconds (area under the
ROC curve per family and over every labelled home second; a second without the measure ranks lowest). It uses the
face rows ``eval_looks.py`` caches, and never decides roles itself: a row whose ``x``/``w`` jump against its
neighbours is worth a look at the frames (``bench/contact_sheet.py --crop``) for a
swapped role.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import eval_looks as E  # noqa: E402
from eval_ranking import auc  # noqa: E402

from vigclips.vision import VisionConfig  # noqa: E402
from vigclips.vision.channels import build_result, infant_expression_smile, infant_play_smile  # noqa: E402
from vigclips.vision.face_rows import _F  # noqa: E402
from vigclips.vision.roles import ROLE_INFANT  # noqa: E402


def _mean(values: np.ndarray) -> float:
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    E.data_arguments(ap)
    ap.add_argument("--all", action="store_true", help="list every labelled second, not only the wrong ones")
    args = ap.parse_args(argv)

    cfg = VisionConfig()
    labels = [lab for lab in E.load_labels(args.labels) if E._home(lab.clip) and lab.values["ismile"] is not None]
    if not labels:
        print(f"no ismile labels in {args.labels}", file=sys.stderr)
        return 2
    causes: Counter[tuple[str, int, str]] = Counter()
    scored: list[tuple[str, int, float, float, float]] = []  # family, truth, face mesh's measure, classifier, infant_smile
    head = f"{'clip':44} {'t_s':>4} {'truth':>5} {'seen':>5} {'mesh':>5} {'x':>5} {'w':>5} {'yaw':>5} {'adult':>5} " \
           f"{'width':>5} {'open':>5} {'expr':>5} {'pred':>5}  cause"  # fmt: skip
    print(head)
    for clip in sorted({lab.clip for lab in labels}):
        rows = E.vision_rows(E.media_path(args.media, clip), args.cache, cfg)
        res = build_result(rows["pts_s"], rows["image_wh"], rows["face_frame"], rows["face_track"], rows["face_data"], cfg)
        t, ch = E.tick_channels(rows, cfg)
        smile = np.nan_to_num(ch["infant_smile"].astype(np.float64), nan=0.0)
        infant = res.face_role == ROLE_INFANT
        for lab in (lab for lab in labels if lab.clip == clip):
            near = np.abs(t - lab.t_s) <= E.HALF_WINDOW_S + 1e-9
            in_window = np.abs(res.pts_s[res.face_frame] - lab.t_s) <= E.HALF_WINDOW_S + 1e-9
            D = res.face_data[infant & in_window]
            seen = float(np.mean(ch["infant_present"][near] > 0)) if near.any() else 0.0
            measured = float(np.mean(np.isfinite(ch["infant_smile"][near]))) if near.any() else 0.0
            pred = float(smile[near].mean()) if near.any() else 0.0
            truth = int(lab.values["ismile"])
            expr = infant_expression_smile(D) if cfg.infant_smile_surprise else D[:, _F["expression_smile"]]
            scored.append((E._group(clip), truth, _mean(np.fmax(D[:, _F["smile"]], infant_play_smile(D, cfg))),
                           _mean(expr), pred))  # fmt: skip
            cause = ""
            if (pred >= 0.5) != (truth == 1):
                cause = "unseen" if seen < 0.5 else ("no mouth" if truth == 1 and measured < 0.5 else "measure")
                causes[(E._group(clip), truth, cause)] += 1
            if cause or args.all:
                print(f"{clip:44} {lab.t_s:4.0f} {truth:5d} {seen:5.2f} {_mean(D[:, _F['has_mesh']]):5.2f} "
                      f"{_mean((D[:, 0] + D[:, 2]) / 2):5.0f} {_mean(D[:, 2] - D[:, 0]):5.0f} "
                      f"{_mean(D[:, _F['head_yaw_deg']]):5.0f} {_mean(D[:, _F['smile']]):5.2f} "
                      f"{_mean(D[:, _F['mouth_width_ratio']]):5.2f} {_mean(D[:, _F['mouth_open']]):5.2f} "
                      f"{_mean(expr):5.2f} {pred:5.2f}  "
                      f"{cause}")  # fmt: skip
    print("\nwrong decisions by family, truth and cause:")
    for (group, truth, cause), count in sorted(causes.items()):
        print(f"  {group:8} {'smiling' if truth else 'neutral':8} {cause:9} {count:3d}")
    print("\nhow well each measure alone separates smiling from other seconds (area under the ROC curve), per family "
          "with at least 10 seconds of each class and over every labelled home second:")
    groups = sorted({g for g, *_ in scored})
    for name, members in [(g, {g}) for g in groups] + [("home", set(groups))]:
        a = np.array([row[1:] for row in scored if row[0] in members], np.float64)
        if name != "home" and min(int(a[:, 0].sum()), int((a[:, 0] == 0).sum())) < 10:
            continue
        print(f"  {name} ({int(a[:, 0].sum())} smiling, {int((a[:, 0] == 0).sum())} not):")
        for k, what in ((1, "face mesh's mouth measure (the larger of the adult and play-face measures)"),
                        (2, "expression classifier's smile probability for a baby"), (3, "infant_smile as scored")):  # fmt: skip
            print(f"    {auc(np.nan_to_num(a[:, k], nan=-1.0), a[:, 0] == 1):.3f}  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
