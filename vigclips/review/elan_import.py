"""Bring a trainer's corrections in ELAN back into ``moments.json`` (issue 13).

The ``.eaf`` written after review has a ``guider decisions`` tier ("confirmed m01", "rejected m02") and, depending on it,
a ``guider tags`` tier (principles, comma separated) and a ``guider notes`` tier. A trainer may move an annotation's bounds
(a trim), change its status word, retag, rewrite a note, or draw a new annotation on the decisions tier ("confirmed", with
no id, or any id the file does not know): a moment the program missed. A tag or note belongs to the decision annotation it
refers to (ELAN's ``Symbolic_Association``: never matched by time, so overlapping moments keep their own; issue 24). Files
written before that kept tags and notes on tiers of their own; there they belong to the decision whose span holds their
midpoint. A decision deleted in ELAN is left as it is in ``moments.json`` (an absent annotation cannot say whether it was
meant).

The file records the ``moments.json`` revision it was written from; a file from another revision (the decisions moved on
since: the review page, ``rank``, an earlier import) is refused unless forced, so an old file cannot silently undo them.

The file is read with pympi-ling, ELAN's reference reader in Python; the changes go through the same validated decision
functions as the review page (:mod:`vigclips.results.decisions`), under its lock and revision check, so nothing an ELAN
session says can write an invalid ``moments.json``. Decisions then count for ``vigclips learn`` like any other; a moment added
in ELAN gets its per-principle scores from the saved signals (``analysis.npz``), so it is training data too.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pympi.Elan import Eaf

from vigclips.config import PipelineConfig
from vigclips.errors import ReviewFileError
from vigclips.report.elan import REVIEW_TIERS, REVISION_PROPERTY, review_spans
from vigclips.rerank import window_principle_scores
from vigclips.results.decisions import DecisionStore, add_moment, apply_decision
from vigclips.results.layout import ANALYSIS_FILE, eaf_file
from vigclips.results.moments import PRINCIPLES, moment_records
from vigclips.results.records import STATUSES
from vigclips.results.saved import load_saved
from vigclips.safetext import xml_text

log = logging.getLogger("vigclips")

_SAME_S = 0.0015
"""Bounds closer than this are unchanged (ELAN stores milliseconds; moments.json keeps three decimals)."""


@dataclass(frozen=True, slots=True)
class ElanDecision:
    """One annotation of the ``guider decisions`` tier with the tags and note that belong to it."""

    moment_id: str | None
    status: str
    start_s: float
    end_s: float
    tags: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class ElanReview:
    """What an ``.eaf`` says about the guider's work: its decisions and the ``moments.json`` revision it was written from."""

    decisions: list[ElanDecision]
    revision: int | None
    """``None``: the file does not say (written by an older vigclips, or by hand)."""


def read_elan(path: Path) -> ElanReview:
    """The guider's tiers of an ``.eaf``, in time order, and the revision the file was written from.

    Raises:
        ReviewFileError: not an EAF file pympi can read, no ``guider decisions`` tier, a value that is not
            "<status> [<id>]" (the message names the annotation's time), a time slot without a time or an unknown one,
            a tag or note tied to no decision, or two annotations for one moment.

    Example:
        >>> read_elan(Path("out/play/play.eaf")).decisions[0]  # doctest: +SKIP
        ElanDecision(moment_id='m01', status='confirmed', start_s=6.2, end_s=11.0, tags=('receiving',), note='')
    """
    path = Path(path)
    try:
        eaf = Eaf(str(path))
    except FileNotFoundError:
        raise ReviewFileError(path, "not found") from None
    except Exception as exc:  # pympi raises bare parser and key errors for a damaged file
        raise ReviewFileError(path, f"not an ELAN file pympi-ling can read ({exc.__class__.__name__})") from None
    decisions_tier, tags_tier, notes_tier = REVIEW_TIERS
    if decisions_tier not in eaf.tiers:
        raise ReviewFileError(path, f"has no {decisions_tier!r} tier (it is written by `vigclips export` after review)")
    decisions = _aligned(path, eaf, decisions_tier)
    tags = _attached(path, eaf, tags_tier, decisions)
    notes = _attached(path, eaf, notes_tier, decisions)
    out: list[ElanDecision] = []
    seen: dict[str, float] = {}
    for annotation_id, (start_s, end_s, value) in sorted(decisions.items(), key=lambda item: item[1]):
        words = value.split()
        if not words or words[0].lower() not in STATUSES or len(words) > 2:
            raise ReviewFileError(path, f"annotation at {start_s:.3f} s on {decisions_tier!r} says {value!r}; expected "
                                        f"'<status> [<id>]' with a status among {', '.join(STATUSES)}")  # fmt: skip
        moment_id = words[1] if len(words) == 2 else None
        if moment_id is not None and moment_id in seen:  # which one is meant cannot be told: neither wins silently
            raise ReviewFileError(path, f"moment {moment_id} has more than one annotation on {decisions_tier!r} (at "
                                        f"{seen[moment_id]:.3f} s and {start_s:.3f} s); delete all but one in ELAN")  # fmt: skip
        if moment_id is not None:
            seen[moment_id] = start_s
        tag_words = [w.strip().lower() for text in tags.get(annotation_id, []) for w in text.replace(";", ",").split(",")
                     if w.strip()]  # fmt: skip
        unknown = [w for w in tag_words if w not in PRINCIPLES]
        if unknown:
            raise ReviewFileError(path, f"tag {unknown[0]!r} at {start_s:.3f} s is not one of the principles "
                                        f"{', '.join(PRINCIPLES)}")  # fmt: skip
        out.append(ElanDecision(moment_id=moment_id, status=words[0].lower(), start_s=start_s, end_s=end_s,
                                tags=tuple(dict.fromkeys(tag_words)), note="\n".join(notes.get(annotation_id, []))))  # fmt: skip
    return ElanReview(out, _revision(path, eaf))


