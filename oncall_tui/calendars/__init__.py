"""Calendar import core: bytes or a URL in, day marks for a person's month out.

Pure logic – no database, no terminal. Heavy libraries (icalendar,
recurring-ical-events, x-wr-timezone, httpx) are imported inside the functions
that use them, so ``import oncall_tui.calendars`` stays cheap.

The one call the availability service, ``oncall availability import --dry-run``
and the TUI preview share is :func:`import_preview`::

    preview = import_preview(path_or_bytes, "work.ics", "Europe/Berlin",
                             date(2025, 3, 1), date(2025, 3, 31), ImportRules())
    preview.marks      # [DayMark(day, state, busy_hours, reason), …]
    preview.warnings   # lines worth showing ("skipped 1 event that …")

For a URL, call :func:`fetch_calendar` first (it handles ETag/304) and pass
``result.body``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from oncall_tui.calendars.errors import CalendarError
from oncall_tui.calendars.expand import BusyBlock, busy_blocks, is_out_of_office_title
from oncall_tui.calendars.fetch import (
    DEFAULT_MAX_BYTES,
    FetchResult,
    fetch_calendar,
    normalise_calendar_url,
    redact_url,
)
from oncall_tui.calendars.parse import load_calendar
from oncall_tui.calendars.rules import DayMark, ImportRules, marks_for_period

__all__ = [
    "BusyBlock",
    "CalendarError",
    "DayMark",
    "FetchResult",
    "ImportPreview",
    "ImportRules",
    "busy_blocks",
    "fetch_calendar",
    "import_preview",
    "is_out_of_office_title",
    "load_calendar",
    "marks_for_period",
    "normalise_calendar_url",
    "read_calendar_file",
    "redact_url",
]


@dataclass(frozen=True)
class ImportPreview:
    """What importing a calendar would mark, before anything is stored.

    ``event_count`` is the number of VEVENT components in the file (series
    counted once); ``warnings`` are one-line notes about what was skipped.
    """

    marks: list[DayMark]
    warnings: list[str] = field(default_factory=list)
    event_count: int = 0


def read_calendar_file(
    path: str | os.PathLike[str], name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes:
    """Read a calendar file, refusing an oversize one before reading it."""
    file_path = Path(path)
    shown = name or file_path.name
    try:
        size = file_path.stat().st_size
        if size > max_bytes:
            raise CalendarError(
                f"{shown}: file too large ({size / 1048576:.1f} MiB, limit {max_bytes / 1048576:.1f} MiB)"
            )
        with file_path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise CalendarError(f"{shown}: cannot read the file ({error.strerror or error})") from None
    if len(data) > max_bytes:  # grew while we looked, or a pipe/special file
        raise CalendarError(f"{shown}: file too large (limit {max_bytes / 1048576:.1f} MiB)")
    return data


def import_preview(
    data_or_path: bytes | str | os.PathLike[str],
    name: str,
    tz: str,
    first_day: date,
    last_day: date,
    rules: ImportRules | None = None,
    keep_titles: bool = False,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportPreview:
    """Parse, expand and apply ``rules`` for ``first_day``..``last_day`` in ``tz``.

    ``data_or_path`` is the calendar's bytes or a path to an .ics file; ``name``
    is how errors and warnings refer to it. Raises CalendarError (one line,
    starting with ``name``) when the calendar is refused; ValueError for an
    unknown ``tz`` or ``last_day`` before ``first_day``.
    """
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    from oncall_tui.calendars.rules import zone_from_name

    zone = zone_from_name(tz)
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        data = bytes(data_or_path)
    else:
        data = read_calendar_file(data_or_path, name, max_bytes=max_bytes)
    warnings: list[str] = []
    cal = load_calendar(data, name, max_bytes=max_bytes, warnings=warnings)
    event_count = sum(1 for component in cal.subcomponents if component.name == "VEVENT")
    window_start = datetime.combine(first_day, time(), zone)
    window_end = datetime.combine(last_day + timedelta(days=1), time(), zone)
    blocks = busy_blocks(
        cal,
        window_start,
        window_end,
        keep_titles=keep_titles,
        floating_tz=zone,
        warnings=warnings,
        name=name,
    )
    marks = marks_for_period(blocks, zone, first_day, last_day, rules or ImportRules())
    return ImportPreview(marks=marks, warnings=warnings, event_count=event_count)
