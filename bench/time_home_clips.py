"""CPU time per analysed frame of the vision stage on two home clips: the VIG shot (2UWdXP Peekaboo rep2) and the
toddler family (4JDccE NomNomNom rep1), for comparing two commits (issues 22 and 23: "no more than 10 % above today").

Each run is pinned to one core; model loading is timed on its own and subtracted; median of ``--runs`` runs per clip.
It imports the vigclips of the checkout it sits in, so an older commit is timed from its own checkout, alternating::

    for k in 1 2 3; do
      (cd ../old && ../main/.venv/bin/python ../main/bench/time_home_clips.py --code .)
      .venv/bin/python bench/time_home_clips.py
    done

``--set edges=false`` (repeatable) times the current code with a vision setting changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CLIPS = ("2UWdXP.joke1.rep2.take1.Peekaboo.mp4", "4JDccE.joke1.rep1.take1.NomNomNom.mp4")
"""The VIG-shot and toddler clips, in ``lookit_laughter/``."""


def cpu_ms_per_frame(analyze_frames, frames: list, cfg) -> float:
    """CPU milliseconds per frame of one ``analyze_frames(frames, cfg)`` run, its own model loading (an empty run,
    about 0.2-3 s of CPU on this machine: a whole short clip's worth) subtracted. ``analyze_frames`` is passed in so
    the caller decides which checkout's vigclips is timed."""
    c0 = time.process_time()
    analyze_frames(iter([]), cfg)
    c1 = time.process_time()
    analyze_frames(iter(frames), cfg)
    return (time.process_time() - c1 - (c1 - c0)) * 1000 / len(frames)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--code", type=Path, default=REPO, help="checkout whose vigclips is timed (default: this one)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a vision setting, e.g. edges=false")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    import cv2

    from vigclips.media import probe
    from vigclips.media.decode import iter_frames
    from vigclips.vision import VisionConfig, analyze_frames

    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    cv2.setNumThreads(1)
    settings = {}
    for item in args.set:
        key, _, value = item.partition("=")
        settings[key] = {"true": True, "false": False}.get(value.lower(), value)
    cfg = VisionConfig(**settings)
    out = []
    for name in CLIPS:
        info = probe(args.media / "lookit_laughter" / name)
        frames = list(iter_frames(info.path, Fraction(10), 640, info))
        spent = [cpu_ms_per_frame(analyze_frames, frames, cfg) for _ in range(args.runs)]
        out.append(f"{name[:6]} {np.median(spent):.1f} ms/frame")
    print(f"{args.code.resolve().name} {' '.join(args.set)}: " + ", ".join(out), flush=True)


if __name__ == "__main__":
    main()
