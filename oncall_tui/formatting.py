"""Dates, times and people as the user reads them, in their own time zone."""
from __future__ import annotations

from datetime import datetime

from .core.text import CONTROL_CHARS, local, plural, safe_text, span, when  # noqa: F401  (the faces' way in)


def escape(text: object) -> str:
    """Stored text to put into Textual markup: control characters shown (`safe_text`),
    every square bracket literal (so a name like "[b]x[/b]" is shown, not applied; Textual's
    own escape leaves "[2J" alone, which then breaks the markup around it)."""
    return safe_text(text).replace("[", "\\[")


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
