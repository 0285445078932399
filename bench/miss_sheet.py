"""Contact sheets of the labelled times a look cue gets wrong, with what the program saw drawn in (issue 23):

    .venv/bin/python bench/miss_sheet.py --family 4JDccE [--cue p2i] [-o /tmp/miss] [--set NAME=VALUE ...]

For every labelled time of the family whose prediction (``bench/eval_looks.py``'s rule: the mean of the cue's channel
over ticks within t +- 0.2 s, at >= 0.5) differs from the label, it prints one line (missed ``FN`` or false ``FP``,
the mean score, how often each role was seen, where, the parent's head and gaze yaw and pitch) and draws the frame
nearest t, brightened (dim home webcams), with each face row of the nearest tick boxed (red: the parent, green: the
child, grey: neither) and labelled with its head and gaze yaw, whether face mesh measured it and the detector's score
(for ``ismile`` the expression classifier's smile ``e`` and face mesh's mouth width ``w`` and opening ``o``); beside
it the face of the person whose cue it is enlarged (the parent's for ``p2i`` and ``mutual``, the child's for ``i2p``
and ``ismile``: to judge eyes and mouth). Four misses a PNG: ``OUT_0.png``, ``OUT_1.png``, ...

Use it to sort misses by cause before changing anything. Write the sheets outside the repository (``/tmp``): frames of
the shared recordings must not be copied into the project. Face rows come from ``eval_looks.py``'s cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

import contact_sheet as cs  # noqa: E402
import eval_looks as el  # noqa: E402

from vigclips.vision import VisionConfig  # noqa: E402
from vigclips.vision.channels import build_result  # noqa: E402
from vigclips.vision.face_rows import _F  # noqa: E402
from vigclips.vision.roles import ROLE_ADULT, ROLE_INFANT  # noqa: E402

GAMMA = 0.6
"""Brightening of the frames (as the 4JDccE half-second labels were made)."""
ROLE_COLOUR = {ROLE_ADULT: (0, 0, 255), ROLE_INFANT: (0, 255, 0)}
TILE_W, TILE_H, FACE_PX = 480, 360, 360
ENLARGED = {"p2i": ROLE_ADULT, "mutual": ROLE_ADULT, "i2p": ROLE_INFANT, "ismile": ROLE_INFANT}
"""Whose face is drawn enlarged beside the frame, per cue."""


@dataclasses.dataclass(frozen=True)
class Miss:
    clip: str
    t_s: float
    truth: int
    score: float
    """Mean of the cue's channel over the ticks within t +- 0.2 s (NaN counts as 0)."""

    @property
    def kind(self) -> str:
        return "FN" if self.truth == 1 else "FP"


def window_score(t_s: np.ndarray, column: np.ndarray, at_s: float) -> float:
    """``eval_looks.py``'s score of a labelled time: the mean of ``column`` (per tick at ``t_s``) over the ticks within
    ``at_s`` +- 0.2 s, NaN counted as 0 (a face not seen is a "no"); 0 where no tick lies near."""
    near = np.abs(t_s - at_s) <= el.HALF_WINDOW_S + 1e-9
    return float(np.nan_to_num(np.asarray(column, np.float64)[near], nan=0.0).mean()) if near.any() else 0.0


def misses(t_s: np.ndarray, column: np.ndarray, labelled: list[tuple[float, int]], clip: str) -> list[Miss]:
    """The labelled times ``(t_s, truth)`` of one clip where ``eval_looks.py``'s prediction from ``column`` (per tick at
    ``t_s``) differs from the truth.

    Example:
        >>> t = np.round(np.arange(0.0, 2.05, 0.1), 1)
        >>> col = np.where(t < 1.0, 0.9, np.nan)
        >>> [(m.t_s, m.kind) for m in misses(t, col, [(0.5, 1), (0.5, 0), (1.5, 1), (1.5, 0)], "c")]
        [(0.5, 'FP'), (1.5, 'FN')]
    """
    out = []
    for at_s, truth in labelled:
        score = window_score(t_s, column, at_s)
        if int(score >= 0.5) != truth:
            out.append(Miss(clip, at_s, truth, score))
    return out


def describe(miss: Miss, t_s: np.ndarray, ch: dict[str, np.ndarray], who: str = "adult") -> str:
    """One line: what the program saw around a miss (means over the ticks within t +- 0.2 s); the pose is that of
    ``who`` ("adult" or "infant": the one whose look or smile the cue is)."""
    near = np.abs(t_s - miss.t_s) <= el.HALF_WINDOW_S + 1e-9

    def mean(name: str) -> float:
        v = ch[name][near].astype(np.float64)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")

    return (f"{miss.kind} {miss.clip} t={miss.t_s:g} score={miss.score:.2f} seen: parent {mean('adult_present'):.1f} "
            f"child {mean('infant_present'):.1f} at x {mean('adult_face_x'):.2f} / {mean('infant_face_x'):.2f}; "
            f"{'parent' if who == 'adult' else 'child'} head yaw {mean(who + '_head_yaw_deg'):.0f} pitch "
            f"{mean(who + '_head_pitch_deg'):.0f} gaze yaw {mean(who + '_gaze_yaw_deg'):.0f} gaze pitch "
            f"{mean(who + '_gaze_pitch_deg'):.0f} confidence {mean(who + '_head_confidence'):.2f}")  # fmt: skip


