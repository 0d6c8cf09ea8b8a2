"""The fair share (scheduler/fairness.fair_shares, README "Fair share"): proportional to the
hours a person may be planned for, per region, plus a bounded catch-up counted once; the
planner aims at it and breaks ties the same way on every run."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from oncall_tui.scheduler.cpsat import solve_cpsat
from oncall_tui.scheduler.fairness import catch_up_bound, equal_targets, fair_shares, loads
from oncall_tui.scheduler.greedy import solve_greedy
from oncall_tui.scheduler.problem import Problem, SchedPerson, SchedShift

from .helpers import day_shifts, problem, team

DECEMBER = date(2025, 12, 1)


def month(people: list[SchedPerson], days: int = 31, **kw) -> Problem:
    return Problem(people=people, shifts=day_shifts(days, first=DECEMBER), **kw)


def vacation(login: str, first: int, days: int = 7) -> set[tuple[str, str]]:
    return {(login, f"s{i}") for i in range(first, first + days)}


def points_to_cover(p: Problem) -> int:
    return sum(s.weight * len(s.roles) for s in p.shifts)


def test_shares_add_up_to_the_points_to_cover():
    everyone_away = {(f"p{i}", "s30") for i in range(5)}  # the 31st: nobody may be planned
    p = month(team(5), unavailable=vacation("p0", 3) | vacation("p1", 17) | everyone_away)
    shares = fair_shares(p)
    coverable = points_to_cover(p) - p.shifts[30].weight * 2
    assert sum(s.target for s in shares.values()) == pytest.approx(coverable)


def test_a_vacation_lowers_a_share_by_exactly_the_unavailable_fraction():
    everyone = fair_shares(month(team(5)))
    p = month(team(5), unavailable=vacation("p0", 3))
    shares = fair_shares(p)
    there = 24 / 31  # hours of the shifts p0 may take, of the month's
    total_hours = 4 * 31 + 24  # the team's open hours (in days)
    assert shares["p0"].base == pytest.approx(points_to_cover(p) * 24 / total_hours)
    # against the others: exactly the part of the month they are there, nothing more
    assert shares["p0"].base / shares["p1"].base == pytest.approx(there)
    assert shares["p0"].base < everyone["p0"].base


def test_five_people_two_week_long_vacations_are_not_spared_twice():
    """Issue 14: the vacationers' targets were cut to 61 % of the others' (days off lowered the
    level of the others' comparison and the available fraction both): now exactly the 24/31 of
    the month they are there, and the plan follows it."""
    p = month(team(5), unavailable=vacation("p0", 3) | vacation("p1", 17))
    shares = fair_shares(p)
    for login in ("p0", "p1"):
        assert shares[login].target / shares["p2"].target == pytest.approx(24 / 31)
    result = solve_cpsat(p, time_limit=10, workers=1)
    _, count = loads(p, result.assignments)
    assert all(count[x] >= 10 for x in ("p0", "p1")), count  # 10.6 shifts each, not 9-10
    assert max(abs(s.deviation) for s in result.stats) <= 2


def test_the_recommendation_level_does_not_scale_the_target_again():
    """Old: level 4 (a light month) scaled the target by 1.25 on top of the availability."""
    from oncall_tui.core.domain import Rotation, ShiftSlot
    from oncall_tui.core.planning import Member, build_problem

    rotation = Rotation(id=1, slug="r", name="R", team="t", tz="UTC", roles=("primary", "secondary"))
    slots = [ShiftSlot(rotation="r", start=s.start, end=s.end) for s in day_shifts(14, first=DECEMBER)]
    members = [Member(login=f"light{i}", name="L", level=4) for i in range(3)] + \
              [Member(login=f"busy{i}", name="B", level=2) for i in range(3)]
    built = build_problem(rotation, slots, members, eligible=lambda *a: (True, ""), marks=[], busy=[],
                          holidays=())
    shares = fair_shares(built.problem)
    assert shares["light0"].target == pytest.approx(shares["busy0"].target)


def test_follow_the_sun_shares_add_up_per_region_and_a_closed_window_counts_for_nobody():
    start = datetime(2026, 3, 2, tzinfo=UTC)
    shifts = []
    for d in range(14):
        day = start + timedelta(days=d)
        shifts.append(SchedShift(id=f"eu{d}", start=day + timedelta(hours=7), end=day + timedelta(hours=19),
                                 weight=2, region="EU", roles=("primary",)))
        shifts.append(SchedShift(id=f"am{d}", start=day + timedelta(hours=19), end=day + timedelta(hours=31),
                                 weight=3, region="AM", roles=("primary",)))
        shifts.append(SchedShift(id=f"ap{d}", start=day + timedelta(hours=1), end=day + timedelta(hours=7),
                                 weight=1, region="APAC", roles=("primary",)))
    people = [SchedPerson(id=f"e{i}", region="EU") for i in range(3)] + \
             [SchedPerson(id=f"a{i}", region="AM") for i in range(4)]
    p = Problem(people=people, shifts=shifts)
    shares = fair_shares(p)
    assert sum(shares[f"e{i}"].target for i in range(3)) == pytest.approx(14 * 2)
    assert sum(shares[f"a{i}"].target for i in range(4)) == pytest.approx(14 * 3)
    assert sum(s.target for s in shares.values()) == pytest.approx(14 * 5)  # the APAC window: nobody's


def test_past_load_is_counted_once_and_bounded():
    people = team(4)
    people[0].past_excess = -30.0  # far behind: owed, but at most one shift this month
    people[1].past_excess = 1.0  # a little ahead
    people[2].past_load = people[3].past_load = 500.0  # raw load alone moves nothing
    p = month(people)
    shares = fair_shares(p)
    bound = catch_up_bound(p)
    # owed one shift (bounded), ahead by 1 point: the difference is balanced over all four
    assert shares["p0"].catch_up == pytest.approx(bound - (bound - 1.0) / 4)
    assert shares["p1"].catch_up == pytest.approx(-1.0 - (bound - 1.0) / 4)
    assert shares["p2"].catch_up == shares["p3"].catch_up  # past_load is not a second correction
    assert sum(s.target for s in shares.values()) == pytest.approx(points_to_cover(p))
    assert all(s.base == pytest.approx(shares["p0"].base) for s in shares.values())


def test_equal_split_ignores_availability():
    p = month(team(5), unavailable=vacation("p0", 3))
    assert equal_targets(p)["p0"] == pytest.approx(points_to_cover(p) / 5)


def test_two_solves_give_the_same_plan():
    p = problem(people=6, days=14)
    first = solve_cpsat(p, time_limit=10, workers=2, seed=0)
    second = solve_cpsat(p, time_limit=10, workers=2, seed=0)
    assert first.status == second.status == "optimal"
    assert first.assignments == second.assignments


def test_greedy_aims_at_the_fair_shares():
    p = month(team(5), unavailable=vacation("p0", 3) | vacation("p1", 17))
    result = solve_greedy(p)
    worst = max(abs(s.deviation) for s in result.stats)
    assert worst <= 3, result.stats


def _pairing_lines(members):
    from oncall_tui.core.domain import Rotation, ShiftSlot
    from oncall_tui.core.planning import build_problem, evaluate, warnings

    rotation = Rotation(id=1, slug="r", name="R", team="t", tz="UTC", roles=("primary", "secondary"))
    slots = [ShiftSlot(rotation="r", start=s.start, end=s.end) for s in day_shifts(31, first=DECEMBER)]
    built = build_problem(rotation, slots, members, eligible=lambda *a: (True, ""), marks=[], busy=[],
                          holidays=())
    newcomers = [m.login for m in members if m.experience < 5]
    plan = {(s.id, role): newcomers[(i + k) % len(newcomers)]
            for i, s in enumerate(built.problem.shifts) for k, role in enumerate(("primary", "secondary"))}
    return [w for w in warnings(built, evaluate(built, plan), lambda s: s) if w.startswith("pairing")]


def test_a_team_with_no_history_gets_no_pairing_warnings():
    from oncall_tui.core.planning import Member

    assert _pairing_lines([Member(login=f"n{i}", name="N") for i in range(3)]) == []


def test_pairing_warnings_come_as_one_grouped_line():
    from oncall_tui.core.planning import Member

    members = [Member(login=f"n{i}", name="N") for i in range(3)] + [Member(login="vet", name="V", experience=40)]
    lines = _pairing_lines(members)
    assert len(lines) == 1 and lines[0].startswith("pairing: 31 shifts pair two less experienced people")
