"""Calendar entries out as one iCalendar (RFC 5545) file: the feed, an export, an invitation.

Pure: icalendar only, no database.  The entries are `core.domain_calendar.CalendarEntry`
(this layer sits below the core, so it reads them by their attributes, `EntryLike`).

    calendar_bytes(entries)                                   # a feed / an export
    calendar_bytes(entries, method="REQUEST", organizer=...)  # an iTIP invitation (RFC 5546)

What comes out: PRODID, VERSION, an optional METHOD (REQUEST / CANCEL / PUBLISH; an iTIP
REQUEST or CANCEL carries ORGANIZER, ATTENDEE and SEQUENCE on each VEVENT), a VTIMEZONE for
every TZID used, CRLF line ends, lines folded at 75 octets, DTSTAMP in UTC, a VALARM when
the entry has a lead time, STATUS:CANCELLED for cancelled entries.  The same entries give
the same bytes (DTSTAMP is the entry's last change unless `stamp` is given), so a feed's
ETag changes only when what it says changes.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

PRODID = "-//oncall_tui//Calendar entries//EN"
ITIP_METHODS = ("REQUEST", "CANCEL")
METHODS = ("PUBLISH", *ITIP_METHODS)
#: How often a subscribed calendar should look again (many readers decide for themselves:
#: Google Calendar refreshes every 8 to 24 hours whatever the feed says).
REFRESH = timedelta(hours=1)


class ReaderLike(Protocol):
    @property
    def login(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def tz(self) -> str: ...


class EntryLike(Protocol):
    """What is read of a `CalendarEntry`."""

    @property
    def uid(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def person(self) -> ReaderLike: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def role(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def alarm_minutes(self) -> int | None: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def changed_at(self) -> datetime: ...
    @property
    def email(self) -> str: ...
    @property
    def rotation_name(self) -> str: ...
    @property
    def team_name(self) -> str: ...
    @property
    def url(self) -> str: ...


def calendar_bytes(entries: Sequence[EntryLike], *, method: str | None = None, name: str = "",
                   organizer: str | None = None, stamp: datetime | None = None) -> bytes:
    """One VCALENDAR holding `entries`.

    `method`: None for a feed or an export; "REQUEST" / "CANCEL" for an invitation, which
    needs `organizer` (an email address) and an `email` on every entry (the attendee).
    `name`: the calendar's display name.  `stamp`: the DTSTAMP of an invitation (when the
    message is made); by default each entry's `changed_at`."""
    from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vText

    if method is not None:
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"unknown iTIP method {method!r} (one of {', '.join(METHODS)})")
    itip = method in ITIP_METHODS
    if itip and not organizer:
        raise ValueError(f"an iTIP {method} needs an organizer")
    if stamp is not None and stamp.tzinfo is None:
        raise ValueError("naive DTSTAMP")

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method is not None:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
    if method is None:
        refresh = vDuration(REFRESH)
        refresh.params["VALUE"] = "DURATION"
        cal.add("refresh-interval", refresh)
        cal.add("x-published-ttl", vDuration(REFRESH))

    for entry in entries:
        for value in (entry.start, entry.end, entry.changed_at):
            if value.tzinfo is None:
                raise ValueError(f"naive datetime in entry {entry.uid}")
        if itip and not entry.email:
            raise ValueError(f"entry {entry.uid}: an iTIP {method} needs the attendee's email")
        cancelled = entry.cancelled or method == "CANCEL"
        zone = _zone(entry.person.tz)
        ev = Event()
        ev.add("uid", entry.uid)
        ev.add("sequence", int(entry.sequence))
        ev.add("dtstamp", (stamp or entry.changed_at).astimezone(UTC))
        ev.add("last-modified", entry.changed_at.astimezone(UTC))
        ev.add("dtstart", entry.start.astimezone(zone))
        ev.add("dtend", entry.end.astimezone(zone))
        ev.add("summary", entry.title)
        if entry.description:
            ev.add("description", entry.description)
        ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        ev.add("transp", "OPAQUE")
        ev.add("class", "PRIVATE")
        categories = [c for c in ("On call", entry.rotation_name, entry.role.capitalize()) if c]
        ev.add("categories", categories)
        if entry.url:
            ev.add("url", entry.url)
        if itip:
            org = vCalAddress(f"mailto:{organizer}")
            org.params["CN"] = vText("On-call rota")
            ev.add("organizer", org)
            att = vCalAddress(f"mailto:{entry.email}")
            att.params["CN"] = vText(entry.person.name or entry.person.login)
            att.params["ROLE"] = vText("REQ-PARTICIPANT")
            att.params["PARTSTAT"] = vText("ACCEPTED")
            att.params["RSVP"] = vText("FALSE")
            ev.add("attendee", att)
        if entry.alarm_minutes is not None and not cancelled:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", entry.title)
            alarm.add("trigger", -timedelta(minutes=int(entry.alarm_minutes)))
            ev.add_component(alarm)
        cal.add_component(ev)
    cal.add_missing_timezones()
    # the zones in a fixed order (icalendar adds them in set order, which differs between
    # processes): the same entries are the same bytes in every server process, one ETag
    zones = sorted((c for c in cal.subcomponents if c.name == "VTIMEZONE"), key=lambda c: str(c["TZID"]))
    cal.subcomponents[:] = zones + [c for c in cal.subcomponents if c.name != "VTIMEZONE"]
    data: bytes = cal.to_ical()
    return data


def _zone(name: str):
    """The reader's zone (UTC when it is unknown or UTC: then times are written with Z)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name or name.upper() in ("UTC", "ETC/UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