def draw(miss: Miss, video: Path, rows: dict[str, np.ndarray], cfg: VisionConfig, cue: str = "p2i") -> np.ndarray:
    """The tile pair of one miss: the frame with the face rows of the nearest tick drawn, and the face of the person
    whose cue it is (:data:`ENLARGED`)."""
    res = build_result(rows["pts_s"], rows["image_wh"], rows["face_frame"], rows["face_track"], rows["face_data"], cfg)
    _, w, h = cs.probe(video)
    got = cs.frame_near(video, miss.t_s, w, h)
    lut = np.array([255.0 * (i / 255.0) ** GAMMA for i in range(256)], np.uint8)
    img = cv2.LUT(got[0], lut) if got else np.zeros((h, w, 3), np.uint8)
    i = int(np.argmin(np.abs(res.pts_s - miss.t_s))) if res.pts_s.size else -1
    scale = w / float(res.image_wh[i, 0]) if i >= 0 else 1.0
    face = np.full((FACE_PX, FACE_PX, 3), 40, np.uint8)
    for k in np.flatnonzero(res.face_frame == i):
        d = res.face_data[k]
        x1, y1, x2, y2 = (int(v) for v in np.round(d[:4] * scale))
        colour = ROLE_COLOUR.get(int(res.face_role[k]), (200, 200, 200))
        cv2.rectangle(img, (x1, y1), (x2, y2), colour, 2)
        text = (f"hy{d[_F['head_yaw_deg']]:.0f} gy{d[_F['gaze_yaw_deg']]:.0f} "
                f"m{int(d[_F['has_mesh']])} s{d[_F['det_score']]:.2f}")  # fmt: skip
        if cue == "ismile":
            text += (f" e{d[_F['expression_smile']]:.2f} w{d[_F['mouth_width_ratio']]:.2f}"
                     f" o{d[_F['mouth_open']]:.2f}")  # fmt: skip
        cv2.putText(img, text, (max(0, x1), max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
        if res.face_role[k] == ENLARGED[cue]:
            m = max(x2 - x1, y2 - y1) // 6
            part = img[max(0, y1 - m) : min(h, y2 + m), max(0, x1 - m) : min(w, x2 + m)]
            if part.size:
                face = cv2.resize(part, (FACE_PX, FACE_PX), interpolation=cv2.INTER_CUBIC)
    label = f"{miss.kind} {'.'.join(miss.clip.split('.')[1:3])} t={miss.t_s:g}"
    tile = cs.make_tile(img, label, got[1] if got else None, TILE_W, TILE_H, None, False)
    return np.hstack([tile, cv2.resize(face, (TILE_H, TILE_H))])


def add_source_arguments(ap: argparse.ArgumentParser) -> None:
    """``--media``, ``--labels``, ``--cache`` (``eval_looks.py``'s, under ``XDG_CACHE_HOME``) and ``--set``."""
    el.data_arguments(ap)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a vision setting, as in eval_looks")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True, help="clip name prefix, e.g. 4JDccE")
    ap.add_argument("--cue", default="p2i", choices=[c for c in el.CUES if c != "psmile"])
    ap.add_argument("-o", "--out", type=Path, default=Path("/tmp/miss"), help="PNG name stem (outside the repository)")
    add_source_arguments(ap)
    args = ap.parse_args(argv)
    cfg = el.settings_from(args.set)
    labels = [lab for lab in el.load_labels(args.labels) if lab.clip.startswith(args.family + ".")]
    child_cue = args.cue in ("i2p", "ismile")
    tiles, n_labelled = [], 0
    for clip in sorted({lab.clip for lab in labels}):
        video = el.media_path(args.media, clip)
        rows = el.vision_rows(video, args.cache, cfg)
        t_s, ch = el.tick_channels(rows, cfg)
        known = sorted((lab.t_s, lab.values[args.cue]) for lab in labels if lab.clip == clip and lab.values[args.cue] is not None)
        n_labelled += len(known)
        for miss in misses(t_s, ch[el.CUES[args.cue]], known, clip):
            print(describe(miss, t_s, ch, "infant" if child_cue else "adult"))
            tiles.append(draw(miss, video, rows, cfg, args.cue))
    for k in range(0, len(tiles), 4):
        cv2.imwrite(f"{args.out}_{k // 4}.png", np.vstack(tiles[k : k + 4]))
    print(f"{len(tiles)} of {n_labelled} labelled times wrong; sheets {args.out}_0.png ... ({(len(tiles) + 3) // 4})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
