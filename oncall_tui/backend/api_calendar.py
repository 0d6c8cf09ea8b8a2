"""The calendar-entries part of the backend interface: subscription feeds and exports.

The feed itself is served by `oncall serve` at /links/feed/<secret>.ics with no login (the
secret is the whole authority and is scoped to one feed); these methods make, rotate and
export it for a signed-in person."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import allow, read, write

if TYPE_CHECKING:  # resolved by registry.api_methods() when needed
    from ..core.domain_calendar import CalendarFile, FeedInfo


class CalendarAPI:
    @write(allow("anyone"))
    def feed_url(self, rotate: bool = False) -> FeedInfo:
        """My own subscription feed (my shifts in every team).  The first call makes it and
        answers its address; the address is shown only then (the server keeps its hash).
        `rotate`: a new address, and the old one answers 404 at once."""
        raise NotImplementedError

    @write(allow("manager", team="team"))
    def team_feed_url(self, team: str, rotate: bool = False) -> FeedInfo:
        """A manager's feed of everyone's shifts in TEAM; made, shown and rotated like my own."""
        raise NotImplementedError

    @read(allow("self", "manager", "admin", person="login"))
    def export_calendar(self, login: str | None = None) -> CalendarFile:
        """The .ics my feed serves (or LOGIN's, for their manager: the shifts in the teams
        I manage), written without a server."""
        raise NotImplementedError

    @read(allow("manager", team="team"))
    def export_team_calendar(self, team: str) -> CalendarFile:
        """The .ics of everyone's shifts in TEAM (a manager's team feed), without a server."""
        raise NotImplementedError
