"""``<stem>.eaf``: an ELAN annotation file with what vigclips saw, tier by tier (issue 5).

Written with :mod:`xml.etree.ElementTree` (no extra dependency; pympi-ling reads it back). EAF 3.0: times in
milliseconds, one time slot per annotation boundary, one ``default-lt`` time-alignable linguistic type. ELAN forbids
overlapping annotations on one tier, so each cue family that can overlap gets its own tier per partner.

Tiers (empty tiers are still written, so a trainer always finds the same layout):
``baby face``, ``parent face``, ``baby looks at parent``, ``parent looks at baby``, ``mutual gaze``, ``baby smile``,
``parent smile``, ``shared smile``, ``parent voice``, ``baby voice``, ``baby cry``, ``turns started by baby``,
``turns started by parent``, ``candidates``; a tier about one partner names them as its ``PARTICIPANT`` (``baby`` or
``parent``). When the file is rewritten after review (``vigclips export``, ``vigclips rank``), three more tiers carry the
guider's work (``ANNOTATOR="guider"``): ``guider decisions`` ("confirmed m01", "rejected m02"; a moment's current, possibly
trimmed bounds), and its two dependent tiers ``guider tags`` (the principles, comma separated) and ``guider notes``. Those
two are ELAN ``Symbolic_Association`` tiers: each tag or note annotation is a ``REF_ANNOTATION`` naming the decision
annotation it belongs to, so it stays with its moment whatever the times (issue 24: matched by time, a tag drifted onto an
overlapping moment). The ``HEADER`` then also has the ``PROPERTY`` :data:`REVISION_PROPERTY`: the ``moments.json`` revision
the file was written from, so an older file cannot silently undo newer decisions. A trainer can correct the guider's tiers
in ELAN and bring them back with ``vigclips import-elan`` (:mod:`vigclips.review.elan_import`).

Every text written goes through :func:`vigclips.safetext.xml_text` (XML 1.0 cannot hold most control characters; a vertical tab pasted from a
word processor would make a file ELAN refuses).

The media link is both an absolute ``file://`` ``MEDIA_URL`` and a ``RELATIVE_MEDIA_URL`` from the ``.eaf``'s own folder,
so ELAN finds the recording from any working directory, and again after the recording and its results move together.
"""

from __future__ import annotations

import datetime as _dt
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import NamedTuple
from pathlib import Path

import numpy as np

from vigclips import intervals as iv
from vigclips.fileio import atomic_write_text
from vigclips.safetext import xml_text
from vigclips.scoring.cues import Cues
from vigclips.scoring.principles import compute_cues
from vigclips.scoring.settings import ScoringConfig
from vigclips.types import Moment, Signals, VocalSegment

TIERS: tuple[str, ...] = (
    "baby face",
    "parent face",
    "baby looks at parent",
    "parent looks at baby",
    "mutual gaze",
    "baby smile",
    "parent smile",
    "shared smile",
    "parent voice",
    "baby voice",
    "baby cry",
    "turns started by baby",
    "turns started by parent",
    "candidates",
)
"""Tier ids, in the order they are written."""

REVIEW_TIERS: tuple[str, ...] = ("guider decisions", "guider tags", "guider notes")
"""Tiers of the guider's decisions, tags and notes, written after review (tags and notes depend on the decisions)."""

ASSOCIATION_TYPE = "guider-association"
"""Linguistic type of the tags and notes tiers: ``Symbolic_Association``, one annotation tied to one decision."""

REVISION_PROPERTY = "vigclips_moments_revision"
"""``HEADER`` ``PROPERTY`` naming the ``moments.json`` revision the guider's tiers were written from."""

TIER_PARTICIPANT = {name: who for name in TIERS for who in ("baby", "parent")
                    if name.startswith(who) or name.endswith(f"by {who}")}  # fmt: skip
"""The partner a tier is about (ELAN's ``PARTICIPANT``); shared tiers (mutual gaze, shared smile, candidates) have none."""

_MIME = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".mpg": "video/mpeg",
         ".mpeg": "video/mpeg", ".wav": "audio/x-wav", ".avi": "video/x-msvideo"}

Span = tuple[float, float, str]

class ReviewSpan(NamedTuple):
    """One annotation of the ``guider decisions`` tier as written, with the tags and note tied to it."""

    start_s: float
    end_s: float
    value: str
    tags: str
    note: str


def _mask_spans(mask: np.ndarray, t_s: np.ndarray, tick_s: float, label: str) -> list[Span]:
    out: list[Span] = []
    n = t_s.shape[0]
    for s, e in iv.mask_to_intervals(mask).tolist():
        end = t_s[e] if e < n else t_s[-1] + tick_s
        out.append((float(t_s[s]), float(end), label))
    return out


