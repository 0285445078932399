"""The chosen moments as an OpenTimelineIO timeline: ``.otio`` and FCP 7 XML (Premiere, Resolve), with the optional extra
``pip install 'vigclips[timeline]'`` (issue 13).

One clip per exported moment, in time order, each referencing the source recording at the moment's (trimmed) bounds, named
like its exported clip file, with the moment's id, status, reasons, tags and note in its ``metadata["vigclips"]``. The rate
is the EDL's (:func:`vigclips.report.edl.edl_rate`), so the three timelines of one export agree frame for frame.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from vigclips.fileio import atomic_write_text
from vigclips.report.edl import edl_rate

log = logging.getLogger("vigclips")

FCP_XML_SUFFIX = ".fcp.xml"


def otio_available() -> bool:
    """Whether OpenTimelineIO is installed (the ``timeline`` extra)."""
    try:
        import opentimelineio  # noqa: F401
    except ImportError:
        return False
    return True


def build_timeline(moments: Sequence[dict[str, Any]], names: Sequence[str], source: Path, fps: Fraction | None,
                   duration_s: float, title: str, *, with_audio: bool = True) -> Any:  # fmt: skip
    """An ``opentimelineio.schema.Timeline`` of ``moments`` (``moments.json`` records with their current bounds).

    Args:
        moments: the records, in the order they are to play.
        names: one clip name per moment.
        source: the recording (referenced by its absolute ``file://`` URL).
        fps: its frame rate (``None`` for audio only).
        duration_s: its duration (the reference's available range).
        title: the timeline's name.
        with_audio: add an audio track with the same cuts.
    """
    import opentimelineio as otio

    rate = float(edl_rate(fps))
    rate_q = edl_rate(fps)

    def at(seconds: float) -> int:
        return round(Fraction(seconds) * rate_q)

    timeline = otio.schema.Timeline(name=title)
    kinds = ([otio.schema.TrackKind.Video] if fps else []) + ([otio.schema.TrackKind.Audio] if with_audio or not fps else [])
    for kind in kinds:
        track = otio.schema.Track(name="V1" if kind == otio.schema.TrackKind.Video else "A1", kind=kind)
        for record, name in zip(moments, names, strict=True):
            start = at(float(record["start_s"]))
            frames = max(1, at(float(record["end_s"])) - start)
            reference = otio.schema.ExternalReference(
                target_url=Path(source).absolute().as_uri(),
                available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                                        otio.opentime.RationalTime(at(duration_s), rate)),
            )  # fmt: skip
            metadata = {key: record[key] for key in ("id", "status", "rank", "score", "reasons", "tags", "note")
                        if record.get(key) not in (None, "", [])}  # fmt: skip
            track.append(otio.schema.Clip(
                name=name, media_reference=reference, metadata={"vigclips": metadata},
                source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate),
                                                     otio.opentime.RationalTime(frames, rate)),
            ))  # fmt: skip
        timeline.tracks.append(track)
    return timeline


def write_otio_timelines(timeline: Any, out_stem: Path) -> list[Path]:
    """Write ``<out_stem>.otio`` and ``<out_stem>.fcp.xml`` (if the FCP XML adapter is installed), atomically, owner-only."""
    import opentimelineio as otio

    native = otio.adapters.write_to_string(timeline, "otio_json")
    written = [atomic_write_text(out_stem.with_name(out_stem.name + ".otio"), native)]
    try:
        text = otio.adapters.write_to_string(timeline, "fcp_xml")
    except Exception as exc:  # the adapter is a separate package (otio-fcp-adapter); say what is missing, keep the rest
        log.warning("no FCP XML written (%s: %s); pip install 'vigclips[timeline]'", exc.__class__.__name__, exc)
    else:
        written.append(atomic_write_text(out_stem.with_name(out_stem.name + FCP_XML_SUFFIX), text))
    return written
