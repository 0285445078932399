"""Prove that two checkouts of vigclips write the same outputs (e.g. before and after a restructuring).

    .venv/bin/python bench/compare_outputs.py --base /work/baseline --new /work/main [--keep DIR]

For each checkout, in a fresh temporary folder, it runs the demo end to end through the command line
(``python -m vigclips`` with ``PYTHONPATH=<checkout>``, cwd = the checkout, HOME and the XDG folders pointed into the
temporary folder so the user's real config folder is never read or written):

    analyze sample_videos/demo_play.mp4 -o OUT --overlay;  rank OUT/demo_play;
    decisions edited by hand in moments.json (README: "readable and editable by hand"): confirm #1 and #2, reject #3,
        trim #1, tag #1 and give it a note;
    export OUT/demo_play --stills;  export OUT/demo_play --annotate;
    a trainer's corrections in the exported .eaf (reject #2, reword the note);  import-elan OUT/demo_play;
    learn OUT/demo_play -o learned_weights.json;  batch IN -o BATCH --workers 1   (IN holds a copy of the demo)

and keeps every file written plus each command's exit code, stdout and stderr (``logs/``). It then compares the two trees
file by file: the same relative paths, and the same bytes after masking only what differs between two runs of the SAME
checkout (found by running one checkout twice; the rule applied is printed per file). Exit 0 when all is identical,
1 when anything differs, 2 when a run itself fails. Takes about a minute on 2 cores (two runs of ~25 s).
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
DEMO = "sample_videos/demo_play.mp4"
NAME = "demo_play"
FIXED_MTIME_NS = 1_700_000_000_000_000_000


# ---------------------------------------------------------------------------------------------------------------- runs
def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def run_checkout(checkout: Path, root: Path) -> Path:
    """Run the whole demo with ``checkout``'s code; return the folder holding everything it wrote (``root/out``)."""
    out, home = root / "out", root / "home"
    logs = out / "logs"
    for d in (logs, home / ".config", home / ".local/share", home / ".cache", root / "in"):
        d.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGCLIPS_", "PYTHON", "XDG_", "MPL"))}
    env.update(PYTHONPATH=str(checkout), HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"), TZ="UTC")
    step = [0]

    def cli(*args: str) -> None:
        step[0] += 1
        t0 = time.monotonic()
        p = subprocess.run([PY, "-m", "vigclips", *args], cwd=checkout, env=env, capture_output=True, text=True)
        (logs / f"{step[0]:02d}_{args[0]}.txt").write_text(f"exit {p.returncode}\n--- stdout\n{p.stdout}--- stderr\n{p.stderr}")
        print(f"  [{checkout}] vigclips {' '.join(args)}: exit {p.returncode}, {time.monotonic() - t0:.0f} s", flush=True)
        if p.returncode != 0:
            fail(f"{' '.join(args)} failed in {checkout}:\n{p.stdout}\n{p.stderr}")

    where = subprocess.run([PY, "-c", "import vigclips; print(vigclips.__file__)"], cwd=checkout, env=env,
                           capture_output=True, text=True).stdout.strip()  # the editable install must not win
    if not where or not Path(where).resolve().is_relative_to(checkout):
        fail(f"{checkout}: python imports vigclips from {where}, not from the checkout")
    folder = out / "OUT" / NAME
    cli("analyze", DEMO, "-o", str(out / "OUT"), "--overlay")
    cli("rank", str(folder))
    decide(folder / "moments.json")
    cli("export", str(folder), "--stills")
    cli("export", str(folder), "--annotate")
    correct_in_elan(folder / f"{NAME}.eaf")
    cli("import-elan", str(folder))
    cli("learn", str(folder), "-o", str(out / "learned_weights.json"))
    shutil.copy(checkout / DEMO, root / "in")
    os.utime(root / "in" / Path(DEMO).name, ns=(FIXED_MTIME_NS, FIXED_MTIME_NS))  # batch records the mtime
    cli("batch", str(root / "in"), "-o", str(out / "BATCH"), "--workers", "1")
    leaked = [str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() and "matplotlib" not in p.parts]
    if leaked:
        print(f"  note: files written under the temporary HOME: {leaked}")
    return out


def decide(path: Path) -> None:
    """The guider's decisions, made the documented way: editing moments.json by hand (as tests/test_cli.py does)."""
    doc = json.loads(path.read_text())
    m = sorted(doc["moments"], key=lambda m: m["rank"])
    if len(m) < 3:
        fail(f"{path}: expected at least 3 candidates, got {len(m)}")
    m[0].update(status="confirmed", start_s=round(m[0]["start_s"] + 0.5, 3), end_s=round(m[0]["end_s"] - 0.5, 3),
                tags=["receiving", "developing"], note="Lovely turn-taking; show this first.")
    m[1]["status"] = "confirmed"
    m[2]["status"] = "rejected"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def correct_in_elan(eaf: Path) -> None:
    """A trainer's corrections in ELAN (the tiers `export` wrote): #2 rejected after all, #1's note reworded."""
    text = eaf.read_text()
    m2 = sorted(json.loads((eaf.parent / "moments.json").read_text())["moments"], key=lambda m: m["rank"])[1]["id"]
    new = text.replace(f">confirmed {m2}<", f">rejected {m2}<").replace(">Lovely turn-taking; show this first.<",
                                                                        ">Lovely turn-taking; show this one first.<")
    if new.count("rejected") != text.count("rejected") + 1 or "this one first" not in new:
        fail(f"{eaf}: the guider tiers are not as expected; cannot make the ELAN corrections")
    eaf.write_text(new)


# ---------------------------------------------------------------------------------------------------------- comparison
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
DURATION = r"\d+(?:\.\d+)? (?:s|min|h)"
BATCH_LOG = [  # vigclips/batch/summary.py format_event: time stamps, the random run id, worker host:pid, durations, ETAs
    (r"^.*: \d+%(?:, about [^,)]* left)?(?: \(batch about [^)]* left\))?\n", ""),  # progress lines: how many depends on speed
    (ISO_TIME.pattern, "<TIME>"), (r"\bbatch [0-9a-f]{8}:", "batch <RUN_ID>:"), (r"started on \S+:\d+", "started on <WORKER>"),
    (rf"(done in|finished in) {DURATION}", r"\1 <DURATION>"),
    (r" \(batch about [^)]* left\)", ""),  # the batch's ETA: whether there is one yet depends on the worker time measured

]
TEXT_RULES = [  # (file glob, rule name, [(regex, replacement)]) applied after the paths are masked; first match wins
    ("logs/*_batch.txt", "batch log", BATCH_LOG),
    ("*batch.log", "batch log", BATCH_LOG),
    ("logs/*", "command output", [(rf"(, |\(){DURATION}\)$", r"\1<DURATION>)")]),  # analyze "(5 moments, 8 s)", rank "(0.5 s)"
    ("*.eaf", "ELAN DATE", [(r'(<ANNOTATION_DOCUMENT [^>]*DATE=")[^"]*"', r'\1<TIME>"')]),
    ("*summary.html", "batch summary page", [(r"Written \w+ \d+ \w+ \d{4}, \d\d:\d\d \(UTC\)", "Written <TIME>"),
                                              (r'(data-label="Analysis time">)[^<]*', r"\1<DURATION>")]),
]
JSON_TIMES = {"created_utc", "decided_utc", "utc", "analysis_time_s", "stage_time_s"}  # clock stamps, measured durations
JSON_DROP = {  # file glob -> keys dropped wherever they occur in the document; first match wins
    "*/.vigclips-batch.json": JSON_TIMES | {"finished_utc", "run_id", "time_s", "worker"},  # done-marker: run id, host:pid
    "*/.vigclips-batch/owner.json": {"pid", "started_utc"},  # batch lock owner
    "*.json": JSON_TIMES,  # moments.json (created_utc, ranked.utc, decided_utc, summary timings), learned weights
}
CSV_BLANK = {"*summary.csv": {"time_s", "analysed_utc"}}


def _drop(value, keys):
    if isinstance(value, dict):
        return {k: _drop(v, keys) for k, v in value.items() if k not in keys}
    return [_drop(v, keys) for v in value] if isinstance(value, list) else value


def canonical(path: Path, rel: str, run_root: Path, checkout: Path) -> tuple[str, bytes]:
    """(rules applied, bytes to compare) for one output file: only what two runs of one checkout legitimately vary."""
    data = path.read_bytes()
    if path.suffix == ".pdf":  # matplotlib stamps the wall clock (no /ModDate, no /ID, but mask them too if they appear)
        data = re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)", rb"/\1 <TIME>", data)
        return "PDF dates", re.sub(rb"/ID \[<[^]]*\]", b"/ID <ID>", data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes", data  # npz, png, jpg, mp4: identical run to run, so compared as they are
    rules = []
    relative = os.path.relpath(checkout, path.parent)  # the .eaf links the recording relative to itself too
    for here, mark in ((relative, "<CHECKOUT>"), (str(run_root), "<RUN>"), (str(checkout), "<CHECKOUT>")):
        if here in text and (mark == "<RUN>" or here.endswith(checkout.name)):  # never a bare ".." or "."
            text = text.replace(here, mark)
            rules += [] if f"path {mark}" in rules else [f"path {mark}"]
    match = lambda pattern: fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch("/" + rel, pattern)  # noqa: E731
    for pattern, keys in JSON_DROP.items():
        if match(pattern):
            text = json.dumps(_drop(json.loads(text), keys), indent=1, sort_keys=True)
            rules.append(f"JSON without {','.join(sorted(keys))}")
            break
    for pattern, cols in CSV_BLANK.items():
        if match(pattern):
            rows = list(csv.DictReader(io.StringIO(text)))
            text = "\n".join(repr({k: ("<VOLATILE>" if k in cols else v) for k, v in r.items()}) for r in rows)
            rules.append(f"CSV blank {','.join(sorted(cols))}")
    for pattern, name, subs in TEXT_RULES:
        if match(pattern):
            for regex, repl in subs:
                text = re.sub(regex, repl, text, flags=re.M)
            rules.append(name)
            break
    return " + ".join(rules) or "bytes", text.encode()


def first_difference(a: bytes, b: bytes) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    if i == min(len(a), len(b)):
        return f"lengths {len(a)} vs {len(b)}, equal up to byte {i}"
    if b"\0" in a[:8192]:  # binary: no context worth printing
        return f"byte {i} of {len(a)} vs {len(b)} bytes"
    line = a[:i].count(b"\n") + 1
    ctx = lambda s: s[max(0, i - 40): i + 40].decode("utf-8", "replace").replace("\n", "\\n")  # noqa: E731
    return f"byte {i} (line {line}): base …{ctx(a)}… new …{ctx(b)}…"


def compare(base: tuple[Path, Path, Path], new: tuple[Path, Path, Path]) -> int:
    (bout, broot, bco), (nout, nroot, nco) = base, new
    bfiles = {p.relative_to(bout).as_posix() for p in bout.rglob("*") if p.is_file()}
    nfiles = {p.relative_to(nout).as_posix() for p in nout.rglob("*") if p.is_file()}
    same = differ = 0
    for rel in sorted(bfiles | nfiles):
        if rel not in nfiles or rel not in bfiles:
            print(f"ONLY-IN-{'BASE' if rel in bfiles else 'NEW '}  {rel}")
            continue
        rule, a = canonical(bout / rel, rel, broot, bco)
        rule_new, b = canonical(nout / rel, rel, nroot, nco)
        rule = rule if rule == rule_new else f"{rule} | new: {rule_new}"
        if a == b:
            same += 1
            print(f"identical  {rel}  [{rule}]")
        else:
            differ += 1
            print(f"DIFFERS    {rel}  [{rule}]: {first_difference(a, b)}")
    ob, on = len(bfiles - nfiles), len(nfiles - bfiles)
    print(f"{same} identical, {differ} differ, {ob} only-in-base, {on} only-in-new")
    return 1 if differ or ob or on else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", type=Path, required=True, help="checkout of the reference commit")
    ap.add_argument("--new", type=Path, required=True, help="checkout to compare with it")
    ap.add_argument("--keep", type=Path, help="keep both runs' folders here (base/, new/) instead of deleting them")
    args = ap.parse_args()
    if args.keep and any((args.keep / label).exists() for label in ("base", "new")):
        fail(f"{args.keep} already holds base/ or new/: give an empty or new folder to --keep")
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="vigclips-compare-"))
    try:
        runs = []
        for label, checkout in (("base", args.base.resolve()), ("new", args.new.resolve())):
            root = tmp / label
            runs.append((run_checkout(checkout, root), root, checkout))
        status = compare(*runs)
        print(f"total {time.monotonic() - t0:.0f} s")
        return status
    finally:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for label in ("base", "new"):
                if (tmp / label).exists():
                    shutil.move(str(tmp / label), str(args.keep / label))
            print(f"runs kept in {args.keep}")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
