"""Progress reporting: stages call ``start/advance/close``; the library default is silent.

The CLI passes a :class:`TqdmProgress` (a progress line on a terminal) or, when its output goes to a file or another
program, a :class:`LineProgress` (a plain line every few seconds); batch runs pass one that emits events.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any, Callable, Protocol

from vigclips.timefmt import rough_duration


class Progress(Protocol):
    """What a long stage reports to. ``total`` is in the stage's own units (frames, seconds, files)."""

    def start(self, total: float | None, description: str) -> None: ...

    def advance(self, amount: float = 1) -> None: ...

    def close(self) -> None: ...


class NullProgress:
    """Reports nothing (the library default)."""

    def start(self, total: float | None, description: str) -> None:
        pass

    def advance(self, amount: float = 1) -> None:
        pass

    def close(self) -> None:
        pass


class TqdmProgress:
    """A tqdm progress line with the time left, on stderr when it is a terminal (silent otherwise, so logs and scripts
    get only results and errors).

    Log lines written while the line is shown must go through tqdm, or each overwrites the other: the CLI runs every
    command inside ``tqdm.contrib.logging.logging_redirect_tqdm`` (as PySceneDetect's ``__main__`` does).

    Example:
        >>> p = TqdmProgress(); p.start(100, "faces"); p.advance(50); p.close()  # doctest: +SKIP
    """

    BAR_FORMAT = "{desc}: {percentage:3.0f}% |{bar:20}| about {remaining} left"

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream
        self._bar: Any = None

    def start(self, total: float | None, description: str) -> None:
        from tqdm import tqdm

        self.close()
        stream = self.stream or sys.stderr
        self._bar = tqdm(total=total or None, desc=description, file=stream, bar_format=self.BAR_FORMAT, leave=False,
                         dynamic_ncols=True, mininterval=0.5, disable=not is_terminal(stream))  # fmt: skip

    def advance(self, amount: float = 1) -> None:
        if self._bar is not None:
            self._bar.update(amount)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class LineProgress:
    """One plain line every ``every_s`` seconds (``faces: 42%, about 2 min left``), for output that is not a terminal:
    a launcher's log window, ``nohup``, a service's journal (#25: ``analyze`` said nothing until it was done).

    Example:
        >>> p = LineProgress(every_s=0); p.start(4, "faces"); p.advance(2); p.close()  # doctest: +SKIP
        faces: 50%, about 0 s left
    """

    def __init__(self, stream: IO[str] | None = None, every_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.every_s = every_s
        self.clock = clock
        self._total: float | None = None
        self._done = 0.0
        self._description = ""
        self._started = self._last = 0.0

    def start(self, total: float | None, description: str) -> None:
        self._total, self._done, self._description = total, 0.0, description
        self._started = self._last = self.clock()

    def advance(self, amount: float = 1) -> None:
        if self._total is None:
            return
        self._done += amount
        now = self.clock()
        if now - self._last < self.every_s or not self._total:
            return
        self._last = now
        fraction = min(1.0, self._done / self._total)
        left = (now - self._started) * (1 - fraction) / fraction if fraction > 0 else None
        line = f"{self._description}: {100 * fraction:.0f}%" + (f", about {rough_duration(left)} left" if left is not None else "")
        print(line, file=self.stream or sys.stderr, flush=True)

    def close(self) -> None:
        self._total = None


def is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or file-like stream without a terminal
        return False