def _non_overlapping(spans: list[Span]) -> list[Span]:
    """Sort and clip so no annotation starts before the previous one ends (ELAN's rule for a tier)."""
    out: list[Span] = []
    last_end = -1.0
    for s, e, v in sorted(spans):
        s = max(s, last_end)
        if e - s >= 0.001:
            out.append((s, e, v))
            last_end = e
    return out


def tier_spans(
    signals: Signals,
    moments: Sequence[Moment],
    segments: Sequence[VocalSegment] | None,
    turns: object | None,
    cfg: ScoringConfig,
) -> dict[str, list[Span]]:
    """The annotations of each tier as ``(start_s, end_s, value)``; voices come from ``segments`` when given."""
    cues: Cues = compute_cues(signals, cfg, turns)
    t = np.asarray(signals.t_s, dtype=np.float64)
    tick = cues.tick_s
    out: dict[str, list[Span]] = {name: [] for name in TIERS}
    if len(signals):
        if "faces" in cues.measured:
            out["baby face"] = _mask_spans(cues.infant_seen, t, tick, "seen")
            out["parent face"] = _mask_spans(cues.adult_seen, t, tick, "seen")
        out["baby looks at parent"] = _mask_spans(cues.infant_look, t, tick, "looks")
        out["parent looks at baby"] = _mask_spans(cues.adult_look, t, tick, "looks")
        out["mutual gaze"] = _mask_spans(cues.mutual, t, tick, "mutual gaze")
        out["baby smile"] = _mask_spans(cues.infant_smile, t, tick, "smile")
        out["parent smile"] = _mask_spans(cues.adult_smile, t, tick, "smile")
        out["shared smile"] = _mask_spans(cues.shared_smile, t, tick, "shared smile")
        if segments is None:
            out["parent voice"] = _mask_spans(cues.adult_voice, t, tick, "ADULT")
            out["baby voice"] = _mask_spans(cues.infant_voice, t, tick, "INFANT")
            out["baby cry"] = _mask_spans(cues.cry, t, tick, "CRY")
    if segments is not None:
        tier_of = {"ADULT": "parent voice", "INFANT": "baby voice", "LAUGH": "baby voice", "CRY": "baby cry"}
        for seg in segments:
            name = tier_of.get(str(seg.label).upper())
            if name:
                out[name].append((float(seg.start_s), float(seg.end_s), str(seg.label).upper()))
    for tr in cues.turns:
        who = "baby" if tr.initiator == "INFANT" else "parent"
        other = "parent" if who == "baby" else "baby"
        value = f"{who} → {other}, reply after {tr.latency_s:.1f} s" + (", a prompt answer" if tr.contingent else "")
        out[f"turns started by {who}"].append((tr.initiative_start_s, tr.response_end_s, value))
    for m in moments:
        reasons = "; ".join(m.reasons)
        out["candidates"].append((m.start_s, m.end_s, f"#{m.rank} {m.id} (score {m.score:.2f}): {reasons}"))
    return {k: _non_overlapping(v) for k, v in out.items()}


def review_spans(records: Sequence[dict]) -> list[ReviewSpan]:
    """The guider's annotations from ``moments.json`` records: a decided or added moment's status and id, tags and note.

    The decisions tier may not overlap (ELAN's rule), so its spans are clipped: the moments in use as
    :func:`_non_overlapping` does, then each rejected one to the longest part of it they leave free (a moment the guider
    added over a rejected one stays in view). A moment with nothing left is left out, with its tags and note (they are
    tied to their decision, never moved).

    Example:
        >>> review_spans([{"id": "m01", "status": "confirmed", "start_s": 6.0, "end_s": 9.5, "tags": ["receiving"]}])
        [ReviewSpan(start_s=6.0, end_s=9.5, value='confirmed m01', tags='receiving', note='')]
    """
    spans: list[Span] = []
    attached: dict[str, tuple[str, str]] = {}
    for r in records:
        if r.get("status") == "candidate" and not r.get("tags") and not r.get("note") and r.get("added_by") != "guider":
            continue
        value = f"{r['status']} {r['id']}"
        spans.append((float(r["start_s"]), float(r["end_s"]), value))
        attached[value] = (", ".join(r.get("tags") or ()), xml_text(str(r.get("note") or "")))
    placed = _non_overlapping([span for span in spans if not span[2].startswith("rejected ")])
    for span in sorted(span for span in spans if span[2].startswith("rejected ")):
        piece = _longest_free_part(span, placed)
        if piece is not None:
            placed.append(piece)
    return [ReviewSpan(s, e, v, *attached[v]) for s, e, v in sorted(placed)]


