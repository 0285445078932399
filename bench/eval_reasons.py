"""Are the reasons true? The top candidates' reasons on the home recordings, checked against the labels made by eye
(issue 11: "a suggestion is only worth a guider's time if its reasons are true").

What it does:

1. Each labelled home family is one recording, as a guider would film it: the family's LookitLaughter clips joined in
   file order with 1 s of black between takes (``eval_ranking.analyse_family``, the same joined file as
   ``eval_ranking.py --laughter``), and ``icatcher_test_vid_1000.mp4`` on its own. The whole pipeline runs on it and
   ranks its top candidates (``--top``, 5).
2. Every reason is split into the claims the labels can check: the baby and parent looking at each other (``mutual``),
   the parent looking at the baby (``p2i``), the baby looking at the parent (``i2p``), the baby smiling or laughing
   (``ismile``). Sounds, turns and the parent's smile have no labels and are not checked.
3. A claim is **true** when at least one labelled second inside the candidate says so (1), **false** when every
   labelled second inside it says otherwise (all 0), and **unchecked** when no second inside it is labelled 0 or 1
   for that cue (``?`` only: the coder could not see it either). The lenient rule is what a guider checks ("did they
   look at each other in this clip?"). A reason also says how long ("looked at each other for 12.4 s"), so the
   script also counts, among the labelled seconds inside the candidate that the program counted for the cue (its
   binarised cue, as the reason's figure is summed), how many the labels confirm: the precision of the figure.

4. Laughter and crying (issue 22): over each family's whole recording, the share of labelled seconds where the baby
   visibly smiles or laughs (``ismile`` = 1 in the looks labels, and the seconds labelled 1 in
   ``lookit_laughter_seconds.csv``) at which the fused ``infant_cry`` (what scoring, reasons and teaching clips read)
   is >= 0.5 on any tick within ±0.5 s (target: at most 5 %); ``infant_laugh`` >= 0.5 at the laughter labels' 1 and 0
   seconds; and the top candidates' crying caveats ("the baby cries ...") against the smiles labelled inside them.

Run::

    .venv/bin/python bench/eval_reasons.py                # whole pipeline on each family, ~1-4 min each
    .venv/bin/python bench/eval_reasons.py --freeze DIR   # keep/reuse the families' signals in DIR
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
from eval_looks import load_labels  # noqa: E402
from eval_ranking import DEFAULT_MEDIA, Clip, analyse_family, analyse_joined  # noqa: E402

from vigclips.scoring import ScoringConfig, find_moments  # noqa: E402
from vigclips.scoring.principles import compute_cues  # noqa: E402

FAMILIES = ("2UWdXP", "4JDccE")
SINGLE_CLIPS = ("icatcher_test_vid_1000.mp4",)

# (pattern in one clause of a reason, the labelled cue it claims). Reasons are joined clauses ("baby smiled; parent
# looked at the baby within 0.4 s"): each clause is matched on its own, so the parent's part never checks the baby's cue.
# A look seen from the head alone is worded "turned to" (the eyes were not resolved): it claims less than a look, and
# the labels (where the eyes were looking) can only confirm it, so such claims are counted apart.
CLAIMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), cue)
    for p, cue in (
        (r"looked at each other|met the baby's eyes|turned to each other|already turned to the baby", "mutual"),
        (r"^(the )?parent (looked at the baby|watched quietly|was turned to the baby)", "p2i"),
        (r"^parent (?!was already).*(looked at|turned to) the baby", "p2i"),
        (r"^(the )?baby (was )?(looked at|looked up at|turned to) the parent", "i2p"),
        (r"^baby .*(looked up at|turned to) the parent", "i2p"),
        (r"smiled together", "ismile"),
        (r"^(the )?baby\b[^;]*\b(smiled|laughed)\b", "ismile"),
    )
)
_TURNED = re.compile(r"\bturned to\b")


def claims(reason: str) -> list[tuple[str, str]]:
    """The labelled cues one reason claims, each once, with how: ``look`` (the eyes were seen) or ``turn`` (the head
    alone, worded "turned to"; smiles are always ``look``).

    Example:
        >>> claims("baby looked up at the parent and smiled; parent answered within 0.5 s")
        [('i2p', 'look'), ('ismile', 'look')]
        >>> claims("baby turned to the parent; parent was already turned to the baby")
        [('i2p', 'turn'), ('mutual', 'turn')]
        >>> claims("the parent spoke and the baby answered within 0.6 s")
        []
    """
    out: list[tuple[str, str]] = []
    for clause in (c.strip() for c in reason.split(";")):
        for pattern, cue in CLAIMS:
            if pattern.search(clause) and cue not in [c for c, _ in out]:
                turned = cue != "ismile" and bool(_TURNED.search(clause))
                out.append((cue, "turn" if turned else "look"))
    return out


def verdict(values: list[int]) -> str:
    """``true`` (some labelled second says so), ``false`` (every one says not) or ``unchecked`` (none labelled)."""
    if not values:
        return "unchecked"
    return "true" if any(values) else "false"


def recording(media: Path, name: str, freeze: Path | None):
    """``(signals, turns, layout)`` of one home recording: a family's joined clips, or a single clip."""
    if name in FAMILIES:
        signals, _segments, turns, layout = analyse_family(media, name, freeze)
        return signals, turns, layout
    clip = Clip(name, "home")
    frozen = freeze / f"reasons_{Path(name).stem}.npz" if freeze is not None else None
    with tempfile.TemporaryDirectory(prefix="vigclips-reasons-") as tmp:
        signals, _segments, turns, layout = analyse_joined([clip], media, Path(tmp), frozen, [clip])
    return signals, turns, layout


