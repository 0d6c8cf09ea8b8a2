"""Building the planner's problem from the demo team, and drafting plans from it."""
from __future__ import annotations

from datetime import date

import pytest

from oncall_tui.core.errors import NotAllowed

from ..conftest import DEMO_YOU
from .helpers import MONTH, ROT, add_rotations, cells_by_day, local_day


def test_problem_is_next_month_of_the_people_on_the_rotation(as_user):
    me = as_user(DEMO_YOU)
    pp = me.plan_problem(ROT)
    assert pp.month == MONTH and pp.first_day == date(2026, 12, 1) and pp.last_day == date(2026, 12, 31)
    problem = pp.problem()
    assert len(problem.shifts) == 31
    on_rotation = {m.person.login for m in me.members("platform") if m.on_rotation}
    assert {p.id for p in problem.people} == on_rotation
    assert "maya" not in on_rotation
    weekend = [s for s in problem.shifts if s.day.weekday() >= 5]
    assert weekend and all(s.weight > 2 for s in weekend)
    newcomers = {p.id for p in problem.people if not p.experienced}
    assert {"fatima", "kofi"} <= newcomers
    assert all(p.past_load > 0 for p in problem.people if p.id not in newcomers)


def test_unavailable_days_are_respected_by_both_solvers(as_user):
    me = as_user(DEMO_YOU)
    off = [date(2026, 12, 10), date(2026, 12, 11), date(2026, 12, 12)]
    me.set_availability(off, "unavailable", note="conference", person="alice")
    problem = me.plan_problem(ROT).problem()
    assert {("alice", f"{d} 09:00") for d in off} <= problem.unavailable
    for solver in ("greedy", "cpsat"):
        view = me.draft_plan(ROT, solver=solver, time_limit=5)
        days = cells_by_day(view)
        for d in off:
            assert "alice" not in days[d].values(), (solver, d)
        assert any("alice" in roles.values() for roles in days.values())
        assert not [w for w in view.warnings if w.startswith("hard rule")]


def test_people_not_eligible_for_a_role_are_not_given_it(as_user):
    me = as_user(DEMO_YOU)
    view = me.draft_plan(ROT, solver="greedy")
    readiness = {p.login: me.requirements(person=p.login, team="platform") for p in view.people}
    blocked_now = {(login, r.role) for login, ready in readiness.items() for r in ready.roles if not r.eligible}
    assert blocked_now, "the demo has people who may not yet be primary"
    problem = me.plan_problem(ROT).problem()
    for c in view.cells:
        if c.login:
            assert (c.login, f"{local_day(c.start)} 09:00", c.role) in problem.eligible
    newcomer_roles = {c.role for c in view.cells if c.login in ("fatima", "kofi")}
    assert newcomer_roles <= {"shadow"}


def test_nobody_is_planned_while_on_call_in_another_rotation(as_user):
    me = as_user(DEMO_YOU)
    add_rotations(me)
    nights = me.draft_plan("search-night", MONTH, solver="greedy")
    me.publish_plan(nights.summary.id, nights.summary.version)
    night_of = {(c.login, c.start): c.end for c in nights.cells if c.login}
    assert night_of
    for solver in ("greedy", "cpsat"):
        day = me.draft_plan(ROT, MONTH, solver=solver, time_limit=5)
        for c in day.cells:
            for (login, start), end in night_of.items():
                if c.login == login:
                    assert not (start < c.end and c.start < end), (solver, login, c.start, start)


def test_follow_the_sun_windows_take_people_of_their_region_only(as_user):
    me = as_user(DEMO_YOU)
    add_rotations(me)
    region = {m.person.login: m.region for m in me.members("platform")}
    view = me.draft_plan("follow-sun", MONTH, solver="greedy")
    regions = {c.region for c in view.cells}
    assert regions == {"EMEA", "AMER"}
    filled = [c for c in view.cells if c.login]
    assert filled
    for c in filled:
        assert region[c.login] == c.region


def test_infeasible_days_come_back_as_gaps_with_reasons(as_user):
    me = as_user(DEMO_YOU)
    christmas = date(2026, 12, 25)
    for m in me.members("platform"):
        if m.on_rotation:
            me.set_availability([christmas], "unavailable", person=m.person.login)
    for solver in ("greedy", "cpsat"):
        view = me.draft_plan(ROT, solver=solver, time_limit=3)
        gaps = [g for g in view.gaps if local_day(g.start) == christmas]
        assert {g.role for g in gaps} == {"primary", "secondary"}
        for g in gaps:
            assert any(r.startswith("unavailable:") for r in g.reasons), g.reasons
        assert view.summary.gaps == len(view.gaps)
        assert all(g.uid for g in view.gaps)


