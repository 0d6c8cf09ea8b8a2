"""The one error the calendar core raises for bad calendars and bad sources."""

from __future__ import annotations


class CalendarError(Exception):
    """A calendar (file or URL) could not be fetched or read.

    ``str(error)`` is always a single line meant for the user, starting with the
    calendar's name or a redacted URL, e.g. ``"team.ics: not an iCalendar file"``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


def one_line(text: str, limit: int = 240) -> str:
    """Collapse whitespace (newlines included) and cut overly long messages."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
