"""Plain data of the requirements area: what a team asks of its on-call people, and where each stands.

These cross the backend interface (and `--json`) like the shapes in `domain.py`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .domain import PersonRef

# What a person's standing on one requirement is, as words and a symbol (never colour alone).
STATES = ("met", "expiring", "expired", "pending", "rejected", "waived", "missing")
STATE_WORDS = {
    "met": "met",
    "expiring": "expiring soon",
    "expired": "expired",
    "pending": "waiting for verification",
    "rejected": "rejected",
    "waived": "waived",
    "missing": "missing",
}
STATE_SYMBOLS = {
    "met": "✓",
    "expiring": "!",
    "expired": "✗",
    "pending": "…",
    "rejected": "⊘",
    "waived": "~",
    "missing": "·",
}
EXPIRING_DAYS = 14  # "expiring" when it runs out within this many days


@dataclass(frozen=True, kw_only=True)
class AutoRule:
    """How an automatic requirement is computed (see `domain.AUTO_RULE_KINDS`)."""

    kind: str
    min: int = 1  # shadow_shifts, served_shifts: at least this many
    months: int = 6  # served_shifts: within the last this many months


@dataclass(frozen=True, kw_only=True)
class RequirementDef:
    """One requirement a team sets for going on call in some roles."""

    slug: str
    name: str
    why: str = ""
    how: str = ""  # steps to obtain it
    link: str = ""
    command: str = ""
    roles: tuple[str, ...] = ("primary", "secondary")
    method: str = "self"  # self | manager | auto
    auto: AutoRule | None = None
    valid_days: int | None = None  # None: once met, it stays met
    active: bool = True
    id: int = 0
    team: str = ""
    version: int = 1


@dataclass(frozen=True, kw_only=True)
class ReqItem:
    """One person's standing on one requirement, as of `PersonReadiness.at`."""

    requirement: RequirementDef
    state: str  # one of STATES
    counts: bool  # counts towards eligibility right now
    detail: str  # words after the state's: "since 3 Mar 2026, valid through 3 Mar 2027", "1 of 2 shadow shifts done"
    met_at: datetime | None = None
    expires_on: date | None = None  # last day it is valid, in the team's zone
    expires_at: datetime | None = None  # the first instant it no longer counts
    evidence: str = ""
    evidence_link: str = ""
    reason: str = ""  # a manager's reason (rejection) or note (grant, waiver)
    status_id: int | None = None
    status_version: int | None = None

    @property
    def symbol(self) -> str:
        return STATE_SYMBOLS.get(self.state, "?")

    @property
    def words(self) -> str:
        return STATE_WORDS.get(self.state, self.state)


@dataclass(frozen=True, kw_only=True)
class RoleEligibility:
    role: str
    eligible: bool
    blockers: tuple[str, ...] = ()  # "Incident response training: expired on 20 Dec"


@dataclass(frozen=True, kw_only=True)
class PersonReadiness:
    """What the "Requirements" checklist shows for one person in one team."""

    person: PersonRef
    team: str
    team_tz: str
    at: datetime
    items: tuple[ReqItem, ...]
    roles: tuple[RoleEligibility, ...]
    summary: str
    is_me: bool = True
    viewer_manages: bool = False  # the viewer may verify, grant and waive in this team
    teams: tuple[str, ...] = ()  # every team the person belongs to (to switch between)


@dataclass(frozen=True, kw_only=True)
class PendingVerification:
    status_id: int
    version: int
    person: PersonRef
    requirement: RequirementDef
    evidence: str
    evidence_link: str
    requested_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class MatrixRow:
    person: PersonRef
    states: tuple[str, ...]  # aligned with TeamReadiness.requirements
    eligible_roles: tuple[str, ...]
    on_rotation: bool = True


@dataclass(frozen=True, kw_only=True)
class TeamReadiness:
    """The manager's view: people x requirements, and the verification queue."""

    team: str
    team_tz: str
    at: datetime
    roles: tuple[str, ...]
    requirements: tuple[RequirementDef, ...]
    rows: tuple[MatrixRow, ...]
    pending: tuple[PendingVerification, ...]


@dataclass(frozen=True, kw_only=True)
class ShadowOption:
    """An upcoming shift someone can shadow.  `assignment_uid` goes to `sign_up_shadow`."""

    assignment_uid: str
    team: str
    rotation: str
    rotation_name: str
    start: datetime
    end: datetime
    on_call: tuple[PersonRef, ...] = ()  # primary, secondary: who you would shadow
    shadow: PersonRef | None = None  # somebody already shadows it
    mine: bool = False  # that somebody is you