def read_elan_decisions(path: Path) -> list[ElanDecision]:
    """The guider's decisions of an ``.eaf`` (:func:`read_elan` without the revision)."""
    return read_elan(path).decisions


def _aligned(path: Path, eaf: Eaf, tier: str) -> dict[str, tuple[float, float, str]]:
    """``{annotation id: (start_s, end_s, value)}`` of a time-aligned tier, every time slot checked."""
    aligned, refs, *_ = eaf.tiers[tier]
    if refs:
        raise ReviewFileError(path, f"tier {tier!r} refers to another tier's annotations; it must have times of its own")
    out: dict[str, tuple[float, float, str]] = {}
    for annotation_id, (slot1, slot2, value, _svg) in aligned.items():
        times = []
        for slot in (slot1, slot2):
            if slot not in eaf.timeslots:
                raise ReviewFileError(path, f"annotation {annotation_id} on {tier!r} names an unknown time slot {slot!r}")
            if eaf.timeslots[slot] is None:
                raise ReviewFileError(path, f"time slot {slot!r} of annotation {annotation_id} on {tier!r} has no time; "
                                            "align it in ELAN")  # fmt: skip
            times.append(eaf.timeslots[slot] / 1000)
        out[annotation_id] = (times[0], times[1], str(value or "").strip())
    return out


def _attached(path: Path, eaf: Eaf, tier: str, decisions: dict[str, tuple[float, float, str]]) -> dict[str, list[str]]:
    """``{decision annotation id: [texts]}`` of the tags or notes tier (non-empty texts only)."""
    if tier not in eaf.tiers:
        return {}
    out: dict[str, list[str]] = {}
    _, refs, *_ = eaf.tiers[tier]
    for annotation_id, (parent, value, _previous, _svg) in refs.items():
        if parent not in decisions:
            raise ReviewFileError(path, f"annotation {annotation_id} on {tier!r} refers to {parent!r}, which is no "
                                        f"annotation of {REVIEW_TIERS[0]!r}")  # fmt: skip
        if parent in out:
            raise ReviewFileError(path, f"{tier!r} has two annotations for the decision at {decisions[parent][0]:.3f} s; "
                                        "keep one")  # fmt: skip
        out[parent] = [str(value)] if value and str(value).strip() else []
    if eaf.tiers[tier][0]:  # written before tags and notes were tied to their decisions: matched by time, as then
        log.warning("%s: %r is not tied to %r (written by an older vigclips); its annotations go to the decision with "
                    "the same span, else the one that holds their midpoint", path.name, tier, REVIEW_TIERS[0])  # fmt: skip
        for start_s, end_s, value in _aligned(path, eaf, tier).values():
            middle_s = (start_s + end_s) / 2
            holder = [k for k, (a, b, _) in decisions.items() if (a, b) == (start_s, end_s)]
            holder = holder or [k for k, (a, b, _) in decisions.items() if a <= middle_s < b]
            if holder and value:
                out.setdefault(holder[0], []).append(value)
    return out


def _revision(path: Path, eaf: Eaf) -> int | None:
    values = [value for name, value in eaf.properties if name == REVISION_PROPERTY]
    if not values:
        return None
    try:
        return int(str(values[-1]).strip())
    except ValueError:
        raise ReviewFileError(path, f"property {REVISION_PROPERTY} says {values[-1]!r}, not a revision number") from None


