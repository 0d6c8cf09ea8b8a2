"""Plain data that crosses the backend interface.

Nothing here knows about the database, the terminal or the network.  The
remote backend sends these same shapes as JSON (see `wire.py`), and the CLI's
`--json` prints them.  Datetimes are aware and in UTC; each face converts to
the viewer's time zone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ROLES = ("primary", "secondary", "shadow")
MEMBER_ROLES = ("engineer", "manager")
SHIFT_KINDS = ("daily", "weekly", "hours")


@dataclass(frozen=True, kw_only=True)
class PersonRef:
    """Just enough to name someone and reach them while on call."""

    login: str
    name: str
    contact: str = ""  # on-call contact: the phone on their on-call device
    tz: str = "UTC"


@dataclass(frozen=True, kw_only=True)
class Person:
    id: int
    login: str
    name: str
    email: str = ""
    phones: tuple[str, ...] = ()
    tz: str = "UTC"
    oncall_device: str = ""  # e.g. "work phone"
    oncall_phone: str = ""  # the number that rings when on call
    region: str = ""
    version: int = 1
    calendar_delivery: str = "feed"  # how calendar entries reach them: feed | email | caldav | none
    alarm_minutes: int | None = 60  # their reminder's lead time; None = no reminder

    @property
    def contact(self) -> str:
        return self.oncall_phone or (self.phones[0] if self.phones else "") or self.email

    def ref(self) -> PersonRef:
        return PersonRef(login=self.login, name=self.name, contact=self.contact, tz=self.tz)


@dataclass(frozen=True, kw_only=True)
class EscalationContact:
    position: int
    name: str
    contact: str
    login: str | None = None


@dataclass(frozen=True, kw_only=True)
class Member:
    person: PersonRef
    role: str  # "engineer" | "manager"
    on_rotation: bool = True
    region: str = ""


@dataclass(frozen=True, kw_only=True)
class Team:
    id: int
    slug: str
    name: str
    tz: str = "UTC"
    availability_deadline_day: int = 20  # next month's availability closes on this day
    managers: tuple[PersonRef, ...] = ()
    version: int = 1


@dataclass(frozen=True, kw_only=True)
class Window:
    """A follow-the-sun window: shifts starting at `start` (HH:MM, rotation zone) go to `region`."""

    start: str
    region: str = ""


@dataclass(frozen=True, kw_only=True)
class RotationRules:
    min_rest_hours: int = 12
    max_consecutive: int = 7
    max_shifts_per_period: int | None = None
    max_weekends_per_period: int | None = None


@dataclass(frozen=True, kw_only=True)
class Rotation:
    id: int
    team: str  # team slug
    slug: str
    name: str
    tz: str = "UTC"
    handoff: str = "09:00"  # HH:MM local to tz
    shift_kind: str = "daily"  # daily | weekly | hours
    shift_hours: int = 24  # for shift_kind == "hours"
    handoff_weekday: int = 0  # for weekly: 0 = Monday
    roles: tuple[str, ...] = ("primary", "secondary")
    windows: tuple[Window, ...] = ()  # follow-the-sun; empty = one pool
    rules: RotationRules = field(default_factory=RotationRules)
    weights: dict[str, int] = field(default_factory=dict)
    version: int = 1


@dataclass(frozen=True, kw_only=True)
class ShiftSlot:
    """One shift of a rotation, before anybody is put in it."""

    rotation: str
    start: datetime
    end: datetime
    region: str = ""

    @property
    def key(self) -> str:
        return f"{self.rotation}@{self.start.strftime('%Y-%m-%dT%H:%MZ')}"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True, kw_only=True)
class Assignment:
    """Somebody in a role on a shift.  `uid` is stable across re-planning and swaps."""

    uid: str
    team: str
    rotation: str
    rotation_name: str
    role: str
    start: datetime
    end: datetime
    person: PersonRef
    plan_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ShiftDetail:
    """A shift as the person on it sees it: who they are on call with, who to escalate to."""

    assignment: Assignment
    partners: tuple[Assignment, ...] = ()
    escalation: tuple[EscalationContact, ...] = ()
    handover: str = ""


@dataclass(frozen=True, kw_only=True)
class OnCallNow:
    team: str
    rotation: str
    rotation_name: str
    role: str
    person: PersonRef
    start: datetime
    end: datetime
    partners: tuple[PersonRef, ...] = ()
    escalation: tuple[EscalationContact, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TeamEscalation:
    """A team's escalation list, in order."""

    team: str  # slug
    team_name: str
    contacts: tuple[EscalationContact, ...] = ()


@dataclass(frozen=True, kw_only=True)
class HomeView:
    """Everything the "My on-call" screen shows, in one round trip."""

    me: Person
    teams: tuple[Team, ...]
    managed_teams: tuple[str, ...]
    next_shifts: tuple[ShiftDetail, ...]
    now: tuple[OnCallNow, ...]
    requirements_summary: str
    swaps_waiting: int
    swaps_summary: str
    swaps_escalated: int = 0  # requests nobody took, escalated to me as a manager of their team
    hints: tuple[str, ...] = ()
    escalation: tuple[TeamEscalation, ...] = ()  # each of my teams', shifts or not
    rostered_teams: tuple[str, ...] = ()  # the teams where I am on the rotation


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    """How strongly the planner should lean on someone this month, and why (1 = spare them, 5 = lean on them)."""

    login: str
    level: int
    past_load: float  # weighted shifts over the rolling window
    utilisation: float  # 0..1 of this month's working hours already busy
    explanation: str = ""
    past_excess: float = 0.0  # points held above (+) / below (-) their fair shares over the window
    share: float = 0.0  # fair share of the month read as day-long shifts (the level's figure)


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    team: str | None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    """What `oncall team import` did."""

    team: str
    people_added: int
    people_updated: int
    rotations: int
    requirements: int
    escalation_contacts: int
    #: Lines of the file left out or only partly applied, each saying why (people the importer
    #: has no power over).
    refused: tuple[str, ...] = ()


# Ways a requirement can be met automatically, from data the product already has.
AUTO_RULE_KINDS = {
    "shadow_shifts": "at least `min` shadow shifts completed",
    "oncall_device": "an on-call device and phone set in My profile",
    "calendar_connected": "at least one calendar source connected",
    "served_shifts": "at least `min` on-call shifts served in the last `months` months",
}
REQUIREMENT_METHODS = ("self", "manager", "auto")
