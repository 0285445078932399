"""Re-ranking speed (issue 13): `vigclips rank` on a one-hour recording's output must take under 2 s.

Anyone can rerun it (everything is made in a private temporary folder, never in the repo):

    .venv/bin/python bench/bench_rank.py                 # 3 runs, median and worst
    .venv/bin/python bench/bench_rank.py --runs 5 --duration-s 1800

The output folder is what `analyze` leaves for a one-hour recording: ``moments.json`` and ``analysis.npz`` (36,000 ticks of
every channel at 10 Hz, an attuned episode every 97 s with sensor noise, four vocal segments each), beside a one-hour
160x120 H.264 recording for the stills (made with ffmpeg's lavfi, about 20 s the first time). Before each run the guider has
confirmed (and trimmed), rejected and tagged moments and added one; each run re-ranks with other weights, so new candidates
appear and need stills. Timed:

* ``rank (library)``: :func:`vigclips.rerank.rank_folder`: read and check the saved analysis, count turns again, rank,
  merge with the decisions, cut the new stills, write moments.json, timeline.png, the .eaf, moments.vtt and the .edl;
* ``vigclips rank (command)``: the same as a new process, Python start-up and imports included: what a guider waits for;
* ``... --no-timeline``: the command without redrawing timeline.png (matplotlib is most of the time).

Wall time and CPU time (this process and the children it waited for) are both printed. The target is judged on the wall
time when the load average is below the number of cores, else on the CPU time: on the shared machine the wall time of a
busy moment is several times the CPU time, which bounds what the same run takes on an idle laptop.

Every run also checks that the decisions are still there exactly. The machine has 2 cores shared with other work; the load
average is printed, and timings taken under load are pessimistic.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

TARGET_S = 2.0


def _cpu_s() -> float:
    """CPU seconds of this process and of the children it has waited for (the command and its ffmpeg runs): what the
    work costs whatever else the shared machine is doing."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _recording(path: Path, duration_s: float) -> None:
    from vigclips.media.ffmpeg import base_args, run_ffmpeg

    run_ffmpeg([*base_args(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=5", "-f", "lavfi",
                "-i", "sine=frequency=300:sample_rate=16000", "-t", f"{duration_s}", "-c:v", "libx264", "-preset", "ultrafast",
                "-crf", "40", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "24k", str(path)],
               "making the recording")  # fmt: skip


def _decide(folder: Path) -> dict:
    from vigclips.results.decisions import DecisionStore

    store = DecisionStore(folder)
    doc = store.read()
    m1, m2, m3 = doc["moments"][:3]
    doc = store.decide(doc["revision"], m1["id"], {"status": "confirmed", "start_s": m1["start_s"] + 0.7, "tags": ["receiving"]})
    doc = store.decide(doc["revision"], m2["id"], {"status": "rejected"})
    doc = store.decide(doc["revision"], m3["id"], {"note": "hands", "tags": ["attentive"]})
    doc, _ = store.add(doc["revision"], 1800.0, 1808.0, note="missed")
    return {m["id"]: m for m in doc["moments"] if m["status"] != "candidate" or m.get("note")}


def _weights(path: Path, k: int) -> Path:
    coef = [{"attentive": 0.5, "encouraging": 2.0, "receiving": 1.0, "developing": 0.2},
            {"attentive": 2.0, "encouraging": 0.1, "receiving": 0.3, "developing": 1.5}][k % 2]  # fmt: skip
    path.write_text(json.dumps({"version": 1, "model": "logistic", "features": list(coef), "coef": coef, "intercept": -1.0}))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration-s", type=float, default=3600.0)
    args = parser.parse_args()

    from signal_builders import noisy_recording, write_output_folder

    from vigclips.config import load_config
    from vigclips.rerank import rank_folder

    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores)")
    timings: dict[str, list[float]] = {"rank (library)": [], "vigclips rank (command)": [], "vigclips rank --no-timeline": []}
    cpu: dict[str, list[float]] = {name: [] for name in timings}
    with tempfile.TemporaryDirectory(prefix="bench_rank-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        (root / "out").mkdir()
        _recording(root / "out" / "play.mp4", args.duration_s)
        print(f"recording made in {time.perf_counter() - started:.1f} s")
        sig, segs = noisy_recording(args.duration_s)
        folder = root / "out" / "play"
        write_output_folder(folder, sig, segs)
        decided = _decide(folder)
        print(f"{len(sig)} ticks, {len(sig.channels)} channels, {len(segs)} vocal segments, "
              f"{len(decided)} moments with decisions")
        env = {**os.environ, "XDG_CONFIG_HOME": str(root / "config")}
        for run in range(args.runs):
            weights = _weights(root / f"w{run}.json", run)
            t0, c0 = time.perf_counter(), _cpu_s()
            report = rank_folder(folder, load_config(None, {"scoring.weights_file": str(weights)}))
            timings["rank (library)"].append(time.perf_counter() - t0)
            cpu["rank (library)"].append(_cpu_s() - c0)
            for name, extra in (("vigclips rank (command)", []), ("vigclips rank --no-timeline", ["--no-timeline"])):
                weights = _weights(root / f"w{run}b.json", run + 1 + len(extra))
                t0, c0 = time.perf_counter(), _cpu_s()
                subprocess.run([sys.executable, "-m", "vigclips", "rank", str(folder), "--weights", str(weights), *extra],
                               check=True, env=env, capture_output=True)  # fmt: skip
                timings[name].append(time.perf_counter() - t0)
                cpu[name].append(_cpu_s() - c0)
            after = {m["id"]: m for m in json.loads((folder / "moments.json").read_text())["moments"]}
            if any(after.get(i) != m for i, m in decided.items()):
                print("FAILED: a decision changed", file=sys.stderr)
                return 1
            print(f"run {run + 1}: {report.summary()}")
    for name, values in timings.items():
        print(f"{name:30s} wall median {statistics.median(values):.2f} s, worst {max(values):.2f} s; "
              f"CPU median {statistics.median(cpu[name]):.2f} s, worst {max(cpu[name]):.2f} s")
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    # On a machine busier than its cores the wall time measures the queue for a core, not this work; the CPU time (all
    # processes of the command, ffmpeg included, summed: more than the wall time of an idle machine, where the timeline
    # is drawn while ffmpeg cuts) is then the figure that says what a guider's laptop takes.
    measure = "wall" if load < cores else "CPU"
    worst = max(timings["vigclips rank (command)"] if measure == "wall" else cpu["vigclips rank (command)"])
    ok = worst < TARGET_S
    print(f"load average {load:.2f} on {cores} cores: judged on {measure} time")
    print(f"target: `vigclips rank` under {TARGET_S:.0f} s on a one-hour recording's output: {'met' if ok else 'NOT met'} "
          f"(worst {worst:.2f} s {measure}); every decision kept in every run")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
