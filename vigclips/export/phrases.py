"""The fixed words of the parent's sheet, from small editable tables of phrases, one per language (issue 25).

Families in Video Interaction Guidance often read another language best. Every word the sheet prints that the guider did
not type (the default heading, the date, "Moment 1", "to", "seconds", the four principles in plain words) comes from
``sheet_phrases/<code>.toml``; English ships, and a guider (or anyone) adds a language by copying ``en.toml`` to
``<code>.toml`` and translating the values (see that file's header and the guide). A key a table leaves out falls back to
English, so a half-translated table still gives a whole sheet.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigclips.errors import VigclipsError
from vigclips.scoring import PRINCIPLES

PHRASES_DIR = Path(__file__).resolve().parent / "sheet_phrases"
DEFAULT_LANGUAGE = "en"
_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
_TEXT_KEYS = ("language_name", "default_title", "title_with_date", "date", "moment_heading", "shows", "page", "no_picture")


class PhraseTableError(VigclipsError):
    """A phrase table that cannot be read (bad TOML, a value of the wrong kind, a placeholder missing)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class SheetPhrases:
    """One language's fixed words of the sheet (see ``sheet_phrases/en.toml`` for what each says)."""

    code: str
    texts: dict[str, str]
    months: tuple[str, ...]
    principles: dict[str, str]

    def text(self, key: str, **values: Any) -> str:
        """The phrase ``key`` with its ``{placeholders}`` filled in."""
        return self.texts[key].format(**values)

    def date(self, day: _dt.date) -> str:
        """A date as this language writes it (``7 December 2026``)."""
        return self.text("date", day=day.day, month=self.months[day.month - 1], year=day.year)

    def title(self, chosen: str | None, day: _dt.date) -> str:
        """The sheet's heading: the guider's title, or the default one and the date."""
        if chosen and chosen.strip():
            return chosen.strip()
        return self.text("title_with_date", title=self.texts["default_title"], date=self.date(day))


def available_languages() -> dict[str, str]:
    """``{code: name of the language in itself}`` of every phrase table shipped, English first."""
    codes = sorted(p.stem for p in PHRASES_DIR.glob("*.toml") if _CODE.fullmatch(p.stem))
    codes.sort(key=lambda c: c != DEFAULT_LANGUAGE)
    return {c: load_phrases(c).texts["language_name"] for c in codes}


@functools.lru_cache(maxsize=16)
def load_phrases(code: str = DEFAULT_LANGUAGE) -> SheetPhrases:
    """The phrase table of ``code``, keys it lacks taken from English.

    Raises:
        PhraseTableError: no table of that code, or one that is not valid (the message names the file and the key).
    """
    if not _CODE.fullmatch(code or ""):
        raise PhraseTableError(f"{code!r} is not a language code such as 'en' or 'pt-BR'")
    path = PHRASES_DIR / f"{code}.toml"
    if not path.is_file():
        raise PhraseTableError(f"there is no table of phrases for the sheet in {code!r} ({path.name} is not in {PHRASES_DIR}); "
                               f"copy en.toml there and translate it")  # fmt: skip
    table = _read(path)
    base = table if code == DEFAULT_LANGUAGE else _read(PHRASES_DIR / f"{DEFAULT_LANGUAGE}.toml")
    texts = {k: table.get(k, base.get(k)) for k in _TEXT_KEYS}
    months = table.get("months", base.get("months"))
    principles = {**base.get("principles", {}), **table.get("principles", {})}
    for key, value in [*texts.items(), *principles.items()]:
        if not isinstance(value, str) or not value.strip():
            raise PhraseTableError(f"{path.name}: {key} must be some text")
    if not isinstance(months, list) or len(months) != 12 or not all(isinstance(m, str) for m in months):
        raise PhraseTableError(f"{path.name}: months must be a list of the twelve months' names")
    missing = [p for p in PRINCIPLES if p not in principles]
    if missing:
        raise PhraseTableError(f"{path.name}: [principles] lacks {', '.join(missing)}")
    phrases = SheetPhrases(code, texts, tuple(months), {p: principles[p] for p in PRINCIPLES})
    try:  # every placeholder filled once now, so a typo in a translation is found before the first export
        phrases.title(None, _dt.date(2026, 1, 31))
        phrases.text("moment_heading", number=1, start="0:01", end="0:05", seconds="4.0")
        phrases.text("shows", principles="x")
        phrases.text("page", number=1, total=2)
    except (KeyError, IndexError, ValueError) as exc:
        raise PhraseTableError(f"{path.name}: a phrase has a placeholder this vigclips does not fill ({exc})") from None
    return phrases


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PhraseTableError(f"{path.name} cannot be read: {exc}") from None
