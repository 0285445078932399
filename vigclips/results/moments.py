"""The ``moments.json`` contract: the versioned, human-editable file that carries candidates and the guider's decisions.

Analysis and batch write it, the review page changes it, export and learning read it: everything downstream reads only this
file, so decisions can be edited by hand, in the review page, or in git. Writes are atomic; a ``revision`` counter lets
writers refuse to overwrite newer decisions (#6). Analysis, rank, review, export, batch and ELAN import all use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

from vigclips import __version__
from vigclips.config import PipelineConfig
from vigclips.errors import ReviewFileError
from vigclips.fileio import LockBusy, atomic_write_text, locked
from vigclips.results.layout import MOMENTS_FILE, REPLACING_FILE, moments_lock_path, swap_lock_path
from vigclips.results.records import MomentRecord, RecordError, SourceRecord
from vigclips.safetext import unicode_ok
from vigclips.scoring import PRINCIPLES
from vigclips.scoring.learn import NEGATIVE, POSITIVE, Example
from vigclips.timefmt import utc_now
from vigclips.types import MediaInfo, Moment

log = logging.getLogger("vigclips")

FORMAT_VERSION = 1
PRINCIPLE_TITLES = dict(zip(PRINCIPLES, ("Being attentive", "Encouraging initiatives", "Receiving initiatives",
                                          "Developing attuned interactions"), strict=True))
"""The tags a guider may put on a moment (the four principles scored, :data:`vigclips.scoring.PRINCIPLES`), as the page,
the teaching clips and the contact sheet name them."""
_HASH_CHUNK_BYTES = 4 << 20
FOLDER_GONE_S = 10.0
"""A folder missing for this long is gone, not between the two renames of a swap (microseconds, or a rename retried)."""
_RETRY_S = 0.05


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (memory does not grow with the recording)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def source_record(info: MediaInfo, sha256: str) -> dict[str, Any]:
    """The ``source`` object: enough to find the recording again and to prove it is the same one."""
    return {
        "file_name": info.path.name,
        "path": str(info.path.resolve()),
        "size_bytes": info.size_bytes,
        "sha256": sha256,
        "duration_s": round(info.duration_s, 3),
        "fps": _fraction_text(info.fps) if info.has_video else None,
        "width": info.width or None,
        "height": info.height or None,
        "rotation_deg": info.rotation_deg,
        "video_codec": info.video_codec or None,
        "has_audio": info.has_audio,
    }


def moment_record(moment: Moment, still: str | None = None) -> dict[str, Any]:
    """One entry of ``moments``, as the guider's tools see it."""
    record: dict[str, Any] = {
        "id": moment.id,
        "rank": moment.rank,
        "start_s": round(moment.start_s, 3),
        "end_s": round(moment.end_s, 3),
        "score": round(float(moment.score), 4),
        "reasons": list(moment.reasons),
        "scores": {k: round(float(v), 4) for k, v in moment.scores.items()},
        "status": "candidate",
        "still": still,
    }
    if moment.details:
        record["details"] = _jsonable(moment.details)
    return record


def saved_config(document: dict[str, Any]) -> PipelineConfig:
    """The settings the analysis ran with, as ``moments.json`` records them (the one reader of ``analysis.config``).

    What shaped the saved signals (turn counting, the shortest moment a guider may add) is taken from here; settings of
    another vigclips version that no longer load give today's defaults (logged).
    """
    saved = (document.get("analysis") or {}).get("config") or {}
    flat = {f"{section}.{name}": value for section, values in saved.items() if isinstance(values, dict)
            for name, value in values.items()}  # fmt: skip
    try:
        return PipelineConfig().with_overrides(flat)
    except Exception as exc:  # settings of another vigclips version: today's defaults then
        log.info("settings in moments.json not usable (%s); using the default settings", exc)
        return PipelineConfig()


def build_document(
    source: dict[str, Any], tick_hz: Fraction, config: dict[str, Any], summary: dict[str, Any], moments: list[dict[str, Any]]
) -> dict[str, Any]:
    """Assemble a version-1 document."""
    return {
        "version": FORMAT_VERSION,
        "generator": {"name": "vigclips", "version": __version__},
        "created_utc": utc_now(),
        "revision": 0,
        "source": source,
        "analysis": {"tick_hz": _fraction_text(tick_hz), "config": _jsonable(config)},
        "summary": _jsonable(summary),
        "moments": moments,
    }


