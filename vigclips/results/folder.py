"""A recording's output folder ``OUT/<name>/``: checked before the long work, built beside, swapped in whole, never losing
a guider's decisions (#14).

* :func:`locate_source` finds the recording a folder was made from, and checks it is the same one.
* :func:`check_output_folder` runs before any analysis: the folder can be created and written, and has room.
* :func:`refuse_to_lose_review_work` refuses to replace a folder holding a guider's work, or a ``moments.json`` that cannot
  be read (it may hold decisions nobody can see any more), unless ``force``.
* :func:`work_folder` is the private ``OUT/.<name>.partial-<id>/`` an analysis writes into. Its owner holds the lock
  ``OUT/.<name>.partial-<id>.lock`` for its whole life, so a later run removes only work whose owner is gone
  (:func:`discard_stale_work`), never another process's work in progress.
* :func:`swap_in_folder` replaces ``OUT/<name>/`` with renames only, after checking again, under the lock the review server
  writes decisions with, that no decision was saved while the analysis ran.

The locks (#24). Decisions and exports lock files *inside* the recording's folder (``.moments.lock``, ``.export.lock``), so a
writable folder in a read-only parent can be saved to. Replacing the folder renames entries of the parent, so it takes the
parent's ``OUT/.<name>.swap.lock`` (one swap or recovery of a name at a time, also when no folder exists yet), then the old
folder's moments lock to check it, and before letting that lock go it leaves a ``.replacing`` marker in the old folder. Only
then is the folder renamed: no file inside it is open at that moment, which Windows needs (it cannot rename a folder holding
an open file; a rename it refuses because a writer has the lock open just then is tried again, see
:data:`RENAME_TRIES`). A writer that gets the old folder's lock after the check sees the marker (its swap lock held) and
waits; one that gets it after the rename sees that the folder at the path is another one; both take the lock again on the
new folder (:func:`vigclips.results.moments.moments_locked`), whose ``revision`` continues the old one, so a page that
loaded the old moments gets "reload" (409). A server never holds the lock between saves. An export running during a swap
keeps its ``.export.lock`` open: on POSIX the swap goes ahead (as before #24), on Windows it is refused after the retries.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vigclips.errors import BadInputError, OutputError, ReviewFileError
from vigclips.fileio import LockBusy, atomic_write_bytes, locked, make_private_dir
from vigclips.results.layout import MOMENTS_FILE, REPLACING_FILE, swap_lock_path
from vigclips.results.moments import moment_records, moments_locked, read_moments, sha256_file, source_of, write_moments
from vigclips.timefmt import utc_stamp

log = logging.getLogger("vigclips")

PARTIAL_MARK = ".partial-"
"""In the name of a folder being written: ``.<name>.partial-<id>``."""
OLD_MARK = ".old-"
"""In the name of the previous folder during a swap: ``.<name>.old-<id>``."""
BACKUP_PREFIX = "moments.replaced-"
"""``--force`` over decisions (or over an unreadable ``moments.json``) keeps the old file as ``moments.replaced-<UTC>.json``
in the new folder, with any earlier backups."""
RENAME_TRIES = 50
"""How often a swap tries renaming the old folder away, :data:`RENAME_WAIT_S` apart, when the system refuses (Windows: a
writer has the lock file open for the moment it takes to see the ``.replacing`` marker)."""
RENAME_WAIT_S = 0.1
LEGACY_STALE_S = 24 * 3600.0
"""A work folder without an owner lock (written by a vigclips before locks) is taken as abandoned after this long."""
MIN_FREE_BYTES = 50 << 20
"""Room an analysis needs besides what grows with the recording: stills, previews, timeline, ELAN/EDL/VTT files."""
BYTES_PER_RECORDING_S = 4_000
"""What grows with the recording: ``signals.csv`` (10 rows a second) and the RTTM, about 4 kB per second with margin."""
OVERLAY_BYTES_PER_S = 300_000
"""``overlay.mp4`` at the analysis rate and width, with margin."""


def locate_source(document: dict[str, Any], moments_dir: Path, source: Path | None = None) -> Path:
    """The recording ``moments.json`` was made from: ``source`` if given, else the stored path, else a file of the same name
    beside the output folder. Checks size and sha256 so clips are never cut from a different recording.

    Raises:
        ReviewFileError: not found, or a different recording.
    """
    record = source_of(document)
    candidates = [Path(source)] if source else [Path(record.path or ""), moments_dir.parent / record.file_name]
    found = next((p for p in candidates if str(p) and p.is_file()), None)
    if found is None:
        raise ReviewFileError(moments_dir / MOMENTS_FILE,
                              f"source recording {record.file_name!r} not found at {candidates[0]} (pass --source PATH)")
    if record.size_bytes is not None and found.stat().st_size != record.size_bytes:
        raise ReviewFileError(found, "is not the recording these moments were found in (size differs)")
    if record.sha256 and sha256_file(found) != record.sha256:
        raise ReviewFileError(found, "is not the recording these moments were found in (sha256 differs)")
    return found


def check_output_folder(out_root: Path, duration_s: float = 0.0, *, overlay: bool = False) -> None:
    """Check before the long work that ``out_root`` can be created and written and has room for the expected outputs.

    Raises:
        OutputError: cannot create or write the folder, or too little free space (the message names the path and sizes).
    """
    out_root = Path(out_root)
    try:
        make_private_dir(out_root)
        fd, probe_name = tempfile.mkstemp(prefix=".vigclips-write-check-", dir=out_root)
        os.close(fd)
        os.unlink(probe_name)
    except OSError as exc:
        raise OutputError(out_root, f"cannot write the results there ({_os_reason(exc)}); choose another -o folder") from None
    need = MIN_FREE_BYTES + int(max(0.0, duration_s) * (BYTES_PER_RECORDING_S + (OVERLAY_BYTES_PER_S if overlay else 0)))
    free = shutil.disk_usage(out_root).free
    if free < need:
        raise OutputError(out_root, f"only {_megabytes(free)} free; the results need about {_megabytes(need)} "
                                    "(free some space or choose another -o folder)")  # fmt: skip


def output_failure(exc: BaseException, where: Path) -> OutputError | None:
    """The plain answer for an output write that failed (full disk, read-only, no permission), or None if it is not one."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
        path = Path(exc.filename) if exc.filename else where
        return OutputError(path, f"cannot write the results ({_os_reason(exc)})")
    if "No space left on device" in text or "Disk quota exceeded" in text:  # an ffmpeg writing a still or preview
        return OutputError(where, "cannot write the results (no space left on the device)")
    return None


