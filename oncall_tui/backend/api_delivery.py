"""The delivery part of the backend interface: where calendar entries and mail go, and how far
each person's entries have got.  Passwords go in and never come out."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import allow, read, write

if TYPE_CHECKING:  # resolved by registry.api_methods() when needed
    from ..core.domain_delivery import CalDAVInfo, DeliveryState, MailServerInfo


class DeliveryAPI:
    @read(allow("manager", "admin", team="team"))
    def delivery_status(self, team: str | None = None) -> list[DeliveryState]:
        """Per person of the team (default: the teams I manage), the state of their calendar
        entries: up to date, pending, or failing with the server's one-line reason."""
        raise NotImplementedError

    @read(allow("self", "manager", "admin", person="person"))
    def my_delivery(self, person: str | None = None) -> DeliveryState:
        """The state of my calendar entries (or, for their manager, PERSON's)."""
        raise NotImplementedError

    @write(allow("self", "manager", "admin", person="person"), allow("member", "admin", team="team"))
    def retry_delivery(self, person: str | None = None, team: str | None = None) -> int:
        """Make what is waiting to be delivered due now: mine (or PERSON's, for their manager),
        or everyone's of TEAM (its managers).  Returns how many messages were made due."""
        raise NotImplementedError

    @read(allow("manager", "admin", team="team"))
    def mail_server(self, team: str | None = None) -> MailServerInfo:
        """The team's mail server for invitations (never its password)."""
        raise NotImplementedError

    @write(allow("manager", "admin", team="team"))
    def set_mail_server(self, team: str, host: str, port: int = 587, security: str = "starttls",
                        username: str = "", from_address: str = "", password: str | None = None
                        ) -> MailServerInfo:
        """Set the SMTP server the team's invitations leave through: security starttls, tls or
        none (a relay on this machine); the password is stored encrypted (None keeps the one
        stored, "" removes it); an empty host removes the server."""
        raise NotImplementedError

    @read(allow("self", person="person"))
    def caldav_account(self, person: str | None = None) -> CalDAVInfo:
        """My CalDAV calendar (never its password)."""
        raise NotImplementedError

    @write(allow("self", person="person"))
    def set_caldav(self, url: str, username: str = "", password: str | None = None,
                   person: str | None = None) -> CalDAVInfo:
        """Set the CalDAV calendar my entries are written into (its collection URL, e.g.
        https://caldav.fastmail.com/dav/calendars/user/me@example.com/Default/); the password is
        stored encrypted (None keeps the one stored); an empty URL removes it."""
        raise NotImplementedError
