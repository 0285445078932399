"""Join clips into one recording, in order, with black, silent gaps between them (issue 22: a guider's picks are
labelled on a family's clips joined as one recording). Anyone can rerun it:

    .venv/bin/python bench/join_clips.py --family 2UWdXP -o /tmp/2UWdXP.mkv [--gap-s 1]
    .venv/bin/python bench/join_clips.py A.mp4 B.mp4 -o /tmp/ab.mkv

``--family F`` joins ``../shared/media/lookit_laughter/F.*.mp4`` in file-name order. It prints where each clip lies in
the joined file (start and end, seconds). Each clip is normalised first (640×480, 30 fps H.264, 16 kHz mono PCM,
silence where it has no sound) so the concatenated streams do not drift apart; the gap is ``--gap-s`` of black video
and silence. Write the joined file outside the repository: frames of the shared recordings must not enter the project.

Bench code, not library code: ffmpeg runs through the project's media layer (``vigclips.media.ffmpeg``, the binary
the imageio-ffmpeg wheel ships). ``eval_ranking.py``, ``eval_reasons.py`` and ``eval_picks.py`` join with it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from vigclips.media import probe
from vigclips.media.ffmpeg import base_args, run_ffmpeg

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MEDIA = (REPO / ".." / "shared" / "media").resolve()
LAUGHTER_DIR = "lookit_laughter"


def normalise(src: Path, dst: Path, has_audio: bool, duration_s: float) -> None:
    """Re-encode a clip to 640×480, 30 fps H.264 + 16 kHz mono PCM (silence when it has no sound) in Matroska.

    Both streams are cut to exactly ``duration_s`` (the video's last frame is held, the audio padded with silence)
    and the audio is PCM, so concatenated segments do not drift apart (AAC priming would, by ~20 ms per joint).
    """
    vf = ("scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,fps=30,format=yuv420p,"
          "setsar=1,tpad=stop_mode=clone:stop_duration=2")
    args = [*base_args(), "-v", "error", "-y", "-i", str(src)]
    if not has_audio:
        args += ["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono"]
    args += ["-map", "0:v:0", "-map", "0:a:0" if has_audio else "1:a:0", "-vf", vf, "-af", "apad", "-t", f"{duration_s:.3f}",
             "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-c:a", "pcm_s16le", "-ar", "16000", "-ac", "1",
             str(dst)]
    run_ffmpeg(args, f"normalising {src.name}")


def join_files(sources: list[tuple[Path, float | None]], work: Path, gap_s: float = 0.0,
               out_name: str = "joined.mkv") -> tuple[Path, list[tuple[float, float]]]:
    """Join clips into ``work/out_name`` (concat demuxer over normalised copies kept in ``work``).

    Args:
        sources: ``(path, end_s)`` per clip, in order; ``end_s`` (or None: the whole clip) keeps the clip up to there.
        work: a scratch folder for the normalised copies, the gap and the joined file.
        gap_s: > 0 puts that much black, silent video between clips (takes recorded apart: no sound runs across a cut).

    Returns:
        The joined file and each clip's ``(start_s, end_s)`` in it.
    """
    layout: list[tuple[float, float]] = []
    t = 0.0
    lines = []
    gap = work / f"gap_{gap_s:g}.mkv"
    if gap_s > 0 and not gap.exists():
        run_ffmpeg([*base_args(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=black:s=640x480:r=30",
                    "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", f"{gap_s:.3f}", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-c:a", "pcm_s16le", "-ar", "16000",
                    "-ac", "1", str(gap)], "making the gap between clips")
    gap_duration_s = probe(gap).duration_s if gap_s > 0 else 0.0
    for k, (src, end_s) in enumerate(sources):
        if gap_s > 0 and k > 0:
            lines.append(f"file '{gap}'")
            t += gap_duration_s
        norm = work / f"norm_{src.stem}.mkv"
        if not norm.exists():
            info = probe(src)
            normalise(src, norm, info.has_audio, info.duration_s if end_s is None else min(info.duration_s, end_s))
        dur = probe(norm).duration_s
        layout.append((t, t + dur))
        t += dur
        lines.append(f"file '{norm}'")
    listing = work / "list.txt"
    listing.write_text("\n".join(lines) + "\n")
    out = work / out_name
    run_ffmpeg([*base_args(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(out)],
               "joining clips")
    return out, layout


def family_files(media: Path, family: str) -> list[Path]:
    """One LookitLaughter family's clips, in file-name order (the order they were recorded in)."""
    files = sorted((media / LAUGHTER_DIR).glob(f"{family}.*.mp4"))
    if not files:
        raise FileNotFoundError(f"no clip of family {family!r} in {media / LAUGHTER_DIR}")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clips", nargs="*", type=Path, help="clips to join, in order (or --family)")
    parser.add_argument("--family", help="a LookitLaughter family (e.g. 2UWdXP): its clips in file-name order")
    parser.add_argument("--media", type=Path, default=DEFAULT_MEDIA)
    parser.add_argument("--gap-s", type=float, default=1.0, help="black, silent seconds between clips (default 1)")
    parser.add_argument("-o", "--out", type=Path, required=True, help="joined file to write (.mkv, outside the repo)")
    args = parser.parse_args(argv)
    try:
        files = family_files(args.media, args.family) if args.family else list(args.clips)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not files:
        print("nothing to join: name clips or --family", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="vigclips-join-") as tmp:
        joined, layout = join_files([(f, None) for f in files], Path(tmp), args.gap_s)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(joined), args.out)
    for f, (a, b) in zip(files, layout, strict=True):
        print(f"{a:7.2f} {b:7.2f}  {f.name}")
    print(f"{args.out}: {len(files)} clips, {layout[-1][1]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
