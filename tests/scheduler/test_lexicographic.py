"""CP-SAT puts the largest deviation from the fair share before the total deviation (after
coverage), whatever the weights, and breaks ties among proven optima the same way every run."""

from __future__ import annotations

from datetime import timedelta

from ortools.sat.python import cp_model

from bench.scheduler.sample import generated_team
from oncall_tui.scheduler.cpsat import _Model, solve_cpsat
from oncall_tui.scheduler.fairness import rank, score
from oncall_tui.scheduler.prepare import prepare
from oncall_tui.scheduler.problem import Problem, SchedPerson, SchedShift, Weights
from oncall_tui.scheduler.validate import validate

from .helpers import MONDAY, utc


def lopsided() -> Problem:
    """Three people, four shifts of 2, 2, 3 and 7 points; p1 may take only the 7-point shift.
    Shares 7, 1.75 and 5.25 points. With the total deviation weighing 4 and the largest 1 (per
    tenth of a point), the weighted sum prefers a plan whose largest deviation is 2.0 (total
    4.0) to the one whose largest is 1.8 (total 3.6, but three days in a row: two spread pairs)."""
    shifts = [SchedShift(id=f"s{i}", start=utc(MONDAY + timedelta(days=i)),
                         end=utc(MONDAY + timedelta(days=i)) + timedelta(hours=24), weight=w,
                         roles=("primary",)) for i, w in enumerate([2, 2, 3, 7])]
    eligible = {("p0", s.id, "primary") for s in shifts} | {("p1", "s3", "primary")} | {
        ("p2", s, "primary") for s in ("s0", "s1", "s2")}
    return Problem(people=[SchedPerson(id=f"p{i}") for i in range(3)], shifts=shifts, eligible=eligible,
                   weights=Weights(fairness_max=1, fairness_sum=4, fairness_slack=0))


# the plan the old single weighted sum chose: lower score, larger largest deviation
WEIGHTED_BEST = {("s0", "primary"): "p2", ("s1", "primary"): "p0", ("s2", "primary"): "p2",
                 ("s3", "primary"): "p0"}


def test_the_largest_deviation_comes_before_the_total():
    prob = lopsided()
    result = solve_cpsat(prob, time_limit=5.0)
    assert validate(prob, result.assignments) == []
    assert result.status == "optimal"
    gaps, largest, total = rank(prob, result.assignments)
    old_gaps, old_largest, old_total = rank(prob, WEIGHTED_BEST)
    assert (gaps, largest) == (0, 18)  # tenths of a point, against the exact shares
    assert (old_gaps, old_largest) == (0, 20)
    assert old_total < total  # the weighted sum alone would have taken the other plan
    # the reported score is the weighted sum of the plan, the objective of the second stage
    assert result.score == total == score(prob, result.assignments)[0] == result.bound


def test_stage_one_fixes_gaps_and_largest_deviation_for_stage_two():
    prob = lopsided()
    prep = prepare(prob)
    built = _Model(prob, prep)
    proven, plan = built.first_stage(WEIGHTED_BEST, 5.0, 2, 0, None)
    assert proven and plan is not None
    assert rank(prob, plan)[:2] == (0, 18)
    built.fix_first_stage(0, 18)
    for (p, s, r), var in built.x.items():  # the weighted sum's plan no longer fits the model
        built.model.add(var == int(WEIGHTED_BEST.get((s, r)) == p))
    assert cp_model.CpSolver().solve(built.model) == cp_model.INFEASIBLE


def test_two_runs_proven_optimal_give_the_same_plan():
    prob = generated_team(6, 14, seed=5)
    first = solve_cpsat(prob, time_limit=10.0)
    again = solve_cpsat(prob, time_limit=10.0)
    assert first.status == again.status == "optimal"
    assert first.assignments == again.assignments
    assert validate(prob, first.assignments) == []


def test_a_stop_before_stage_two_keeps_a_valid_plan_without_claiming_optimal():
    import threading

    prob = generated_team(15, 28, seed=3)
    stop = threading.Event()
    stop.set()
    result = solve_cpsat(prob, time_limit=5.0, stop=stop)
    assert result.status in ("stopped", "feasible")
    assert validate(prob, result.assignments) == [] and result.gaps == []
