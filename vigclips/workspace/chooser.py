"""The page's file chooser, answered by the server: a browser cannot hand a page the path of a file it opens, so the page
asks the server what is in a folder, and the server answers only inside the folders it was given (the user's home by
default). Paths are resolved (``..`` and symlinks) before they are checked, so neither can lead outside; hidden files and
folders are never listed. Nothing is opened but the folder listings: a recording is read only by its analysis.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigclips.batch import AUDIO_EXTENSIONS, PARTIAL_MARKS, VIDEO_EXTENSIONS
from vigclips.errors import BadInputError

MAX_ENTRIES = 2000
"""A folder lists at most this many entries (folders first): a page of 20 000 names helps nobody."""


@dataclass(frozen=True, slots=True)
class Chooser:
    """Lists folders and checks chosen files, inside ``roots`` only.

    Args:
        roots: the folders the chooser may show (resolved here); the first is where it opens.
    """

    roots: tuple[Path, ...]

    @classmethod
    def over(cls, roots: list[Path]) -> "Chooser":
        resolved = tuple(dict.fromkeys(Path(r).expanduser().resolve() for r in roots))
        if not resolved:
            raise BadInputError("folders", "the file chooser needs at least one folder")
        return cls(resolved)

    def contained(self, path: str | os.PathLike[str]) -> Path:
        """``path`` resolved, if it lies inside one of the roots (or is one).

        Raises:
            BadInputError: empty, relative, not found, or outside every root.
        """
        text = os.fspath(path)
        if not text or "\x00" in text or not Path(text).is_absolute():
            raise BadInputError(text or "(empty)", "choose a file in the list")
        try:
            resolved = Path(text).resolve(strict=True)
        except (OSError, RuntimeError):
            raise BadInputError(text, "not found") from None
        if not any(resolved == root or resolved.is_relative_to(root) for root in self.roots):
            raise BadInputError(text, "is outside the folders this page may show")
        return resolved

    def listing(self, path: str | None = None) -> dict[str, Any]:
        """What a folder holds: ``{"path", "parent", "roots", "folders": [{"name", "path"}], "files": [{"name",
        "path", "recording", "size_bytes"}], "truncated"}``. ``parent`` is None at a root. Without ``path``, the first root.

        Raises:
            BadInputError: as :meth:`contained`, or not a folder, or not readable.
        """
        folder = self.contained(path) if path else self.roots[0]
        if not folder.is_dir():
            raise BadInputError(folder, "is not a folder")
        folders: list[dict[str, Any]] = []
        files: list[dict[str, Any]] = []
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda e: e.name.casefold())
        except OSError as exc:
            raise BadInputError(folder, f"cannot be opened ({exc.strerror or exc})") from None
        for item in items:
            if item.name.startswith("."):
                continue
            try:
                mode = os.stat(item.path).st_mode  # follows links: where a link leads is what counts
                target = Path(item.path).resolve()
            except (OSError, RuntimeError):
                continue
            if not any(target == root or target.is_relative_to(root) for root in self.roots):
                continue  # a link out of the chosen folders is not shown
            if stat.S_ISDIR(mode):
                folders.append({"name": item.name, "path": os.path.join(folder, item.name)})
            elif stat.S_ISREG(mode):
                files.append({"name": item.name, "path": os.path.join(folder, item.name), "recording": is_recording_name(item.name),
                              "size_bytes": os.stat(item.path).st_size})  # fmt: skip
        truncated = len(folders) + len(files) > MAX_ENTRIES
        folders = folders[:MAX_ENTRIES]
        files = files[: max(0, MAX_ENTRIES - len(folders))]
        at_root = folder in self.roots
        return {"path": str(folder), "parent": None if at_root else str(folder.parent), "roots": [str(r) for r in self.roots],
                "folders": folders, "files": files, "truncated": truncated}  # fmt: skip


def default_roots() -> list[Path]:
    """Where a guider's recordings are: the home folder, and where cards, cameras and USB drives appear (``/media/<user>``
    and ``/run/media/<user>`` on Linux, ``/Volumes`` on macOS, the drives other than the system's on Windows)."""
    roots = [Path.home()]
    user = Path.home().name
    if os.name == "nt":
        system = os.environ.get("SystemDrive", "C:").upper().rstrip("\\")
        roots += [Path(f"{letter}:\\") for letter in "DEFGHIJKLMNOPQRSTUVWXYZ" if f"{letter}:" != system
                  and os.path.exists(f"{letter}:\\")]  # fmt: skip
    else:
        roots += [p for p in (Path("/media") / user, Path("/run/media") / user, Path("/Volumes")) if p.is_dir()]
    return roots


def is_recording_name(name: str) -> bool:
    """A name a recording has (a video or audio extension, not a copy still being written)."""
    lower = name.lower()
    return Path(lower).suffix in VIDEO_EXTENSIONS | AUDIO_EXTENSIONS and not lower.endswith(PARTIAL_MARKS)
