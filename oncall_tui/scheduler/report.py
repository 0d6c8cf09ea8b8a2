"""Turn a bare assignment into a full Result: score, gaps with reasons, per-person figures."""

from __future__ import annotations

from .fairness import fair_shares, person_stats, score
from .gaps import explain_gaps
from .prepare import Prepared, prepare
from .problem import Gap, Problem, Result, Slot
from .validate import uncovered


def build_result(problem: Problem, assignments: dict[Slot, str], *, solver: str, status: str,
                 elapsed: float, bound: int | None = None, first_solution_time: float | None = None,
                 prep: Prepared | None = None, explain: bool = True) -> Result:
    """`explain` False: the gaps are listed without their reasons (a caller that explains them
    itself later, against fresh data, saves the time)."""
    prep = prep or prepare(problem)
    total, breakdown = score(problem, assignments, prep)
    gaps = explain_gaps(problem, assignments) if explain else \
        [Gap(shift_id, role, []) for shift_id, role in uncovered(problem, assignments)]
    return Result(
        assignments=dict(assignments), gaps=gaps, score=total,
        bound=bound, status=status, solver=solver, elapsed=elapsed,
        first_solution_time=first_solution_time, penalties=breakdown,
        stats=person_stats(problem, assignments, fair_shares(problem, prep)),
    )
