"""The availability part of the backend interface."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from .registry import allow, read, write

if TYPE_CHECKING:  # resolved by registry.api_methods() when needed
    from ..core.domain_availability import (
        CalendarPreview,
        CalendarRules,
        CalendarSourceInfo,
        MonthAvailability,
        SyncResult,
        TeamAvailability,
    )


class AvailabilityAPI:
    @read(allow("self", "manager", person="person"))
    def availability(self, person: str | None = None, month: str | None = None) -> MonthAvailability:
        """A person's month (YYYY-MM; next month by default): each day's effective state and where it
        came from, the shifts that start on it, busy hours, utilisation, the deadline, their calendars.

        Yourself, or someone in a team you manage."""
        raise NotImplementedError

    @write(allow("self", "manager", person="person"))
    def set_availability(self, days: list[date], state: str, note: str = "",
                         shift_start: datetime | None = None, person: str | None = None,
                         expected_version: int | None = None) -> MonthAvailability:
        """Mark days (one month) unavailable / prefer_not / preferred / available by hand, or
        "clear" the hand-set marks.  With `shift_start`, only that shift of the one day.
        `expected_version` is the month's `version` as the user saw it: if anybody changed the
        hand-set marks since, nothing changes and StaleEdit carries the fresh month.

        Engineers change only their own, until the team's deadline for next month; a manager may
        change their team members' at any time."""
        raise NotImplementedError

    @write(allow("manager", person="person"))
    def set_utilisation(self, person: str, month: str, pct: int | None) -> MonthAvailability:
        """A manager sets a member's project load for a month (0..100 %, None to clear)."""
        raise NotImplementedError

    @read(allow("self", "manager", person="person"))
    def calendar_sources(self, person: str | None = None) -> list[CalendarSourceInfo]:
        """My calendar sources (secret URLs in full only for their owner)."""
        raise NotImplementedError

    @write(allow("self", "manager", person="person"))
    def add_calendar_source(self, label: str, location: str, kind: str = "",
                            rules: CalendarRules | None = None, keep_titles: bool = False,
                            person: str | None = None) -> CalendarSourceInfo:
        """Connect a .ics file (kind "file") or a secret iCal URL (kind "url"); nothing is
        imported until `sync_calendar`.  Event titles are kept only with `keep_titles`."""
        raise NotImplementedError

    @read(allow("self", "manager", person="person"), allow("self", "manager", source="source_id"))
    def preview_calendar(self, location: str = "", kind: str = "", month: str | None = None,
                         rules: CalendarRules | None = None, keep_titles: bool = False,
                         content: str | None = None, person: str | None = None,
                         source_id: int | None = None, label: str = "") -> CalendarPreview:
        """What importing a calendar would mark in a month, changing nothing.  A connected
        source by `source_id`, or a new `location`.  File calendars send their text as
        `content` (the file is read where oncall runs).  Raises InvalidInput naming the
        calendar and the problem when it cannot be fetched or read."""
        raise NotImplementedError

    @write(allow("self", "manager", source="source_id"))
    def sync_calendar(self, source_id: int, month: str | None = None, content: str | None = None,
                      expected_digest: str = "") -> SyncResult:
        """Import a source for one month (by default the first month still open), replacing only
        that source's marks; hand-set marks are never touched.  URLs are fetched conditionally.
        A failing calendar changes nothing and the result says why (ok False).  With
        `expected_digest` from a preview, refuses (StaleEdit) if the calendar changed since."""
        raise NotImplementedError

    @write(allow("self", "manager", source="source_id"))
    def remove_calendar_source(self, source_id: int) -> list[CalendarSourceInfo]:
        """Disconnect a calendar and drop what it marked."""
        raise NotImplementedError

    @read(allow("manager", team="team"))
    def team_availability(self, team: str | None = None, month: str | None = None) -> TeamAvailability:
        """Managers: everyone on the rotation x the days of the month, coverage per role
        (eligible and available people) and each person's recommendation level."""
        raise NotImplementedError
