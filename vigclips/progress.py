"""Progress reporting: stages call ``start/advance/close``; the library default is silent.

The CLI passes a :class:`TqdmProgress` (a progress line on a terminal); batch runs pass one that emits events.
"""

from __future__ import annotations

import sys
from typing import IO, Any, Protocol


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
                         dynamic_ncols=True, mininterval=0.5, disable=not _is_terminal(stream))  # fmt: skip

    def advance(self, amount: float = 1) -> None:
        if self._bar is not None:
            self._bar.update(amount)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or file-like stream without a terminal
        return False
