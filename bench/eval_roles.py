"""Who is the baby: the roles and how sure the program is of them, against where each head really is (issue 23).

    .venv/bin/python bench/eval_roles.py [--media ../shared/media] [--cache DIR]

Truth: in every 2UWdXP clip the baby sits on the left of her mother (the media README and every label file's header);
in 4JDccE, ``child_side`` and ``parent_side`` of ``bench/labels/looks_4JDccE_half.csv`` (half seconds, blind). A tick
counts where the program sees two faces; the roles are right when its baby's face is on the child's side of its
parent's. Certainty is the scoring's (``role_confidence`` 0.5-1 mapped to 0-1); a reason says "the program is not sure
which face is the baby's" below 0.75. For the TV clips (two adults, no baby) and the Lookit clips (a baby and an adult)
it prints the mean certainty and the share of ticks at certainty 0.5 or more. Face rows are cached as in eval_looks.py.

The two families are measured twice: each clip as a recording of its own, and the family's clips as one recording (their
face rows laid end to end 1 s apart with new tracks per clip, as the joined file eval_picks.py analyses), since the
roles and their certainty are judged over the whole recording.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from eval_looks import TICK_HZ, tick_channels, vision_rows  # noqa: E402

from vigclips.signals import tick_times  # noqa: E402
from vigclips.vision import VisionConfig  # noqa: E402

GAP_S = 1.0
"""The black, silent gap bench/join_clips.py puts between a family's clips."""
TRACK_STRIDE = 100_000

HALF_LABELS = REPO / "bench" / "labels" / "looks_4JDccE_half.csv"
OTHERS = ["laeo_ava_9Y_l9NsnYE0_01323.mp4", "laeo_tvhid_highFive_0005.avi", "laeo_tvhid_highFive_0016.avi",
          "laeo_tvhid_highFive_0018.avi", "lookit_causal_ex2.mp4", "lookit_consent.mp4", "icatcher_test_vid_1000.mp4"]


def certainty(role_confidence: np.ndarray) -> np.ndarray:
    """The scoring's role certainty: 0.5 (a coin toss) -> 0, 1 (sure) -> 1."""
    return np.clip((role_confidence - 0.5) / 0.5, 0.0, 1.0)


def summary(family: str, right: np.ndarray, sure: np.ndarray, unit: str) -> None:
    wrong = ~right
    print(f"{family}: {right.size} {unit} with both faces seen; roles right {right.mean():.3f} (target >= 0.95 "
          f"{'PASS' if right.mean() >= 0.95 else 'FAIL'}); mean certainty {sure.mean():.2f}; "
          f"right and certainty >= 0.5: {np.mean(sure[right] >= 0.5):.2f}; right and no caveat (>= 0.75): "
          f"{np.mean(sure[right] >= 0.75):.2f}; wrong and certainty < 0.5: "
          + (f"{np.mean(sure[wrong] < 0.5):.2f} of {wrong.sum()}" if wrong.any() else "none wrong"))


def joined_channels(paths: list[Path], cache: Path, cfg: VisionConfig) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Each clip's ticks and channels when the clips' face rows are analysed as one recording.

    The clips' cached face rows are laid end to end with ``GAP_S`` between them (as ``bench/join_clips.py`` joins the
    files, whose black gap ends every track), so the roles are decided over the whole family, then each clip's stretch
    is cut back out on its own tick grid.
    """
    clips = [vision_rows(p, cache, cfg) for p in paths]
    offsets_s, frames0, start = [], [], 0.0
    n_frames = 0
    for c in clips:
        offsets_s.append(start)
        frames0.append(n_frames)
        start += float(c["duration_s"]) + GAP_S
        n_frames += len(c["pts_s"])
    cat = {
        "pts_s": np.concatenate([c["pts_s"] + o for c, o in zip(clips, offsets_s, strict=True)]),
        "image_wh": np.concatenate([c["image_wh"] for c in clips]),
        "face_frame": np.concatenate([c["face_frame"] + f for c, f in zip(clips, frames0, strict=True)]),
        # Track ids made distinct per clip: the black gap ends every track.
        "face_track": np.concatenate([c["face_track"] + k * TRACK_STRIDE for k, c in enumerate(clips)]),
        "face_data": np.concatenate([c["face_data"] for c in clips]),
        "duration_s": np.float64(start),
    }
    t_all, ch_all = tick_channels(cat, cfg)
    out = []
    for c, o in zip(clips, offsets_s, strict=True):
        t = tick_times(float(c["duration_s"]), TICK_HZ)
        k0 = int(np.argmin(np.abs(t_all - o)))
        sl = slice(k0, k0 + len(t))
        out.append((t, {k: v[sl] for k, v in ch_all.items()}))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    ap.add_argument("--cache", type=Path, default=cache_home / "vigclips" / "eval_looks", help="shared with eval_looks.py")
    args = ap.parse_args(argv)
    cfg = VisionConfig()
    laughter = args.media / "lookit_laughter"
    if not laughter.is_dir():
        print(f"{args.media}: no lookit_laughter/ folder (the shared media)", file=sys.stderr)
        return 2

    def channels(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return tick_channels(vision_rows(path, args.cache, cfg), cfg)

    with HALF_LABELS.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    for joined in (False, True):
        print("each clip a recording of its own" if not joined else
              "\neach family's clips as one recording (joined with 1 s gaps, as eval_picks.py analyses them)")
        paths = sorted(laughter.glob("2UWdXP.*.mp4"))
        per_clip = joined_channels(paths, args.cache, cfg) if joined else [channels(p) for p in paths]
        right, sure = [], []
        for _, ch in per_clip:
            both = np.isfinite(ch["infant_face_x"]) & np.isfinite(ch["adult_face_x"])
            right.append(ch["infant_face_x"][both] < ch["adult_face_x"][both])
            sure.append(certainty(ch["role_confidence"][both]))
        summary("2UWdXP (the baby left of her mother)", np.concatenate(right), np.concatenate(sure), "ticks")

        paths = sorted(laughter.glob("4JDccE.*.mp4"))
        per_clip = joined_channels(paths, args.cache, cfg) if joined else [channels(p) for p in paths]
        right, sure = [], []
        for path, (t, ch) in zip(paths, per_clip, strict=True):
            for r in (r for r in rows if r["clip"] == path.name):
                child, parent = r["child_side"], r["parent_side"]
                if child not in ("left", "right") or parent not in ("left", "right") or child == parent:
                    continue
                k = int(np.argmin(np.abs(t - float(r["t_s"]))))
                if np.isfinite(ch["infant_face_x"][k]) and np.isfinite(ch["adult_face_x"][k]):
                    right.append((ch["infant_face_x"][k] < ch["adult_face_x"][k]) == (child == "left"))
                    sure.append(float(certainty(ch["role_confidence"][k : k + 1])[0]))
        summary("4JDccE (sides labelled)", np.array(right, bool), np.array(sure), "labelled half seconds")

    print("\nno baby (TV, LAEO) or a baby and an adult (Lookit, iCatcher): certainty where both faces are seen")
    for name in OTHERS:
        _, ch = channels(args.media / name)
        both = np.isfinite(ch["infant_face_x"]) & np.isfinite(ch["adult_face_x"])
        c = certainty(ch["role_confidence"][both])
        print(f"  {name:34s} {both.sum():4d} ticks  mean {c.mean() if c.size else float('nan'):.2f}  "
              f"share >= 0.5 {np.mean(c >= 0.5) if c.size else float('nan'):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
