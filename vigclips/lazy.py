"""Package attributes imported on first use (PEP 562), so that reading settings at start-up does not load heavy stages."""

from __future__ import annotations

import importlib
from typing import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[list[str], Callable[[str], object]]:
    """``__all__`` and a module ``__getattr__`` for ``package`` that import each name from its module on first use.

    Args:
        package: the package's ``__name__``.
        exports: public name -> the module that defines it.

    Example:
        >>> __all__, __getattr__ = lazy_exports("demo", {"sqrt": "math"})
        >>> __all__, __getattr__("sqrt")(4.0)
        (['sqrt'], 2.0)
    """

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name]), name)

    return sorted(exports), __getattr__
