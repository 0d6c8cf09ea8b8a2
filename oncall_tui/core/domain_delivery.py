"""Plain data of calendar delivery: where entries go (a team's mail server, a person's CalDAV
calendar; passwords never leave the server, only whether one is set), and how far each
person's entries have got."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: A person's delivery, in the words every face shows.
UP_TO_DATE, PENDING, FAILING, OFF = "up to date", "pending", "failing", "off"
NOT_SET_UP = "not set up"  # CalDAV chosen, but no calendar given yet
SECURITY_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True, kw_only=True)
class DeliveryState:
    """How far one person's calendar entries have got, by mail and CalDAV."""

    login: str
    name: str
    channels: tuple[str, ...] = ()  # "email", "caldav": where their entries go
    state: str = OFF  # up to date | pending | failing | off | not set up
    pending: int = 0  # messages waiting to go (first try, or a retry falling due)
    failing: int = 0  # of those, how many failed last time
    delivered: int = 0
    last_error: str = ""  # the server's one-line reason, newest first
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    last_delivered_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class MailServerInfo:
    """A team's mail server as its managers see it: never the password, only whether one is set."""

    team: str
    configured: bool = False
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    from_address: str = ""
    has_password: bool = False


@dataclass(frozen=True, kw_only=True)
class CalDAVInfo:
    """A person's CalDAV calendar as they see it: never the password, only whether one is set."""

    login: str
    configured: bool = False
    url: str = ""
    username: str = ""
    has_password: bool = False