def _longest_free_part(span: Span, placed: list[Span]) -> Span | None:
    """The longest part of ``span`` no ``placed`` span covers, or ``None`` when less than a millisecond is free."""
    start_s, end_s, value = span
    best: tuple[float, float] | None = None
    cursor_s = start_s
    for a, b, _ in [*sorted(placed), (end_s, end_s, "")]:  # the sentinel closes the last gap
        if b <= cursor_s:
            continue
        gap_end_s = min(a, end_s)
        if gap_end_s - cursor_s >= 0.001 and (best is None or gap_end_s - cursor_s > best[1] - best[0]):
            best = (cursor_s, gap_end_s)
        if a >= end_s:
            break
        cursor_s = max(cursor_s, b)
    return None if best is None else (best[0], best[1], value)


def media_urls(media: str | os.PathLike[str], eaf_dir: str | os.PathLike[str] | None) -> tuple[str, str | None]:
    """``(MEDIA_URL, RELATIVE_MEDIA_URL)`` of a recording: an absolute ``file://`` URL and the path from ``eaf_dir``.

    A bare file name stays as it is (it is taken to sit beside the ``.eaf``). The relative link is ``None`` when there is
    none (a recording on another Windows drive).

    Example:
        >>> media_urls("/data/rec/play.mp4", "/data/out/play")
        ('file:///data/rec/play.mp4', '../../rec/play.mp4')
    """
    path = Path(media)
    if not path.is_absolute():
        return path.name, f"./{path.name}"
    if eaf_dir is None:
        return path.as_uri(), f"./{path.name}"
    try:
        relative = Path(os.path.relpath(path, Path(eaf_dir).absolute())).as_posix()
    except ValueError:  # another drive: only the absolute link can reach it
        return path.as_uri(), None
    return path.as_uri(), relative if relative.startswith("../") else f"./{relative}"


