"""Which files a batch analyses, and the output folder each one gets."""

from __future__ import annotations

import glob
import hashlib
import logging
import os
from pathlib import Path
from typing import Iterable

from vigclips.batch.markers import STATE_DIR
from vigclips.results.layout import BATCH_LOG_FILE, SUMMARY_CSV, SUMMARY_HTML
from vigclips.errors import BadInputError

log = logging.getLogger("vigclips")

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".mts", ".m2ts", ".ts", ".wmv",
                              ".3gp", ".3g2", ".flv", ".mxf", ".dv", ".vob", ".ogv"})  # fmt: skip
"""Extensions taken as video recordings when scanning folders and globs (a file named explicitly is always taken)."""
AUDIO_EXTENSIONS = frozenset({".wav", ".m4a", ".mp3", ".aac", ".flac", ".ogg", ".oga", ".opus", ".wma", ".aif", ".aiff", ".amr"})
"""Extensions taken as audio-only recordings."""
PARTIAL_MARKS = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart", ".!qb", ".!ut")
"""File name endings of copies still being written (browsers, rsync, sync clients): never taken from a folder or glob."""


def find_recordings(inputs: Iterable[str | os.PathLike[str]], out_root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Expand files, folders (recursively) and glob patterns into recordings, sorted by path, each once.

    From folders and globs only video/audio extensions are taken, never hidden files or folders, copies still being
    written (``*.part``, ``*.crdownload``…) or anything inside ``out_root``. A file named explicitly is taken whatever its
    extension (a file that is not a recording then fails with its error rather than being silently ignored).

    Args:
        inputs: paths of files or folders, or glob patterns (``**`` recurses), e.g. ``["/rec/*.mp4", "/rec/day2"]``.
        out_root: the batch's output folder, excluded from the scan.

    Returns:
        Absolute paths, sorted; a file reached twice (e.g. through a symlink) is listed once.

    Raises:
        BadInputError: a path that does not exist, or no recording found at all.

    Example:
        >>> find_recordings(["sample_videos"])  # doctest: +SKIP
        [PosixPath('/work/main/sample_videos/demo_play.mp4')]
    """

    out_resolved = Path(out_root).resolve() if out_root is not None else None
    found: dict[Path, Path] = {}  # resolved -> as named (a symlink keeps its own name, which names its output folder)
    empty: list[str] = []
    for item in inputs:
        text = os.fspath(item)
        path = Path(text).expanduser()
        if path.is_dir():
            matched = _scan_folder(path, out_resolved)
        elif path.is_file():
            matched = [_absolute(path)]
        elif any(ch in text for ch in "*?["):
            matched = []
            for hit in sorted(glob.glob(os.path.expanduser(text), recursive=True)):
                hit_path = Path(hit)
                if hit_path.is_dir():
                    matched += _scan_folder(hit_path, out_resolved)
                elif _is_recording_name(hit_path) and not _inside(hit_path.resolve(), out_resolved):
                    matched.append(_absolute(hit_path))  # glob's * never matches hidden names itself
        else:
            raise BadInputError(text, "not found (give recordings, folders or glob patterns such as 'day1/*.mp4')")
        if not matched:
            empty.append(text)
        for hit in matched:
            found.setdefault(hit.resolve(), hit)
    for text in empty:
        log.warning("%s: no recordings found there (video or audio files)", text)
    if not found:
        named = ", ".join(os.fspath(i) for i in inputs) or "(no inputs)"
        raise BadInputError(named, "no recordings found (video or audio files)")
    return sorted(found.values(), key=str)


def _scan_folder(folder: Path, out_resolved: Path | None) -> list[Path]:
    hits: list[Path] = []
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        # prune hidden folders and the output folder (overlay.mp4 and exported clips are not recordings)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _inside((root_path / d).resolve(), out_resolved))
        for name in sorted(files):
            path = root_path / name
            if _is_recording_name(path) and path.is_file():
                hits.append(_absolute(path))
    return hits


def _is_recording_name(path: Path) -> bool:
    name = path.name.lower()
    if name.startswith(".") or name.endswith(PARTIAL_MARKS) or any(f"{m}." in name for m in (".part", ".partial")):
        return False
    return path.suffix.lower() in VIDEO_EXTENSIONS or path.suffix.lower() in AUDIO_EXTENSIONS


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path == folder or folder in path.parents)


def output_names(recordings: list[Path]) -> dict[Path, str]:
    """Output folder name of each recording: its stem, or ``<stem>-<8 hex>`` when stems clash (see module docstring).

    Example:
        >>> output_names([Path("/a/x.mp4"), Path("/b/X.mov"), Path("/b/y.mp4")])[Path("/b/y.mp4")]
        'y'
    """
    reserved = {n.casefold() for n in (STATE_DIR, BATCH_LOG_FILE, SUMMARY_CSV, SUMMARY_HTML)}
    by_stem: dict[str, list[Path]] = {}
    for path in recordings:
        by_stem.setdefault(path.stem.casefold(), []).append(path)
    names: dict[Path, str] = {}
    for key, paths in by_stem.items():
        for path in paths:
            clash = len(paths) > 1 or key in reserved or key.startswith(".")
            suffix = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:8]
            names[path] = f"{path.stem}-{suffix}" if clash else path.stem
    return names
