"""The requirements part of the backend interface: who may go on call, and how to get there."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import allow, read, write

if TYPE_CHECKING:  # resolved by registry.api_methods() when needed
    from ..core.domain_requirements import (
        PendingVerification,
        PersonReadiness,
        RequirementDef,
        ShadowOption,
        TeamReadiness,
    )


class RequirementsAPI:
    @read(allow("self", "manager", person="person"), allow("member", team="team"))
    def requirements(self, person: str | None = None, team: str | None = None) -> PersonReadiness:
        """One person's checklist in one team (default: me, my first team): each requirement's
        state, why, how to obtain it, and per role whether they are eligible and what blocks them.
        Seeing someone else's needs a manager of their team."""
        raise NotImplementedError

    @read(allow("member", team="team"))
    def requirement_definitions(self, team: str) -> list[RequirementDef]:
        """Every requirement the team defines, inactive ones included (any member)."""
        raise NotImplementedError

    @read(allow("manager", team="team"))
    def team_readiness(self, team: str) -> TeamReadiness:
        """The team as people x requirements, eligible roles, and pending verifications (managers)."""
        raise NotImplementedError

    @read(allow("manager", team="team"))
    def pending_verifications(self, team: str) -> list[PendingVerification]:
        """Requests waiting for a manager to verify, oldest first (managers)."""
        raise NotImplementedError

    @write(allow("member", team="team"))
    def attest(self, requirement: str, team: str | None = None, evidence: str = "",
               link: str = "") -> PersonReadiness:
        """Record that I met a self-attested requirement (slug or id), with an evidence note
        and/or an http(s) link."""
        raise NotImplementedError

    @write(allow("member", team="team"))
    def request_verification(self, requirement: str, team: str | None = None, evidence: str = "",
                             link: str = "") -> PersonReadiness:
        """Ask a manager to verify a manager-verified requirement, with evidence."""
        raise NotImplementedError

    @write(allow("manager", status="status_id"))
    def decide_verification(self, status_id: int, approve: bool, reason: str = "",
                            expected_version: int | None = None) -> PersonReadiness:
        """Approve or reject (a reason is required) a pending request (managers).
        Returns the person's fresh checklist."""
        raise NotImplementedError

    @write(allow("manager", person="person"), allow("manager", team="team"))
    def grant(self, person: str, requirement: str, team: str | None = None, waive: bool = False,
              note: str = "") -> PersonReadiness:
        """Mark a requirement met for someone, or waive it, with a note (managers)."""
        raise NotImplementedError

    @write(allow("manager", team="team"))
    def save_requirement(self, team: str, spec: RequirementDef,
                         expected_version: int | None = None) -> RequirementDef:
        """Create a requirement (expected_version None) or change one by slug (managers)."""
        raise NotImplementedError

    @read(allow("member", team="team"))
    def shadow_options(self, team: str | None = None, days: int = 28) -> list[ShadowOption]:
        """Upcoming published shifts with a shadow role, whether somebody already shadows each."""
        raise NotImplementedError

    @write(allow("member", assignment="assignment_uid"))
    def sign_up_shadow(self, assignment_uid: str) -> ShadowOption:
        """Shadow the shift of `assignment_uid` (any assignment on it): a shadow assignment in
        the published plan, which the people on call see as their partner."""
        raise NotImplementedError

    @write(allow("member", assignment="assignment_uid"))
    def cancel_shadow(self, assignment_uid: str) -> ShadowOption:
        """Give up my shadow place on an upcoming shift."""
        raise NotImplementedError
