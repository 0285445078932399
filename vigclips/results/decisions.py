"""The guider's decisions on a ``moments.json`` document: confirm, reject, trim, tag, note, add a missed moment, swap roles.

The functions that change a document are pure (a new document comes back; the input is never modified) and validate
everything a browser sends before anything is written (#6). :class:`DecisionStore` is the only writer used by the review
page: it reads, checks the ``revision`` counter the page last saw, applies the change, and writes the file atomically, all
under a lock, so a stale page or a second tab gets :class:`StaleRevisionError` instead of silently overwriting newer work.
The page sends a :func:`revision_token` (the counter and a key of the analysis), so a page opened before the recording was
analysed again is refused too, even when the new list's counter is the number it saw (issue 24).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from vigclips.errors import VigclipsError
from vigclips.results.layout import MOMENTS_FILE
from vigclips.results.moments import moments_locked, read_moments, saved_config, write_moments
from vigclips.results.records import PROGRAM_STILL, Decision, RecordError
from vigclips.safetext import unicode_ok
from vigclips.timefmt import utc_now

MIN_MOMENT_S = 0.2
"""Shortest moment a guider can make (a few frames): shorter bounds are almost certainly a slip of the in/out keys."""


class DecisionError(VigclipsError):
    """A decision that cannot be applied (unknown moment, bounds outside the recording, unknown tag…). HTTP 400."""

    exit_code = 2


class StaleRevisionError(DecisionError):
    """The page based its change on an older ``revision`` than the file holds, or on another analysis of the recording.
    HTTP 409: reload, nothing was overwritten."""

    def __init__(self, expected: int, current: int, *, reanalysed: bool = False) -> None:
        self.expected = expected
        self.current = current
        if reanalysed:
            super().__init__("the recording was analysed again since this page loaded its moments (the list is a new one); "
                             "reload the page to see the new moments, then try again")  # fmt: skip
            return
        super().__init__(
            f"these moments were changed elsewhere (another tab or window) since this page loaded them "
            f"(revision {expected}, now {current}); reload the page to see the newest decisions, then try again"
        )


MAX_REVISION = 10**12
"""Far more changes than a document will ever see; a larger ``revision`` in a request is refused as nonsense."""
_REVISION_TOKEN = re.compile(r"(\d{1,13})-([0-9a-f]{12})")


def recording_duration_s(document: dict[str, Any]) -> float:
    """Length of the recording the document was made from (``source.duration_s``)."""
    duration = document.get("source", {}).get("duration_s")
    if not isinstance(duration, (int, float)) or not math.isfinite(duration) or duration <= 0:
        raise DecisionError("moments.json does not say how long the recording is (source.duration_s); run analyze again")
    return float(duration)


def analysis_key(document: dict[str, Any]) -> str:
    """Which analysis ``document`` holds the moments of: 12 hex digits that change with every analysis (its time, the
    recording, the settings, the vigclips version) and never with a decision or a re-ranking.

    A re-analysis replaces the moments: ``m01`` may then be a different span (the ``revision`` moves on as well, but a
    client that knows only the number cannot tell a re-analysis from another tab's change).
    Files of any vigclips have these keys (one without them still gets a key), so nothing new is stored.
    """
    source = document.get("source")
    analysis = document.get("analysis")
    basis = {
        "created_utc": document.get("created_utc"),
        "generator": document.get("generator"),
        "sha256": source.get("sha256") if isinstance(source, dict) else None,
        "config": analysis.get("config") if isinstance(analysis, dict) else None,
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:12]


def revision_token(document: dict[str, Any]) -> str:
    """What the review page sends back with a change: ``"<revision>-<analysis key>"``, so a page opened before a
    re-analysis is refused even when the new document's ``revision`` happens to be the number the page saw."""
    return f"{int(document.get('revision', 0))}-{analysis_key(document)}"


def check_revision(document: dict[str, Any], expected: Any) -> None:
    """Raise :class:`StaleRevisionError` unless ``expected`` names the document as it is now.

    ``expected`` is a :func:`revision_token` (what the page sends: the revision and the analysis), or the bare ``revision``
    number (a script that has just read the file; it checks the counter only).

    Raises:
        DecisionError: ``expected`` is neither. StaleRevisionError: it is not the current revision, or of another analysis.
    """
    current = int(document.get("revision", 0))
    if isinstance(expected, str):
        match = _REVISION_TOKEN.fullmatch(expected)
        if match is None:
            raise DecisionError("revision must be the one the page loaded (reload the page)")
        if match.group(2) != analysis_key(document):
            raise StaleRevisionError(int(match.group(1)), current, reanalysed=True)
        expected = int(match.group(1))
    if not isinstance(expected, int) or isinstance(expected, bool):
        raise DecisionError(f"revision must be an integer (the one the page loaded), got {_short_repr(expected)}")
    if not 0 <= expected <= MAX_REVISION:
        raise DecisionError(f"revision must be a whole number from 0 to {MAX_REVISION} (the one the page loaded)")
    if expected != current:
        raise StaleRevisionError(expected, current)


def _short_repr(value: Any) -> str:
    huge = isinstance(value, (int, float)) and not isinstance(value, bool) and not abs(value) < 10**15
    text = "an out-of-range number" if huge else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def apply_decision(
    document: dict[str, Any], moment_id: str, changes: Decision | dict[str, Any], *, decided_utc: str | None = None
) -> dict[str, Any]:
    """A copy of ``document`` with one moment changed and ``revision`` advanced by one.

    Args:
        document: a validated ``moments.json`` document (not modified).
        moment_id: the moment's ``id``.
        changes: a :class:`~vigclips.results.records.Decision`, or its JSON as a page sends it: any of ``status``
            (candidate/confirmed/rejected), ``start_s`` and ``end_s`` (seconds, inside the recording, start before end),
            ``tags`` (a list of principles), ``note`` (text, at most :data:`~vigclips.results.records.MAX_NOTE_CHARS`).
        decided_utc: time stamp to record (now if omitted).

    Returns:
        The new document. The first change of a moment's bounds keeps the program's bounds as ``original_start_s`` and
        ``original_end_s`` so the page can show (and restore) them.

    Raises:
        DecisionError: unknown moment or key, or an invalid value (the message says which and why).

    Example:
        >>> new = apply_decision(doc, "m01", {"status": "confirmed", "end_s": 12.4, "tags": ["receiving"]})  # doctest: +SKIP
    """
    decision = changes if isinstance(changes, Decision) else decision_from_json(changes)
    new = copy.deepcopy(document)
    moment = _find(new, moment_id)
    duration_s = recording_duration_s(new)
    if decision.status is not None:
        moment["status"] = decision.status
    if decision.start_s is not None or decision.end_s is not None:
        start_s = decision.start_s if decision.start_s is not None else round(float(moment["start_s"]), 3)
        # The program may round a last moment's end a little past the recording's end (the store allows 0.5 s); when
        # the guider moves only the start, that end is clamped rather than refused.
        end_s = decision.end_s if decision.end_s is not None else round(min(float(moment["end_s"]), duration_s), 3)
        _check_bounds(start_s, end_s, duration_s)
        if "original_start_s" not in moment:
            moment["original_start_s"], moment["original_end_s"] = moment["start_s"], moment["end_s"]
        moment["start_s"], moment["end_s"] = start_s, end_s
    if decision.tags is not None:
        moment["tags"] = list(decision.tags)
    if decision.note is not None:
        moment["note"] = decision.note
    if decision.still_t_s == PROGRAM_STILL:
        moment.pop("still_t_s", None)
    elif decision.still_t_s is not None:
        if not float(moment["start_s"]) - 1e-6 <= decision.still_t_s <= float(moment["end_s"]) + 1e-6:
            raise DecisionError(f"the frame for the sheet must lie inside the moment ({float(moment['start_s']):.1f}–"
                                f"{float(moment['end_s']):.1f} s), got {decision.still_t_s} s")  # fmt: skip
        moment["still_t_s"] = decision.still_t_s
    moment["decided_utc"] = decided_utc or utc_now()
    return _bumped(new)


def decision_from_json(changes: Any) -> Decision:
    """:meth:`Decision.from_json`, its refusal as a :class:`DecisionError` (what the page shows)."""
    try:
        return Decision.from_json(changes)
    except RecordError as exc:
        raise DecisionError(str(exc)) from None


def add_moment(
    document: dict[str, Any],
    start_s: Any,
    end_s: Any,
    *,
    status: str = "confirmed",
    tags: Any = (),
    note: Any = "",
    decided_utc: str | None = None,
) -> tuple[dict[str, Any], str]:
    """A copy of ``document`` with a moment the guider found that the program missed.

    The new moment gets id ``g01``, ``g02``… (never reused), the next rank, score 0, and ``"added_by": "guider"``.

    Returns:
        (new document, id of the added moment).

    Raises:
        DecisionError: invalid bounds, status, tags or note.

    Example:
        >>> new, mid = add_moment(doc, 61.2, 68.0, tags=["developing"])  # doctest: +SKIP
    """
    new = copy.deepcopy(document)
    added = decision_from_json({"status": status, "start_s": start_s, "end_s": end_s, "tags": tags, "note": note})
    start, end = added.start_s, added.end_s
    _check_bounds(start, end, recording_duration_s(new))
    shortest_s = added_min_s(new)
    if end - start < shortest_s - 1e-6:
        raise DecisionError(f"a moment needs at least {shortest_s:.1f} s (this one would last {end - start:.1f} s); "
                            "start it earlier or end it later")  # fmt: skip
    for other in new["moments"]:
        # A moment the guider set aside (rejected) may be covered again; one in use may not (#15: no silent overlaps).
        if other["status"] != "rejected" and start < float(other["end_s"]) - 1e-6 and float(other["start_s"]) < end - 1e-6:
            who = "the added moment" if other.get("added_by") == "guider" else f"moment #{other['rank']}"
            raise DecisionError(f"it would overlap {who} ({float(other['start_s']):.1f}–{float(other['end_s']):.1f} s); "
                                "trim that one instead, or add the new moment where no moment is")  # fmt: skip
    ids = {m["id"] for m in new["moments"]}
    number = 1 + sum(1 for i in ids if i.startswith("g"))
    while f"g{number:02d}" in ids:
        number += 1
    moment_id = f"g{number:02d}"
    new["moments"].append({
        "id": moment_id,
        "rank": 1 + max((int(m.get("rank", 0)) for m in new["moments"]), default=0),
        "start_s": start,
        "end_s": end,
        "score": 0.0,
        "reasons": ["added by the guider"],
        "scores": {},
        "status": added.status,
        "still": None,
        "tags": list(added.tags),
        "note": added.note,
        "added_by": "guider",
        "decided_utc": decided_utc or utc_now(),
    })
    return _bumped(new), moment_id


def remove_moment(document: dict[str, Any], moment_id: str) -> dict[str, Any]:
    """A copy of ``document`` without a moment the guider added (a slip, or one she no longer wants at all).

    The program's candidates are never removed (a re-analysis or ``rank`` would bring them back): they are set aside with
    the status ``rejected`` instead. The id is not given to a later added moment (ids are never reused while the file holds
    it; a removed ``g02`` may come back only as a new moment).

    Raises:
        DecisionError: no such moment, or it is one of the program's.
    """
    new = copy.deepcopy(document)
    moment = _find(new, moment_id)
    if moment.get("added_by") != "guider":
        raise DecisionError("only a moment you added can be deleted; set the program's suggestions aside with 'Not this one'")
    new["moments"] = [m for m in new["moments"] if m["id"] != moment_id]
    return _bumped(new)


MAX_SHEET_TITLE_CHARS = 120
"""A heading, not a letter: it must fit on one line of the A4 sheet."""


def set_sheet_options(document: dict[str, Any], title: Any = None, language: Any = None) -> dict[str, Any]:
    """A copy of ``document`` with the parent's sheet's heading and language (``document["sheet"]``) set.

    Args:
        title: the heading the guider wants (``""``: the default, "Our moments together" and the date); ``None``: unchanged.
        language: the code of a phrase table (``"en"``…, see :mod:`vigclips.export.phrases`); ``None``: unchanged.

    Raises:
        DecisionError: a title that is not one line of text of at most :data:`MAX_SHEET_TITLE_CHARS`, or a language that
            is not a short code.
    """
    sheet = dict(document.get("sheet") or {})
    if title is not None:
        if not isinstance(title, str) or "\n" in title or len(title.strip()) > MAX_SHEET_TITLE_CHARS or not unicode_ok(title):
            raise DecisionError(f"the sheet's title must be one line of at most {MAX_SHEET_TITLE_CHARS} characters")
        sheet["title"] = title.strip()
    if language is not None:
        if not isinstance(language, str) or not _LANGUAGE_CODE.fullmatch(language):
            raise DecisionError(f"the sheet's language must be a code such as 'en' or 'pt-BR', got {_short_repr(language)}")
        sheet["language"] = language
    new = copy.deepcopy(document)
    new["sheet"] = sheet
    return _bumped(new)


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


def added_min_s(document: dict[str, Any]) -> float:
    """Shortest moment a guider may add: the analysis's ``scoring.min_moment_s`` (what the program itself suggests)."""
    return float(saved_config(document).scoring.min_moment_s)


def set_roles_swapped(document: dict[str, Any], swapped: Any, *, decided_utc: str | None = None) -> dict[str, Any]:
    """A copy of ``document`` recording that the guider says the program mixed up which face is the infant.

    The flag ``roles_swapped`` is read by teaching exports (the cues are drawn on the other face) and is meant for a
    re-analysis with ``--infant`` (scores and reasons depend on the roles, so they are not rewritten here).

    Raises:
        DecisionError: ``swapped`` is not true or false.
    """
    if not isinstance(swapped, bool):
        raise DecisionError(f"roles_swapped must be true or false, got {swapped!r}")
    new = copy.deepcopy(document)
    new["roles_swapped"] = swapped
    new["roles_swapped_utc"] = decided_utc or utc_now()
    return _bumped(new)


class DecisionStore:
    """Read and change one output folder's ``moments.json`` safely.

    Every change runs under a thread lock and the folder's exclusive file lock (:func:`vigclips.results.moments.moments_locked`,
    also held by an analysis swapping in a new folder, so two servers on one folder and a re-analysis all take turns),
    re-reads the file, checks the revision the caller saw, applies a pure function, and writes atomically
    through :func:`vigclips.results.moments.write_moments`: a killed server or a crashed browser never loses a saved decision.

    Example:
        >>> store = DecisionStore(Path("out/demo_play"))  # doctest: +SKIP
        >>> doc = store.decide(store.read()["revision"], "m01", {"status": "confirmed"})  # doctest: +SKIP
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MOMENTS_FILE
        self._lock = threading.Lock()

    def read(self) -> dict[str, Any]:
        """The current document (validated)."""
        return read_moments(self.path)

    def update(self, expected_revision: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Apply ``change`` (document -> new document) if the file is still at ``expected_revision``; return what was written.

        Raises:
            StaleRevisionError: the file moved on since the caller read it. DecisionError: ``change`` refused the decision.
            ReviewFileError: the file is missing or invalid (before or after the change: nothing invalid is ever written).
        """
        with self._locked():
            document = self.read()
            check_revision(document, expected_revision)
            new = change(document)
            write_moments(self.path, new)
            return new

    def decide(self, expected_revision: Any, moment_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """:func:`apply_decision` under the lock; returns the written document."""
        return self.update(expected_revision, lambda doc: apply_decision(doc, moment_id, changes))

    def add(self, expected_revision: Any, start_s: Any, end_s: Any, **fields: Any) -> tuple[dict[str, Any], str]:
        """:func:`add_moment` under the lock; returns (written document, new id)."""
        added: list[str] = []

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            new, moment_id = add_moment(doc, start_s, end_s, **fields)
            added.append(moment_id)
            return new

        return self.update(expected_revision, change), added[0]

    def remove(self, expected_revision: Any, moment_id: str) -> dict[str, Any]:
        """:func:`remove_moment` under the lock; returns the written document."""
        return self.update(expected_revision, lambda doc: remove_moment(doc, moment_id))

    def sheet_options(self, expected_revision: Any, title: Any = None, language: Any = None) -> dict[str, Any]:
        """:func:`set_sheet_options` under the lock; returns the written document."""
        return self.update(expected_revision, lambda doc: set_sheet_options(doc, title, language))

    def swap_roles(self, expected_revision: Any, swapped: Any) -> dict[str, Any]:
        """:func:`set_roles_swapped` under the lock; returns the written document."""
        return self.update(expected_revision, lambda doc: set_roles_swapped(doc, swapped))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock, moments_locked(self.folder):
            yield


def _find(document: dict[str, Any], moment_id: Any) -> dict[str, Any]:
    for moment in document["moments"]:
        if moment["id"] == moment_id:
            return moment
    raise DecisionError(f"no moment with id {moment_id!r} in moments.json")


def _check_bounds(start_s: float, end_s: float, duration_s: float) -> None:
    if start_s < 0:
        raise DecisionError(f"start_s must not be before the recording starts (0 s), got {start_s} s")
    if end_s > duration_s + 1e-6:
        raise DecisionError(f"end_s must not be after the recording ends ({duration_s} s), got {end_s} s")
    if end_s - start_s < MIN_MOMENT_S:
        raise DecisionError(f"the moment must start before it ends and last at least {MIN_MOMENT_S} s, got {start_s}..{end_s} s")


def _bumped(document: dict[str, Any]) -> dict[str, Any]:
    document["revision"] = int(document.get("revision", 0)) + 1
    return document