def labelled_inside(labels, layout, start_s: float, end_s: float, cue: str) -> list[tuple[float, int]]:
    """``(time in the recording, 0/1)`` of ``cue`` at labelled seconds lying inside ``[start_s, end_s)``."""
    out = []
    for a, b, clip in layout:
        name = Path(clip.file).name
        for lab in labels:
            if lab.clip == name and lab.values[cue] is not None and start_s <= a + lab.t_s < min(end_s, b):
                out.append((a + lab.t_s, lab.values[cue]))
    return out


def check(media: Path, name: str, labels, top: int, freeze: Path | None) -> list[dict[str, object]]:
    """One recording's top candidates with each checkable claim, its verdict and how many of the labelled seconds
    the program counted for it the labels confirm."""
    signals, turns, layout = recording(media, name, freeze)
    cfg = ScoringConfig()
    cues = compute_cues(signals, cfg, turns)
    counted = {"mutual": cues.mutual, "p2i": cues.adult_look, "i2p": cues.infant_look, "ismile": cues.infant_smile}
    hz = float(signals.tick_hz)
    rows = []
    for mo in find_moments(signals, cfg, top, turns):
        checked = []
        for reason in mo.reasons:
            for cue, how in claims(reason):
                inside = labelled_inside(labels, layout, mo.start_s, mo.end_s, cue)
                mask = counted[cue]
                on = [v for t, v in inside if mask[min(int(round(t * hz)), len(mask) - 1)]]
                checked.append({"reason": reason, "cue": cue, "how": how, "verdict": verdict([v for _, v in inside]),
                                "counted_right": sum(on), "counted": len(on),
                                "first_of_cue": all((c["cue"], c["how"]) != (cue, how) for c in checked)})  # fmt: skip
        rows.append({"rank": mo.rank, "start_s": mo.start_s, "end_s": mo.end_s, "reasons": list(mo.reasons), "claims": checked})
    return rows


LAUGH_SECONDS = REPO / "bench" / "labels" / "lookit_laughter_seconds.csv"


def _any_tick(channel: np.ndarray, hz: float, t_s: float, on: float = 0.5) -> bool:
    """Whether ``channel`` >= ``on`` on any tick within ±0.5 s of ``t_s``."""
    lo, hi = max(0, int(np.ceil((t_s - 0.5) * hz))), min(len(channel), int(np.floor((t_s + 0.5) * hz)) + 1)
    return bool(np.any(np.nan_to_num(channel[lo:hi]) >= on))


def laugh_cry_seconds(signals, layout, labels) -> dict[str, list[bool]]:
    """Per kind of labelled second, whether the fused channel claims the cue there (see point 4 of the docstring)."""
    import csv

    hz = float(signals.tick_hz)
    cry, laugh = signals.get("infant_cry"), signals.get("infant_laugh")
    out: dict[str, list[bool]] = {"cry at ismile=1": [], "cry at laugh=1": [], "laugh at laugh=1": [],
                                  "laugh at laugh=0": []}  # fmt: skip
    with LAUGH_SECONDS.open(newline="") as fh:
        spans = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    for a, _b, clip in layout:
        name = Path(clip.file).name
        for lab in labels:
            if lab.clip == name and lab.values["ismile"] == 1:
                out["cry at ismile=1"].append(_any_tick(cry, hz, a + lab.t_s))
        for r in spans:
            if r["file"] != name:
                continue
            for k in range(int(r["start_s"]), int(r["end_s"])):
                t = a + k + 0.5
                if r["label"] == "1":
                    out["cry at laugh=1"].append(_any_tick(cry, hz, t))
                    out["laugh at laugh=1"].append(_any_tick(laugh, hz, t))
                elif r["label"] == "0":
                    out["laugh at laugh=0"].append(_any_tick(laugh, hz, t))
    return out


