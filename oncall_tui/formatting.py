"""Dates, times and people as the user reads them, in their own time zone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .core.text import CONTROL_CHARS, plural, safe_text  # noqa: F401  (the faces write stored text with these)


def escape(text: object) -> str:
    """Stored text to put into Textual markup: control characters shown (`safe_text`),
    every square bracket literal (so a name like "[b]x[/b]" is shown, not applied; Textual's
    own escape leaves "[2J" alone, which then breaks the markup around it)."""
    return safe_text(text).replace("[", "\\[")


def local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz))


def when(dt: datetime, tz: str) -> str:
    """'Sat 28 Nov 09:00'"""
    return local(dt, tz).strftime("%a %d %b %H:%M")


def span(start: datetime, end: datetime, tz: str) -> str:
    """'Sat 28 Nov 09:00 → Sun 29 Nov 09:00 GMT' (the end shows only the time when same day)."""
    s, e = local(start, tz), local(end, tz)
    end_text = e.strftime("%H:%M") if s.date() == e.date() else e.strftime("%a %d %b %H:%M")
    return f"{s.strftime('%a %d %b %H:%M')} → {end_text} {e.strftime('%Z')}"


def relative(dt: datetime, now: datetime) -> str:
    seconds = (dt - now).total_seconds()
    if seconds <= 0:
        return "now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"in {minutes} min"
    hours_ = minutes // 60
    if hours_ < 48:
        return f"in {hours_} h"
    return f"in {hours_ // 24} days"
