"""Two coders of one family compared, and what a half-second label file holds (issue 23). Anyone can rerun it:

    .venv/bin/python bench/label_agreement.py bench/labels/looks_4JDccE_half.csv bench/labels/looks_4JDccE.csv

The first file labels the half seconds t = 0.5, 1.5, ... and the second the whole seconds of the same clips, so the two
never judge the same frame. Each half-second label is set against the whole-second labels 0.5 s before and after it:

* ``adjacent``: every (half, neighbour) pair where both say 0 or 1; agreement and Cohen's kappa. Real change within
  0.5 s counts as disagreement here, so this is a lower bound on what the coders would agree on the same frame;
* ``stable``: only where both whole-second neighbours say the same 0 or 1 (the state held over the second), the half
  label against that value; the nearest thing to a second-coder check these files allow.

It also prints the count of each value of every column of the first file and, if it has ``child_side`` and
``parent_side``, the clips where a head changes sides (left <-> right, ignoring ``out`` and ``?``) within the clip.

Two files that label the SAME times (a third coder blind on the half seconds) are compared directly instead:

    .venv/bin/python bench/label_agreement.py bench/labels/second_coder/looks_4JDccE_half_coder3.csv \
        bench/labels/looks_4JDccE_half.csv

* per cue, the counts of 1, 0 and ? in each file over the shared times, the 3x3 cross-table, and agreement and
  Cohen's kappa over the times where both decide 0 or 1;
* the times where one coder says 1 and the other 0 (the real disagreements; a ? against a 0/1 is not one).

A cue is compared only where both files label it (a column left empty in either file is skipped).
Only label files are read: no recording, no program output.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

CUES = ("p2i", "i2p", "ismile", "mutual")


def load(path: Path) -> dict[tuple[str, float], dict[str, str]]:
    """Rows of a label file keyed by (clip, t_s), with mutual gaze derived as in bench/eval_looks.py."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    out = {}
    for rec in csv.DictReader(lines):
        pair = (rec["p2i"], rec["i2p"])
        rec["mutual"] = "1" if pair == ("1", "1") else ("0" if "0" in pair else "?")
        out[(rec["clip"], float(rec["t_s"]))] = rec
    return out


def kappa(pairs: list[tuple[str, str]]) -> float:
    """Cohen's kappa of two codings over the classes present; nan when chance agreement is total."""
    n = len(pairs)
    if n == 0:
        return float("nan")
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(first[c] * second[c] for c in first) / (n * n)
    return float("nan") if chance == 1.0 else (observed - chance) / (1.0 - chance)


