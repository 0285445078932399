"""Looks, mutual gaze and baby smiles against labels made by eye (issue 11). Anyone can rerun it:

    .venv/bin/python bench/eval_looks.py [--media ../shared/media] [--labels bench/labels] [--loco NAME=V1,V2,...]

Labels: every ``bench/labels/looks_*.csv`` (the protocol is at the top of each file): per labelled second of a clip,
``p2i`` (parent looks at the baby), ``i2p`` (baby looks at the parent), ``ismile`` (baby smiles), each ``1``, ``0`` or
``?``, and every ``bench/labels/psmile_*.csv`` (issue 22): ``psmile`` (the parent smiles), with ``pview`` (``f`` she
faces the camera, ``t`` she is turned at 3/4 or in profile). Mutual gaze is 1 where both looks are 1, 0 where either is 0. On the TV clips there is no baby: "p" is the right
person of the looking pair and "i" the left one, so there the program's adult/infant channels are read by image side.

Per cue it prints balanced accuracy (the mean of the true-positive and true-negative rates) over labelled seconds, where
the prediction for second t is the mean of the column over ticks within t +- 0.2 s, at >= 0.5 (a face not seen counts as
"no"), the share of true cases found and the share of "no" seconds read as no; for each LAEO clip, the share of ticks
where both faces are seen with ``mutual_gaze`` >= 0.5; for the iCatcher and LAEO clips, how often the adult's face reads
as smiling (no smile labels there: a check that turned and hidden faces do not flood ``adult_smile``); and the Lookit exchange's turn counts (``turns_lena``, ``turns_contingent``).

``--set NAME=VALUE`` changes a vision setting for the whole run (``--set adult_smile_expression=true``: the parent's
smile in profile, issue 22, off by default). ``--loco`` gives leave-one-clip-out figures for a vision setting chosen from the listed values: for each clip, the value
with the best mean balanced accuracy on the *other* clips is used to predict it. The headline uses the shipped settings.

The vision stage's face rows are cached per clip (``--cache``), keyed by the file and a digest of the vision and media
code but for ``roles.py`` and ``channels.py`` (they run on the rows after the cache), so changing only how rows become
channels (roles, looks) reruns in seconds.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import os
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from vigclips.media.decode import iter_frames  # noqa: E402
from vigclips.media.probe import probe  # noqa: E402
from vigclips.signals import place_on_ticks, tick_times  # noqa: E402
from vigclips.vision import VisionConfig, analyze_frames  # noqa: E402
from vigclips.vision.channels import build_result  # noqa: E402

TICK_HZ = Fraction(10)
HALF_WINDOW_S = 0.2
CUES = {  # label column -> (channel, the program's role whose look it is)
    "p2i": "adult_looks_at_infant",
    "i2p": "infant_looks_at_adult",
    "mutual": "mutual_gaze",
    "ismile": "infant_smile",
    "psmile": "adult_smile",
}
VIEWS = {"f": "facing the camera", "t": "turned (3/4, profile)"}
"""``pview`` of the parent-smile labels: the parent's smile is also scored on each view alone (issue 22)."""
LAEO_CLIPS = (
    "laeo_tvhid_highFive_0016.avi",
    "laeo_ava_9Y_l9NsnYE0_01323.mp4",
    "laeo_tvhid_handShake_0001.avi",
    "laeo_tvhid_highFive_0005.avi",
    "laeo_tvhid_highFive_0018.avi",
)


@dataclasses.dataclass
class Label:
    clip: str
    t_s: float
    values: dict[str, int | None]  # cue -> 1, 0, None (? or empty)
    pview: str = ""  # the parent's view where psmile is labelled: "f", "t" or ""


def _value(text: str) -> int | None:
    text = text.strip()
    return int(text) if text in ("0", "1") else None


