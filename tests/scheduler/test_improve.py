"""The local search, the LP bound and the many-team scheduler keep every hard rule and never
claim a bound that a valid plan beats."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from bench.scheduler.batch import solve_teams, summed_gap
from bench.scheduler.sample import generated_team
from oncall_tui.scheduler.cpsat import _Model, solve_cpsat
from oncall_tui.scheduler.fairness import SCALE, rank, score
from oncall_tui.scheduler.greedy import greedy_assignments
from oncall_tui.scheduler.improve import improve_plan
from oncall_tui.scheduler.lp_bound import lp_bound
from oncall_tui.scheduler.prepare import prepare
from oncall_tui.scheduler.problem import Rules
from oncall_tui.scheduler.validate import uncovered, validate

from .helpers import day_shifts, problem
from .test_properties import teams


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams())
def test_local_search_keeps_every_rule_and_never_worsens_the_plan(prob):
    prep = prepare(prob)
    start = greedy_assignments(prob, prep, fair=True)
    better = improve_plan(prob, prep, start, time_limit=30.0, max_moves=3000, seed=1)
    assert validate(prob, better) == []
    assert score(prob, better, prep)[0] <= score(prob, start, prep)[0]
    assert len(uncovered(prob, better)) <= len(uncovered(prob, start))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams())
def test_lp_bound_never_exceeds_a_valid_plan_or_the_optimum(prob):
    prep = prepare(prob)
    bound = lp_bound(_Model(prob, prep).model.proto)
    plan = improve_plan(prob, prep, greedy_assignments(prob, prep, fair=True), time_limit=30.0,
                        max_moves=2000)
    assert bound is not None
    assert bound <= score(prob, plan, prep)[0]
    exact = solve_cpsat(prob, time_limit=5.0, use_lp_bound=False, polish=0)
    if exact.status == "optimal":  # CP-SAT alone, with the strengthened model, agrees
        # (optimal in the planner's order: its score may be above a plan whose largest
        # deviation is larger, never its rank)
        assert bound <= exact.score
        assert rank(prob, exact.assignments, prep) <= rank(prob, plan, prep)


def test_local_search_fills_slots_greedy_left_empty_and_evens_the_load():
    prob = generated_team(15, 28, seed=0)  # least-recently-on-call leaves one slot empty here
    prep = prepare(prob)
    start = greedy_assignments(prob, prep)
    assert uncovered(prob, start)
    better = improve_plan(prob, prep, start, time_limit=30.0, max_moves=20000)
    assert validate(prob, better) == [] and uncovered(prob, better) == []
    assert score(prob, better, prep)[0] < score(prob, start, prep)[0] / 10


def test_minimum_runs_are_left_to_cp_sat():
    prob = problem(people=3, days=6, rules=Rules(min_consecutive=2))
    plan = greedy_assignments(prob)
    assert improve_plan(prob, prepare(prob), plan, time_limit=1.0) == plan


def test_plan_that_meets_the_lp_bound_is_reported_optimal():
    prob = generated_team(8, 28, seed=0)
    result = solve_cpsat(prob, time_limit=20.0)
    assert result.status == "optimal"
    assert result.bound == result.score == score(prob, result.assignments)[0]
    assert validate(prob, result.assignments) == []


def test_weekend_halves_cannot_hide_the_spread_cost():
    """Two people, one weekend each at most, three weekend slots: someone works Saturday and
    Sunday back to back (a spread pair); the bound must see that without search."""
    from oncall_tui.scheduler.problem import Problem, SchedPerson, Weights

    shifts = [s for s in day_shifts(14) if s.weekend]  # two weekends, four shifts
    for s in shifts:
        s.roles = ("primary",)
    people = [SchedPerson(id=f"p{i}", name=f"P{i}") for i in range(2)]
    prob = Problem(people=people, shifts=shifts[:3], rules=Rules(max_weekends_per_period=1),
                   weights=Weights(fairness_max=0, fairness_sum=0, spread=5))
    bound = lp_bound(_Model(prob, prepare(prob)).model.proto)
    result = solve_cpsat(prob, time_limit=5.0)
    assert result.gaps == [] and validate(prob, result.assignments) == []
    assert result.score == 5 * SCALE and bound == 5 * SCALE and result.status == "optimal"  # one pair


def test_many_teams_all_get_valid_plans_and_honest_bounds():
    problems = {f"team{i}": generated_team(6, 14, seed=20 + i, prefix=f"t{i}_") for i in range(3)}
    seen = []
    results = solve_teams(problems, first_pass=6.0, total=12.0, processes=2,
                          on_update=lambda elapsed, res: seen.append(len(res)))
    assert sorted(results) == sorted(problems)
    assert seen and seen[-1] == 3
    for key, result in results.items():
        prob = problems[key]
        assert validate(prob, result.assignments) == []
        assert result.score == score(prob, result.assignments)[0]
        assert result.bound is not None and result.bound <= result.score
    assert 0.0 <= summed_gap(results) <= 1.0
    assert solve_teams({}) == {}


def test_unavoidable_gaps_are_proven_and_avoidable_ones_filled():
    # three people, one weekend each, two weekends of primary + secondary: 8 slots, at most
    # 2 shifts in a row and one weekend per person leave exactly 2 slots empty in any plan
    shifts = [s for s in day_shifts(14) if s.weekend]
    prob = problem(people=3, shifts=shifts, rules=Rules(max_weekends_per_period=1))
    result = solve_cpsat(prob, time_limit=5.0)
    assert validate(prob, result.assignments) == []
    assert len(result.gaps) == 2 and result.unavoidable_gaps == 2
    assert result.bound is not None and result.bound >= 2 * prob.weights.under_cover
    full = solve_cpsat(generated_team(15, 28, seed=0), time_limit=5.0)  # greedy leaves a gap
    assert full.gaps == [] and full.unavoidable_gaps == 0