def _agreement_line(name: str, pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return f"  {name:<9} no pair where both decide"
    agree = sum(a == b for a, b in pairs)
    counts = Counter(pairs)
    table = " ".join(f"{a}/{b}:{counts[(a, b)]}" for a in "01" for b in "01")
    return (f"  {name:<9} n={len(pairs):3d}  agree {agree / len(pairs):.2f}  kappa {kappa(pairs):+.2f}"
            f"  (half/whole {table})")


VALUES = ("1", "0", "?")


def compare_same(first: dict[tuple[str, float], dict[str, str]], second: dict[tuple[str, float], dict[str, str]],
                 cue: str) -> dict:
    """Two codings of the same times on one cue: counts, cross-table, agreement and kappa, opposite decisions.

    Returns:
        ``n_shared`` (times in both files), ``counts`` (per file, value -> count over the shared times), ``table``
        ((first, second) value pair -> count), ``pairs`` (both decide 0/1), ``agree`` (share of those equal, nan
        if none), ``kappa`` and ``opposite`` (the (clip, t_s) where one says 1 and the other 0, in time order).
    """
    shared = sorted(set(first) & set(second))
    values = [(first[k][cue], second[k][cue]) for k in shared]
    pairs = [(a, b) for a, b in values if a in ("0", "1") and b in ("0", "1")]
    return {
        "n_shared": len(shared),
        "counts": (Counter(a for a, _ in values), Counter(b for _, b in values)),
        "table": Counter(values),
        "pairs": pairs,
        "agree": sum(a == b for a, b in pairs) / len(pairs) if pairs else float("nan"),
        "kappa": kappa(pairs),
        "opposite": [k for k, (a, b) in zip(shared, values) if {a, b} == {"0", "1"}],
    }


def _labelled(rows: dict[tuple[str, float], dict[str, str]], cue: str) -> bool:
    """A cue is labelled in a file if the column exists and is not left empty on every row."""
    return any(rec.get(cue) for rec in rows.values())


def print_same(first_path: Path, first: dict, second_path: Path, second: dict) -> None:
    """The direct comparison of two files that label the same times."""
    shared = set(first) & set(second)
    print(f"{first_path.name} ({len(first)} rows) and {second_path.name} ({len(second)} rows): "
          f"{len(shared)} times in both, compared directly")
    for cue in CUES:
        if not (_labelled(first, cue) and _labelled(second, cue)):
            print(f"  {cue:<9} not labelled in both files: skipped")
            continue
        res = compare_same(first, second, cue)
        counts = "   ".join(f"{name} " + " ".join(f"{v}:{c[v]}" for v in VALUES)
                            for name, c in zip(("first", "second"), res["counts"]))
        n = len(res["pairs"])
        head = (f"n={n:3d}  agree {res['agree']:.2f}  kappa {res['kappa']:+.2f}" if n
                else "no time where both decide")
        print(f"  {cue:<9} {head}   ({counts})")
        print("            first\\second " + " ".join(f"{v:>4}" for v in VALUES))
        for a in VALUES:
            print(f"            {a:>12} " + " ".join(f"{res['table'][(a, b)]:4d}" for b in VALUES))
        if res["opposite"]:
            listed = ", ".join(f"{clip} t={t_s:g} ({first[(clip, t_s)][cue]} vs {second[(clip, t_s)][cue]})"
                               for clip, t_s in res["opposite"])
            print(f"            1 vs 0 at {len(res['opposite'])} time(s): {listed}")


def side_changes(rows: dict[tuple[str, float], dict[str, str]], column: str) -> dict[str, list[str]]:
    """Per clip, the run of sides (left/right) a head takes in time order, for clips where it changes."""
    runs: dict[str, list[str]] = {}
    for (clip, _), rec in sorted(rows.items()):
        side = rec[column]
        if side in ("left", "right") and (not runs.get(clip) or runs[clip][-1] != side):
            runs.setdefault(clip, []).append(side)
    return {clip: run for clip, run in runs.items() if len(run) > 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("half", type=Path, help="half-second label file (t = 0.5, 1.5, ...)")
    parser.add_argument("whole", type=Path, nargs="?",
                        help="whole-second label file of the same clips, or a second coder's file of the same times")
    args = parser.parse_args(argv)
    half = load(args.half)
    if args.whole is not None:
        other = load(args.whole)
        if set(half) & set(other):  # the same times labelled twice: compare them directly
            print_same(args.half, half, args.whole, other)
            return 0
    columns = [c for c in next(iter(half.values())) if c not in ("clip", "t_s", "note")]
    print(f"{args.half.name}: {len(half)} rows, {len({c for c, _ in half})} clips")
    for column in columns:
        counts = Counter(rec[column] for rec in half.values())
        print(f"  {column:<11} " + "  ".join(f"{value}:{n}" for value, n in sorted(counts.items())))
    for column in ("child_side", "parent_side"):
        if column in columns:
            changes = side_changes(half, column)
            print(f"  {column} changes within a clip in {len(changes)} clip(s)")
            for clip, run in changes.items():
                print(f"    {clip}: {' -> '.join(run)}")
    if args.whole is None:
        return 0
    whole = load(args.whole)
    print(f"{args.whole.name}: {len(whole)} rows")
    for cue in CUES:
        counts = Counter(rec[cue] for rec in whole.values())
        print(f"  {cue:<11} " + "  ".join(f"{value}:{n}" for value, n in sorted(counts.items())))
    print(f"{args.half.name} against {args.whole.name} at the whole seconds 0.5 s either side:")
    for mode in ("adjacent", "stable"):
        print(f" {mode}:")
        for cue in CUES:
            pairs, undecided = [], 0
            for (clip, t_s), rec in sorted(half.items()):
                mine = rec[cue]
                around = [whole.get((clip, t_s - 0.5)), whole.get((clip, t_s + 0.5))]
                values = [w[cue] for w in around if w is not None]
                if mode == "adjacent":
                    pairs += [(mine, v) for v in values if v != "?"]
                elif len(values) == 2 and values[0] == values[1] != "?":
                    pairs.append((mine, values[0]))
            undecided = sum(a == "?" for a, _ in pairs)
            line = _agreement_line(cue, [(a, b) for a, b in pairs if a != "?"])
            print(f"{line}; half ? where the whole decides: {undecided}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