def _records(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def load_labels(folder: Path) -> list[Label]:
    """Every labelled time of every ``looks_*.csv`` in ``folder``, with mutual gaze derived, and the parent's smiles of
    every ``psmile_*.csv`` (joined to the same time of the same clip, or a time of their own)."""
    out: list[Label] = []
    for path in sorted(folder.glob("looks_*.csv")):
        for rec in _records(path):
            v = {c: _value(rec.get(c, "") or "") for c in ("p2i", "i2p", "ismile")}
            pair = (v["p2i"], v["i2p"])
            v["mutual"] = 1 if pair == (1, 1) else (0 if 0 in pair else None)
            v["psmile"] = None
            out.append(Label(rec["clip"], float(rec["t_s"]), v))
    at = {(lab.clip, lab.t_s): lab for lab in out}
    for path in sorted(folder.glob("psmile_*.csv")):
        for rec in _records(path):
            key = (rec["clip"], float(rec["t_s"]))
            if key not in at:
                at[key] = Label(key[0], key[1], {c: None for c in CUES})
                out.append(at[key])
            at[key].values["psmile"] = _value(rec["psmile"])
            at[key].pview = rec["pview"].strip() if rec["psmile"].strip() in ("0", "1") else ""
    return out


def media_path(media: Path, clip: str) -> Path:
    for p in (media / clip, media / "lookit_laughter" / clip):
        if p.is_file():
            return p
    raise FileNotFoundError(f"{clip}: not found under {media}")


def _code_digest() -> str:
    import vigclips

    package = Path(vigclips.__file__).parent
    h = hashlib.sha256()
    # The cached face rows are made before roles and channels are decided (build_result runs again on them), so a
    # change there does not make them stale.
    after_rows = {package / "vision" / "roles.py", package / "vision" / "channels.py"}
    for sub in ("vision", "media"):
        for source in sorted((package / sub).rglob("*.py")):
            if source not in after_rows:
                h.update(source.read_bytes())
    return h.hexdigest()[:12]


FRAME_STAGE_SETTINGS = ("detector", "max_faces", "min_detection_confidence", "min_tracking_confidence", "track_max_gap_s",
                        "track_min_iou", "expression", "mesh_only_faces", "crop_mesh", "full_range_every_s", "hands",
                        "hands_every_s", "edges", "edge_every_s", "lost_faces")
"""Settings the per-frame pass (``analyze_frames``) reads: a non-default one is part of the cache key, so ``--set``
on them reruns the vision stage (the others only change how cached rows become channels)."""


def _settings_key(cfg: VisionConfig) -> str:
    default = VisionConfig()
    changed = [f"{k}={getattr(cfg, k)}" for k in FRAME_STAGE_SETTINGS if getattr(cfg, k) != getattr(default, k)]
    return "-" + hashlib.sha256(",".join(changed).encode()).hexdigest()[:8] if changed else ""


def vision_rows(path: Path, cache: Path, cfg: VisionConfig) -> dict[str, np.ndarray]:
    """The vision stage's face rows of one clip (cached), plus its duration."""
    st = path.stat()
    key = cache / f"{path.name}-{st.st_size}-{int(st.st_mtime)}-{_code_digest()}{_settings_key(cfg)}.npz"
    if key.is_file():
        with np.load(key) as z:
            return {k: z[k] for k in z.files}
    res = analyze_frames(iter_frames(path, TICK_HZ, 640, fast_decode=True), cfg, threads=2)
    rows = dict(pts_s=res.pts_s, image_wh=res.image_wh, face_frame=res.face_frame, face_track=res.face_track,
                face_data=res.face_data, duration_s=np.float64(probe(path).duration_s))  # fmt: skip
    cache.mkdir(parents=True, exist_ok=True)
    tmp = key.with_suffix(".part.npz")
    np.savez_compressed(tmp, **rows)
    os.replace(tmp, key)
    return rows


def tick_channels(rows: dict[str, np.ndarray], cfg: VisionConfig) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Tick times and the vision channels on them, from cached face rows and the given settings."""
    res = build_result(rows["pts_s"], rows["image_wh"], rows["face_frame"], rows["face_track"], rows["face_data"], cfg)
    t = tick_times(float(rows["duration_s"]), TICK_HZ)
    return t, place_on_ticks(res.pts_s, res.channels, TICK_HZ, len(t))


def _by_side(ch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """TV clips: 'p' is the right person, so where the program's adult is on the left, swap the two looks."""
    out = dict(ch)
    swap = ch["adult_face_x"] < ch["infant_face_x"]
    a, i = ch["adult_looks_at_infant"], ch["infant_looks_at_adult"]
    out["adult_looks_at_infant"] = np.where(swap, i, a)
    out["infant_looks_at_adult"] = np.where(swap, a, i)
    return out


def predictions(labels: list[Label], t: np.ndarray, ch: dict[str, np.ndarray], cue: str) -> list[tuple[int, int]]:
    """(truth, prediction) per labelled time of one clip with a 0/1 truth for ``cue``."""
    col = np.nan_to_num(ch[CUES[cue]].astype(np.float64), nan=0.0)
    out = []
    for lab in labels:
        truth = lab.values[cue]
        if truth is None:
            continue
        near = np.abs(t - lab.t_s) <= HALF_WINDOW_S + 1e-9
        pred = int(near.any() and col[near].mean() >= 0.5)
        out.append((truth, pred))
    return out


def rates(pairs: list[tuple[int, int]]) -> tuple[float, float, int, int]:
    """True-positive rate, true-negative rate, positives, negatives (a rate is NaN where its class is missing)."""
    a = np.array(pairs, dtype=int).reshape(-1, 2)
    pos, neg = a[a[:, 0] == 1], a[a[:, 0] == 0]
    tpr = pos[:, 1].mean() if len(pos) else np.nan
    tnr = 1 - neg[:, 1].mean() if len(neg) else np.nan
    return float(tpr), float(tnr), len(pos), len(neg)


def balanced(pairs: list[tuple[int, int]]) -> tuple[float, float, int, int]:
    """Balanced accuracy, true-positive rate, positives, negatives (NaN where a class is missing)."""
    tpr, tnr, npos, nneg = rates(pairs)
    return float(np.mean([tpr, tnr])), tpr, npos, nneg


WEBCAM_CLIPS = frozenset({"lookit_causal_ex2.mp4", "lookit_consent.mp4", "lookit_consent_ja.mp4", "icatcher_test_short.mp4"})
"""Parent and child side by side facing a webcam: not the VIG shot, so a group of their own, outside the home figures
(a check that frontal faces keep working)."""


def _group(clip: str) -> str:
    if clip.startswith("laeo_"):
        return "TV"
    return "webcam" if clip in WEBCAM_CLIPS else clip.split(".")[0]


def _home(clip: str) -> bool:
    """A home recording of the VIG kind (a family at play), whose figures are the issue's."""
    return _group(clip) not in ("TV", "webcam")


def evaluate(labels: list[Label], channels: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]) -> dict:
    """Per cue and group: the (truth, prediction) pairs."""
    out: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for clip in sorted({lab.clip for lab in labels}):
        t, ch = channels[clip]
        if _group(clip) == "TV":
            ch = _by_side(ch)
        mine = [lab for lab in labels if lab.clip == clip]
        for cue in CUES:
            if cue in ("ismile", "psmile") and _group(clip) == "TV":
                continue
            out.setdefault((cue, clip), []).extend(predictions(mine, t, ch, cue))
        for view in VIEWS:
            seen = [lab for lab in mine if lab.pview == view]
            out.setdefault((f"psmile_{view}", clip), []).extend(predictions(seen, t, ch, "psmile"))
    return out