def apply_elan_decisions(
    document: dict[str, Any], decisions: list[ElanDecision], scores_for: Callable[[float, float], dict[str, float]] | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """A copy of ``document`` with the ELAN decisions applied (pure; see :mod:`vigclips.results.decisions`).

    ``scores_for(start_s, end_s)`` gives an added moment its per-principle scores, so ``vigclips learn`` can learn from a
    moment the program missed (without it, added moments have none and ``learn`` passes them over).

    Returns:
        ``(new document, counts)`` with counts ``{"changed": …, "added": …, "unchanged": …}``.

    Raises:
        DecisionError: a decision the review page would refuse too (bounds outside the recording, too short…).
    """
    counts = {"changed": 0, "added": 0, "unchanged": 0}
    # ELAN allows no overlap on a tier, so the writer clipped a decision that overlaps an earlier one: those clipped bounds,
    # read back unchanged, are no trim.
    as_written = {r.value.split()[-1]: (r.start_s, r.end_s) for r in review_spans(document["moments"])}
    for d in decisions:
        known = {m.id: m for m in moment_records(document)}
        moment = known.get(d.moment_id) if d.moment_id else None
        if moment is None:
            document, added_id = add_moment(document, d.start_s, d.end_s, status=d.status, tags=list(d.tags), note=d.note)
            if scores_for is not None:
                next(m for m in document["moments"] if m["id"] == added_id)["scores"] = scores_for(d.start_s, d.end_s)
            counts["added"] += 1
            continue
        changes: dict[str, Any] = {}
        if d.status != moment.status:
            changes["status"] = d.status
        written_s = as_written.get(moment.id, (float(moment.start_s), float(moment.end_s)))
        if abs(d.start_s - written_s[0]) > _SAME_S or abs(d.end_s - written_s[1]) > _SAME_S:
            changes["start_s"], changes["end_s"] = d.start_s, d.end_s
        if tuple(d.tags) != moment.tags:
            changes["tags"] = list(d.tags)
        if d.note.strip() != xml_text(moment.note).strip():  # as written: what XML cannot hold is no edit
            changes["note"] = d.note
        if changes:
            document = apply_decision(document, moment.id, changes)
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
    return document, counts


def import_elan(folder: Path, eaf_path: Path | None = None, cfg: PipelineConfig = PipelineConfig(), *,
                force: bool = False) -> dict[str, int]:  # fmt: skip
    """What ``vigclips import-elan OUT/<name> [FILE.eaf]`` does: apply the ``.eaf``'s guider tiers to ``moments.json``.

    Args:
        folder: the output folder.
        eaf_path: the ``.eaf`` (default ``<folder>/<recording stem>.eaf``).
        cfg: the settings an added moment's per-principle scores are computed with (the current ones, as ``rank``).
        force: import a file written from another ``moments.json`` revision than the current one (or one that does not
            say): its decisions then win over the newer ones.

    Returns:
        The counts of :func:`apply_elan_decisions`.

    Raises:
        ReviewFileError: unreadable file or value, or a file from another revision (without ``force``).
        DecisionError: a refused decision (nothing is written then).

    Example:
        >>> import_elan(Path("out/play"))  # doctest: +SKIP
        {'changed': 2, 'added': 1, 'unchanged': 3}
    """
    store = DecisionStore(Path(folder))
    document = store.read()
    path = Path(eaf_path) if eaf_path else Path(folder) / eaf_file(Path(document["source"]["file_name"]).stem)
    review = read_elan(path)
    counts: dict[str, int] = {}
    scores_for = None
    if (Path(folder) / ANALYSIS_FILE).is_file():
        analysis = load_saved(Path(folder), document)
        scores_for = functools.partial(window_principle_scores, analysis, cfg)

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        new, found = apply_elan_decisions(doc, review.decisions, scores_for)
        counts.update(found)
        return new

    if not force:  # store.update below refuses a moments.json that moves on in between
        check_eaf_revision(path, review.revision, int(document.get("revision", 0)))
    if review.decisions:
        store.update(document.get("revision", 0), change)
    log.info("%s: %s", path.name, counts)
    return counts or {"changed": 0, "added": 0, "unchanged": 0}


def check_eaf_revision(path: Path, eaf_revision: int | None, current: int) -> None:
    """Refuse an ``.eaf`` written from another ``moments.json`` revision than ``current``: importing it would undo the
    decisions made since (its unchanged annotations say the old state).

    Raises:
        ReviewFileError: the revisions differ, or the file does not say its revision.
    """
    if eaf_revision is None:
        raise ReviewFileError(path, "does not say which moments.json revision it was written from (an older vigclips wrote "
                                    "it), so it could undo newer decisions; run `vigclips export` to write a current .eaf, "
                                    "or pass --force to import this one anyway")  # fmt: skip
    if eaf_revision != current:
        raise ReviewFileError(path, f"was written from moments.json revision {eaf_revision}, which is at revision {current} "
                                    "now (decisions changed since: on the review page, by rank or an earlier import-elan); "
                                    "importing it would undo them: run `vigclips export` to write a current .eaf and redo "
                                    "the edits there, or pass --force to import this one anyway")  # fmt: skip
