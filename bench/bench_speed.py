"""Speed and memory of ``analyze`` against the decode limit, and batch throughput with 1 and 2 workers (issue 7).

Anyone can rerun it (the long recordings are built once by looping real media and cached under /tmp, never in the repo):

    .venv/bin/python bench/bench_speed.py --minutes 10            # one 10-minute 720p30 recording (+ batch throughput)
    .venv/bin/python bench/bench_speed.py --minutes 10 30         # memory growth between lengths shows boundedness
    .venv/bin/python bench/bench_speed.py --minutes 2 --no-batch  # quick check

For each length it prints, in one run:

* ``decode-only``: ``ffmpeg -i f -f null -`` with the media layer's binary (every frame decoded, nothing else): the limit;
* ``frames-only``: the frames analysis needs, decoded as the pipeline decodes them (``iter_frames`` with
  ``fast_decode``: decode + fps filter + scale + pipe to Python), no models;
* ``analyze``: ``analyze_to_folder`` in a child process (``--threads``, default all cores as ``vigclips analyze``),
  wall and CPU time, with the time per stage (decode wait, face detectors, tracking face mesh, face mesh on crops of
  missed faces, other vision Python, audio, ranking, writing) from wrappers installed in that child only (no project
  code changed). With two or more threads the detectors and the mesh run in their own threads, so their times overlap;
* the ratio analyze / decode-only, the real-time factor, and peak memory: the largest sum of RSS over the child's process
  tree (the Python worker + its ffmpeg), sampled every 0.1 s with psutil; and the child's own ``ru_maxrss``.

Then batch throughput (``run_batch``) over ``--batch-count`` recordings of ``--batch-minutes`` each with 1 and 2 workers
(a batch worker is one single-threaded core, see :mod:`vigclips.batch`).
The machine has 2 cores; timings taken while other work runs are pessimistic (the script prints the load average).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MEDIA = (REPO / ".." / "shared" / "media").resolve()
CACHE = Path(tempfile.gettempdir()) / "vigclips-bench"
SOURCE = "icatcher_test_vid_1000.mp4"
"""Looped source: a real Lookit home-webcam recording (infant and mother, 640x480 30 fps, AAC audio), 33.7 s."""


def build_recording(minutes: float, source: Path, cache: Path = CACHE, tag: str = "") -> Path:
    """A ``minutes``-long 1280x720 30 fps H.264/AAC recording made by looping ``source`` (built once, cached)."""
    from vigclips.media.ffmpeg import ffmpeg_exe

    cache.mkdir(parents=True, exist_ok=True)
    out = cache / f"{source.stem}_720p30_{minutes:g}min{tag}.mp4"
    if out.exists():
        return out
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.part.mp4")  # two runs building at once never share a file
    offset = ["-ss", tag.strip("_o")] if tag else []
    args = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-y", "-stream_loop", "-1", *offset, "-i", str(source),
        "-t", f"{minutes * 60:.3f}",
        # keep the aspect (pad the 4:3 source into 16:9) and a phone-like bitrate
        "-vf", "scale=960:720:flags=bicubic,pad=1280:720:160:0,fps=30", "-c:v", "libx264", "-preset", "veryfast",
        "-crf", "21", "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-ar", "48000", str(tmp),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(args, check=True)
    tmp.rename(out)
    print(f"  built {out} in {time.perf_counter() - started:.0f} s", flush=True)
    return out


def _children_cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def decode_only_s(path: Path) -> tuple[float, float]:
    """Wall and CPU time of ffmpeg decoding every video and audio frame to nothing (the media layer's binary, default
    threads). CPU time (user + sys) hardly depends on what else runs on the machine; wall time does."""
    from vigclips.media.ffmpeg import ffmpeg_exe

    cpu0, started = _children_cpu_s(), time.perf_counter()
    subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)
    return time.perf_counter() - started, _children_cpu_s() - cpu0


def frames_only_s(path: Path, fps: float = 10.0, max_width_px: int = 640) -> tuple[float, int]:
    """Wall time of ``iter_frames`` delivering every analysis frame to Python as the pipeline decodes them (no models), and
    the frame count."""
    from fractions import Fraction

    from vigclips.media.decode import iter_frames

    started = time.perf_counter()
    n = 0
    for _ in iter_frames(path, Fraction(fps).limit_denominator(1000), max_width_px, fast_decode=True):
        n += 1
    return time.perf_counter() - started, n


class TreeMemory:
    """Samples the summed RSS of a process and its descendants (psutil) in a thread; ``peak_bytes`` is the largest sum."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        try:
            import psutil
        except ImportError:  # psutil comes with dask[distributed]; without it only ru_maxrss is reported
            psutil = None
        self._proc = psutil.Process(pid) if psutil else None
        self._every_s = every_s
        self.peak_bytes = 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeMemory":
        if self._proc is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        import psutil

        started = time.perf_counter()
        while not self._stop.is_set():
            total = 0
            try:
                for p in [self._proc, *self._proc.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                return
            self.peak_bytes = max(self.peak_bytes, total)
            self.samples.append((time.perf_counter() - started, total))
            self._stop.wait(self._every_s)


def _instrumented_analysis(path: str, out_root: str, result_file: str, threads: int) -> None:
    """Child process: run ``analyze_to_folder`` with timing wrappers around each stage; write the figures as JSON."""
    import resource

    import vigclips.pipeline as pipeline
    from vigclips.vision import face_mediapipe

    timers = {"decode_wait_s": 0.0, "detect_s": 0.0, "mesh_s": 0.0, "crop_mesh_s": 0.0, "ranking_s": 0.0, "writing_s": 0.0}
    real_iter_frames = pipeline.iter_frames

    def timed_iter_frames(*args, **kwargs):
        frames = real_iter_frames(*args, **kwargs)
        while True:
            t = time.perf_counter()
            try:
                frame = next(frames)
            except StopIteration:
                timers["decode_wait_s"] += time.perf_counter() - t
                return
            timers["decode_wait_s"] += time.perf_counter() - t
            yield frame

    def timed(name, func):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                timers[name] += time.perf_counter() - t

        return wrapper

    stage_times: dict[str, float] = {}
    real_analyze = pipeline.analyze

    def keep_stage_times(*args, **kwargs):
        analysis = real_analyze(*args, **kwargs)
        stage_times.update(analysis.timings_s)
        return analysis

    pipeline.iter_frames = timed_iter_frames
    faces = face_mediapipe.MediaPipeFaces
    faces.detect = timed("detect_s", faces.detect)  # in its own thread when threads > 1: overlaps the others
    faces.mesh = timed("mesh_s", faces.mesh)
    faces.mesh_in_boxes = timed("crop_mesh_s", faces.mesh_in_boxes)  # stateless mesh on crops of missed faces
    pipeline.analyze = keep_stage_times
    pipeline.find_moments = timed("ranking_s", pipeline.find_moments)
    pipeline._write_outputs = timed("writing_s", pipeline._write_outputs)

    started = time.perf_counter()
    pipeline.analyze_to_folder(Path(path), Path(out_root), force=True, threads=threads)
    wall_s = time.perf_counter() - started
    vision_s = stage_times.get("vision_s", 0.0)
    figures = {
        "wall_s": wall_s,
        **timers,
        # The main thread's own share: with threads > 1 the models run in their own threads and this includes the time
        # spent waiting for them; with one thread it is the Python around the models.
        "vision_python_s": vision_s - timers["decode_wait_s"] - timers["crop_mesh_s"]
        - (timers["mesh_s"] + timers["detect_s"] if threads == 1 else 0.0),
        "vision_stage_s": vision_s,
        "audio_s": stage_times.get("audio_s", 0.0),
        "ru_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    Path(result_file).write_text(json.dumps(figures))


def measure_analysis(path: Path, work: Path, threads: int) -> dict:
    """Run the instrumented analysis in a spawned child and sample its process tree's memory."""
    result_file = work / "figures.json"
    ctx = mp.get_context("spawn")
    proc = ctx.Process(target=_instrumented_analysis, args=(str(path), str(work / "out"), str(result_file), threads))
    cpu0 = _children_cpu_s()
    started = time.perf_counter()
    proc.start()
    with TreeMemory(proc.pid) as memory:
        proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"analysis child failed with exit code {proc.exitcode}")
    figures = json.loads(result_file.read_text())
    figures["child_wall_s"] = time.perf_counter() - started  # includes interpreter start and imports
    figures["tree_cpu_s"] = _children_cpu_s() - cpu0  # the child and its ffmpeg processes, imports included
    figures["tree_peak_rss_bytes"] = memory.peak_bytes
    figures["rss_samples"] = memory.samples
    return figures


def measure_batch(paths: list[Path], workers: int, work: Path) -> dict:
    """Wall time of ``run_batch`` over ``paths`` with ``workers`` processes (fresh output folder)."""
    from vigclips.batch import run_batch

    out = work / f"batch-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    peak = {"bytes": 0}
    cpu0 = _children_cpu_s()
    started = time.perf_counter()
    with TreeMemory(os.getpid(), every_s=0.25) as memory:
        report = run_batch([str(p) for p in paths], out, workers=workers)
    peak["bytes"] = memory.peak_bytes
    wall_s = time.perf_counter() - started
    media_s = sum(r.duration_s or 0.0 for r in report.results)
    return {"workers": workers, "wall_s": wall_s, "cpu_s": _children_cpu_s() - cpu0, "media_s": media_s,
            "ok": report.ok_count, "failed": report.failed_count,
            "tree_peak_rss_bytes": peak["bytes"]}  # fmt: skip


def _commit() -> str:
    try:
        args = ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]
        return subprocess.run(args, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[10.0], help="recording lengths to build and analyse")
    parser.add_argument("--media", type=Path, default=MEDIA, help="the shared media folder")
    parser.add_argument("--no-batch", action="store_true", help="skip the 1- vs 2-worker batch throughput run")
    parser.add_argument("--batch-count", type=int, default=4, help="recordings in the throughput batch")
    parser.add_argument("--batch-minutes", type=float, default=3.0,
                        help="length of each throughput recording (guiders film about 10 minutes; 1-minute files "
                        "overweight the per-recording costs: stills, previews, timeline)")
    parser.add_argument("--build-only", action="store_true", help="only build (and cache) the looped recordings")
    parser.add_argument("--skip-decode", action="store_true", help="skip the decode-only and frames-only timings")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="cores the single analysis may use (default: all, as `vigclips analyze`; 1 = one batch worker)")
    parser.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    args = parser.parse_args()

    source = args.media / SOURCE
    if not source.is_file():
        sys.exit(f"{source} not found: check out the project beside the shared/ folder or pass --media")
    print(f"vigclips bench_speed  {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC  commit {_commit()}  "
          f"cpus {os.cpu_count()}  load average {os.getloadavg()[0]:.2f} "
          "(other work on the machine slows every figure)")  # fmt: skip
    recordings = [build_recording(m, source) for m in args.minutes]
    batch_inputs = [] if args.no_batch else [build_recording(args.batch_minutes, source, tag=f"_o{7 * i}")
                                              for i in range(args.batch_count)]  # fmt: skip
    if args.build_only:
        return
    all_figures: dict = {"lengths": [], "batch": []}
    with tempfile.TemporaryDirectory(prefix="vigclips-bench-") as tmp:
        work = Path(tmp)
        for minutes, path in zip(args.minutes, recordings):
            media_s = minutes * 60
            print(f"\n== {path.name}: {minutes:g} min 1280x720 30 fps + AAC (load average {os.getloadavg()[0]:.2f})", flush=True)
            if args.skip_decode:
                dec_s = dec_cpu_s = fr_s = float("nan")
                n_frames = int(media_s * 10)
            else:
                dec_s, dec_cpu_s = decode_only_s(path)
                print(f"  decode-only (ffmpeg -f null)   {dec_s:8.1f} s   {media_s / dec_s:6.1f}x real time   "
                      f"CPU {dec_cpu_s:.1f} s",
                      flush=True)  # fmt: skip
                fr_s, n_frames = frames_only_s(path)
                print(f"  frames-only (iter_frames, 10/s){fr_s:8.1f} s   {media_s / fr_s:6.1f}x real time  ({n_frames} frames)",
                      flush=True)  # fmt: skip
            run_dir = work / f"len-{minutes:g}"
            run_dir.mkdir()
            fig = measure_analysis(path, run_dir, args.threads)
            wall = fig["wall_s"]
            print(f"  analyze_to_folder              {wall:8.1f} s   {media_s / wall:6.1f}x real time   "
                  f"ratio to decode-only {wall / dec_s:5.2f} (target <= 1.5)   CPU {fig['tree_cpu_s']:.1f} s "
                  f"(ratio {fig['tree_cpu_s'] / dec_cpu_s:.1f})")  # fmt: skip
            print(f"    stages ({args.threads} thread(s)): decode wait {fig['decode_wait_s']:.1f} s "
                  f"| face mesh {fig['mesh_s']:.1f} s "
                  f"({1000 * fig['mesh_s'] / max(1, n_frames):.1f} ms/frame) | detectors {fig['detect_s']:.1f} s "
                  f"({1000 * fig['detect_s'] / max(1, n_frames):.1f} ms/frame{', own thread' if args.threads > 1 else ''}) "
                  f"| crop mesh {fig['crop_mesh_s']:.1f} s"
                  f" | other vision Python{' (with waiting for the models)' if args.threads > 1 else ''} "
                  f"{fig['vision_python_s']:.1f} s"
                  f" | audio {fig['audio_s']:.1f} s | ranking {fig['ranking_s']:.2f} s"
                  f" | writing {fig['writing_s']:.1f} s")  # fmt: skip
            print(f"    peak memory: process tree {fig['tree_peak_rss_bytes'] / 2**20:.0f} MiB (psutil, sampled 10/s); "
                  f"worker ru_maxrss {fig['ru_maxrss_bytes'] / 2**20:.0f} MiB", flush=True)  # fmt: skip
            fig.update({"minutes": minutes, "decode_only_s": dec_s, "decode_only_cpu_s": dec_cpu_s, "frames_only_s": fr_s,
                        "frames": n_frames})  # fmt: skip
            fig["rss_samples"] = fig["rss_samples"][:: max(1, len(fig["rss_samples"]) // 200)]
            all_figures["lengths"].append(fig)
        if batch_inputs:
            total_s = args.batch_count * args.batch_minutes * 60
            print(f"\n== batch throughput: {args.batch_count} x {args.batch_minutes:g} min 720p30 "
                  f"(load average {os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip
            for workers in (1, 2):
                b = measure_batch(batch_inputs, workers, work)
                b["media_per_wall"] = total_s / b["wall_s"]
                all_figures["batch"].append(b)
                print(f"  workers={workers}: {b['wall_s']:.1f} s wall, {b['media_per_wall']:.1f}x real time, "
                      f"CPU {b['cpu_s']:.1f} s, ok {b['ok']}, "
                      f"failed {b['failed']}, tree peak {b['tree_peak_rss_bytes'] / 2**20:.0f} MiB", flush=True)  # fmt: skip
            if len(all_figures["batch"]) == 2:
                speedup = all_figures["batch"][0]["wall_s"] / all_figures["batch"][1]["wall_s"]
                print(f"  2 workers / 1 worker throughput: {speedup:.2f}x (target >= 1.7)")
    if args.json:
        args.json.write_text(json.dumps(all_figures, indent=1))


if __name__ == "__main__":
    main()