def _pooled(pairs: dict, cue: str, clips) -> list[tuple[int, int]]:
    return [p for c in clips for p in pairs.get((cue, c), [])]


def laeo_share(t: np.ndarray, ch: dict[str, np.ndarray]) -> tuple[float, int]:
    both = (ch["infant_present"] > 0) & (ch["adult_present"] > 0)
    if not both.any():
        return float("nan"), 0
    return float(np.mean(np.nan_to_num(ch["mutual_gaze"][both], nan=0.0) >= 0.5)), int(both.sum())


def smile_share(t: np.ndarray, ch: dict[str, np.ndarray]) -> tuple[float, int]:
    seen = ch["adult_present"] > 0
    if not seen.any():
        return float("nan"), 0
    return float(np.mean(np.nan_to_num(ch["adult_smile"][seen], nan=0.0) >= 0.5)), int(seen.sum())


def lookit_turns(media: Path) -> tuple[int, int]:
    from vigclips.pipeline import analyze

    a = analyze(media / "lookit_causal_ex2.mp4")
    return a.turns.turns_lena, a.turns.turns_contingent


def _setting(cfg: VisionConfig, spec: str) -> tuple[str, object]:
    """``NAME=VALUE`` as the setting's own type (``true``/``false`` for a switch)."""
    name, text = spec.split("=", 1)
    default = getattr(cfg, name)
    if isinstance(default, bool):
        return name, text.strip().lower() in ("1", "true", "yes", "on")
    return name, type(default)(text)


def settings_from(specs: list[str]) -> VisionConfig:
    """The shipped vision settings with ``--set NAME=VALUE`` changes (:func:`_setting`)."""
    cfg = VisionConfig()
    return dataclasses.replace(cfg, **dict(_setting(cfg, spec) for spec in specs))


