"""Property tests over small generated teams: every plan validates, coverage is full when it can be."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_tui.core import wire
from oncall_tui.scheduler.cpsat import solve_cpsat
from oncall_tui.scheduler.greedy import solve_greedy
from oncall_tui.scheduler.problem import Problem, Result, Rules, SchedPerson
from oncall_tui.scheduler.validate import uncovered, validate

from .helpers import day_shifts


@st.composite
def teams(draw, free: bool = False):
    people_count = draw(st.integers(2 if not free else 4, 7))
    days = draw(st.integers(3, 10))
    hours = draw(st.sampled_from([12, 24]))
    shifts = day_shifts(days, hours=hours, optional_roles=draw(st.sampled_from([(), ("shadow",)])))
    people = [SchedPerson(id=f"p{i}", name=f"P{i}", experienced=draw(st.booleans()),
                          past_load=draw(st.integers(0, 20)),
                          past_excess=draw(st.sampled_from([0.0, -4.0, 3.0])),
                          worked_before=0 if free else draw(st.sampled_from([0, 0, 1, 2, 3])))
              for i in range(people_count)]
    if free:  # no limits that can starve a slot: a full plan always exists
        return Problem(people=people, shifts=shifts, rules=Rules(min_rest_hours=0))
    slots = [(p.id, s.id) for p in people for s in shifts]
    unavailable = draw(st.sets(st.sampled_from(slots), max_size=len(slots) // 3))
    eligible = {(p.id, s.id, r) for p in people for s in shifts for r in s.all_roles
                if r != "primary" or p.experienced or draw(st.booleans())}
    wishes = draw(st.dictionaries(st.sampled_from(slots), st.sampled_from([-2, -1, 1, 2]), max_size=4))
    busy = []
    if draw(st.booleans()):
        start = shifts[draw(st.integers(0, days - 1))].start + timedelta(hours=draw(st.integers(0, 30)))
        busy.append((people[0].id, start, start + timedelta(hours=draw(st.integers(1, 48)))))
    rest_before = []
    if draw(st.booleans()):  # someone still resting after a shift just before the period
        end = shifts[0].start - timedelta(hours=draw(st.integers(0, 6)))
        rest_before.append((people[-1].id, end, end + timedelta(hours=draw(st.integers(1, 30)))))
    rules = Rules(
        min_rest_hours=draw(st.sampled_from([0, 12, 24])),
        max_consecutive=draw(st.sampled_from([None, 1, 2, 3])),
        min_consecutive=draw(st.sampled_from([None, None, 2])),
        max_shifts_per_period=draw(st.sampled_from([None, 2, 4])),
        max_weekends_per_period=draw(st.sampled_from([None, 1])),
        forbidden_successions=[],
    )
    return Problem(people=people, shifts=shifts, eligible=eligible, unavailable=unavailable,
                   wishes=wishes, busy_elsewhere=busy, rest_before=rest_before, rules=rules)


PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(teams())
def test_every_plan_validates_and_every_gap_is_explained(prob):
    greedy = solve_greedy(prob)
    cpsat = solve_cpsat(prob, time_limit=2.0, hint=greedy)
    for result in (greedy, cpsat):
        assert validate(prob, result.assignments) == []
        assert [(g.shift_id, g.role) for g in result.gaps] == uncovered(prob, result.assignments)
        assert all(g.reasons for g in result.gaps)
    if cpsat.status == "optimal":
        # the optimum covers at least as much as greedy, and its gaps have no willing taker
        assert len(cpsat.gaps) <= len(greedy.gaps)
        assert not any("allowed but not chosen" in r for g in cpsat.gaps for r in g.reasons)


@PROPERTY
@given(teams(free=True))
def test_full_coverage_when_nothing_stands_in_the_way(prob):
    for result in (solve_greedy(prob), solve_cpsat(prob, time_limit=2.0)):
        assert validate(prob, result.assignments) == []
        assert result.gaps == []


@PROPERTY
@given(teams(), st.dictionaries(st.tuples(st.sampled_from(["d1", "d2"]), st.sampled_from(["primary", "shadow"])),
                                st.sampled_from(["p0", "p1"]), max_size=3))
def test_problems_and_results_survive_the_wire(prob, previous):
    """The planner's problem crosses the backend inside PlanProblem, as the codec's JSON; its
    {(shift, role): login} maps travel as rows."""
    prob.previous = previous
    assert wire.convert(Problem, json.loads(wire.encode(prob))) == prob
    assert wire.convert_strict(Problem, wire.to_builtins(prob)) == prob
    result = solve_greedy(prob)
    assert wire.decode(Result, wire.encode(result)) == result
