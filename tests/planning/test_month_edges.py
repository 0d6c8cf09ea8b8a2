"""The month boundary: what someone worked at the end of one published month carries into the
plan of the next (days in a row, rest), and the planner says which rule keeps them out."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from oncall_tui.core.domain import Rotation, RotationRules
from oncall_tui.core.planning import Mark, Member, build_problem, explain_person
from oncall_tui.scheduler.greedy import solve_greedy
from oncall_tui.core.shifts import generate_shifts

from ..conftest import DEMO_YOU
from .helpers import MONTH, ROT, cells_by_day

DEC_30, DEC_31 = date(2026, 12, 30), date(2026, 12, 31)
JAN_1, JAN_2 = date(2027, 1, 1), date(2027, 1, 2)


def _run_up_to(days: dict, login: str, last: date) -> int:
    run, d = 0, last
    while login in days.get(d, {}).values():
        run, d = run + 1, d - timedelta(days=1)
    return run


def _run_from(days: dict, login: str, first: date) -> int:
    run, d = 0, first
    while login in days.get(d, {}).values():
        run, d = run + 1, d + timedelta(days=1)
    return run


def test_a_run_at_the_end_of_december_carries_into_january(as_user):
    me = as_user(DEMO_YOU)
    on_rotation = [m.person.login for m in me.members("platform") if m.on_rotation]
    # New Year's Eve is worked by people who were off on the 30th: a run of one day, shorter
    # than the rotation's limit, that crosses into January
    eve_crew = ["alice", "bogdan", "chloe", "dev"]
    for login in on_rotation:
        me.set_availability([DEC_30] if login in eve_crew else [DEC_31], "unavailable", person=login)
    december = me.draft_plan(ROT, MONTH, solver="greedy")
    me.publish_plan(december.summary.id, december.summary.version)
    dec_days = cells_by_day(december)
    on_the_31st = sorted({login for login in dec_days[DEC_31].values() if login})
    assert len(on_the_31st) >= 2 and set(on_the_31st) <= set(eve_crew)

    problem = me.plan_problem(ROT, "2027-01").problem()
    limit = problem.rules.max_consecutive
    assert limit == 2  # the demo rotation's rule
    for person in problem.people:
        assert person.worked_before == _run_up_to(dec_days, person.id, DEC_31), person.id
    assert all(problem.person(login).worked_before == 1 for login in on_the_31st)

    # only the people of New Year's Eve may work on the 1st and 2nd: without the carried day
    # they would simply take both (2 in a row in January, but 3 counting the 31st)
    for login in on_rotation:
        if login not in on_the_31st:
            me.set_availability([JAN_1, JAN_2], "unavailable", person=login)
    for solver in ("greedy", "cpsat"):
        january = me.draft_plan(ROT, "2027-01", solver=solver, time_limit=5)
        assert not [w for w in january.warnings if w.startswith("hard rule")], solver
        jan_days = cells_by_day(january)
        for login in on_the_31st:
            carried = _run_up_to(dec_days, login, DEC_31)
            assert carried + _run_from(jan_days, login, JAN_1) <= limit, (solver, login)
        early = [g for g in january.gaps if g.start.date() in (JAN_1, JAN_2)]
        assert early, solver
        assert any(r.startswith("too many days in a row:") and any(x in r for x in on_the_31st)
                   for g in early for r in g.reasons), (solver, [g.reasons for g in early])
        text = me.explain_person(january.summary.id, on_the_31st[0])
        assert re.search(r"Worked the last (1 day|\d+ days) before the period in a row", text), text


def _utc(y: int, mo: int, d: int, h: int = 9) -> datetime:
    return datetime(y, mo, d, h, tzinfo=timezone.utc)


def test_rest_across_the_boundary_reads_as_rest_not_another_rotation():
    rotation = Rotation(id=1, team="t", slug="r", name="R", tz="UTC", roles=("primary",),
                        rules=RotationRules(min_rest_hours=12, max_consecutive=7))
    shifts = generate_shifts(rotation, JAN_1, date(2027, 1, 4))
    members = [Member(login="ann", name="Ann"), Member(login="bob", name="Bob")]
    carry_in = [("ann", _utc(2026, 12, 31), _utc(2027, 1, 1))]  # Ann's shift ends at the handoff
    built = build_problem(rotation, shifts, members, eligible=lambda *_: (True, ""),
                          marks=[Mark(login="bob", day=JAN_1, state="unavailable")], busy=[], holidays=set(),
                          carry_in=carry_in)
    problem = built.problem
    assert problem.busy_elsewhere == []
    assert problem.rest_before == [("ann", _utc(2027, 1, 1), _utc(2027, 1, 1, 21))]
    assert problem.person("ann").worked_before == 1 and problem.person("bob").worked_before == 0
    result = solve_greedy(problem)
    (gap,) = result.gaps
    assert gap.shift_id == "2027-01-01 09:00"
    assert "rest rule (too little rest): ann" in gap.reasons
    assert not any("another rotation" in r for r in gap.reasons)
    text = explain_person(built, result, "ann", "UTC", False)
    assert "Resting after their last shift before the period until Fri 01 Jan 21:00" in text
    assert "another rotation" not in text


def test_a_full_run_before_the_period_keeps_someone_off_the_first_day():
    rotation = Rotation(id=1, team="t", slug="r", name="R", tz="UTC", roles=("primary",),
                        rules=RotationRules(min_rest_hours=0, max_consecutive=2))
    shifts = generate_shifts(rotation, JAN_1, date(2027, 1, 3))
    carry_in = [("ann", _utc(2026, 12, 30), _utc(2026, 12, 31)), ("ann", _utc(2026, 12, 31), _utc(2027, 1, 1))]
    built = build_problem(rotation, shifts, [Member(login="ann", name="Ann")], eligible=lambda *_: (True, ""),
                          marks=[], busy=[], holidays=set(), carry_in=carry_in)
    assert built.problem.person("ann").worked_before == 2
    assert built.problem.unavailable == set()  # the run rule, not a made-up unavailability
    result = solve_greedy(built.problem)
    assert [g.shift_id for g in result.gaps] == ["2027-01-01 09:00"]
    assert result.gaps[0].reasons == ["too many days in a row: ann"]
