"""Typed, frozen records of the ``moments.json`` contract (issue 21): the recording it was made from
(:class:`SourceRecord`), each moment (:class:`MomentRecord`), and a guider's change to one (:class:`Decision`).

``from_json`` validates what a hand edit, an old version or a browser could have put there and names the first problem in
one line; ``to_json`` gives the JSON back. A record remembers the object it was read from, so keys it does not know (added
by a newer vigclips or by hand) and the order of the keys survive a round trip: reading and writing back an unchanged
record gives the very same JSON.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath
from typing import Any, Callable

from vigclips.safetext import unicode_ok
from vigclips.scoring import PRINCIPLES
from vigclips.types import Moment

STATUSES = ("candidate", "confirmed", "rejected")
MOMENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a moment id may be: it names files (stills, previews, clips) and the review page's addresses, so never a path."""
MAX_NOTE_CHARS = 2000
"""A note is a sentence or two for the shared review, not a report; the cap also bounds what a request can write."""

_REQUIRED_MOMENT_KEYS = ("id", "rank", "start_s", "end_s", "score", "reasons", "status")


class RecordError(ValueError):
    """A value of the contract that is not what the contract says; the message names the field and the problem."""


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise RecordError(message)


def _optional(data: Mapping[str, Any], key: str, test: Callable[[Any], bool], what: str, where: str) -> Any:
    value = data.get(key)
    _check(value is None or test(value), f"{where}.{key} must be {what}, got {value!r}")
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _to_json(record: Any, omit_when_default: frozenset[str]) -> dict[str, Any]:
    """The record as JSON: the object it was read from, with each field that changed written over it (new keys go last,
    as a ``dict`` update puts them), and fields at their default left out unless the object had them."""
    out = dict(record.raw)
    for f in dataclasses.fields(record):
        if f.name == "raw":
            continue
        value = _json_value(getattr(record, f.name))
        if f.name in out:
            if out[f.name] != value:
                out[f.name] = value
        elif not (f.name in omit_when_default and value == _json_value(f.default if f.default is not dataclasses.MISSING
                                                                          else f.default_factory())):  # fmt: skip
            out[f.name] = value
    return out


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """The recording a ``moments.json`` was made from: enough to find it again and prove it is the same one."""

    file_name: str
    path: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    duration_s: float | None = None
    fps: str | None = None
    width: int | None = None
    height: int | None = None
    has_audio: bool = True
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def stem(self) -> str:
        """The file name without its extension: what the folder, the ``.eaf``, the ``.edl`` and the clips are named after."""
        return PurePath(self.file_name).stem

    @property
    def frame_rate(self) -> Fraction | None:
        """``fps`` as a fraction (``None`` for a sound recording)."""
        return Fraction(self.fps) if self.fps else None

    @classmethod
    def from_json(cls, data: Any) -> SourceRecord:
        """Raises:
        RecordError: not an object, no ``file_name``, or a field of the wrong type (named)."""
        _check(isinstance(data, Mapping), "'source' must be an object")
        _check("file_name" in data, "missing key 'source.file_name'")
        _check(isinstance(data["file_name"], str) and bool(data["file_name"]), "source.file_name must be a file name")
        where = "source"
        fps = _optional(data, "fps", lambda v: isinstance(v, str) and _fraction_ok(v), 'a frame rate like "30000/1001"', where)
        return cls(
            file_name=data["file_name"],
            path=_optional(data, "path", lambda v: isinstance(v, str), "a path", where),
            size_bytes=_optional(data, "size_bytes", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
                                 "a whole number of bytes", where),  # fmt: skip
            sha256=_optional(data, "sha256", lambda v: isinstance(v, str), "a hex digest", where),
            duration_s=_optional(data, "duration_s", lambda v: _number(v) and v >= 0, "a number of seconds", where),
            fps=fps,
            width=_optional(data, "width", lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number", where),
            height=_optional(data, "height", lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number", where),
            has_audio=bool(_optional(data, "has_audio", lambda v: isinstance(v, bool), "true or false", where)
                           if data.get("has_audio") is not None else True),  # fmt: skip
            raw=dict(data),
        )

    def to_json(self) -> dict[str, Any]:
        """The ``source`` object."""
        return _to_json(self, frozenset(f.name for f in dataclasses.fields(self)))


def _fraction_ok(text: str) -> bool:
    try:
        return Fraction(text) > 0
    except (ValueError, ZeroDivisionError):
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class MomentRecord:
    """One entry of ``moments``: a candidate the program proposed (or a moment the guider added) and what the guider decided.

    ``start_s``/``end_s`` are the current bounds; after a trim, ``original_start_s``/``original_end_s`` keep the program's.
    The fields are in the order the file has them, so keys a change adds come where they always did.
    """

    id: str
    rank: int
    start_s: float
    end_s: float
    score: float
    reasons: tuple[str, ...]
    scores: Mapping[str, float] = field(default_factory=dict)
    status: str
    still: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    preview: str | None = None
    original_start_s: float | None = None
    original_end_s: float | None = None
    tags: tuple[str, ...] = ()
    note: str = ""
    added_by: str | None = None
    decided_utc: str | None = None
    still_t_s: float | None = None
    """The frame the guider chose for the parent's sheet (seconds in the recording); ``None``: the program chooses."""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any, index: int = 0) -> MomentRecord:
        """Validate one entry of ``moments`` (``index`` is its place, for the message).

        Raises:
            RecordError: a missing key or a value of the wrong type or range (the message names ``moments[i].key``).
        """
        _check(isinstance(data, Mapping), f"moments[{index}] must be an object")
        for key in _REQUIRED_MOMENT_KEYS:
            _check(key in data, f"missing key 'moments[{index}].{key}'")
        mid = data["id"]
        _check(isinstance(mid, str) and bool(mid), f"moments[{index}].id must be a unique non-empty string")
        _check(MOMENT_ID.fullmatch(mid) is not None,
               f"moments[{index}].id must be letters, digits, '-' or '_' (at most 64), got {mid!r}")  # fmt: skip
        where = f"moments[{index}] ({mid})"
        _check(data["status"] in STATUSES, f"moments[{index}].status must be one of {', '.join(STATUSES)}, got {data['status']!r}")
        start_s, end_s = data["start_s"], data["end_s"]
        _check(_number(start_s) and _number(end_s), f"{where}: start_s and end_s must be numbers")
        _check(0 <= start_s < end_s, f"{where}: needs 0 <= start_s < end_s, got {start_s}..{end_s}")
        _check(isinstance(data["rank"], int) and not isinstance(data["rank"], bool), f"{where}: rank must be a whole number, "
                                                                                       f"got {data['rank']!r}")  # fmt: skip
        _check(_number(data["score"]), f"{where}: score must be a number, got {data['score']!r}")
        reasons = data["reasons"]
        _check(isinstance(reasons, list) and all(isinstance(r, str) for r in reasons),
               f"{where}: reasons must be a list of sentences, got {reasons!r}")  # fmt: skip
        scores = data.get("scores") or {}
        _check(isinstance(scores, Mapping) and all(_number(v) for v in scores.values()),
               f"{where}: scores must map principles to numbers, got {scores!r}")  # fmt: skip
        tags = data.get("tags") or []
        _check(isinstance(tags, list) and all(t in PRINCIPLES for t in tags),
               f"{where}: tags must be a list of the principles {', '.join(PRINCIPLES)}, got {tags!r}")  # fmt: skip
        note = data.get("note") or ""
        _check(isinstance(note, str) and len(note) <= MAX_NOTE_CHARS,
               f"{where}: note must be text of at most {MAX_NOTE_CHARS} characters")  # fmt: skip
        details = data.get("details") or {}
        _check(isinstance(details, Mapping), f"{where}: details must be an object")
        text = lambda v: isinstance(v, str)  # noqa: E731
        return cls(
            id=mid, rank=data["rank"], start_s=start_s, end_s=end_s, score=data["score"], reasons=tuple(reasons),
            status=data["status"], scores=dict(scores),
            still=_optional(data, "still", text, "a path in the folder", where),
            preview=_optional(data, "preview", text, "a path in the folder", where),
            details=dict(details), tags=tuple(tags), note=note,
            original_start_s=_optional(data, "original_start_s", _number, "a number of seconds", where),
            original_end_s=_optional(data, "original_end_s", _number, "a number of seconds", where),
            added_by=_optional(data, "added_by", text, "text", where),
            decided_utc=_optional(data, "decided_utc", text, "a time", where),
            still_t_s=_optional(data, "still_t_s", lambda v: _number(v) and v >= 0, "a number of seconds", where),
            raw=dict(data),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The entry of ``moments``: the object read, with what changed written over it."""
        return _to_json(self, _OPTIONAL_MOMENT_FIELDS)

    @property
    def program_start_s(self) -> float:
        """Where the program's moment starts (before any trim)."""
        return self.start_s if self.original_start_s is None else self.original_start_s

    @property
    def program_end_s(self) -> float:
        """Where the program's moment ends (before any trim)."""
        return self.end_s if self.original_end_s is None else self.original_end_s

    @property
    def added_by_guider(self) -> bool:
        return self.added_by == "guider"

    @property
    def holds_guider_work(self) -> bool:
        """A decision, a trim, a tag, a note, a chosen still, or a moment the guider added: anything a re-analysis would
        throw away."""
        return (self.status != "candidate" or bool(self.tags) or bool(self.note) or self.original_start_s is not None
                or self.added_by_guider or self.still_t_s is not None)  # fmt: skip

    @property
    def chosen_still_t_s(self) -> float | None:
        """The guider's frame for the sheet when it lies inside the (possibly trimmed) moment, else ``None``."""
        t = self.still_t_s
        return t if t is not None and self.start_s <= t <= self.end_s else None

    def to_moment(self, *, original_bounds: bool = False) -> Moment:
        """As a :class:`vigclips.types.Moment` (``original_bounds``: the program's bounds before any trim)."""
        start_s, end_s = (self.program_start_s, self.program_end_s) if original_bounds else (self.start_s, self.end_s)
        return Moment(id=self.id, rank=int(self.rank), start_s=float(start_s), end_s=float(end_s), score=float(self.score),
                      reasons=self.reasons, scores=dict(self.scores), details=dict(self.details))  # fmt: skip


_OPTIONAL_MOMENT_FIELDS = frozenset({"scores", "still", "preview", "details", "tags", "note", "original_start_s",
                                     "original_end_s", "added_by", "decided_utc", "still_t_s"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Decision:
    """A guider's change to one moment: any of its status, bounds, ticked principles and note (``None``: unchanged).

    What the review page sends and what an ELAN session brings back; nothing else of a moment can be changed this way, so
    a page cannot rewrite scores or reasons.
    """

    status: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    tags: tuple[str, ...] | None = None
    note: str | None = None
    still_t_s: float | None = None
    """The frame for the parent's sheet; ``-1`` in a request (:data:`PROGRAM_STILL`) gives the choice back to the program."""

    @classmethod
    def from_json(cls, changes: Any) -> Decision:
        """Validate a request's changes (``{"status": "confirmed", "end_s": 12.4, ...}``).

        Raises:
            RecordError: an unknown key, no change at all, or an invalid value (the message says which and why).
        """
        _check(isinstance(changes, Mapping), "a decision must be an object")
        editable = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(changes) - set(editable))
        _check(not unknown, f"cannot change {', '.join(unknown)} (a decision may change {', '.join(editable)})")
        _check(bool(changes), "the decision changes nothing")
        status = changes.get("status")
        _check("status" not in changes or status in STATUSES, f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        bounds = {k: _seconds(k, changes[k]) for k in ("start_s", "end_s") if k in changes}
        still_t_s = changes.get("still_t_s")
        if "still_t_s" in changes:
            still_t_s = PROGRAM_STILL if still_t_s is None else _seconds("still_t_s", still_t_s)
            _check(still_t_s == PROGRAM_STILL or still_t_s >= 0, f"still_t_s must be a time in the moment, got {still_t_s}")
        tags = changes.get("tags")
        if "tags" in changes:
            _check(isinstance(tags, (list, tuple)), f"tags must be a list of principles ({', '.join(PRINCIPLES)}), got {tags!r}")
            for tag in tags:
                _check(tag in PRINCIPLES, f"unknown tag {tag!r} (tags are the principles {', '.join(PRINCIPLES)})")
            tags = tuple(p for p in PRINCIPLES if p in tags)  # canonical order, no duplicates
        note = changes.get("note")
        if "note" in changes:
            _check(isinstance(note, str), f"note must be text, got {type(note).__name__}")
            _check(len(note) <= MAX_NOTE_CHARS, f"note is {len(note)} characters; keep it under {MAX_NOTE_CHARS}")
            _check(unicode_ok(note), "note holds a broken character (an unpaired surrogate such as \\ud800); type it again")
            note = note.strip()
        return cls(status=status, start_s=bounds.get("start_s"), end_s=bounds.get("end_s"), tags=tags, note=note,
                   still_t_s=still_t_s)

    def to_json(self) -> dict[str, Any]:
        """The changes, without those left as they are."""
        return {f.name: _json_value(getattr(self, f.name)) for f in dataclasses.fields(self) if getattr(self, f.name) is not None}





PROGRAM_STILL = -1.0
"""``Decision.still_t_s`` of a request that sends ``"still_t_s": null``: forget the guider's frame, the program chooses."""


def _seconds(name: str, value: Any) -> float:
    _check(_number(value), f"{name} must be a number of seconds, got {value!r}")
    return round(float(value), 3)
