"""Issue 24: files that cannot be turned against their folder. Paths built from file content stay inside the output folder,
a killed export leaves nothing playable-looking in clips/, the locks lie inside the recording's folder, a symlinked folder
is refused plainly, and the review page's file key opens pictures and videos only (tests/test_review_server.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

from vigclips.media import probe
from vigclips.results.moments import build_document, sha256_file, source_record, write_moments

SIGNALS_CSV = "time_s,infant_face_x,infant_face_y,adult_face_x,adult_face_y,mutual_gaze\n" + "".join(
    f"{k / 10:.3f},0.25,0.5,0.75,0.5,{k % 2}\n" for k in range(40))


def _review_folder(folder: Path, recording: Path, moments: list[tuple[str, float, float, str]]) -> Path:
    records = [{"id": mid, "rank": i + 1, "start_s": a, "end_s": b, "score": 0.5, "reasons": ["test"], "status": status,
                "scores": {p: 0.5 for p in ("attentive", "encouraging", "receiving", "developing")}}
               for i, (mid, a, b, status) in enumerate(moments)]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    document = build_document(source_record(probe(recording), sha256_file(recording)), Fraction(10), {}, {}, records)
    write_moments(folder / "moments.json", document)
    (folder / "signals.csv").write_text(SIGNALS_CSV)
    return folder


def _hand_edit(folder: Path, change) -> None:
    """Change moments.json as a text editor would: no validation on the way."""
    path = folder / "moments.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def _settled(folder: Path, timeout_s: float = 15.0) -> None:
    """Wait until no file under ``folder`` changes any more (a killed run's ffmpeg finishes on its own)."""
    def snapshot():
        return sorted((str(p), p.stat().st_size) for p in folder.rglob("*") if p.is_file())

    last, deadline = None, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = snapshot()
        if now == last:
            return
        last = now
        time.sleep(0.5)


_KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
import vigclips.export.teaching as teaching
from vigclips.export import export_clips

real, drawn = teaching.draw_cues, []
def draw(*args, **kwargs):
    drawn.append(1)
    if len(drawn) == 20:
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 half-way through the teaching clip
    return real(*args, **kwargs)
teaching.draw_cues = draw
export_clips(Path(sys.argv[1]), annotate=True, contact_sheet=False)
"""


def test_24_6_a_killed_annotated_export_leaves_nothing_playable_and_the_next_export_cleans_up(lavfi_clip, tmp_path):
    from vigclips.export import export_clips

    video = lavfi_clip("annotate_kill.mp4", seconds=3.0)
    folder = _review_folder(tmp_path / "out" / "rec", video, [("m01", 0.2, 2.8, "confirmed")])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, str(folder)], env=env, capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    clips = folder / "clips"
    _settled(clips)
    finished = {p for p in clips.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix == ".mp4"}
    playable = [p for p in clips.rglob("*") if p.is_file() and p.suffix.lower() in (".mp4", ".mov", ".m4v") and p not in finished]
    assert playable == []  # the half-made teaching clip has a ".part" name, not a playable one
    assert not (clips / "annotated").exists() or not any(p.suffix == ".mp4" for p in (clips / "annotated").iterdir())

    export_clips(folder, contact_sheet=False)
    hidden = [p.relative_to(clips) for p in clips.rglob(".*")]
    assert hidden == []  # every leftover of the killed run is gone
