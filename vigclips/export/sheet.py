"""The contact sheet for the shared-review session: each exported moment's still, time, the principles the guider ticked
and the guider's note, on A4 pages (PNG per page and one PDF), drawn with matplotlib (no window).

The sheet is for the parent: times in whole seconds (``1:02``), the principles in plain words, and every fixed word from
the table of phrases of the family's language (:mod:`vigclips.export.phrases`).
"""

from __future__ import annotations

import contextlib
import textwrap
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vigclips.export.phrases import SheetPhrases, load_phrases
from vigclips.fileio import atomic_path
from vigclips.safetext import plain_text
from vigclips.timefmt import clock  # the review page's own time format

SHEET_PAGE_IN = (11.69, 8.27)
"""Contact-sheet page size in inches: A4 landscape."""
SHEET_DPI = 150
_SHEET_MARGIN_IN = 0.45
_SHEET_STILL_IN = (3.6, 2.025)  # 16:9 box; the still keeps its own proportions inside it
_SHEET_GAP_IN = 0.25
_SHEET_FONT_PT = 11
_SHEET_LINE_IN = 1.35 * _SHEET_FONT_PT / 72
_WRAP_SAMPLE = "The quick brown fox jumps over the lazy dog, then Ella laughs"


@dataclass(frozen=True, slots=True)
class SheetPage:
    """One laid-out page of the contact sheet: the figure, and the text lines drawn on it (for checks and tests)."""

    figure: Any
    lines: tuple[str, ...]


def sheet_entry_text(entry: dict[str, Any], phrases: SheetPhrases | None = None) -> list[tuple[str, str]]:
    """The paragraphs printed beside one still: ``[(style, text), …]`` with style ``heading``, ``principles`` or ``note``.

    Only what the guider chose to show the parent: the time (``m:ss``), the principles the guider ticked and the guider's
    note; never the program's reasons (#15). The fixed words come from ``phrases`` (English when omitted).
    """
    phrases = phrases or load_phrases()
    start_s, end_s = float(entry["start_s"]), float(entry["end_s"])
    seconds = max(1, round(end_s - start_s))
    out = [("heading", phrases.text("moment_heading", number=entry["label"], start=clock(start_s, 0), end=clock(end_s, 0),
                                    seconds=seconds))]  # fmt: skip
    if entry.get("principles"):
        out.append(("principles", phrases.text("shows", principles=", ".join(entry["principles"]))))
    if entry.get("note"):
        out.append(("note", plain_text(str(entry["note"]))))  # no control characters or broken Unicode in a font's way
    return out


def layout_contact_sheet(entries: list[dict[str, Any]], title: str, phrases: SheetPhrases | None = None) -> list[SheetPage]:
    """Lay the chosen moments out on as many A4 pages as they need: one row per moment, the still on the left and the
    wrapped text on the right. Text is drawn literally (a ``$`` is a dollar sign, never mathematics), with the
    object-oriented :class:`matplotlib.figure.Figure` API (no pyplot, no backend switch: safe in the review server's
    request threads and inside other programs).

    Args:
        entries: dicts with ``image`` (Path to a JPEG or None), ``label`` (e.g. "1"), ``start_s``, ``end_s``,
            ``principles`` (the principles the guider ticked, in the phrases' words) and ``note`` (her note for the parent).
        title: the page heading.
        phrases: the fixed words (English when omitted).

    Returns:
        The pages, in order; each moment's text lies wholly inside its page.
    """
    with _missing_glyphs_quiet():
        return _layout_pages(entries, title, phrases or load_phrases())