def review_work_problem(final_dir: Path) -> str | None:
    """Why ``final_dir`` must not be replaced without ``force`` (None if nothing there would be lost).

    A guider's work is a decision, trim, tag, note, added moment or swapped roles. A ``moments.json`` that cannot be read
    counts as work too: it may be a hand edit with a typo, and replacing it would lose every decision in it (#14).
    """
    path = Path(final_dir) / MOMENTS_FILE
    if not path.exists():
        return None
    try:
        document = read_moments(path)
    except ReviewFileError as exc:
        return (f"its moments.json cannot be read ({exc.problem}) and may hold review decisions, so it was left as it is; "
                "fix the file, or use --force to replace it (a copy is kept beside the new one)")  # fmt: skip
    decided = [m.id for m in moment_records(document) if m.holds_guider_work]
    if document.get("roles_swapped"):
        decided.append("roles")
    if decided:
        return (f"holds review work ({len(decided)} decision(s), trims, tags or notes); re-analysing would replace it "
                "(use --force to overwrite, or choose another -o folder)")  # fmt: skip
    return None


def refuse_to_lose_review_work(final_dir: Path, force: bool) -> None:
    """Raise :class:`BadInputError` if ``final_dir`` holds a guider's work (see :func:`review_work_problem`) and ``force``
    is false, or is a symbolic link (:func:`refuse_symlinked_folder`, even with ``force``). ``analyze`` and ``batch`` check
    this before the long analysis, and :func:`swap_in_folder` again at the end."""
    refuse_symlinked_folder(final_dir)
    problem = None if force else review_work_problem(final_dir)
    if problem:
        raise BadInputError(final_dir, problem)


