"""Text a guider or a file name brought in, made safe for the files vigclips writes (issue 24): spreadsheet cells, log lines,
XML (the ``.eaf``).

Notes, reasons and recordings' file names travel into ``clips/manifest.csv``, ``summary.csv`` and ``batch.log``. There a
cell starting with ``=``, ``+``, ``-`` or ``@`` is run as a formula by Excel, LibreOffice and Google Sheets, and a newline
in a file name would forge a line of the log. The fix is the standard one, as OWASP describes it ("CSV injection"): such a
cell gets a leading apostrophe, which spreadsheets show as the text itself and never evaluate. Everything else stays as the
guider wrote it (a cell that starts with an apostrophe gets a second one, so the cell reads as written).
"""

from __future__ import annotations

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
"""A cell starting with one of these is taken as a formula by spreadsheet programs (OWASP's list; a line break too, as a
carriage return is written as one)."""
CELL_GUARD = "'"
"""Put before such a cell: spreadsheets show the text, not a formula (and hide the apostrophe in the cell)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
"""Control characters that no cell or line should carry (tab, newline and carriage return are handled separately)."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LOG_ESCAPES = {"\r\n": "\\n", "\r": "\\r", "\n": "\\n", "\t": "\\t"}


def csv_cell(text: object) -> str:
    """``text`` as a safe spreadsheet cell: control characters dropped, line breaks as ``\\n`` (the CSV writer quotes
    them, so a note's lines stay lines), and a formula prefix neutralised with a leading apostrophe.

    Only for text columns: numbers vigclips formats itself (``-0.5`` as a score) are written as they are.

    Example:
        >>> csv_cell("=HYPERLINK(\\"http://x\\")")
        '\\'=HYPERLINK("http://x")'
        >>> csv_cell("she waits\\x07 for him")
        'she waits for him'
        >>> csv_cell("first line\\r\\nsecond")
        'first line\\nsecond'
    """
    value = _LINE_BREAK.sub("\n", plain_text(str(text)))
    # A cell that starts with the guard itself gets one too, so :func:`from_csv_cell` gives every cell back exactly.
    return CELL_GUARD + value if value.startswith((*FORMULA_PREFIXES, CELL_GUARD)) else value


def from_csv_cell(cell: str) -> str:
    """The text :func:`csv_cell` was given (for vigclips reading its own CSV back).

    Example:
        >>> from_csv_cell(csv_cell("=1+1")), from_csv_cell(csv_cell("'tis")), from_csv_cell("play 1")
        ('=1+1', "'tis", 'play 1')
    """
    return cell[len(CELL_GUARD):] if cell.startswith(CELL_GUARD) else cell


def log_text(text: object) -> str:
    """``text`` for one line of a log: line breaks and tabs written as ``\\n``, ``\\r``, ``\\t`` (visible, and one event
    stays one line), other control characters dropped.

    Example:
        >>> log_text("a.mp4\\n2026-11-25T02:00:00Z [1/1] b: done")
        'a.mp4\\\\n2026-11-25T02:00:00Z [1/1] b: done'
    """
    value = re.sub(r"\r\n|[\r\n\t]", lambda m: _LOG_ESCAPES[m.group()], str(text))
    return plain_text(value)


def plain_text(text: str) -> str:
    """``text`` without control characters (other than tab, newline and carriage return) and with any unpaired surrogate
    (``"\\ud800"``, which no UTF-8 file can hold) replaced by U+FFFD.

    Example:
        >>> plain_text("a\\x00b\\ud800c") == "ab\\ufffdc"
        True
    """
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


_XML_DROPPED = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot hold (control characters but tab and line breaks, non-characters, lone surrogates)."""
_XML_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c]")
"""Line breaks an XML reader would not give back as written (CR) or cannot hold (vertical tab, form feed)."""


def xml_text(text: str) -> str:
    """``text`` as an XML 1.0 file holds it and a reader gives it back: line breaks as ``\\n``, impossible characters dropped.

    Example:
        >>> xml_text("line one\\x0bline two\\r\\n\\tend\\x07")
        'line one\\nline two\\n\\tend'
    """
    return _XML_DROPPED.sub("", _XML_LINE_BREAKS.sub("\n", text))


def unicode_ok(text: str) -> bool:
    """True unless ``text`` holds an unpaired surrogate (JSON's ``"\\ud800"``), which no UTF-8 file can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
