"""What candidates are judged on: the planner's month, gathered the cheap way, is the same month.

The first candidates call after any change gathers the shift's month (`PlanData._gather`): the
history is counted by the database (shifts served, the last one's end) and only the rotation's
last few days come back as rows (the carry-in), and nobody's eligibility is asked
(`judge=False`) since the swap judges only the one shift asked about. Here each is checked
against the plain way of getting it, on the demo with a second rotation (busy elsewhere) and a
follow-the-sun one (regions), over three months."""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import UTC, timedelta

import pytest

from oncall_tui.backend.local import LocalBackend

from ..conftest import DEMO_YOU
from ..planning.helpers import add_rotations
from .helpers import publish_month

MONTHS = ("2026-11", "2026-12", "2027-01")
ROTATIONS = ("platform-247", "search-night", "follow-sun")


@pytest.fixture
def root(demo_db, clock) -> LocalBackend:
    """The demo with December published, two more rotations, and December of the second one
    published too: the demo's rotation has someone busy elsewhere on most days."""
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    add_rotations(backend, DEMO_YOU)
    view = backend.draft_plan("search-night", "2026-12", solver="greedy", time_limit=5)
    backend.publish_plan(view.summary.id, view.summary.version)
    publish_month(demo_db, clock, "2027-01")
    return backend


def _plain(built) -> dict:
    """Everything a Built holds, comparable with ==."""
    problem = dataclasses.asdict(built.problem)
    return {"problem": problem, **{f.name: getattr(built, f.name) for f in dataclasses.fields(built)
                                   if f.name != "problem"}}


def test_a_month_gathered_without_judging_is_the_month_with_everyone_eligible(root):
    from oncall_tui.services.planning_data import PlanData
    from oncall_tui.store import models as m

    services = root.services

    def everyone(team):
        return lambda person_id, role, at: (True, "")

    def run() -> int:
        compared = 0
        for slug in ROTATIONS:
            rot = m.Rotation.get(m.Rotation.slug == slug)
            for month in MONTHS:
                judged = PlanData(services.context, everyone, services.availability.recommendations)
                unjudged = PlanData(services.context, services.requirements.eligibility_checker,
                                    services.availability.recommendations)
                want, got = judged._gather(rot, month), unjudged._gather(rot, month, judge=False)
                assert _plain(got) == _plain(want), (slug, month)
                compared += 1
                if slug == "follow-sun":  # the region rule still applies when nobody is judged
                    assert got.ineligible_why and all("window is staffed from" in why
                                                      for why in got.ineligible_why.values())
                if slug == "platform-247" and month == "2026-12":
                    assert got.problem.busy_elsewhere  # the second rotation is there to be seen
        return compared
    assert root._read(run) == len(ROTATIONS) * len(MONTHS)


def test_history_counted_by_the_database_is_every_shift_served_before_the_month(root):
    """Shifts served (primary/secondary, every rotation), the end of the last one, and the
    carry-in (the rotation's own shifts of the last days, any role) against a plain count of
    every published assignment before the month's first shift."""
    from oncall_tui.core.recommend import OPTIONAL_ROLES
    from oncall_tui.services.planning_data import PlanData
    from oncall_tui.store import models as m

    services = root.services

    def run() -> int:
        checked = 0
        for slug in ("platform-247", "search-night"):
            rot = m.Rotation.get(m.Rotation.slug == slug)
            for month in MONTHS:
                built = PlanData(services.context, services.requirements.eligibility_checker,
                                 services.availability.recommendations)._gather(rot, month, judge=False)
                problem = built.problem
                period_start = min(s.start for s in problem.shifts)
                served: dict[str, int] = defaultdict(int)
                last_end: dict[str, object] = {}
                for a in (m.Assignment.select(m.Assignment, m.Slot, m.Plan, m.Person).join(m.Slot)
                          .switch(m.Assignment).join(m.Plan).switch(m.Assignment).join(m.Person)
                          .where(m.Plan.status == "published")):
                    start, end = a.slot.start.astimezone(UTC), a.slot.end.astimezone(UTC)
                    if start >= period_start or a.slot.role in OPTIONAL_ROLES:
                        continue
                    login = a.person.login
                    served[login] += 1
                    last_end[login] = max(last_end.get(login, end), end)
                for login, member in built.members.items():
                    assert member.experience == served.get(login, 0), (slug, month, login)
                    assert member.last_on_call == last_end.get(login), (slug, month, login)
                    checked += 1
                # the carry-in: the rest still owed at the month's start after the last days
                rest = timedelta(hours=problem.rules.min_rest_hours)
                owed = sorted((a.person.login, a.slot.end, a.slot.end + rest) for a in
                              m.Assignment.select(m.Assignment, m.Slot, m.Plan, m.Person).join(m.Slot)
                              .switch(m.Assignment).join(m.Plan).switch(m.Assignment).join(m.Person)
                              .where((m.Plan.status == "published") & (m.Slot.rotation == rot))
                              if a.slot.start < period_start and a.slot.end + rest > period_start
                              and a.person.login in built.members and rest > timedelta(0))
                assert sorted(problem.rest_before) == owed, (slug, month)
        return checked
    assert root._read(run) > 0