def refuse_symlinked_folder(final_dir: Path) -> None:
    """Raise :class:`BadInputError` if ``final_dir`` is a symbolic link (e.g. to a folder on an encrypted volume).

    Re-analysis replaces the folder whole by renames beside it: through a link that would put the new folder on the link's
    own disk (outside the encrypted volume) and leave the link as a hidden ``.old-*`` entry. Refused rather than followed;
    the message names the ``-o`` folder that puts the results where the link leads (the review page and export follow
    links as they are) (#24).
    """
    final_dir = Path(final_dir)
    if final_dir.is_symlink():
        target = Path(os.path.realpath(final_dir))
        raise BadInputError(final_dir, f"is a link to {target}, and re-analysis replaces the folder whole: analyse with "
                                       f"-o {target.parent} to write there, or remove the link")  # fmt: skip


@contextlib.contextmanager
def work_folder(out_root: Path, name: str) -> Iterator[Path]:
    """A private, empty ``out_root/.<name>.partial-<id>/`` for the ``with`` block, removed at its end unless swapped in.

    The owner lock is taken before the folder exists and dropped after it is gone, so a partial folder whose lock can be
    taken is abandoned work (its process was killed), and one whose lock is held is in progress.
    """
    out_root = make_private_dir(Path(out_root))
    while True:
        work_dir = out_root / f".{name}{PARTIAL_MARK}{secrets.token_hex(4)}"
        if not work_dir.exists():
            break
    with locked(_owner_lock(work_dir), remove=True):
        make_private_dir(work_dir)
        try:
            yield work_dir
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)


def swap_in_folder(work_dir: Path, final_dir: Path, *, force: bool = False) -> None:
    """Replace ``final_dir`` by ``work_dir`` with renames only, so readers see the old folder or the new one, never a mix.

    The old folder is checked again under the lock the review server holds for each decision (the module docstring tells
    how the locks work together): a decision saved while the analysis ran makes this refuse (unless ``force``), keeping the
    old folder untouched. With ``force`` over review work, the old ``moments.json`` goes into the new folder as
    ``moments.replaced-<UTC>.json``. The new document's ``revision`` continues from the old one, so a review page still
    showing the old moments gets "changed elsewhere, reload" instead of writing its decision onto a different moment that
    happens to have the same id.

    Raises:
        BadInputError: the old folder holds review work (or an unreadable ``moments.json``) and ``force`` is false, or
            ``final_dir`` is a symbolic link. OutputError: Windows kept refusing to rename the old folder (a file in it open).
    """
    work_dir, final_dir = Path(work_dir), Path(final_dir)
    refuse_symlinked_folder(final_dir)  # again: a link may have been made while the analysis ran
    old = None
    with locked(swap_lock_path(final_dir)):  # the module docstring tells how this and the folder's own lock work together
        if final_dir.exists():
            marker = final_dir / REPLACING_FILE
            with contextlib.ExitStack() as stack:
                try:
                    stack.enter_context(moments_locked(final_dir, swapping=True))
                except PermissionError as exc:  # a read-only folder: said in one line, not a traceback
                    raise OutputError(final_dir, f"cannot be replaced: its lock cannot be written ({_os_reason(exc)}); "
                                                 "make it writable or choose another -o folder") from None  # fmt: skip
                problem = review_work_problem(final_dir)
                if problem and not force:
                    said = problem.replace("holds review work", "review work was saved while this analysis ran")
                    raise BadInputError(final_dir, said + "; the new results were discarded")
                _carry_over(final_dir, work_dir, backup=problem is not None)
                marker.touch()  # writers after this wait for the new folder
            old = final_dir.with_name(f".{final_dir.name}{OLD_MARK}{secrets.token_hex(4)}")
            try:
                _rename_folder(final_dir, old)  # no file in it is open now (Windows)
            except BaseException:
                marker.unlink(missing_ok=True)
                raise
        try:
            os.replace(work_dir, final_dir)
        except BaseException:
            if old is not None:  # the old folder goes back now, not at the next run (issue 24: old or new, never none)
                os.replace(old, final_dir)
                (final_dir / REPLACING_FILE).unlink(missing_ok=True)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _rename_folder(folder: Path, new: Path) -> None:
    """Rename ``folder``, trying again while the system refuses because a file in it is open (Windows).

    Raises:
        OutputError: still refused after :data:`RENAME_TRIES` (e.g. an export is writing there).
    """
    for attempt in range(RENAME_TRIES):
        try:
            os.replace(folder, new)
            return
        except PermissionError:
            if os.name != "nt":
                raise  # a POSIX refusal is about the parent's permissions: trying again would not help
            if attempt == RENAME_TRIES - 1:
                raise OutputError(folder, "is in use (an export, or a program with a file in it open), so it cannot be "
                                          "replaced; try again when it has finished") from None  # fmt: skip
            time.sleep(RENAME_WAIT_S)


