"""The independent validator catches every kind of hard-rule breach a plan can hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oncall_tui.scheduler.problem import Rules, SchedPerson
from oncall_tui.scheduler.validate import validate

from .helpers import day_shifts, problem


def rules_broken(prob, plan):
    return sorted({v.rule for v in validate(prob, plan)})


def test_a_clean_plan_has_no_violations():
    prob = problem(people=4, days=4)
    plan = {("s0", "primary"): "p0", ("s0", "secondary"): "p1",
            ("s1", "primary"): "p2", ("s1", "secondary"): "p3"}
    assert validate(prob, plan) == []


def test_not_eligible_for_the_role():
    prob = problem(eligible={("p0", "s0", "secondary")})
    assert rules_broken(prob, {("s0", "primary"): "p0"}) == ["not_eligible"]


def test_outside_the_region_of_a_follow_the_sun_window():
    shifts = day_shifts(1)
    shifts[0].region = "APAC"
    people = [SchedPerson(id="p0", region="EMEA")]
    prob = problem(people_list=people, shifts=shifts)
    assert rules_broken(prob, {("s0", "primary"): "p0"}) == ["not_eligible"]


def test_unavailable():
    prob = problem(unavailable={("p0", "s2")})
    assert rules_broken(prob, {("s2", "secondary"): "p0"}) == ["unavailable"]


def test_busy_in_another_rotation():
    first = day_shifts(1)[0]
    prob = problem(busy_elsewhere=[("p1", first.start + timedelta(hours=20), first.end + timedelta(hours=1))])
    violations = validate(prob, {("s0", "primary"): "p1", ("s1", "primary"): "p2"})
    assert [(v.rule, v.person_id, v.shift_id) for v in violations] == [("busy_elsewhere", "p1", "s0")]


def test_two_roles_on_one_shift():
    prob = problem()
    assert "double_role" in rules_broken(prob, {("s0", "primary"): "p0", ("s0", "secondary"): "p0"})


def test_overlapping_shifts():
    shifts = day_shifts(2)
    shifts[1].start = shifts[0].end - timedelta(hours=2)
    prob = problem(shifts=shifts)
    assert rules_broken(prob, {("s0", "primary"): "p0", ("s1", "primary"): "p0"}) == ["overlap"]


def test_too_little_rest():
    prob = problem(shifts=day_shifts(3, hours=12), rules=Rules(min_rest_hours=14))
    assert rules_broken(prob, {("s0", "primary"): "p0", ("s1", "primary"): "p0"}) == ["min_rest"]
    assert validate(prob, {("s0", "primary"): "p0", ("s2", "primary"): "p0"}) == []


def test_forbidden_succession_of_shift_kinds():
    shifts = day_shifts(2)
    shifts[0].kind, shifts[1].kind = "night", "day"
    prob = problem(shifts=shifts, rules=Rules(forbidden_successions=[("night", "day")]))
    assert rules_broken(prob, {("s0", "primary"): "p0", ("s1", "primary"): "p0"}) == [
        "forbidden_succession"]


def test_too_many_days_in_a_row():
    prob = problem(rules=Rules(max_consecutive=2))
    plan = {(f"s{i}", "primary"): "p0" for i in range(3)}
    assert rules_broken(prob, plan) == ["max_consecutive"]
    assert validate(prob, {("s0", "primary"): "p0", ("s1", "primary"): "p0",
                           ("s3", "primary"): "p0"}) == []


def test_too_short_a_run_except_at_the_edges_of_the_period():
    prob = problem(days=7, rules=Rules(min_consecutive=2))
    assert rules_broken(prob, {("s3", "primary"): "p0"}) == ["min_consecutive"]
    assert validate(prob, {("s0", "primary"): "p0", ("s6", "primary"): "p0"}) == []


def test_max_shifts_per_period_and_per_person():
    prob = problem(rules=Rules(max_shifts_per_period=2))
    plan = {("s0", "primary"): "p0", ("s2", "primary"): "p0", ("s4", "primary"): "p0"}
    assert rules_broken(prob, plan) == ["max_shifts"]
    people = [SchedPerson(id="p0", max_shifts=1), SchedPerson(id="p1")]
    prob = problem(people_list=people)
    assert rules_broken(prob, {("s0", "primary"): "p0", ("s2", "primary"): "p0"}) == ["max_shifts"]


def test_max_weekends():
    prob = problem(days=14, rules=Rules(max_weekends_per_period=1))
    plan = {("s5", "primary"): "p0", ("s12", "primary"): "p0"}  # two Saturdays
    assert rules_broken(prob, plan) == ["max_weekends"]
    assert validate(prob, {("s5", "primary"): "p0", ("s6", "secondary"): "p0"}) == []


def test_shadow_only_beside_a_primary():
    prob = problem(shifts=day_shifts(2, optional_roles=("shadow",)))
    assert rules_broken(prob, {("s0", "shadow"): "p0", ("s0", "secondary"): "p1"}) == [
        "shadow_without_primary"]
    assert validate(prob, {("s0", "shadow"): "p0", ("s0", "primary"): "p1"}) == []


@pytest.mark.parametrize("plan", [{("nope", "primary"): "p0"}, {("s0", "cook"): "p0"},
                                  {("s0", "primary"): "ghost"}])
def test_unknown_people_shifts_and_roles(plan):
    assert rules_broken(problem(), plan) == ["unknown"]


def test_rest_is_measured_in_real_hours_across_the_daylight_saving_change():
    from bench.scheduler.sample import daily_shifts
    from datetime import date
    shifts = daily_shifts(date(2025, 3, 24), 14, "Europe/Berlin")
    by_day = {s.day.isoformat(): s for s in shifts}
    prob = problem(shifts=shifts, rules=Rules(min_rest_hours=24))
    # every other day: 24 h of rest, except when the middle day is only 23 h long
    friday, sunday = by_day["2025-03-28"], by_day["2025-03-30"]
    assert (sunday.start - friday.end) == timedelta(hours=23)
    assert rules_broken(prob, {(friday.id, "primary"): "p0", (sunday.id, "primary"): "p0"}) == [
        "min_rest"]
    tuesday, thursday = by_day["2025-04-01"], by_day["2025-04-03"]
    assert validate(prob, {(tuesday.id, "primary"): "p0", (thursday.id, "primary"): "p0"}) == []