def cry_caveats(media: Path, name: str, labels, top: int, freeze: Path | None) -> tuple[int, int]:
    """``(top candidates whose caveats say the baby cries, of them those with a labelled smile inside)``."""
    signals, turns, layout = recording(media, name, freeze)
    said = smiling = 0
    for mo in find_moments(signals, ScoringConfig(), top, turns):
        texts = [*mo.reasons, *[str(c) for c in mo.details.get("caveats", [])]]  # type: ignore[union-attr]
        if any("cries" in t or "crying" in t for t in texts):
            said += 1
            smiling += any(v == 1 for _t, v in labelled_inside(labels, layout, mo.start_s, mo.end_s, "ismile"))
    return said, smiling


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--media", type=Path, default=DEFAULT_MEDIA)
    ap.add_argument("--labels", type=Path, default=REPO / "bench" / "labels")
    ap.add_argument("--top", type=int, default=5, help="candidates per recording (default 5)")
    ap.add_argument("--freeze", type=Path, default=None, help="keep/reuse each recording's signals in this folder")
    args = ap.parse_args(argv)
    labels = load_labels(args.labels)
    totals: dict[str, dict[str, int]] = {}
    for name in (*FAMILIES, *SINGLE_CLIPS):
        print(f"\n{name}: top {args.top} candidates")
        for row in check(args.media, name, labels, args.top, args.freeze):
            reasons = "; ".join(row["reasons"])  # type: ignore[arg-type]
            print(f"  #{row['rank']} {row['start_s']:6.1f}-{row['end_s']:6.1f} s: {reasons}")
            for c in row["claims"]:  # type: ignore[union-attr]
                confirmed = f"counted seconds confirmed {c['counted_right']} of {c['counted']}"
                print(f"      {c['verdict']:9s} {c['cue']:6s} {c['how']:4s} ({confirmed}): {c['reason']}")
                empty = {"true": 0, "false": 0, "unchecked": 0, "right": 0, "counted": 0}
                t = totals.setdefault(f"{c['cue']} {c['how']}", empty)
                t[c["verdict"]] += 1
                if c["first_of_cue"]:  # a candidate's seconds count once per cue and wording, however many reasons claim it
                    t["right"] += c["counted_right"]
                    t["counted"] += c["counted"]
    print("\nclaims in the top candidates' reasons (true: a labelled second inside says so; false: every one says not;"
          " counted seconds: labelled seconds the program counted for the claim, and how many the labels confirm)")
    for cue, t in sorted(totals.items()):
        checkable = t["true"] + t["false"]
        share = f"{t['true'] / checkable:.2f}" if checkable else "n/a"
        print(f"  {cue:11s} true {t['true']:2d}  false {t['false']:2d}  unchecked {t['unchecked']:2d}  share true {share:4s}"
              f"  counted seconds confirmed {t['right']:3d} of {t['counted']:3d}")  # fmt: skip
    n_true, n_false = sum(t["true"] for t in totals.values()), sum(t["false"] for t in totals.values())
    if n_true + n_false:
        print(f"  {'all':11s} true {n_true:2d}  false {n_false:2d}  share true {n_true / (n_true + n_false):.2f}")
    print("\nlaughter and crying at labelled seconds (fused signals; a claim = >= 0.5 on a tick within ±0.5 s; issue 22)")
    pooled: dict[str, list[bool]] = {}
    for name in FAMILIES:
        signals, _turns, layout = recording(args.media, name, args.freeze)
        for kind, got in laugh_cry_seconds(signals, layout, labels).items():
            pooled.setdefault(kind, []).extend(got)
            print(f"  {name} {kind:18s} {sum(got):3d} of {len(got):3d}")
        said, smiling = cry_caveats(args.media, name, labels, args.top, args.freeze)
        print(f"  {name} top {args.top}: {said} candidates say the baby cries, {smiling} of them with a labelled smile inside")
    for kind, got in pooled.items():
        share = sum(got) / max(1, len(got))
        target = "  target <= 0.05 " + ("PASS" if share <= 0.05 else "FAIL") if kind.startswith("cry at") else ""
        print(f"  both families {kind:18s} {share:.3f} ({sum(got)} of {len(got)}){target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
