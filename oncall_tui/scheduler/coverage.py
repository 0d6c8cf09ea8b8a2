"""How few slots can stay empty: a coverage-only model, to prove gaps unavoidable (or fill them).

When the start plan still leaves required slots empty, the planner solves the same hard rules
with only the empty-slot count to minimise. CP-SAT is strong on such pure feasibility questions:
its proven bound says how many gaps no valid plan can avoid, and a plan with fewer gaps is a
better start for the full model.
"""

from __future__ import annotations

from dataclasses import replace

from .fairness import SCALE
from .prepare import Prepared
from .problem import Problem, Slot, Weights

COVERAGE_ONLY = Weights(under_cover=1, fairness_max=0, fairness_sum=0, fairness_slack=0, wish=0,
                        pairing=0, spread=0, stability=0, shadow_missing=0)


def fewest_gaps(problem: Problem, prep: Prepared, start: dict[Slot, str], time_limit: float,
                build_by: float | None = None, workers: int = 1,
                seed: int = 0) -> tuple[dict[Slot, str], int | None]:
    """(a plan with as few empty required slots as found, proven minimum number of them);
    the start plan and None when the model is not built by `build_by` (time.perf_counter())."""
    from ortools.sat.python import cp_model

    from .cpsat import OutOfTime, _Model

    cover = replace(problem, weights=COVERAGE_ONLY)
    try:
        built = _Model(cover, prep, build_by=build_by)
    except OutOfTime:
        return dict(start), None
    built.hint(start)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    status = solver.solve(built.model)
    if status == cp_model.INFEASIBLE:  # cannot happen (every slot may stay empty); be safe
        return dict(start), None
    proven = max(0, int(-(-solver.best_objective_bound // SCALE)))  # the score counts SCALE a gap
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan = built.assignments(solver.boolean_value)
        return plan, proven
    return dict(start), proven
