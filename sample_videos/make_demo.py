"""Build ``demo_play.mp4``, the short demo recording the README's quick start uses.

Reproducible from assets that pip packages ship, so nothing private is committed:
- the adult: Grace Hopper's portrait, shipped by matplotlib (``mpl-data/sample_data/grace_hopper.jpg``, US Navy photo, public domain);
- the second, smaller face: the astronaut Eileen Collins, shipped by scikit-image (``skimage/data/astronaut.png``, NASA, public domain);
- the sound: synthesised here (harmonic "voices" at adult and infant pitch, with a serve-and-return stretch), no recording.

This is a collage of two adult photographs, not a real parent–infant recording: it exercises every stage of the pipeline end to
end on a machine with nothing else, but it says nothing about accuracy on real infants (see the README's evaluation tables).

Timeline (30 s, 640x360, 15 fps): 0–6 s adult alone and talking (the child is hidden behind a toy); 6–16 s both faces, the
child "coos" and the adult answers within about half a second, four times; 16–21 s the child is hidden again, quiet;
21–30 s both faces, the adult talks without pauses.

Run (needs scikit-image only for building: ``pip install scikit-image``)::

    python sample_videos/make_demo.py
"""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path

import cv2
import matplotlib
import numpy as np
import skimage

from vigclips.media import VideoWriter
from vigclips.media.ffmpeg import base_args, run_ffmpeg

WIDTH, HEIGHT, FPS = 640, 360, 15
DURATION_S = 30.0
AUDIO_RATE = 16000
SEED = 20261125
OUTPUT = Path(__file__).with_name("demo_play.mp4")

# Stretches where the child's face is hidden behind the toy.
CHILD_HIDDEN_S = ((0.0, 6.0), (16.0, 21.0))
# (start_s, end_s, who): who vocalises when. Child "coos" at a high pitch, the adult answers at adult pitch.
VOICES = [
    (0.6, 2.2, "adult"), (2.8, 4.6, "adult"),
    (6.6, 7.4, "child"), (7.9, 9.3, "adult"), (9.9, 10.6, "child"), (11.0, 12.4, "adult"),
    (12.9, 13.7, "child"), (14.1, 15.4, "adult"),
    (21.5, 29.5, "adult"),
]  # fmt: skip


def _load_heads() -> tuple[np.ndarray, np.ndarray]:
    grace = cv2.imread(os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data/sample_data/grace_hopper.jpg"))
    astronaut = cv2.imread(os.path.join(os.path.dirname(skimage.__file__), "data/astronaut.png"))
    adult = cv2.resize(grace[70:390, 115:415], (180, 192), interpolation=cv2.INTER_AREA)
    child = cv2.resize(astronaut[25:215, 128:318], (112, 112), interpolation=cv2.INTER_AREA)
    return adult, child


def _paste(canvas: np.ndarray, patch: np.ndarray, x: int, y: int) -> None:
    """Blend ``patch`` into ``canvas`` at (x, y) through a soft elliptical mask (a head, not a rectangle)."""
    h, w = patch.shape[:2]
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (w // 2, h // 2), (int(w * 0.46), int(h * 0.49)), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 4)[..., None]
    region = canvas[y : y + h, x : x + w].astype(np.float32)
    canvas[y : y + h, x : x + w] = (mask * patch + (1 - mask) * region).astype(np.uint8)


def _frame(t_s: float, adult: np.ndarray, child: np.ndarray, background: np.ndarray) -> np.ndarray:
    canvas = background.copy()
    bob = int(round(4 * np.sin(2 * np.pi * 0.3 * t_s)))
    _paste(canvas, adult, 70, 70 + bob)
    child_x = 400 + int(round(6 * np.sin(2 * np.pi * 0.5 * t_s)))
    _paste(canvas, child, child_x, 190 - bob)
    if any(a <= t_s < b for a, b in CHILD_HIDDEN_S):  # a toy box in front of the child
        cv2.rectangle(canvas, (370, 160), (560, 340), (40, 120, 230), -1)
        cv2.circle(canvas, (465, 250), 45, (60, 200, 250), -1)
    return canvas


def _voice(n_samples: int, f0_hz: np.ndarray, formants_hz: tuple[float, ...], rng: np.random.Generator) -> np.ndarray:
    """A harmonic voice with the given pitch contour, shaped by formant peaks, with syllable-rate loudness changes."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / AUDIO_RATE
    out = np.zeros(n_samples)
    for k in range(1, 30):
        freq = k * f0_hz
        gain = sum(np.exp(-0.5 * ((freq - f) / 120.0) ** 2) for f in formants_hz) + 0.05 / k
        gain = np.where(freq < AUDIO_RATE / 2 - 200, gain, 0.0)
        out += gain * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    t = np.arange(n_samples) / AUDIO_RATE
    syllables = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t) ** 2
    envelope = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.05)
    return out / np.max(np.abs(out)) * syllables * envelope


def build_audio() -> np.ndarray:
    rng = np.random.default_rng(SEED)
    n = int(DURATION_S * AUDIO_RATE)
    pcm = rng.normal(0, 0.004, n)  # room noise
    for start_s, end_s, who in VOICES:
        a, b = int(start_s * AUDIO_RATE), int(end_s * AUDIO_RATE)
        t = np.arange(b - a) / AUDIO_RATE
        if who == "child":  # a coo: high pitch, rising then falling
            f0 = 420 + 80 * np.sin(np.pi * t / t[-1])
            pcm[a:b] += 0.30 * _voice(b - a, f0, (1000.0, 2500.0, 4200.0), rng)
        else:  # adult speech: lower pitch with intonation
            f0 = 210 + 30 * np.sin(2 * np.pi * 0.7 * t) + 10 * rng.standard_normal() * 0
            pcm[a:b] += 0.35 * _voice(b - a, f0, (700.0, 1200.0, 2600.0), rng)
    return np.clip(pcm, -1, 1).astype(np.float32)


def main() -> None:
    adult, child = _load_heads()
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    background = np.dstack([150 + 40 * yy / HEIGHT, 170 + 30 * xx / WIDTH, 190 + 0 * xx]).astype(np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        silent = Path(tmp) / "video.mp4"
        wav = Path(tmp) / "audio.f32"
        with VideoWriter(silent, Fraction(FPS), (WIDTH, HEIGHT), crf=26) as writer:
            for i in range(int(DURATION_S * FPS)):
                writer.write(_frame(i / FPS, adult, child, background))
        build_audio().tofile(wav)
        args = [*base_args(), "-v", "error", "-y", "-i", str(silent), "-f", "f32le", "-ar", str(AUDIO_RATE), "-ac", "1",
                "-i", str(wav), "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "64k",
                "-map_metadata", "-1", "-fflags", "+bitexact", "-movflags", "+faststart", "-shortest", str(OUTPUT)]  # fmt: skip
        run_ffmpeg(args, "building the demo recording")
    os.chmod(OUTPUT, 0o644)  # a committed sample, not a family's recording
    print(f"{OUTPUT} ({OUTPUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
