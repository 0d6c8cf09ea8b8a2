"""The core of the backend interface: who I am, my shifts, who is on call, the team."""
from __future__ import annotations

from datetime import date

from ..core.domain import (
    AuditEntry,
    EscalationContact,
    HomeView,
    ImportReport,
    Member,
    OnCallNow,
    Person,
    Rotation,
    ShiftDetail,
    Team,
)
from .registry import allow, read, write


class CoreAPI:
    @read(allow("anyone"))
    def whoami(self) -> Person:
        """The person this backend acts as."""
        raise NotImplementedError

    @read(allow("anyone"))
    def home(self, horizon_days: int = 42) -> HomeView:
        """Everything the "My on-call" screen shows."""
        raise NotImplementedError

    @read(allow("anyone"))
    def now(self, team: str | None = None) -> list[OnCallNow]:
        """Who is on call right now, per rotation and role (my teams, or one team)."""
        raise NotImplementedError

    @read(allow("member", team="team"), allow("self", "member", person="person"))
    def shifts(self, person: str | None = None, first: date | None = None,
               last: date | None = None, team: str | None = None) -> list[ShiftDetail]:
        """Published shifts in a date range (the person's own zone decides the days).

        With no person, my own shifts; with person "*", everybody's in my teams."""
        raise NotImplementedError

    @read(allow("anyone"))
    def teams(self) -> list[Team]:
        """The teams I belong to (all teams if I belong to none)."""
        raise NotImplementedError

    @read(allow("member", "admin", team="team"))
    def members(self, team: str) -> list[Member]:
        raise NotImplementedError

    @read(allow("member", team="team"))
    def rotations(self, team: str) -> list[Rotation]:
        raise NotImplementedError

    @read(allow("anyone"))
    def escalation(self, team: str) -> list[EscalationContact]:
        raise NotImplementedError

    @read(allow("anyone"))
    def change_cursor(self) -> int:
        """A number that grows whenever anybody changes anything (for cheap refreshes)."""
        raise NotImplementedError

    @read(allow("member", team="team"))
    def audit(self, team: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest audit records: a manager sees their teams', others their own."""
        raise NotImplementedError

    @write(allow("anyone"))
    def update_profile(self, expected_version: int, name: str | None = None,
                       email: str | None = None, phones: list[str] | None = None,
                       tz: str | None = None, oncall_device: str | None = None,
                       oncall_phone: str | None = None, calendar_delivery: str | None = None,
                       alarm_minutes: int | None = None) -> Person:
        """Change my own contact details, how my calendar entries reach me (feed, email, caldav
        or none) and my reminder's lead time in minutes (0: none); fails with StaleEdit if they
        changed meanwhile."""
        raise NotImplementedError

    @write(allow("member", assignment="assignment_uid"))
    def add_handover_note(self, assignment_uid: str, text: str) -> ShiftDetail:
        """Append a line to a shift's handover notes (anyone on the shift, or a manager)."""
        raise NotImplementedError

    @write(allow("manager", "admin", team_file="toml_text"))
    def import_team(self, toml_text: str, source_name: str = "team.toml") -> ImportReport:
        """Create or update a team from a team file, all or nothing."""
        raise NotImplementedError

    @read(allow("member", "admin", team="team"))
    def export_team(self, team: str) -> str:
        """The team as a team file that `import_team` reads back."""
        raise NotImplementedError
