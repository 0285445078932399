"""What the review page changes beyond one moment's fields (issue 25): the pictures that go with a change.

* An added moment gets a thumbnail (``stills/<id>.jpg``), cut from the whole-recording preview where the faces are best
  seen in it, so the list shows what it is like any other.
* A frame the guider chooses for the parent's sheet gets its own thumbnail (``stills/<id>.chosen.jpg``) for the page; the
  export cuts the sheet's still from the recording itself at that time (:func:`vigclips.export.clips.export_clips`).
* A deleted added moment's pictures go with it.

The decisions themselves go through :class:`vigclips.results.decisions.DecisionStore` (revision check, atomic save); a
picture that cannot be cut (no preview, ffmpeg failing) is logged and the decision stands.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from vigclips.errors import ReviewFileError, UnsafePathError, VigclipsError
from vigclips.export.clips import best_still_time
from vigclips.fileio import inside, make_private_dir
from vigclips.media import extract_still
from vigclips.results.cues import read_cues
from vigclips.results.decisions import DecisionStore
from vigclips.results.layout import SIGNALS_FILE, STILLS_DIR, recording_preview_path, still_path

log = logging.getLogger("vigclips")

THUMBNAIL_WIDTH_PX = 320
"""Wide enough for the list's cards and the still picker, from the 360-line preview the page plays."""


def chosen_still_path(moment_id: str) -> str:
    """Relative path of the page's thumbnail of the frame the guider chose for the sheet."""
    return f"{STILLS_DIR}/{moment_id}.chosen.jpg"


def cut_thumbnail(folder: Path, t_s: float, relative: str) -> bool:
    """Write the frame at ``t_s`` of the whole-recording preview to ``folder/relative``; ``False`` (logged) if it cannot be."""
    preview = Path(folder) / recording_preview_path()
    if not preview.is_file():
        return False
    try:
        output = inside(Path(folder), relative)
        make_private_dir(output.parent)
        extract_still(preview, t_s, output, max_width_px=THUMBNAIL_WIDTH_PX)
    except (VigclipsError, OSError) as exc:
        log.warning("review page: no picture at %.2f s (%s)", t_s, exc)
        return False
    return True


def add_with_thumbnail(store: DecisionStore, revision: Any, start_s: Any, end_s: Any, **fields: Any) -> tuple[dict[str, Any], str]:
    """Add a moment the program missed, then give it a thumbnail where the faces are best seen (its middle without
    ``signals.csv``). Returns ``(document, id)``; the thumbnail is a second saved change of the same request."""
    document, moment_id = store.add(revision, start_s, end_s, **fields)
    moment = next(m for m in document["moments"] if m["id"] == moment_id)
    start, end = float(moment["start_s"]), float(moment["end_s"])
    t_s = (start + end) / 2
    with contextlib.suppress(ReviewFileError):
        t_s = best_still_time(read_cues(store.folder / SIGNALS_FILE), start, end) or t_s
    if cut_thumbnail(store.folder, t_s, still_path(moment_id)):
        def with_still(doc: dict[str, Any]) -> dict[str, Any]:
            new = {**doc, "moments": [dict(m) for m in doc["moments"]], "revision": int(doc.get("revision", 0)) + 1}
            for m in new["moments"]:
                if m["id"] == moment_id:
                    m["still"] = still_path(moment_id)
            return new

        document = store.update(document["revision"], with_still)
    return document, moment_id


def decide_with_thumbnail(store: DecisionStore, revision: Any, moment_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """:meth:`DecisionStore.decide`; a newly chosen frame for the sheet then gets the page's thumbnail."""
    document = store.decide(revision, moment_id, changes)
    t_s = changes.get("still_t_s", False)
    if isinstance(t_s, (int, float)) and not isinstance(t_s, bool):
        cut_thumbnail(store.folder, float(t_s), chosen_still_path(moment_id))
    elif t_s is None:  # given back to the program: its thumbnail goes
        with contextlib.suppress(UnsafePathError, OSError):
            inside(store.folder, chosen_still_path(moment_id)).unlink(missing_ok=True)
    return document


def remove_with_pictures(store: DecisionStore, revision: Any, moment_id: str) -> dict[str, Any]:
    """Delete a moment the guider added, and its thumbnails."""
    document = store.remove(revision, moment_id)
    for relative in (still_path(moment_id), chosen_still_path(moment_id)):
        with contextlib.suppress(UnsafePathError, OSError):
            inside(store.folder, relative).unlink(missing_ok=True)
    return document
