"""Leave-one-recording-out for the breathiness a laugh must have (``crylaugh.LAUGH_MIN_FLATNESS``, measured as
recorded and again with the room's sound taken out at ``crylaugh.ROOM_PERCENTILE``; issue 22).

Called by ``bench/eval_audio.py`` (skipped with ``--no-grid``). Every unit the laughter decision can get wrong is
scored at each setting of :data:`GRID`:

* ``laughter_dev`` 5-s chunks (a laugh chunk is wrong when no laughter is found or crying is; a cry chunk when
  laughter is found; a noise chunk when either is), grouped by the recording they were cut from;
* the donateacry cries, whole (wrong when laughter is found), each its own recording;
* 5-s chunks of household sound (eval_audio's NOISE_FILES), each file a recording;
* 5-s chunks of adult speech (each ManyBabies mother joined; GRID with the Lookit adults), each a recording;
* LookitLaughter's labelled seconds (a 0 with a tick at ``infant_laugh`` >= 0.5, or a 1 without), each family one
  recording (the mother and child are the same in every take).

The one value fitted is the threshold: each recording is scored with the threshold the other recordings choose among
:data:`CHOICES` (lowest balanced error; a tie goes to the lower threshold, which keeps more laughter), so no figure
printed here was used to choose what produced it. The room's percentile is not searched: it is fixed at the quantile a
standard noise suppressor tracks (``crylaugh.ROOM_PERCENTILE``). The other settings of :data:`GRID` (the rule as
recorded only, other percentiles) are printed in-sample for comparison and are never chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from vigclips.audio import AudioConfig, crylaugh
from vigclips.media.decode import decode_audio

#: Thresholds searched (0 = no breathiness asked: the rule before it).
FLATNESS_GRID = (0.0, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1)
#: What leave-one-recording-out chooses among: each threshold, measured as recorded and with the room taken out at the
#: shipped (fixed, not fitted) percentile.
CHOICES = tuple((crylaugh.ROOM_PERCENTILE, thr) for thr in FLATNESS_GRID)
#: For comparison only, in-sample at 0.05: the rule as recorded (None: the rule before the room), and other percentiles.
COMPARED = ((None, 0.05),) + tuple((room, 0.05) for room in (10.0, 20.0, 30.0, 50.0) if room != crylaugh.ROOM_PERCENTILE)
GRID = CHOICES + COMPARED


def _name(setting: tuple[float | None, float]) -> str:
    room, thr = setting
    return f"{thr:g} ({'as recorded' if room is None else f'room p{room:g} out'})"


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


def score_table(us: list[tuple[str, str, Callable]]) -> dict[tuple, list[list[tuple[int, str]]]]:
    """Every unit scored at every setting of :data:`GRID` (the shipped settings are restored after)."""
    shipped = crylaugh.ROOM_PERCENTILE, crylaugh.LAUGH_MIN_FLATNESS
    table: dict[tuple, list[list[tuple[int, str]]]] = {}
    try:
        for room, thr in GRID:
            crylaugh.ROOM_PERCENTILE, crylaugh.LAUGH_MIN_FLATNESS = room, thr
            table[(room, thr)] = [score() for _, _, score in us]
    finally:
        crylaugh.ROOM_PERCENTILE, crylaugh.LAUGH_MIN_FLATNESS = shipped
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
    """Score every unit at every setting, then print each count in-sample and leave-one-recording-out."""
    us = units(media, cfg, ev)
    table = table or score_table(us)
    recs = [r for r, _, _ in us]
    shipped = (crylaugh.ROOM_PERCENTILE, crylaugh.LAUGH_MIN_FLATNESS)
    chosen: dict[str, tuple] = {}
    for rec in sorted(set(recs)):
        err = {s: balanced_error(error_counts(recs, table[s], lambda r: r != rec)) for s in CHOICES}
        chosen[rec] = min(CHOICES, key=lambda s: (round(err[s], 9), s[1]))
    for s in GRID:
        c = error_counts(recs, table[s], lambda r: True)
        how = "in-sample" if s in CHOICES else "in-sample, for comparison: never chosen"
        ev.row(f"breathiness {_name(s)} ({how}): balanced error {balanced_error(c):.3f}",
               "; ".join(f"{w} {a}/{n}" for w, (a, n) in sorted(c.items())))
    for label, pick in ((f"shipped {_name(shipped)}", lambda r: shipped), ("leave-one-recording-out", lambda r: chosen[r])):
        got = [table[pick(r)][i] for i, r in enumerate(recs)]
        for what, (a, n) in sorted(error_counts(recs, got, lambda r: True).items()):
            ev.row(f"laugh breathiness ({label}): {what}", f"{a} of {n}")
    values = list(chosen.values())
    common = max(values, key=values.count)
    ev.row("laugh breathiness chosen without each recording", ", ".join(
        f"{_name(p)} by {values.count(p)}" for p in sorted(set(values), key=lambda s: s[1])) + " ("
        + ", ".join(f"without {r}: {_name(v)}" for r, v in chosen.items() if v != common) + ")")
    return table