def _carry_over(final_dir: Path, work_dir: Path, *, backup: bool) -> None:
    """Backups of replaced decisions, and a revision that continues the old one (see :func:`swap_in_folder`)."""
    for earlier in final_dir.glob(f"{BACKUP_PREFIX}*.json"):
        shutil.copy2(earlier, work_dir / earlier.name)
    old_path = final_dir / MOMENTS_FILE
    if backup and old_path.is_file():
        atomic_write_bytes(work_dir / f"{BACKUP_PREFIX}{utc_stamp()}.json", old_path.read_bytes())
    try:
        old_revision: int | None = int(json.loads(old_path.read_text(encoding="utf-8")).get("revision", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        old_revision = None  # no old file, or one nobody can read: no page can be showing it
    new_path = work_dir / MOMENTS_FILE
    # Even from revision 0: a client that knows only the number must not write onto the new moments (issue 24).
    if old_revision is not None and new_path.is_file():
        document = read_moments(new_path)
        document["revision"] = old_revision + 1
        write_moments(new_path, document)


def discard_stale_work(out_root: Path) -> None:
    """Remove what killed runs left in ``out_root``: abandoned ``.<name>.partial-*`` folders (their owner lock is free),
    and the old folder of an interrupted swap (put back when the new one never arrived). Work in progress is never touched.
    """
    out_root = Path(out_root)
    try:
        entries = sorted(out_root.iterdir())
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not name.startswith("."):
            continue
        if PARTIAL_MARK in name and entry.is_dir():
            _discard_partial(entry)
        elif PARTIAL_MARK in name and name.endswith(".lock") and not entry.with_suffix("").exists():
            with contextlib.suppress(LockBusy, OSError), locked(entry, timeout_s=0, remove=True):
                pass  # a free owner lock whose folder is gone
        elif OLD_MARK in name and entry.is_dir():
            _recover_old(entry)


def _discard_partial(folder: Path) -> None:
    lock = _owner_lock(folder)
    if lock.exists():
        try:
            with locked(lock, timeout_s=0, remove=True):
                log.info("removing %s left by an interrupted run", folder)
                shutil.rmtree(folder, ignore_errors=True)
        except LockBusy:  # held: another analysis is writing there right now
            pass
        return
    with contextlib.suppress(OSError):
        if time.time() - folder.stat().st_mtime > LEGACY_STALE_S:
            log.info("removing %s left by an interrupted run", folder)
            shutil.rmtree(folder, ignore_errors=True)


def _recover_old(old: Path) -> None:
    final_name = old.name[1:].rsplit(OLD_MARK, 1)[0]
    final_dir = old.with_name(final_name)
    with locked(swap_lock_path(final_dir)):  # no swap of this name is half-way through meanwhile
        if not old.exists():
            return
        if final_dir.exists():
            log.info("removing %s left by an interrupted run", old)
            shutil.rmtree(old, ignore_errors=True)
        else:  # killed between the two renames of a swap: the old folder is the only copy
            log.warning("%s: restored from %s (a run was interrupted while replacing it)", final_dir, old.name)
            os.replace(old, final_dir)
            (final_dir / REPLACING_FILE).unlink(missing_ok=True)


def _owner_lock(work_dir: Path) -> Path:
    return work_dir.with_name(work_dir.name + ".lock")


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or exc.__class__.__name__).lower()


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / (1 << 20):.0f} MB"

