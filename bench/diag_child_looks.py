"""What the program saw on every labelled second of the child's looks at the parent, sorted by outcome (issue 23):

    .venv/bin/python bench/diag_child_looks.py --family 2UWdXP [--hands] [--set NAME=VALUE ...]

For every labelled time of the family with an ``i2p`` label it prints one line: the outcome by ``eval_looks.py``'s
rule (``TP`` a look found, ``FN`` missed, ``FP`` a "no" read as a look, ``TN``), the score, and the means over the
ticks within t +- 0.2 s of the child's head yaw and pitch, the share of ticks face mesh measured her face, the
detector's score on it, the share of ticks the parent's face was seen, its height in pixels, and how far above the
child's face it sits (degrees, from the image alone: the elevation of the line between the two faces). Then the
median of each per outcome, to see whether any of them tells the false looks from the true ones.

With ``--hands`` it also runs the bundled hand model on the frame nearest t and prints the hand point nearest the line
from the child's face centre to the parent's (its distance from the line in child face heights, and where along it:
0 at the child, 1 at the parent), and counts how a rule "a hand in the middle of the line means the child looks at
what it holds" would change the outcomes. A measurement, not a shipped rule (README, looks section).

Face rows come from ``eval_looks.py``'s cache; frames are read from the shared recordings and never written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

import contact_sheet as cs  # noqa: E402
import eval_looks as el  # noqa: E402
import miss_sheet as ms  # noqa: E402

from vigclips.signals import place_on_ticks, tick_times  # noqa: E402
from vigclips.vision.channels import build_result  # noqa: E402
from vigclips.vision.face_rows import _F  # noqa: E402
from vigclips.vision.roles import ROLE_ADULT, ROLE_INFANT  # noqa: E402

MIDDLE = (0.15, 0.75)
"""Where along the child-to-parent line a hand counts as "in the middle" (away from both faces: the child's own hand
at her mouth and the parent's hands at her own face in peekaboo are not between them)."""
NEAR_FACE_HEIGHTS = 0.5
"""How near the line, in child face heights, such a hand must be."""
COLUMNS = ("score", "yaw", "pitch", "mesh", "det", "parent_seen", "parent_h_px", "parent_above_deg")


def hand_on_line(
    child_xy: np.ndarray, parent_xy: np.ndarray, face_h_px: float, hands_px: np.ndarray
) -> tuple[float, float]:
    """The hand landmark nearest the segment from the child's face centre to the parent's: its distance from the
    segment in child face heights and where along it its nearest point lies (0 at the child, 1 at the parent);
    ``(inf, nan)`` without hands.

    Example:
        >>> hand = np.zeros((1, 21, 2)); hand[0, :] = [50.0, 110.0]
        >>> hand_on_line(np.array([0.0, 100]), np.array([100.0, 100]), 20.0, hand)
        (0.5, 0.5)
    """
    seg = np.asarray(parent_xy, np.float64) - np.asarray(child_xy, np.float64)
    pts = np.asarray(hands_px, np.float64).reshape(-1, 2)
    if not len(pts) or not seg.any():
        return float("inf"), float("nan")
    along = np.clip((pts - child_xy) @ seg / float(seg @ seg), 0.0, 1.0)
    dist = np.linalg.norm(pts - (child_xy + along[:, None] * seg), axis=1) / max(face_h_px, 1e-6)
    k = int(np.argmin(dist))
    return float(dist[k]), float(along[k])


def _extra_channels(res, n: int) -> dict[str, np.ndarray]:
    """Per frame: whether face mesh measured the child's face, the detector's score on it, the parent's face height."""
    out = {k: np.full(n, np.nan, np.float32) for k in ("mesh", "det", "parent_h_px")}
    for k in np.flatnonzero(res.face_role == ROLE_INFANT):
        out["mesh"][res.face_frame[k]] = res.face_data[k, _F["has_mesh"]]
        out["det"][res.face_frame[k]] = res.face_data[k, _F["det_score"]]
    for k in np.flatnonzero(res.face_role == ROLE_ADULT):
        out["parent_h_px"][res.face_frame[k]] = res.face_data[k, 3] - res.face_data[k, 1]
    return out


def _mean(v: np.ndarray) -> float:
    v = np.asarray(v, np.float64)
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True, help="clip name prefix, e.g. 2UWdXP")
    ap.add_argument("--hands", action="store_true", help="run the hand model on the frame nearest each labelled time")
    ms.add_source_arguments(ap)
    args = ap.parse_args(argv)
    cfg = el.settings_from(args.set)
    labels = [lab for lab in el.load_labels(args.labels) if lab.clip.startswith(args.family + ".")]
    labels = [lab for lab in labels if lab.values["i2p"] is not None]
    models = None
    if args.hands:
        from vigclips.vision.face_mediapipe import MediaPipeFaces

        models = MediaPipeFaces(detector="none", mesh=False, hands=True, static_image_mode=True)
    table: list[tuple[str, dict[str, float], tuple[float, float]]] = []
    for clip in sorted({lab.clip for lab in labels}):
        video = el.media_path(args.media, clip)
        rows = el.vision_rows(video, args.cache, cfg)
        res = build_result(rows["pts_s"], rows["image_wh"], rows["face_frame"], rows["face_track"], rows["face_data"], cfg)
        t = tick_times(float(rows["duration_s"]), el.TICK_HZ)
        ch = place_on_ticks(res.pts_s, {**res.channels, **_extra_channels(res, len(res.pts_s))}, el.TICK_HZ, len(t))
        _, w_px, h_px = cs.probe(video) if models else (0.0, 0, 0)
        img_w, img_h = np.median(res.image_wh, axis=0) if len(res.image_wh) else (1.0, 1.0)
        for lab in sorted((lab for lab in labels if lab.clip == clip), key=lambda lab: lab.t_s):
            near = np.abs(t - lab.t_s) <= el.HALF_WINDOW_S + 1e-9
            score = ms.window_score(t, ch["infant_looks_at_adult"], lab.t_s)
            kind = ("FN", "TP")[score >= 0.5] if lab.values["i2p"] == 1 else ("TN", "FP")[score >= 0.5]
            dx = (_mean(ch["adult_face_x"][near]) - _mean(ch["infant_face_x"][near])) * img_w
            dy = (_mean(ch["infant_face_y"][near]) - _mean(ch["adult_face_y"][near])) * img_h
            row = {
                "score": score, "yaw": _mean(ch["infant_head_yaw_deg"][near]),
                "pitch": _mean(ch["infant_head_pitch_deg"][near]), "mesh": _mean(ch["mesh"][near]),
                "det": _mean(ch["det"][near]), "parent_seen": float(np.mean(ch["adult_present"][near] > 0)),
                "parent_h_px": _mean(ch["parent_h_px"][near]), "parent_above_deg": float(np.degrees(np.arctan2(dy, abs(dx)))),
            }  # fmt: skip
            hand = (float("nan"), float("nan"))
            if models is not None:
                hand = _hand_at(models, video, res, lab.t_s, w_px, h_px)
            table.append((kind, row, hand))
            print(f"{kind} {clip} t={lab.t_s:g} " + " ".join(f"{k} {v:.2f}" for k, v in row.items())
                  + (f" hand {hand[0]:.2f} along {hand[1]:.2f}" if models else ""))  # fmt: skip
    print("\nmedians per outcome:\n  kind    n " + " ".join(f"{c:>16}" for c in COLUMNS))
    for kind in ("TP", "FN", "FP", "TN"):
        mine = [row for k, row, _ in table if k == kind]
        if mine:
            med = [np.nanmedian([r[c] for r in mine]) for c in COLUMNS]
            print(f"  {kind:4} {len(mine):4d} " + " ".join(f"{v:16.2f}" for v in med))
    if models is not None:
        print(f"\na hand within {NEAR_FACE_HEIGHTS} child face heights of the line, {MIDDLE[0]}-{MIDDLE[1]} of the way"
              " from the child to the parent (a look there would not count):")  # fmt: skip
        for kind in ("TP", "FN", "FP", "TN"):
            hits = [h for k, _, h in table if k == kind]
            between = sum(1 for d, a in hits if d <= NEAR_FACE_HEIGHTS and MIDDLE[0] <= a <= MIDDLE[1])
            print(f"  {kind}: {between} of {len(hits)}")
    return 0


def _hand_at(models, video: Path, res, t_s: float, w_px: int, h_px: int) -> tuple[float, float]:
    """:func:`hand_on_line` on the frame nearest ``t_s``, with the two faces of the analysed frame nearest it."""
    from vigclips.vision.face_mediapipe import to_rgb

    i = int(np.argmin(np.abs(res.pts_s - t_s)))
    scale = w_px / float(res.image_wh[i, 0])
    box = {int(res.face_role[k]): res.face_data[k, :4] * scale for k in np.flatnonzero(res.face_frame == i)}
    got = cs.frame_near(video, t_s, w_px, h_px)
    if got is None or ROLE_INFANT not in box or ROLE_ADULT not in box:
        return float("nan"), float("nan")
    child, parent = box[ROLE_INFANT], box[ROLE_ADULT]
    centre = lambda b: np.array([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0])  # noqa: E731
    return hand_on_line(centre(child), centre(parent), float(child[3] - child[1]), models.hands(to_rgb(got[0])))


if __name__ == "__main__":
    raise SystemExit(main())