def write_moments(path: Path, document: dict[str, Any]) -> Path:
    """Validate and write ``document`` atomically (owner-only)."""
    validate_document(document, path)
    atomic_write_text(path, json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    return path


def read_moments(path: Path) -> dict[str, Any]:
    """Read and validate ``moments.json`` (a folder is taken to mean the file inside it).

    Raises:
        ReviewFileError: missing file, not JSON, unknown version, or a missing/invalid key (named in the message).
    """
    path = Path(path)
    if path.is_dir():
        path = path / MOMENTS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewFileError(path, "not found (run `vigclips analyze` first)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewFileError(path, f"cannot read ({exc.__class__.__name__})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReviewFileError(path, f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits, or [[[[… nested beyond reading
        raise ReviewFileError(path, f"not a moments.json vigclips can read ({exc.__class__.__name__})") from None
    validate_document(document, path)
    return document


def read_examples(moments_json_paths: list[Path]) -> list[Example]:
    """The decided moments (``status`` confirmed/rejected) of output folders, with their per-principle scores: what
    ``vigclips learn`` fits to (:mod:`vigclips.scoring.learn`).

    Args:
        moments_json_paths: ``moments.json`` files, or output folders holding one.

    Returns:
        Examples in file order; undecided candidates are skipped, and so are moments without ``scores`` (logged).

    Raises:
        ReviewFileError: a file is missing or not a valid ``moments.json`` (:func:`read_moments`).
    """
    out: list[Example] = []
    for raw in moments_json_paths:
        path = Path(raw)
        if path.is_dir():
            path = path / MOMENTS_FILE
        doc = read_moments(path)
        src = source_of(doc)
        # The same recording analysed twice must count as one recording in leave-one-recording-out.
        recording = str(src.sha256 or src.file_name)
        for i, m in enumerate(moment_records(doc)):
            if m.status not in POSITIVE | NEGATIVE:
                continue
            if any(p not in m.scores for p in PRINCIPLES):
                log.warning("%s: moments[%d] has no per-principle scores; not used for learning", path, i)
                continue
            x = tuple(float(m.scores[p]) for p in PRINCIPLES)
            out.append(Example(recording, m.id, x, int(m.status in POSITIVE)))
    return out


def validate_document(document: Any, path: Path) -> None:
    """Check the document against the contract (its typed records); the message names the first problem found."""
    if not isinstance(document, dict):
        raise ReviewFileError(path, "top level must be a JSON object")
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise ReviewFileError(path, f"unsupported format version {version!r} (this vigclips reads version {FORMAT_VERSION})")
    for key in ("source", "summary", "moments"):
        if key not in document:
            raise ReviewFileError(path, f"missing key {key!r}")
    revision = document.get("revision", 0)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        raise ReviewFileError(path, f"revision must be a whole number from 0, got {_short(revision)}")
    if not isinstance(document["moments"], list):
        raise ReviewFileError(path, "'moments' must be a list")
    try:
        source = SourceRecord.from_json(document["source"])
        records = [MomentRecord.from_json(moment, i) for i, moment in enumerate(document["moments"])]
    except RecordError as exc:
        raise ReviewFileError(path, str(exc)) from None
    seen: set[str] = set()
    for i, record in enumerate(records):
        if record.id in seen:
            raise ReviewFileError(path, f"moments[{i}].id must be a unique non-empty string")
        seen.add(record.id)
        if source.duration_s is not None and record.end_s > source.duration_s + 0.5:
            raise ReviewFileError(path, f"moments[{i}] ({record.id}): ends at {record.end_s} s, after the recording "
                                        f"({source.duration_s} s)")  # fmt: skip
    try:
        problem = _unwritable(document, "")
    except RecursionError:
        problem = "nested too deeply to be a moments.json"
    if problem:  # NaN (which Python's json reads) or broken text would fail only later, when a decision is saved
        raise ReviewFileError(path, problem)


def _unwritable(value: Any, where: str) -> str | None:
    """The first value JSON cannot be written with (NaN, Infinity, an unpaired surrogate), named; ``None`` if there is none."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where or 'the document'} must be a number, got {value} (NaN and Infinity are not numbers in moments.json)"
    if isinstance(value, str) and not unicode_ok(value):
        return f"{where or 'the document'} holds a broken character (an unpaired surrogate such as \\ud800)"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _unwritable(key, where or "a key") or _unwritable(item, f"{where}.{key}" if where else str(key))
            if problem:
                return problem
    if isinstance(value, list):
        for i, item in enumerate(value):
            problem = _unwritable(item, f"{where}[{i}]")
            if problem:
                return problem
    return None


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**15 else "a number of many digits"
    return text if len(text) <= 60 else text[:57] + "..."


def source_of(document: dict[str, Any]) -> SourceRecord:
    """The ``source`` of a document :func:`read_moments` validated, typed."""
    return SourceRecord.from_json(document["source"])


def moment_records(document: dict[str, Any]) -> list[MomentRecord]:
    """The ``moments`` of a document :func:`read_moments` validated, typed, in file order."""
    return [MomentRecord.from_json(moment, i) for i, moment in enumerate(document["moments"])]


@contextlib.contextmanager
def moments_locked(folder: Path, *, swapping: bool = False) -> Iterator[None]:
    """Hold :func:`moments_lock_path` of the folder now at ``folder`` (waiting for the current writer), and remove the
    temporary files a killed writer left (``.moments.json.*.part.json``: under the lock no other writer is half-way through).

    The lock lies inside the folder, and an analysis may replace the folder by renames (#24). So the lock taken must be the
    one of the folder at ``folder`` once held: if the folder was swapped meanwhile (its identity changed) or is about to be
    (:data:`REPLACING_FILE`, put there under this lock by :func:`vigclips.results.folder.swap_in_folder`), it is let go and
    taken again, on the new folder. A marker whose swap is gone (its process was killed) is removed.

    Args:
        folder: the output folder.
        swapping: the caller holds :func:`swap_lock_path` (it is the swap): a marker found is stale.

    Raises:
        ReviewFileError: the folder is not there (and did not come back within :data:`FOLDER_GONE_S`).
    """
    folder = Path(folder)
    gone_since: float | None = None
    while True:
        before = _identity(folder)
        if before is None:  # between a swap's two renames, or removed
            gone_since = gone_since or time.monotonic()
            if time.monotonic() - gone_since > FOLDER_GONE_S:
                raise ReviewFileError(folder / MOMENTS_FILE, "not found (its folder is gone)")
            time.sleep(_RETRY_S)
            continue
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(locked(moments_lock_path(folder)))
            except FileNotFoundError:
                continue  # renamed away between the two looks: look again
            if _identity(folder) == before and not _being_replaced(folder, swapping):
                remove_stale_parts(folder)
                yield
                return
        time.sleep(_RETRY_S)


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder is at ``folder`` now (device, inode), ``None`` if none."""
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _being_replaced(folder: Path, swapping: bool) -> bool:
    """True while a swap is renaming ``folder`` away (its marker is there and its swap lock is held); a stale marker (the
    swap was killed, or the caller is the swap) is removed. Call only holding the folder's moments lock."""
    marker = folder / REPLACING_FILE
    if not marker.exists():
        return False
    if not swapping:
        try:
            with locked(swap_lock_path(folder), timeout_s=0):
                pass
        except LockBusy:
            return True  # the swap is between its check and its rename: wait for the new folder
        except OSError:
            pass  # the lock cannot even be opened (read-only parent): no swap can be running
    with contextlib.suppress(FileNotFoundError):
        marker.unlink()
    return False


def remove_stale_parts(folder: Path) -> None:
    """Delete ``.moments.json.*.part.json`` in ``folder`` (call only while holding :func:`moments_locked`)."""
    with contextlib.suppress(OSError):
        for leftover in Path(folder).glob(f".{MOMENTS_FILE}.*.part.json"):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, NaN to null, Fractions to "num/den", tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Fraction):
        return _fraction_text(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 4)
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable({k: getattr(value, k) for k in value.__dataclass_fields__})
    return value

