"""Spectrogram sheet of a recording's audio, for labelling vocalisations by eye (issue 12). Anyone can rerun it:

    .venv/bin/python bench/spectrogram_sheet.py MEDIA -o /tmp/spec.png [--row-s 5] [--max-hz 4000]
        [--start S] [--end S]

One row per ``--row-s`` seconds: a narrow-band spectrogram (40 ms Hann window, 5 ms hop, so the harmonics of a voice
and the bursts of a laugh show as separate stripes) with grid lines every 0.5 s and whole seconds numbered, and under
it the frame level (dB re full scale, 20 ms frames). No output of vigclips' analysis is drawn: the sheet is for making
truth, not for checking the program against itself.

Bench script, not library code. Write sheets outside the repository (``/tmp``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from vigclips.media.decode import decode_audio  # noqa: E402

SR = 16000


def _frames(x: np.ndarray, win_s: float, hop_s: float) -> np.ndarray:
    """(T, win) frames of ``x`` centred every ``hop_s`` (zero-padded by half a window at both ends)."""
    win, hop = int(win_s * SR), int(hop_s * SR)
    return np.lib.stride_tricks.sliding_window_view(np.pad(x, (win // 2, win // 2)), win)[::hop]


def spectrogram(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(power dB (F, T), frequencies Hz) with a 40 ms Hann window and a 5 ms hop."""
    frames = _frames(x, 0.040, 0.005)
    spec = np.abs(np.fft.rfft(frames * np.hanning(frames.shape[1]), n=1024, axis=1)) ** 2
    return 10 * np.log10(spec.T + 1e-12), np.fft.rfftfreq(1024, 1 / SR)


def level_db(x: np.ndarray) -> np.ndarray:
    """Level of 20 ms frames every 5 ms, dB re full scale."""
    return 10 * np.log10(np.mean(_frames(x, 0.020, 0.005) ** 2, axis=1) + 1e-12)


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("media", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--row-s", type=float, default=5.0)
    ap.add_argument("--max-hz", type=float, default=4000.0)
    ap.add_argument("--start", type=float, default=0.0)
    ap.add_argument("--end", type=float, default=None)
    args = ap.parse_args(argv)
    if not args.media.is_file():
        print(f"{args.media}: no such file", file=sys.stderr)
        return 2
    x = decode_audio(args.media, SR).astype(np.float64)
    dur = x.shape[0] / SR
    end = min(dur, args.end if args.end is not None else dur)
    starts = np.arange(args.start, end, args.row_s)
    fig, axes = plt.subplots(2 * len(starts), 1, figsize=(16, 3.2 * len(starts)),
                             gridspec_kw={"height_ratios": [3, 1] * len(starts)}, squeeze=False)
    s_db, f_hz = spectrogram(x)
    lev = level_db(x)
    t_frames = np.arange(s_db.shape[1]) * 0.005
    keep_f = f_hz <= args.max_hz
    vmax = float(np.percentile(s_db[keep_f], 99.5))
    for i, a in enumerate(starts):
        b = a + args.row_s
        m = (t_frames >= a) & (t_frames < min(b, end))
        ax, axl = axes[2 * i, 0], axes[2 * i + 1, 0]
        ax.imshow(s_db[keep_f][:, m], origin="lower", aspect="auto", cmap="magma", vmin=vmax - 70, vmax=vmax,
                  extent=(t_frames[m][0], t_frames[m][-1] + 0.005, 0, f_hz[keep_f][-1]))
        axl.plot(t_frames[m], lev[m], lw=0.8, color="k")
        axl.set_ylim(-80, 0)
        for a_ in (ax, axl):
            a_.set_xlim(a, b)
            a_.set_xticks(np.arange(np.ceil(a * 2) / 2, b + 1e-9, 0.5), minor=True)
            a_.set_xticks(np.arange(np.ceil(a), b + 1e-9, 1.0))
            a_.grid(True, which="both", axis="x", color="c", alpha=0.5, lw=0.6)
        ax.set_yticks(np.arange(0, args.max_hz + 1, 500))
        ax.grid(True, axis="y", color="w", alpha=0.2, lw=0.4)
        ax.set_ylabel("Hz")
        axl.set_ylabel("dBFS")
    fig.suptitle(f"{args.media.name}  ({dur:.2f} s)")
    fig.tight_layout()
    fig.savefig(args.output, dpi=70)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
