"""Leave-one-recording-out for the breathiness a laugh must have (``crylaugh.LAUGH_MIN_FLATNESS``; issue 22).

Called by ``bench/eval_audio.py`` (skipped with ``--no-grid``). Every unit the laughter decision can get wrong is
scored at each threshold of :data:`FLATNESS_GRID`:

* ``laughter_dev`` 5-s chunks (a laugh chunk is wrong when no laughter is found or crying is; a cry chunk when
  laughter is found; a noise chunk when either is), grouped by the recording they were cut from;
* the donateacry cries, whole (wrong when laughter is found), each its own recording;
* 5-s chunks of household sound (eval_audio's NOISE_FILES), each file a recording;
* 5-s chunks of adult speech (each ManyBabies mother joined; GRID with the Lookit adults), each a recording;
* LookitLaughter's labelled seconds (a 0 with a tick at ``infant_laugh`` >= 0.5, or a 1 without), each family one
  recording (the mother and child are the same in every take).

Each recording is then scored with the threshold the other recordings choose (fewest wrong units; a tie goes to the
lower threshold, which keeps more laughter), so no figure printed here was used to choose what produced it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from vigclips.audio import AudioConfig, crylaugh
from vigclips.media.decode import decode_audio

#: Thresholds searched (0 = no breathiness asked: the rule before it).
FLATNESS_GRID = (0.0, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1)


def units(media: Path, cfg: AudioConfig, ev) -> list[tuple[str, str, Callable]]:
    """``(recording, kind, scorer)``: a scorer maps nothing to a list of ``(wrong, what)`` for the current settings.

    ``ev`` is the eval_audio module (its readers and constants), passed in to keep one copy of them.
    """
    out: list[tuple[str, str, Callable]] = []
    for k in ("laugh", "cry", "noise"):
        for f in sorted((media / ev.LAUGHTER_DEV / k).iterdir()):
            x = decode_audio(f, ev.SR)

            def dev(x=x, k=k) -> list[tuple[int, str]]:
                laugh, cry = ev.dev_chunk_flags(x, cfg)
                if k == "laugh":
                    return [(int(not laugh), "dev laugh missed"), (int(cry), "dev laugh as cry")]
                return [(int(laugh), f"dev {k} as laugh")] + ([(int(cry), "dev noise as cry")] if k == "noise" else [])

            out.append((ev.dev_recording(f), k, dev))
    for n in ev.CRY_FILES:
        x = decode_audio(media / n, ev.SR)
        out.append((n, "cry", lambda x=x: [(int(ev.dev_chunk_flags(x, cfg)[0]), "donateacry as laugh")]))

    def chunked(x: np.ndarray, what: str) -> Callable:
        def score() -> list[tuple[int, str]]:
            res = ev.analyse(x, cfg)
            t = ev.ticks(x.shape[0] / ev.SR)
            return [(int(ev.laugh_found(res, t, a, b)[0]), what) for a, b in ev.chunks(x.shape[0] / ev.SR)]
        return score

    for n in ev.NOISE_FILES:
        out.append((n, "noise", chunked(decode_audio(media / n, ev.SR), "household chunk as laugh")))
    mb = ev.read_csv(media / ev.MANYBABIES / "labels.csv")
    for m in sorted({r["mother"] for r in mb}):
        x, _ = ev.join_pcm([decode_audio(media / ev.MANYBABIES / r["file"], ev.SR) for r in mb if r["mother"] == m])
        out.append((f"manybabies {m}", "speech", chunked(x, "speech chunk as laugh")))
    x, _ = ev.join_pcm([decode_audio(media / n, ev.SR) for n in (ev.GRID, *ev.ADULT_SPANS)])
    out.append(("grid+lookit adults", "speech", chunked(x, "speech chunk as laugh")))
    for name, secs in ev.labelled_seconds().items():
        x = decode_audio(media / ev.LAUGHTER / name, ev.SR)

        def lookit(x=x, secs=secs) -> list[tuple[int, str]]:
            res = ev.analyse(x, cfg)
            t = ev.ticks(x.shape[0] / ev.SR)
            laugh = np.nan_to_num(res.channels["infant_laugh"]) >= 0.5
            got = []
            for k, v in secs.items():
                m = (t >= k) & (t < k + 1)
                if m.any() and v in ("0", "1"):
                    heard = bool(laugh[m].any())
                    got.append((int(heard) if v == "0" else int(not heard), f"lookit {v} wrong"))
            return got

        out.append((name.split(".")[0], "lookit", lookit))
    return out


def score_table(us: list[tuple[str, str, Callable]]) -> dict[float, list[list[tuple[int, str]]]]:
    """Every unit scored at every threshold of :data:`FLATNESS_GRID` (the shipped threshold is restored after)."""
    shipped = crylaugh.LAUGH_MIN_FLATNESS
    table: dict[float, list[list[tuple[int, str]]]] = {}
    try:
        for thr in FLATNESS_GRID:
            crylaugh.LAUGH_MIN_FLATNESS = thr
            table[thr] = [score() for _, _, score in us]
    finally:
        crylaugh.LAUGH_MIN_FLATNESS = shipped
    return table


def error_counts(recs: list[str], got: list[list[tuple[int, str]]], keep: Callable[[str], bool]) -> dict[str, tuple[int, int]]:
    """``what -> (wrong, units)`` over the units of the recordings ``keep`` admits."""
    out: dict[str, tuple[int, int]] = {}
    for r, g in zip(recs, got):
        if keep(r):
            for w, what in g:
                a, n = out.get(what, (0, 0))
                out[what] = (a + w, n + 1)
    return out


def balanced_error(counts: dict[str, tuple[int, int]]) -> float:
    """Sum over the kinds of error of each kind's rate: a missed laugh among 20 weighs as much as a false one among 245.

    Example:
        >>> round(balanced_error({"laugh missed": (2, 20), "speech as laugh": (49, 245)}), 3)
        0.3
    """
    return sum(a / n for a, n in counts.values() if n)


def flatness_loro(media: Path, cfg: AudioConfig, ev, table: dict | None = None) -> dict:
    """Score every unit at every threshold, then print each count in-sample and leave-one-recording-out."""
    us = units(media, cfg, ev)
    table = table or score_table(us)
    recs = [r for r, _, _ in us]
    shipped = crylaugh.LAUGH_MIN_FLATNESS
    chosen: dict[str, float] = {}
    for rec in sorted(set(recs)):
        err = {thr: balanced_error(error_counts(recs, table[thr], lambda r: r != rec)) for thr in FLATNESS_GRID}
        chosen[rec] = min(FLATNESS_GRID, key=lambda thr: (round(err[thr], 9), thr))
    for thr in FLATNESS_GRID:
        c = error_counts(recs, table[thr], lambda r: True)
        ev.row(f"breathiness {thr:g} (in-sample): balanced error {balanced_error(c):.3f}",
               "; ".join(f"{w} {a}/{n}" for w, (a, n) in sorted(c.items())))
    for label, pick in ((f"shipped {shipped:g}", lambda r: shipped), ("leave-one-recording-out", lambda r: chosen[r])):
        got = [table[pick(r)][i] for i, r in enumerate(recs)]
        for what, (a, n) in sorted(error_counts(recs, got, lambda r: True).items()):
            ev.row(f"laugh breathiness ({label}): {what}", f"{a} of {n}")
    picks = sorted({v for v in chosen.values()})
    ev.row("laugh breathiness chosen without each recording", ", ".join(
        f"{p:g} by {sum(v == p for v in chosen.values())}" for p in picks) + " ("
        + ", ".join(f"without {r}: {v:g}" for r, v in chosen.items() if v != max(chosen.values(), key=list(chosen.values()).count)) + ")")
    return table
