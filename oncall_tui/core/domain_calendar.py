"""Plain data of calendar delivery: one calendar entry per person and assignment slot.

An entry is what lands in someone's calendar, whichever way it gets there (the subscription
feed, an emailed invitation, a CalDAV write): the same UID, SEQUENCE, title and description
everywhere.  Datetimes are aware UTC.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .domain import PersonRef

#: How a person's entries reach them (their profile, or team.toml).
DELIVERY_WAYS = ("feed", "email", "caldav", "none")
DEFAULT_DELIVERY = "feed"
#: The reminder's lead time when a person has not chosen one; None = no reminder.
DEFAULT_ALARM_MINUTES = 60
MAX_ALARM_MINUTES = 7 * 24 * 60
ENTRY_CHANGE_KINDS = ("new", "update", "cancel")


@dataclass(frozen=True, kw_only=True)
class CalendarEntry:
    """One assignment of one person as a calendar event.

    `uid` is stable per assignment slot and person-part (the slot's uid; the slot's uid plus
    "-" plus the start when a partial cover splits a slot); `sequence` grows with every change
    the person would see.  `title`/`description` are written for `person` (the reader), in
    their time zone."""

    uid: str
    sequence: int
    person: PersonRef  # whose entry (the reader)
    start: datetime
    end: datetime
    team: str  # slug
    rotation: str  # slug
    role: str
    title: str  # "On call: Primary · Platform 24/7 · with Gus Lindqvist"
    description: str
    alarm_minutes: int | None
    cancelled: bool = False
    changed_at: datetime  # LAST-MODIFIED
    # -- added to the interface (never renamed): what iTIP and the feed also need --------
    email: str = ""  # the reader's address (ATTENDEE of an invitation); "" = none known
    rotation_name: str = ""
    team_name: str = ""
    url: str = ""  # the "Can't make this shift?" link when the team has a server ("" = none)


@dataclass(frozen=True, kw_only=True)
class EntryChange:
    """What a publish / edit / swap changed in one person's calendar: `kind` new | update | cancel.
    A cancelled entry carries the SEQUENCE it is cancelled with and `cancelled=True`."""

    person_id: int
    entry: CalendarEntry
    kind: str


@dataclass(frozen=True, kw_only=True)
class FeedInfo:
    """A subscription feed as its owner may see it: the secret only in the answer that made it."""

    login: str  # the owner
    team: str | None = None  # a manager's team feed (everyone's shifts); None = the owner's own
    hint: str = ""  # the address's first characters, to recognise it
    created_at: datetime | None = None
    created: bool = False  # this answer made it (new or rotated): `path` is shown now and never again
    path: str = ""  # /links/feed/<secret>.ics, only when `created`
    url: str = ""  # the full https address, when the team's server_url is set and `created`
    rotated: bool = False  # an older address was stopped


@dataclass(frozen=True, kw_only=True)
class CalendarFile:
    """An .ics written for an export (the same bytes the feed serves)."""

    name: str  # a file name to suggest
    ics: str  # the calendar text (CRLF line ends)
    entries: int
