"""The planning part of the backend interface: problems, drafts, edits, diffs, publishing."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import allow, read, write

if TYPE_CHECKING:  # resolved by registry.api_methods() when needed
    from ..core.domain_planning import CellEdit, PlanDiff, PlanProblem, PlanSummary, PlanView, SolvedPlan


class PlanningAPI:
    @read(allow("manager", rotation="rotation"))
    def plan_problem(self, rotation: str, month: str | None = None,
                     team: str | None = None) -> PlanProblem:
        """The solver's problem for a rotation and a month (YYYY-MM; next month by default),
        built from the team's data.  Managers only.  The plan screen checks edits against it;
        a solver's answer made elsewhere can be kept with `save_draft`."""
        raise NotImplementedError

    @write(allow("manager", rotation="rotation"))
    def save_draft(self, rotation: str, month: str, solved: SolvedPlan,
                   team: str | None = None) -> PlanView:
        """Keep a solver's answer as a draft plan.  It is checked again against fresh data:
        cells that now break a hard rule are dropped and listed as gaps and warnings."""
        raise NotImplementedError

    @write(allow("manager", rotation="rotation"))
    def draft_plan(self, rotation: str, month: str | None = None, solver: str = "cpsat",
                   time_limit: float = 10.0, team: str | None = None) -> PlanView:
        """Build, solve (cpsat or greedy, within time_limit seconds) and save a draft in one call.
        `oncall plan` and the plan screen both draft with it; the backend solves (a remote
        backend: on the server) with scheduler/solve.py's options."""
        raise NotImplementedError

    @read(allow("member", team="team"))
    def plans(self, rotation: str | None = None, team: str | None = None) -> list[PlanSummary]:
        """Plans of my teams, newest period first (drafts only for managers)."""
        raise NotImplementedError

    @read(allow("member", plan="plan_id"))
    def plan(self, plan_id: int) -> PlanView:
        """One plan: its cells, figures per person, gaps and warnings."""
        raise NotImplementedError

    @write(allow("manager", plan="plan_id"))
    def edit_plan(self, plan_id: int, expected_version: int, changes: list[CellEdit]) -> PlanView:
        """Reassign or swap cells of a draft.  Refused (InvalidInput) when a change breaks a
        hard rule; StaleEdit with the fresh plan when someone edited it since `expected_version`."""
        raise NotImplementedError

    @read(allow("member", plan="plan_id"))
    def plan_diff(self, plan_id: int) -> PlanDiff:
        """What changes against the plan published for the same period (or, for a published
        plan, against the one it superseded)."""
        raise NotImplementedError

    @write(allow("manager", plan="plan_id"))
    def publish_plan(self, plan_id: int, expected_version: int) -> PlanSummary:
        """Publish a draft: it becomes number n+1, the previous published plan of the period is
        superseded (and kept), and the changes are queued for calendars and notices."""
        raise NotImplementedError

    @read(allow("member", plan="plan_id"), allow("self", "manager", person="login"))
    def explain_person(self, plan_id: int, login: str) -> str:
        """Why a person got the shifts they got in a plan (managers; anyone about themselves)."""
        raise NotImplementedError
