"""What carries in from before the period (a run of days worked, rest still owed), and regions.

Every solver (CP-SAT, greedy, the local search) and the independent validator must agree on
each rule; the gap reasons must name the rule that really keeps someone out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oncall_tui.core import wire
from oncall_tui.scheduler.cpsat import solve_cpsat
from oncall_tui.scheduler.gaps import explain_gaps
from oncall_tui.scheduler.greedy import solve_greedy
from oncall_tui.scheduler.improve import improve_plan
from oncall_tui.scheduler.prepare import prepare, region_allows
from oncall_tui.scheduler.problem import Problem, Rules, SchedPerson, SchedShift
from oncall_tui.scheduler.validate import validate

from .helpers import day_shifts, problem, team


def _solvers(prob: Problem):
    greedy = solve_greedy(prob)
    yield "greedy", greedy
    yield "cpsat", solve_cpsat(prob, time_limit=3.0)
    yield "cpsat from greedy", solve_cpsat(prob, time_limit=3.0, hint=greedy)


def _run_from_start(prob: Problem, assignments: dict, person: str) -> int:
    days = sorted({s.day for s in prob.shifts})
    mine = {prob.shift(s).day for (s, _r), p in assignments.items() if p == person}
    run = 0
    for day in days:
        if day not in mine:
            break
        run += 1
    return run


def _two_people_one_role(worked_before: int) -> Problem:
    """p0 and p1 take a primary each day; p1 is away the first two days, so only p0 can cover
    them, and p0 carries `worked_before` days in a row into the period (at most 3 in a row)."""
    people = [SchedPerson(id="p0", name="P0", worked_before=worked_before), SchedPerson(id="p1", name="P1")]
    shifts = day_shifts(6, roles=("primary",))
    return Problem(people=people, shifts=shifts, unavailable={("p1", "s0"), ("p1", "s1")},
                   rules=Rules(min_rest_hours=0, max_consecutive=3))


def test_without_a_carried_run_the_first_days_are_covered():
    prob = _two_people_one_role(0)
    for name, result in _solvers(prob):
        assert result.gaps == [], name
        assert validate(prob, result.assignments) == []


@pytest.mark.parametrize("worked_before, runs_into_the_period, gaps", [
    (1, 2, set()), (2, 1, {"s1"}), (3, 0, {"s0"}), (5, 0, {"s0"})])
def test_a_run_carried_in_counts_against_max_consecutive(worked_before, runs_into_the_period, gaps):
    """p0 alone can cover the first two days; after the carried run p0 must rest a day (the
    rest day ends the carried run, so p0 may cover the second day again)."""
    prob = _two_people_one_role(worked_before)
    for name, result in _solvers(prob):
        assert validate(prob, result.assignments) == [], name
        assert _run_from_start(prob, result.assignments, "p0") == runs_into_the_period, name
        assert {g.shift_id for g in result.gaps} == gaps, name
        for gap in result.gaps:
            assert "too many days in a row: P0" in gap.reasons, (name, gap.reasons)


def test_the_validator_catches_a_run_that_crosses_the_period_start():
    prob = _two_people_one_role(2)
    plan = {("s0", "primary"): "p0", ("s1", "primary"): "p0", ("s2", "primary"): "p1"}
    violations = [v for v in validate(prob, plan) if v.rule == "max_consecutive"]
    assert len(violations) == 1
    assert violations[0].person_id == "p0"
    assert "4 days in a row" in violations[0].message and "2 of them before the period" in violations[0].message
    # one day into the period is fine (2 + 1 = 3), and a run that starts later never counts them
    assert validate(prob, {("s0", "primary"): "p0", ("s2", "primary"): "p0", ("s3", "primary"): "p0",
                           ("s4", "primary"): "p0"}) == []


def test_min_consecutive_still_ignores_a_run_touching_the_period_start():
    prob = _two_people_one_role(1)
    prob.rules = Rules(min_rest_hours=0, max_consecutive=3, min_consecutive=3)
    assert validate(prob, {("s0", "primary"): "p0"}) == []


def test_the_local_search_keeps_the_carried_run():
    """improve_plan, pulled by wishes towards p0 on the first days, never breaks the run."""
    prob = _two_people_one_role(2)
    prob.unavailable = set()
    prob.wishes = {("p0", "s0"): 2, ("p0", "s1"): 2, ("p0", "s2"): 2}
    prep = prepare(prob)
    plan = improve_plan(prob, prep, {}, time_limit=0.5, seed=1, max_moves=20_000)
    assert validate(prob, plan) == []
    assert _run_from_start(prob, plan, "p0") <= 1
    assert any(p == "p0" for p in plan.values())  # it did move p0 where it could


# -- rest owed from before the period ------------------------------------------------------
def _rest_problem() -> Problem:
    shifts = day_shifts(3, roles=("primary",))
    last_end = shifts[0].start  # p0's last shift before the period ended at the first handoff
    return Problem(people=team(2), shifts=shifts,
                   unavailable={("p1", "s0")},
                   rest_before=[("p0", last_end, last_end + timedelta(hours=12))],
                   rules=Rules(min_rest_hours=12))


def test_rest_owed_from_before_the_period_keeps_someone_off_and_says_rest():
    prob = _rest_problem()
    for name, result in _solvers(prob):
        assert validate(prob, result.assignments) == [], name
        assert ("s0", "primary") not in result.assignments, name
        (gap,) = result.gaps
        assert gap.shift_id == "s0"
        assert "rest rule (too little rest): P0" in gap.reasons, gap.reasons
        assert not any("another rotation" in r for r in gap.reasons), gap.reasons
        assert result.assignments.get(("s1", "primary")) in ("p0", "p1")


def test_the_validator_reports_rest_owed_as_the_rest_rule():
    prob = _rest_problem()
    (violation,) = validate(prob, {("s0", "primary"): "p0"})
    assert violation.rule == "min_rest" and violation.person_id == "p0" and violation.shift_id == "s0"
    assert "rests until" in violation.message and "another rotation" not in violation.message
    # a shift starting after the rest is over is fine
    assert validate(prob, {("s1", "primary"): "p0"}) == []


def test_busy_elsewhere_still_reads_as_another_rotation():
    prob = _rest_problem()
    first = prob.shifts[0]
    prob.rest_before = []
    prob.busy_elsewhere = [("p0", first.start, first.start + timedelta(hours=2))]
    gaps = explain_gaps(prob, {})
    s0 = next(g for g in gaps if g.shift_id == "s0")
    assert "on call in another rotation: P0" in s0.reasons


def test_new_fields_round_trip_and_old_dicts_still_load():
    prob = _rest_problem()
    prob.people[0].worked_before = 2
    again = wire.convert(Problem, wire.to_builtins(prob))
    assert again.rest_before == prob.rest_before
    assert again.person("p0").worked_before == 2
    old = wire.to_builtins(prob)
    del old["rest_before"]
    for person in old["people"]:
        del person["worked_before"]
    loaded = wire.convert(Problem, old)
    assert loaded.rest_before == [] and loaded.person("p0").worked_before == 0


# -- regions -------------------------------------------------------------------------------
REGIONS = [None, "", "EMEA", "AMER"]


@pytest.mark.parametrize("shift_region", REGIONS)
@pytest.mark.parametrize("person_region", REGIONS)
def test_solvers_and_validator_agree_on_regions(person_region, shift_region):
    person = SchedPerson(id="p0", region=person_region)
    shift = day_shifts(1, roles=("primary",))[0]
    shift.region = shift_region
    prob = Problem(people=[person], shifts=[shift])
    allowed = region_allows(person, shift)
    flagged = [v for v in validate(prob, {(shift.id, "primary"): "p0"}) if v.rule == "not_eligible"]
    assert allowed == (not flagged)
    # the rule build_problem follows: a window takes its own region only; no window, anyone
    assert allowed == (not shift_region or person_region == shift_region)


def test_people_without_a_region_are_not_put_in_a_regional_window():
    shifts = [SchedShift(id=s.id, start=s.start, end=s.end, day=s.day, roles=("primary",),
                         region="EMEA" if i % 2 == 0 else "")
              for i, s in enumerate(day_shifts(4, roles=("primary",)))]
    people = [SchedPerson(id="nobody-region", name="N", region=None),
              SchedPerson(id="blank", name="B", region=""),
              SchedPerson(id="emea", name="E", region="EMEA", max_shifts=1)]
    prob = Problem(people=people, shifts=shifts, rules=Rules(min_rest_hours=0))
    for name, result in _solvers(prob):
        assert validate(prob, result.assignments) == [], name
        for (shift_id, _role), person in result.assignments.items():
            if prob.shift(shift_id).region == "EMEA":
                assert person == "emea", (name, shift_id, person)
        # E can only take one of the two EMEA windows: the other is a gap, nobody else fits it
        assert len([g for g in result.gaps if prob.shift(g.shift_id).region == "EMEA"]) == 1, name
        assert not [g for g in result.gaps if not prob.shift(g.shift_id).region], name


def test_small_problem_helper_still_has_no_carry_in():
    prob = problem()
    assert all(p.worked_before == 0 for p in prob.people) and prob.rest_before == []
