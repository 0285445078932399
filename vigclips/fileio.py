"""Writing outputs safely: owner-only permissions, and atomic replacement so nothing half-written looks complete.

Recordings of vulnerable families: every file and folder we create is readable by its owner only (0600 / 0700).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from vigclips.errors import UnsafePathError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed; folders we create are owner-only, and only those.

    The path is resolved first (``..`` and symlinks), and each missing folder is made one by one: only a folder this call
    made is chmod-ed, never one that existed (or that another process made meanwhile), wherever the path leads (#24).
    """
    path = Path(path)
    target = path.resolve()
    for folder in [*reversed(target.parents), target]:
        if folder.is_dir():
            continue
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:
            if folder.is_dir() or folder != target:
                continue  # made meanwhile by someone else (not ours to chmod), or a file: its child's mkdir says so
            raise
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def inside(folder: Path, name: str | os.PathLike[str]) -> Path:
    """``folder / name``, checked to stay inside ``folder`` once ``..`` and symlinks are resolved: for every path built from
    a file's content (moment ids, a recording's name, the ``still`` field of ``moments.json``), a second line of defence
    behind validation on read (#24).

    Raises:
        UnsafePathError: ``name`` is absolute, empty, or leads outside ``folder`` (or is ``folder`` itself).

    Example:
        >>> inside(Path("/out/play"), "stills/m01.jpg")
        PosixPath('/out/play/stills/m01.jpg')
    """
    folder = Path(folder)
    path = folder / name
    base = folder.resolve()
    target = path.resolve()
    if not os.fspath(name) or Path(name).is_absolute() or target == base or not target.is_relative_to(base):
        raise UnsafePathError(path, f"leads outside {folder} (a name taken from a file); refused")
    return path


@contextlib.contextmanager
def atomic_path(final_path: Path, *, tmp_suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``final_path``; on success it is made private and renamed into place.

    On any exception the temporary file is removed and ``final_path`` is left as it was. The temporary name is hidden and
    ends with ``tmp_suffix``: by default ``.part<final suffix>`` (for tools that pick a format by the name's ending); a
    writer that names its format itself passes ``".part"``, so a file a killed run leaves never looks playable.

    Example:
        >>> with atomic_path(Path("/tmp/x.csv")) as tmp:  # doctest: +SKIP
        ...     tmp.write_text("a,b\\n")
    """
    final_path = Path(final_path)
    make_private_dir(final_path.parent)
    suffix = ".part" + final_path.suffix if tmp_suffix is None else tmp_suffix
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final_path.name}.", suffix=suffix, dir=final_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, PRIVATE_FILE_MODE)
        os.replace(tmp, final_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically with owner-only permissions."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically with owner-only permissions."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


# ----------------------------------------------------------------------------------------------------------------------
# Locks (#13, #14, #24): one portable implementation (fcntl.flock on Linux and macOS, msvcrt.locking on Windows). The kernel
# drops a lock when its holder dies, however it dies, so "I could take the lock" proves the holder is gone. Written here
# rather than with filelock, which (since 4.0) creates a lock's missing folder: a lock inside a recording's folder taken
# just while an analysis swaps that folder would bring back an empty folder of the same name and break the swap.

_LOCK_POLL_S = 0.05


@contextlib.contextmanager
def locked(path: Path, timeout_s: float = -1, *, remove: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on the lock file ``path`` (created owner-only) for the ``with`` block.

    Args:
        path: the lock file; its folder must exist (it is never created: ``FileNotFoundError``).
        timeout_s: give up after this long with :class:`LockBusy` (-1 waits for ever, 0 does not wait).
        remove: delete the lock file after releasing it. Only for locks nobody waits on (owner locks that others merely
            test): a waiter could otherwise hold the lock of a deleted file while a newcomer locks a new one.

    Example:
        >>> with locked(Path("/tmp/x.lock")):  # doctest: +SKIP
        ...     ...
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE_MODE)
    try:
        deadline = None if timeout_s < 0 else time.monotonic() + timeout_s
        while not _try_lock(fd):
            if deadline is not None and time.monotonic() >= deadline:
                raise LockBusy(path)
            time.sleep(_LOCK_POLL_S)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
        if remove:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _try_lock(fd: int) -> bool:
    """Take the lock of ``fd`` without waiting; False if another open file (any process, or this one) holds it."""
    if os.name == "nt":
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # the first byte stands for the whole file
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


class LockBusy(Exception):
    """Another process (or thread) holds the lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(f"{path} is locked by another process")