def data_arguments(ap: argparse.ArgumentParser) -> None:
    """``--media``, ``--labels`` and ``--cache`` (the face rows' cache, under ``XDG_CACHE_HOME``), as every script that
    reads these labels and rows takes them."""
    ap.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--labels", type=Path, default=REPO / "bench" / "labels")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    ap.add_argument("--cache", type=Path, default=cache_home / "vigclips" / "eval_looks")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_arguments(ap)
    ap.add_argument("--loco", action="append", default=[], metavar="NAME=V1,V2,...",
                    help="leave-one-clip-out figures for a vision setting chosen among these values")  # fmt: skip
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a vision setting for the whole run, e.g. adult_smile_expression=true (issue 22)")  # fmt: skip
    ap.add_argument("--no-turns", action="store_true", help="skip the Lookit exchange (runs the whole pipeline)")
    args = ap.parse_args(argv)

    labels = load_labels(args.labels)
    if not labels:
        print(f"no labels in {args.labels}", file=sys.stderr)
        return 2
    cfg = settings_from(args.set)
    if args.set:
        print(f"settings: {', '.join(args.set)}")
    clips = sorted({lab.clip for lab in labels} | set(LAEO_CLIPS))
    rows = {c: vision_rows(media_path(args.media, c), args.cache, cfg) for c in clips}
    channels = {c: tick_channels(rows[c], cfg) for c in clips}
    pairs = evaluate(labels, channels)
    labelled = sorted({lab.clip for lab in labels})
    groups = sorted({_group(c) for c in labelled})

    which = "settings changed as above" if args.set else "shipped settings"
    print(f"labelled times: {len(labels)} in {len(labelled)} clips ({', '.join(groups)}); {which}")
    print(f"{'cue':8} {'group':22} {'balanced acc':>12} {'found':>7} {'no right':>8} {'pos':>5} {'neg':>5}")
    home = [c for c in labelled if _home(c)]
    for cue in list(CUES) + [f"psmile_{v}" for v in VIEWS]:
        for name, members in [(g, [c for c in labelled if _group(c) == g]) for g in groups] + [("home", home)]:
            pooled = _pooled(pairs, cue, members)
            ba = balanced(pooled)[0]
            tpr, tnr, npos, nneg = rates(pooled)
            if npos + nneg:
                print(f"{cue:8} {name:22} {ba:12.3f} {tpr:7.3f} {tnr:8.3f} {npos:5d} {nneg:5d}")

    print("\nLAEO clips: share of ticks with both faces seen where mutual_gaze >= 0.5 (target >= 0.60)")
    for c in LAEO_CLIPS:
        share, n = laeo_share(*channels[c])
        print(f"  {c:36} {share:6.3f} of {n} ticks")

    print("\nParent smiles where no smile was labelled (info, no target: how often a turned or hidden face reads as a smile):"
          " share of ticks with the adult seen where adult_smile >= 0.5")  # fmt: skip
    for c in ("icatcher_test_vid_1000.mp4", *LAEO_CLIPS):
        if c in channels:
            share, n = smile_share(*channels[c])
            print(f"  {c:36} {share:6.3f} of {n} ticks")

    for spec in args.loco:
        name, values = spec.split("=", 1)
        options = [_setting(cfg, f"{name}={v}")[1] for v in values.split(",")]
        per_value = {v: evaluate(labels, {c: tick_channels(rows[c], dataclasses.replace(cfg, **{name: v}))
                                          for c in labelled}) for v in options}  # fmt: skip
        print(f"\nleave-one-clip-out, {name} chosen among {options} on the other clips "
              "(one value for every cue: the best mean balanced accuracy over the five):")  # fmt: skip
        held: dict[str, list[tuple[int, int]]] = {cue: [] for cue in CUES}
        held_by_clip: dict[tuple[str, str], list[tuple[int, int]]] = {}
        chosen = []
        for c in home:
            rest = [o for o in home if o != c]

            def mean_ba(v: object) -> float:
                return float(np.nanmean([balanced(_pooled(per_value[v], cue, rest))[0] for cue in CUES]))

            best = max(options, key=mean_ba)
            chosen.append(best)
            for cue in CUES:
                held[cue].extend(per_value[best].get((cue, c), []))
            for key in ("ismile", "psmile", *(f"psmile_{v}" for v in VIEWS)):
                held_by_clip[(key, c)] = per_value[best].get((key, c), [])
        for cue in CUES:
            ba, tpr, npos, nneg = balanced(held[cue])
            print(f"  {cue:8} home {ba:6.3f} (found {tpr:.3f})")
        for key in ("ismile", "psmile", *(f"psmile_{v}" for v in VIEWS)):  # smiles per family (and the parent's per view)
            for g in sorted({_group(c) for c in home}):
                ba, tpr, npos, nneg = balanced(_pooled(held_by_clip, key, [c for c in home if _group(c) == g]))
                if npos + nneg:
                    print(f"  {key:8} {g:8} {ba:6.3f} ({npos} smiling, {nneg} not)")
        print(f"  chosen: {', '.join(f'{v} ({chosen.count(v)} clips)' for v in sorted(set(chosen)))}")
        for v in options:
            print(f"  {name} = {v}: " + ", ".join(f"{cue} {balanced(_pooled(per_value[v], cue, home))[0]:.3f}" for cue in CUES))

    if not args.no_turns:
        lena, contingent = lookit_turns(args.media)
        print(f"\nLookit exchange (lookit_causal_ex2.mp4): turns_lena {lena}, turns_contingent {contingent} (target 1 and 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
