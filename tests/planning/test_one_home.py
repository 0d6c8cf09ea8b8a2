"""The planner and the team availability grid read the same person the same way: one past load
(with the rotation's own points and the team's holidays) and one order of availability marks."""
from __future__ import annotations

import re
from datetime import date

from oncall_tui.services.demo import demo_team_toml

from ..conftest import DEMO_YOU
from .helpers import LONDON, MONTH, ROT

HOLIDAY = date(2026, 8, 31)  # a Monday in the demo's history window (Jun-Nov 2026)
POINTS = {"weekday": 4, "weekend": 7, "holiday": 11}


def _own_points_and_a_holiday(backend) -> None:
    text = demo_team_toml(DEMO_YOU)
    text = text.replace('settings = { holidays = ["2026-12-25"', f'settings = {{ holidays = ["{HOLIDAY}", "2026-12-25"')
    text = text.replace('roles = ["primary", "secondary", "shadow"]\n',
                        'roles = ["primary", "secondary", "shadow"]\n'
                        f'weights = {{ weekday_points = {POINTS["weekday"]}, weekend_points = {POINTS["weekend"]}, '
                        f'holiday_points = {POINTS["holiday"]} }}\n', 1)
    assert str(HOLIDAY) in text and "weekday_points" in text
    backend.import_team(text, "platform.toml")


def _expected(backend, login: str) -> int:
    """Their points over the six months before December, counted here from their shifts."""
    total = 0
    for s in backend.shifts(person=login, first=date(2026, 5, 30), last=date(2026, 12, 2)):
        a = s.assignment
        day = a.start.astimezone(LONDON).date()
        if a.rotation != ROT or a.role == "shadow" or not date(2026, 6, 1) <= day < date(2026, 12, 1):
            continue
        total += POINTS["holiday" if day == HOLIDAY else "weekend" if day.weekday() >= 5 else "weekday"]
    return total


def test_past_load_is_one_figure_in_team_availability_the_planner_and_its_why(as_user):
    root = as_user(DEMO_YOU)
    _own_points_and_a_holiday(root)
    grid = {m.person.login: m.recommendation for m in root.team_availability(month=MONTH).members}
    planner = {p.id: p.past_load for p in root.plan_problem(ROT, MONTH).problem().people}
    worked_the_holiday = [login for login in planner
                          if any(s.assignment.start.astimezone(LONDON).date() == HOLIDAY
                                 and s.assignment.role != "shadow"
                                 for s in root.shifts(person=login, first=HOLIDAY, last=HOLIDAY))]
    assert worked_the_holiday, "the demo has someone on call on the holiday"
    for login, past in planner.items():
        assert grid[login].past_load == past == _expected(root, login), login
    view = root.draft_plan(ROT, MONTH, solver="greedy")
    login = worked_the_holiday[0]
    why = root.explain_person(view.summary.id, login)
    figures = set(re.findall(r"(\d+(?:\.\d+)?) (?:pts|points) (?:on call in|over the last) 6 months", why))
    assert figures == {f"{_expected(root, login):g}"}, why
    assert next(p for p in view.people if p.login == login).past == _expected(root, login)