def render_eaf(
    signals: Signals,
    moments: Sequence[Moment],
    segments: Sequence[VocalSegment] | None,
    turns: object | None,
    media_file_name: str | os.PathLike[str],
    cfg: ScoringConfig,
    *,
    eaf_dir: str | os.PathLike[str] | None = None,
    review: Sequence[dict] | None = None,
    revision: int | None = None,
) -> str:
    """The EAF XML text (see :func:`write_eaf`)."""
    root = ET.Element(
        "ANNOTATION_DOCUMENT",
        {
            "AUTHOR": "vigclips",
            "DATE": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
            "FORMAT": "3.0",
            "VERSION": "3.0",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd",
        },
    )
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    media = Path(media_file_name)
    url, relative = media_urls(media, eaf_dir)
    descriptor = {"MEDIA_URL": xml_text(url), "MIME_TYPE": _MIME.get(media.suffix.lower(), "video/*")}
    if relative is not None:
        descriptor["RELATIVE_MEDIA_URL"] = xml_text(relative)
    ET.SubElement(header, "MEDIA_DESCRIPTOR", descriptor)
    spans = tier_spans(signals, moments, segments, turns, cfg)
    names = TIERS
    guider = review_spans(review) if review is not None else []
    if review is not None:
        spans[REVIEW_TIERS[0]] = [(r.start_s, r.end_s, r.value) for r in guider]
        names = TIERS + REVIEW_TIERS[:1]
    # The tags and notes tiers hold one annotation per decision that has any, pointing at it (no time slots of their own).
    attached = {name: [(k, text) for k, r in enumerate(guider) if (text := r.tags if name == REVIEW_TIERS[1] else r.note)]
                for name in REVIEW_TIERS[1:]} if review is not None else {}  # fmt: skip
    # One pair of time slots per annotation, numbered in time order.
    slots: list[tuple[int, int]] = []  # (ms, slot index)
    ann: dict[str, list[tuple[int, int, str]]] = {}
    for name in names:
        rows = []
        for s, e, v in spans[name]:
            s_ms, e_ms = round(s * 1000), round(e * 1000)
            e_ms = max(e_ms, s_ms + 1)
            rows.append((len(slots), len(slots) + 1, v))
            slots += [(s_ms, len(slots)), (e_ms, len(slots) + 1)]
        ann[name] = rows
    order = sorted(range(len(slots)), key=lambda k: (slots[k][0], k))
    slot_id = {k: f"ts{rank + 1}" for rank, k in enumerate(order)}
    used_ids = sum(len(r) for r in ann.values()) + sum(len(r) for r in attached.values())
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(used_ids)
    if review is not None:
        ET.SubElement(header, "PROPERTY", {"NAME": REVISION_PROPERTY}).text = str(int(revision or 0))
    time_order = ET.SubElement(root, "TIME_ORDER")
    for k in order:
        ET.SubElement(time_order, "TIME_SLOT", {"TIME_SLOT_ID": slot_id[k], "TIME_VALUE": str(slots[k][0])})
    aid = 0
    decision_ids: list[str] = []  # annotation id of each guider decision, in the order of review_spans
    for name in names:
        attributes = {"LINGUISTIC_TYPE_REF": "default-lt", "TIER_ID": name}
        if name in TIER_PARTICIPANT:
            attributes["PARTICIPANT"] = TIER_PARTICIPANT[name]
        if name in REVIEW_TIERS:
            attributes["ANNOTATOR"] = "guider"
        tier = ET.SubElement(root, "TIER", attributes)
        for a, b, value in ann[name]:
            aid += 1
            wrap = ET.SubElement(tier, "ANNOTATION")
            al = ET.SubElement(
                wrap,
                "ALIGNABLE_ANNOTATION",
                {"ANNOTATION_ID": f"a{aid}", "TIME_SLOT_REF1": slot_id[a], "TIME_SLOT_REF2": slot_id[b]},
            )
            ET.SubElement(al, "ANNOTATION_VALUE").text = xml_text(value)
            if name == REVIEW_TIERS[0]:
                decision_ids.append(f"a{aid}")
    for name, rows in attached.items():
        tier = ET.SubElement(root, "TIER", {"LINGUISTIC_TYPE_REF": ASSOCIATION_TYPE, "PARENT_REF": REVIEW_TIERS[0],
                                            "TIER_ID": name, "ANNOTATOR": "guider"})  # fmt: skip
        for k, value in rows:
            aid += 1
            ref = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "REF_ANNOTATION",
                                {"ANNOTATION_ID": f"a{aid}", "ANNOTATION_REF": decision_ids[k]})  # fmt: skip
            ET.SubElement(ref, "ANNOTATION_VALUE").text = value
    ET.SubElement(
        root, "LINGUISTIC_TYPE", {"GRAPHIC_REFERENCES": "false", "LINGUISTIC_TYPE_ID": "default-lt", "TIME_ALIGNABLE": "true"}
    )
    if review is not None:
        ET.SubElement(root, "LINGUISTIC_TYPE", {"CONSTRAINTS": "Symbolic_Association", "GRAPHIC_REFERENCES": "false",
                                                "LINGUISTIC_TYPE_ID": ASSOCIATION_TYPE, "TIME_ALIGNABLE": "false"})  # fmt: skip
    for stereo, desc in (
        ("Time_Subdivision", "Time subdivision of parent annotation's time interval, no time gaps allowed within this interval"),
        ("Symbolic_Subdivision",
         "Symbolic subdivision of a parent annotation. Annotations refering to the same parent are ordered"),
        ("Symbolic_Association", "1-1 association with a parent annotation"),
        ("Included_In", "Time alignable annotations within the parent annotation's time interval, gaps are allowed"),
    ):
        ET.SubElement(root, "CONSTRAINT", {"DESCRIPTION": desc, "STEREOTYPE": stereo})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_eaf(
    signals: Signals,
    moments: Sequence[Moment],
    segments: Sequence[VocalSegment] | None,
    turns: object | None,
    path: Path,
    media_file_name: str | os.PathLike[str],
    cfg: ScoringConfig,
    *,
    review: Sequence[dict] | None = None,
    revision: int | None = None,
) -> Path:
    """Write an ELAN ``.eaf`` with tiers for faces, gaze, mutual gaze, smiles, voices, turns and candidates.

    Args:
        signals: the recording's per-tick channels (binarised with the scoring thresholds, so the tiers show what
            the ranking saw).
        moments: the ranked candidates (tier ``candidates``, value "#rank id (score): reasons").
        segments: voice-type segments (``ADULT``/``INFANT``/``CRY``) from the audio stage, or ``None`` to derive the
            voice tiers from the voice channels.
        turns: turns from the audio stage (duck-typed, see :func:`vigclips.scoring.find_moments`) or ``None``.
        path: where to write, e.g. ``OUT/<stem>.eaf``.
        media_file_name: the recording's absolute path (linked as a ``file://`` URL and relative to the ``.eaf``'s
            folder), or a bare file name taken to sit beside the ``.eaf``.
        cfg: scoring thresholds.
        review: ``moments.json`` records: adds the guider's tiers (:data:`REVIEW_TIERS`).
        revision: the ``moments.json`` revision ``review`` comes from (the ``HEADER`` property :data:`REVISION_PROPERTY`,
            checked by ``vigclips import-elan``); only written with ``review``.

    Returns:
        ``path``.

    Example:
        >>> write_eaf(signals, moments, None, None, out / "play.eaf", "play.mp4", ScoringConfig())  # doctest: +SKIP
    """
    path = Path(path)
    return atomic_write_text(path, render_eaf(signals, moments, segments, turns, media_file_name, cfg, eaf_dir=path.parent,
                                              review=review, revision=revision))  # fmt: skip