@contextlib.contextmanager
def _missing_glyphs_quiet() -> Iterator[None]:
    """A character the font lacks (an emoji in a note) is drawn as a box, without a warning per character."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support", category=UserWarning)
        yield


def _layout_pages(entries: list[dict[str, Any]], title: str, phrases: SheetPhrases) -> list[SheetPage]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    page_w, page_h = SHEET_PAGE_IN
    text_x = _SHEET_MARGIN_IN + _SHEET_STILL_IN[0] + _SHEET_GAP_IN
    text_w = page_w - _SHEET_MARGIN_IN - text_x
    top = page_h - _SHEET_MARGIN_IN - 0.45  # below the heading
    measure_fig = Figure(figsize=SHEET_PAGE_IN, dpi=SHEET_DPI)
    renderer = FigureCanvasAgg(measure_fig).get_renderer()

    def width_in(line: str, bold: bool) -> float:
        text = measure_fig.text(0, 0, line, fontsize=_SHEET_FONT_PT, weight="bold" if bold else "normal", parse_math=False)
        try:
            return text.get_window_extent(renderer).width / SHEET_DPI
        finally:
            text.remove()

    def wrap(paragraph: str, bold: bool) -> list[str]:
        # Start from the width of an average line of text, then narrow until every line is measured to fit.
        chars = max(8, int(len(_WRAP_SAMPLE) * text_w / width_in(_WRAP_SAMPLE, bold)))
        while True:
            lines = textwrap.wrap(paragraph, chars, break_long_words=True, break_on_hyphens=True) or [""]
            widest = max(width_in(line, bold) for line in lines)
            if widest <= text_w or chars <= 4:
                return lines
            chars = max(4, min(chars - 1, int(chars * text_w / widest)))

    blocks = []
    for entry in entries:
        lines: list[tuple[str, str]] = []
        for style, text in sheet_entry_text(entry, phrases):
            for paragraph in text.splitlines() or [""]:
                lines.extend((style, line) for line in wrap(paragraph, style == "heading"))
        height = max(_SHEET_STILL_IN[1], len(lines) * _SHEET_LINE_IN)
        blocks.append((entry, lines, height))

    pages: list[list[tuple[dict[str, Any], list[tuple[str, str]], float]]] = [[]]
    used = 0.0
    room = top - _SHEET_MARGIN_IN
    for block in blocks:
        need = block[2] + (_SHEET_GAP_IN if pages[-1] else 0.0)
        if pages[-1] and used + need > room:
            pages.append([])
            used, need = 0.0, block[2]
        if block[2] > room:  # a note longer than a page: its lines continue on the next page(s)
            entry, lines, _ = block
            per_page = int(room / _SHEET_LINE_IN)
            for k in range(0, len(lines), per_page):
                if pages[-1]:
                    pages.append([])
                part = lines[k : k + per_page]
                pages[-1].append((entry if k == 0 else {**entry, "image": None, "continued": True}, part,
                                  max(_SHEET_STILL_IN[1], len(part) * _SHEET_LINE_IN)))  # fmt: skip
                used = pages[-1][-1][2]
            continue
        pages[-1].append(block)
        used += need

    out = []
    for number, blocks_on_page in enumerate(pages, start=1):
        fig = Figure(figsize=SHEET_PAGE_IN, dpi=SHEET_DPI)
        FigureCanvasAgg(fig)
        drawn: list[str] = []
        heading = textwrap.shorten(plain_text(title), 90, placeholder="…")
        heading = heading if len(pages) == 1 else f"{heading}  ({phrases.text('page', number=number, total=len(pages))})"
        fig.text(_SHEET_MARGIN_IN / page_w, 1 - _SHEET_MARGIN_IN / page_h, heading, fontsize=15, weight="bold", va="top",
                 parse_math=False)  # fmt: skip
        drawn.append(heading)
        y = top
        for entry, lines, height in blocks_on_page:
            if not entry.get("continued"):
                ax = fig.add_axes((_SHEET_MARGIN_IN / page_w, (y - _SHEET_STILL_IN[1]) / page_h,
                                   _SHEET_STILL_IN[0] / page_w, _SHEET_STILL_IN[1] / page_h))  # fmt: skip
                ax.set_axis_off()
                ax.set_anchor("W")  # a 4:3 still sits at the left of its box, beside its text
                image = entry.get("image")
                picture = cv2.imread(str(image)) if image else None
                if picture is not None:
                    ax.imshow(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB))
                else:
                    ax.imshow(np.full((9, 16, 3), 235, dtype=np.uint8))
                    ax.text(8, 4.5, phrases.texts["no_picture"], ha="center", va="center", color="grey", parse_math=False)
            for k, (style, line) in enumerate(lines):
                fig.text(text_x / page_w, (y - k * _SHEET_LINE_IN) / page_h, line, fontsize=_SHEET_FONT_PT, va="top",
                         weight="bold" if style == "heading" else "normal",
                         color="#2a7f7a" if style == "principles" else "#222222", parse_math=False)  # fmt: skip
                drawn.append(line)
            y -= height + _SHEET_GAP_IN
        out.append(SheetPage(fig, tuple(drawn)))
    return out


def sheet_page_paths(output: Path, n_pages: int) -> list[Path]:
    """``contact_sheet.png``, ``contact_sheet_page2.png``, …: the PNG of each page."""
    return [output if k == 1 else output.with_name(f"{output.stem}_page{k}{output.suffix}") for k in range(1, n_pages + 1)]


def write_contact_sheet(entries: list[dict[str, Any]], output: Path, title: str,
                        phrases: SheetPhrases | None = None) -> list[Path]:
    """The contact sheet for the shared-review session: a PNG per page (``output``, then ``<stem>_page2.png`` …) and one
    PDF of every page beside it (``<stem>.pdf``), written atomically. Earlier extra pages that are no longer needed go.

    Args:
        entries: see :func:`layout_contact_sheet`.
        output: the first page's PNG.
        title: heading.
        phrases: the fixed words (English when omitted).

    Returns:
        The files written: the PNG pages, then the PDF.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    with _missing_glyphs_quiet():
        pages = layout_contact_sheet(entries, title, phrases)
        paths = sheet_page_paths(output, len(pages))
        for page, path in zip(pages, paths):
            with atomic_path(path) as tmp:
                page.figure.savefig(tmp, format="png")
        pdf = output.with_suffix(".pdf")
        with atomic_path(pdf) as tmp, PdfPages(tmp) as document:
            for page in pages:
                document.savefig(page.figure)
    for stale in output.parent.glob(f"{output.stem}_page*{output.suffix}"):
        if stale not in paths:
            stale.unlink()
    return [*paths, pdf]