def test_engineers_cannot_plan_or_see_drafts(as_user):
    draft = as_user(DEMO_YOU).draft_plan(ROT, solver="greedy")
    alice = as_user("alice")
    with pytest.raises(NotAllowed):
        alice.plan_problem(ROT)
    with pytest.raises(NotAllowed):
        alice.draft_plan(ROT, solver="greedy")
    with pytest.raises(NotAllowed):
        alice.publish_plan(draft.summary.id, draft.summary.version)
    with pytest.raises(NotAllowed):
        alice.plan(draft.summary.id)
    assert all(p.status != "draft" for p in alice.plans())
    assert any(p.status == "published" for p in alice.plans())


def test_explain_says_why_a_person_got_their_shifts(as_user):
    me = as_user(DEMO_YOU)
    me.set_availability([date(2026, 12, 3)], "unavailable", note="dentist", person="chloe")
    view = me.draft_plan(ROT, solver="greedy")
    text = me.explain_person(view.summary.id, "chloe")
    assert "Chloé Lambert (chloe)" in text
    assert "Thu 03 Dec" in text and "dentist" in text
    assert "target" in text
    mine = [c for c in view.cells if c.login == "chloe" and c.role != "shadow"]
    assert f"{len(mine)} shift{'s' if len(mine) != 1 else ''} (" in text or not mine
    assert "marked unavailable by hand (dentist)" in text
    with pytest.raises(NotAllowed):
        as_user("alice").explain_person(view.summary.id, "chloe")


def test_a_published_plan_s_points_against_its_shares_are_next_month_s_catch_up(as_user):
    """Past load is counted once: what a person was ahead or behind their fair share in the
    published plans is the catch-up, bounded by one shift, and the shares still add up."""
    from oncall_tui.scheduler.fairness import catch_up_bound, fair_shares

    me = as_user(DEMO_YOU)
    view = me.draft_plan(ROT, solver="greedy")
    me.publish_plan(view.summary.id, view.summary.version)
    rows = {p.login: p for p in view.people}
    assert all(p.share > 0 or p.points == 0 for p in rows.values())
    problem = me.plan_problem(ROT, month="2027-01").problem()
    for person in problem.people:
        row = rows.get(person.id)
        if row is not None:
            assert person.past_excess == pytest.approx(row.points - row.share, abs=0.02)
    shares = fair_shares(problem)
    bound = catch_up_bound(problem)
    assert any(abs(s.catch_up) > 0.1 for s in shares.values())
    assert sum(s.target for s in shares.values()) == pytest.approx(
        sum(s.base for s in shares.values()))
    owed = {p.id: max(-bound, min(bound, -p.past_excess)) for p in problem.people}
    assert all(abs(owed[i]) <= bound for i in owed)


def _counting_reads(monkeypatch) -> list[int]:
    """How often a draft reads the team (the planner's data for a month)."""
    from oncall_tui.services.planning import PlanningService

    reads: list[int] = []
    real = PlanningService._gather

    def gather(self, rot, month):
        reads.append(1)
        return real(self, rot, month)

    monkeypatch.setattr(PlanningService, "_gather", gather)
    return reads


def test_a_draft_reads_the_team_once_when_nothing_changed_while_it_solved(demo_db, clock, monkeypatch):
    """The saving reuses what the draft read, so the time limit goes to the solver; the plan
    is the same as one saved after a fresh read."""
    from oncall_tui.backend.local import LocalBackend

    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    reads = _counting_reads(monkeypatch)
    view = me.draft_plan(ROT, solver="greedy", time_limit=5)
    assert len(reads) == 1
    assert "dropped" not in view.solve_note


def test_a_change_made_while_the_solver_ran_is_read_again_before_saving(demo_db, clock, monkeypatch):
    """Someone marks a day unavailable while the draft is being solved: the saving sees it
    (the change counter moved) and drops the cell the solver gave them on that day."""
    import oncall_tui.scheduler.solve as solving
    from oncall_tui.backend.local import LocalBackend

    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    reads = _counting_reads(monkeypatch)
    real_solve = solving.solve
    marked: list[tuple[str, date]] = []

    def solve_then_someone_writes(problem, solver, time_limit, **kw):
        result = real_solve(problem, solver, time_limit, **kw)
        (shift, _role), login = sorted(result.assignments.items())[0]
        day = next(s.day for s in problem.shifts if s.id == shift)
        manager = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)  # past the deadline: a manager marks it
        manager.set_availability([day], "unavailable", note="flu", person=login)
        marked.append((login, day))
        return result

    monkeypatch.setattr(solving, "solve", solve_then_someone_writes)
    view = me.draft_plan(ROT, solver="greedy", time_limit=5)
    assert len(reads) == 2
    login, day = marked[0]
    assert login not in cells_by_day(view)[day].values()
    assert "dropped" in view.solve_note
