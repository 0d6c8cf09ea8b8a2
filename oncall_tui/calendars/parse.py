"""Turn the bytes of an .ics file into an icalendar Calendar, or refuse clearly.

Time zone policy:

* A TZID that names a zone we know – an IANA name, or an Outlook / Windows name
  such as ``W. Europe Standard Time`` (CLDR mapping shipped with icalendar) –
  is placed with the tz database, which is authoritative and current. Windows
  names are rewritten to their IANA name before parsing, so a sloppy Outlook
  VTIMEZONE with the same name cannot override it.
* A TZID we do not know (``Customized Time Zone``, ``(UTC-03:00) Brasília``)
  uses the file's own VTIMEZONE.
* A TZID with neither leaves the time floating; the expansion then reads it in
  the person's own zone and records a warning.
* ``X-WR-TIMEZONE`` (Google, Apple) is applied once here with
  ``x_wr_timezone.to_standard`` and then removed, so recurring-ical-events does
  not apply it a second time.

icalendar caches VTIMEZONE definitions process-wide by TZID (first one wins).
Two people's "Customized Time Zone" would then leak into each other's imports,
so every parse here starts from a fresh cache (``tzp.use_zoneinfo()``) under a
lock.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from oncall_tui.calendars.errors import CalendarError
from oncall_tui.calendars.fetch import DEFAULT_MAX_BYTES, looks_like_calendar

if TYPE_CHECKING:
    from icalendar import Calendar

_PARSE_LOCK = threading.Lock()
#: Events (VEVENT components) a calendar may hold: parsing is the one step that cannot stop
#: half-way, and 100,000 events cost 20 s and 600 MB.  A module constant; tests lower it.
MAX_EVENTS = 25_000
# TZID="Name" / TZID=Name (a parameter) or TZID:Name (a VTIMEZONE's property).
# Starts with a literal so the regex engine can skip ahead fast; the byte before
# the match is checked in Python (";" for a parameter, a line start for the property).
# Case-sensitive on purpose (IGNORECASE makes the scan ~10x slower): exporters
# write TZID in capitals, and a lower-case one is left to icalendar's own lookup.
_TZID_RE = re.compile(rb'TZID(?:(=")([^"\r\n]+)(")|(=)([^";:\r\n]+)()|(:)([^\r\n]+)())')


def load_calendar(
    data: bytes,
    name: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    warnings: list[str] | None = None,
) -> Calendar:
    """Parse ``data`` (the contents of calendar ``name``) into a Calendar.

    Raises CalendarError ``"{name}: …"`` (one line) if the data is too large,
    is not an iCalendar file, or cannot be parsed. Things that were read around
    (unknown X-WR-TIMEZONE, unreadable properties) are appended to ``warnings``.
    """
    if len(data) > max_bytes:
        size, limit = len(data) / 1048576, max_bytes / 1048576
        raise CalendarError(f"{name}: file too large ({size:.1f} MiB, limit {limit:.1f} MiB)")
    if not looks_like_calendar(data[:512]):
        raise CalendarError(f"{name}: not an iCalendar file (it does not start with BEGIN:VCALENDAR)")
    events = data.count(b"BEGIN:VEVENT")
    if events > MAX_EVENTS:
        raise CalendarError(f"{name}: {events:,} events, more than the {MAX_EVENTS:,} an import reads")
    notes = warnings if warnings is not None else []
    data, tzid_names = _windows_tzids_to_iana(data)

    import icalendar
    from icalendar.timezone import tzp

    with _PARSE_LOCK:
        tzp.use_zoneinfo()  # fresh VTIMEZONE cache: no leaks between calendars
        try:
            components = icalendar.Calendar.from_ical(data, multiple=True)
        except Exception as error:  # icalendar raises ValueError, KeyError, … on broken input
            raise CalendarError(f"{name}: not a readable calendar ({_short(error)})") from None
        # VTIMEZONEs of this file are in tzp's cache only until the next parse.
        unknown = sorted(_unknown_zones(tzid_names, tzp))
    for zone_name in unknown:
        notes.append(f"{name}: unknown time zone {zone_name!r}; its times are read as the person's local time")
    calendars = [c for c in components if c.name == "VCALENDAR"]
    if not calendars:
        raise CalendarError(f"{name}: broken calendar (no complete VCALENDAR; is the file cut short?)")
    cal = calendars[0]
    for extra in calendars[1:]:  # some exports concatenate several VCALENDARs
        for sub in extra.subcomponents:
            cal.add_component(sub)
    cal = _apply_x_wr_timezone(cal, name, notes)
    unreadable = sum(len(getattr(c, "errors", ()) or ()) for c in cal.subcomponents)
    if unreadable:
        notes.append(f"{name}: {unreadable} unreadable propert{'y was' if unreadable == 1 else 'ies were'} ignored")
    return cal


def _apply_x_wr_timezone(cal: Calendar, name: str, notes: list[str]) -> Calendar:
    value = cal.get("X-WR-TIMEZONE")
    if value is None:
        return cal
    import x_wr_timezone
    from icalendar.timezone import tzp

    zone_name = str(value).strip()
    zone = tzp.timezone(zone_name) if zone_name else None
    if zone is None:
        notes.append(f"{name}: unknown X-WR-TIMEZONE {zone_name!r} ignored")
    else:
        try:
            cal = x_wr_timezone.to_standard(cal, timezone=zone)
        except Exception as error:  # the walker can trip over odd values
            notes.append(f"{name}: X-WR-TIMEZONE {zone_name!r} not applied ({_short(error)})")
    cal.pop("X-WR-TIMEZONE", None)
    return cal


def _windows_tzids_to_iana(data: bytes) -> tuple[bytes, set[bytes]]:
    """Rewrite TZIDs that are Windows zone names to IANA names.

    Returns the (possibly rewritten) data and the TZID names it now uses. Only
    touches the bytes when a Windows name is present (Outlook/Exchange
    exports); Google, Apple, Fastmail files pass through untouched.
    """
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    found = {value for _, value, _, _ in _tzid_matches(data)}
    mapping: dict[bytes, bytes] = {}
    for raw in found:
        try:
            text = raw.decode("utf-8").strip().strip("/")
        except UnicodeDecodeError:
            continue
        iana = WINDOWS_TO_OLSON.get(text)
        if iana and not _is_iana(text):
            mapping[raw] = iana.encode("ascii")
    if not mapping:
        return data, found
    pieces: list[bytes] = []
    done = 0
    for before, value, after, match in _tzid_matches(data):
        new = mapping.get(value)
        if new is not None:
            pieces += [data[done : match.start()], b"TZID", before, new, after]
            done = match.end()
    pieces.append(data[done:])
    return b"".join(pieces), {mapping.get(name, name) for name in found}


def _tzid_matches(data: bytes):
    """(prefix, zone name, suffix, match) for every TZID parameter or property."""
    for match in _TZID_RE.finditer(data):
        at = match.start()
        previous = data[at - 1 : at]
        first = 1 if match.group(1) is not None else 4 if match.group(4) is not None else 7
        if first == 7 and previous not in (b"\n", b"\r", b""):
            continue  # "TZID:" in the middle of a line is text, not a property
        if first != 7 and previous != b";":
            continue  # "TZID=" not after ";" is text, not a parameter
        before, value, after = match.group(first, first + 1, first + 2)
        yield before, value, after, match


def _is_iana(text: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(text)
    except Exception:  # ZoneInfoNotFoundError, ValueError for odd keys
        return False
    return True


def _unknown_zones(names: set[bytes], tzp: object) -> set[str]:
    unknown = set()
    for raw in names:
        text = raw.decode("utf-8", "replace").strip()
        if text and tzp.timezone(text) is None:  # type: ignore[attr-defined]
            unknown.add(text)
    return unknown


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    if len(text) > 120:
        text = text[:119] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
