"""Plain data of the planner that crosses the backend: plans, their cells, loads, gaps, diffs.

Nothing here knows about the database, the terminal or OR-Tools.  A `PlanProblem` carries
the solver's problem as JSON (`wire.to_builtins(problem)`), so a screen can solve it in its
own worker with live progress and hand the answer back with `save_draft`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, kw_only=True)
class PlanSummary:
    id: int
    team: str
    rotation: str
    rotation_name: str
    first_day: date
    last_day: date
    status: str  # draft | published | superseded | discarded
    number: int  # published version within the period (0 for a draft)
    solver: str
    score: int | None
    bound: int | None
    gaps: int
    warnings: int
    created_by: str
    created_at: datetime
    published_at: datetime | None = None
    version: int = 1

    @property
    def month(self) -> str:
        from .months import month_of

        return month_of(self.first_day)

    @property
    def label(self) -> str:
        if self.status == "draft":
            return f"draft {self.id}"
        return f"{self.status} #{self.number} (plan {self.id})"


@dataclass(frozen=True, kw_only=True)
class PlanCell:
    """One role on one shift and who holds it (`login` None: nobody)."""

    uid: str  # the slot uid: stable across re-planning
    start: datetime
    end: datetime
    role: str
    login: str | None = None
    name: str = ""
    source: str = ""  # solver | manual | swap | import
    region: str = ""


@dataclass(frozen=True, kw_only=True)
class PersonLoad:
    """Fairness figures of one person in one plan, in weighted points (the rotation's points per
    weekday, weekend and holiday shift: by default 2, 3 and 3)."""

    login: str
    name: str
    shifts: int  # primary/secondary shifts in this plan
    points: int  # their weighted points in this plan
    past: float  # weighted points over the rolling window before the period
    target: float  # their fair points for this plan
    deviation: float  # points - target
    experienced: bool = True
    level: int | None = None  # recommendation level (1 spare them .. 5 lean on them)
    share: float = 0.0  # base fair share (hours they could be planned); target = share + catch_up
    catch_up: float = 0.0  # owed (+) / ahead (-) from earlier months, at most one shift


@dataclass(frozen=True, kw_only=True)
class PlanGap:
    uid: str
    start: datetime
    role: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PlanView:
    summary: PlanSummary
    tz: str  # the rotation's zone
    roles: tuple[str, ...]
    cells: tuple[PlanCell, ...]
    people: tuple[PersonLoad, ...]
    gaps: tuple[PlanGap, ...] = ()
    warnings: tuple[str, ...] = ()
    penalties: dict[str, int] = field(default_factory=dict)
    solve_note: str = ""  # "optimal in 1.2 s", "stopped after 4.0 s", ...
    published_id: int | None = None  # the plan now published for this period, to diff against


@dataclass(frozen=True, kw_only=True)
class CellEdit:
    """Put `login` in the cell `uid` (None/"" empties it), or swap it with cell `swap_with`."""

    uid: str
    login: str | None = None
    swap_with: str | None = None


@dataclass(frozen=True, kw_only=True)
class DiffLine:
    uid: str
    start: datetime
    role: str
    before: str | None  # login in the published plan
    after: str | None  # login in this plan


@dataclass(frozen=True, kw_only=True)
class PersonChange:
    login: str
    name: str
    added: tuple[DiffLine, ...] = ()
    removed: tuple[DiffLine, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PlanDiff:
    plan_id: int
    against_id: int | None  # None: nothing published for the period yet
    against_number: int | None
    changes: tuple[DiffLine, ...] = ()
    people: tuple[PersonChange, ...] = ()
    tz: str = "UTC"


@dataclass(frozen=True, kw_only=True)
class PlanProblem:
    """The solver's problem for a rotation and a month, built from the database."""

    team: str
    rotation: str
    rotation_name: str
    month: str
    first_day: date
    last_day: date
    tz: str
    data: dict[str, Any] = field(default_factory=dict)  # wire.to_builtins(scheduler's Problem)
    # why a hard rule keeps someone out, for the edit picker: "login|shift id|role" -> why they
    # are not eligible; "login|shift id" -> why they are unavailable
    not_eligible: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def problem(self):
        from ..scheduler.problem import Problem
        from .wire import convert

        return convert(Problem, self.data)


@dataclass(frozen=True, kw_only=True)
class DraftCell:
    shift_id: str
    role: str
    login: str


@dataclass(frozen=True, kw_only=True)
class SolvedPlan:
    """A solver's answer, as the screen hands it to `save_draft`."""

    solver: str
    status: str
    elapsed: float
    bound: int | None = None
    cells: tuple[DraftCell, ...] = ()

    @classmethod
    def from_result(cls, result) -> SolvedPlan:
        cells = tuple(DraftCell(shift_id=s, role=r, login=p) for (s, r), p in sorted(result.assignments.items()))
        return cls(solver=result.solver, status=result.status, elapsed=round(result.elapsed, 3), bound=result.bound,
                   cells=cells)
