"""The one way vigclips writes a time (#13): UTC time stamps in files, and clock times a person reads.

The review page (``review/static/app.js``, ``clock``) writes times the same way as :func:`clock`, so the summary, the
teaching clips, the contact sheet and the page agree to the tenth of a second.
"""

from __future__ import annotations

import datetime as _dt
import math


def utc_now() -> str:
    """Now in UTC to the second, as files record it: ``2026-11-25T19:04:39Z``.

    Example:
        >>> len(utc_now()) == 20 and utc_now().endswith("Z")
        True
    """
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_stamp() -> str:
    """Now in UTC for a file name: ``20261125T190439Z`` (sorts by time, no characters a file system refuses)."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def local_now_text() -> str:
    """Now in this computer's time zone, for a person: ``Tuesday 1 December 2026, 07:15 (GMT)``."""
    now = _dt.datetime.now().astimezone()
    return f"{now:%A} {now.day} {now:%B %Y, %H:%M} ({now.tzname()})"


def clock(seconds: float | None, decimals: int = 1, *, hours: bool = False) -> str:
    """A time in a recording exactly as the review page shows it: minutes (however many) and seconds, ``1:02.5`` or
    ``75:03.2``, with ``decimals`` digits of seconds (the page shows one). With ``hours``, an hour or more is written
    ``1:15:03`` (for lengths, e.g. of a recording). ``None``, ``""`` or NaN gives ``–``.

    Example:
        >>> clock(62.46), clock(59.96), clock(4503.0, 0), clock(4503.0, 0, hours=True), clock(None)
        ('1:02.5', '1:00.0', '75:03', '1:15:03', '–')
    """
    if seconds is None or seconds == "" or not math.isfinite(float(seconds)):
        return "–"
    t = max(0.0, float(seconds))
    minutes = int(t // 60)
    width = 3 + decimals if decimals else 2
    secs = f"{t - 60 * minutes:0{width}.{decimals}f}"  # the page's toFixed: the same digits for the same float
    if float(secs) >= 60:  # 59.96 s is 1:00.0 (the page would say 0:60.0)
        minutes, secs = minutes + 1, f"{0:0{width}.{decimals}f}"
    if hours and minutes >= 60:
        return f"{minutes // 60}:{minutes % 60:02d}:{secs}"
    return f"{minutes}:{secs}"


__all__ = ["clock", "local_now_text", "utc_now", "utc_stamp"]


def rough_duration(seconds: float | str | None) -> str:
    """A time as a person says it about work in progress: ``45 s``, ``12 min``, ``1.5 h`` (``?`` when unknown).

    Example:
        >>> rough_duration(45), rough_duration(720), rough_duration(5400), rough_duration(None)
        ('45 s', '12 min', '1.5 h', '?')
    """
    if seconds is None or seconds == "":
        return "?"
    seconds = float(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
