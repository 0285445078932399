"""Progress reporting: stages call ``start/advance/close``; the library default is silent.

The CLI passes a :class:`TqdmProgress`-like object; batch runs can pass one that emits JSON lines.
"""

from __future__ import annotations

from typing import Protocol


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
