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


def test_marks_from_different_sources_are_read_the_same_by_the_availability_views_and_the_planner(as_user):
    from tests.availability.calendars import MEETING_26_JAN
    from tests.availability.test_service import import_text
    from tests.calendars.builders import ics

    root, alice = as_user(DEMO_YOU), as_user("alice")
    month, tuesday = "2027-01", date(2027, 1, 26)
    shift = f"{tuesday} 09:00"

    def read():
        view = next(d for d in alice.availability(month=month).days if d.day == tuesday)
        grid = {m.person.login: m for m in root.team_availability(month=month).members}["alice"]
        cell = grid.cells[tuesday.day - 1]
        problem = root.plan_problem(ROT, month).problem()
        planner = ("unavailable" if ("alice", shift) in problem.unavailable
                   else {-2: "avoid", 2: "want"}.get(problem.wishes.get(("alice", shift), 0), "free"))
        return (view.state, view.source), (view.shifts[0].state, view.shifts[0].source), \
            (cell.state, cell.source), planner

    import_text(alice, MEETING_26_JAN, month)  # a calendar: busy two hours that Tuesday
    alice.set_availability([tuesday], "prefer_not", note="dentist")  # by hand: rather not
    assert read() == (("prefer_not", "hand"), ("prefer_not", "hand"), ("prefer_not", "hand"), "avoid")
    # a second calendar has the day off: still hand-set first
    trip = ics("""
    SUMMARY:Trip
    DTSTART;VALUE=DATE:20270126
    DTEND;VALUE=DATE:20270127
""")
    import_text(alice, trip, month, label="Trips", location="/home/alice/trips.ics")
    assert read() == (("prefer_not", "hand"), ("prefer_not", "hand"), ("prefer_not", "hand"), "avoid")
    # without the hand-set mark, of the two calendars the day off wins in every view
    alice.set_availability([tuesday], "clear")
    assert read() == (("unavailable", "calendar:Trips"), ("unavailable", "calendar:Trips"),
                      ("unavailable", "calendar:Trips"), "unavailable")
    # "available" by hand overrides the calendars everywhere
    alice.set_availability([tuesday], "available")
    assert read() == (("available", "hand"), ("available", "hand"), ("available", "hand"), "free")


def test_one_precedence_busy_before_prefer_not_hand_set_before_calendars():
    from datetime import UTC, datetime

    from oncall_tui.core.domain_availability import STATE_PRECEDENCE, deciding_mark
    from oncall_tui.core.planning import Mark

    at = datetime(2027, 1, 26, 9, tzinfo=UTC)
    day = at.date()

    def pick(*marks, shift_start=at):
        chosen = deciding_mark(list(marks), lambda x: x.hand_set, shift_start)
        return chosen and (chosen.state, chosen.hand_set)

    assert STATE_PRECEDENCE.index("busy") < STATE_PRECEDENCE.index("prefer_not")
    both = (Mark(login="a", day=day, state="prefer_not", hand_set=False),
            Mark(login="a", day=day, state="busy", hand_set=False))
    assert pick(*both) == pick(*reversed(both)) == pick(*both, shift_start=None) == ("busy", False)
    hand = Mark(login="a", day=day, state="prefer_not")
    assert pick(*both, hand) == pick(*both, hand, shift_start=None) == ("prefer_not", True)
    on_shift = Mark(login="a", day=day, state="preferred", shift_start=at)
    assert pick(hand, on_shift) == ("preferred", True)  # the shift's own mark beats the day's
    assert pick(hand, on_shift, shift_start=None) == ("prefer_not", True)  # the day reads the day's
    other = Mark(login="a", day=day, state="unavailable", shift_start=at.replace(hour=21))
    assert pick(other) is None and pick(other, shift_start=None) == ("unavailable", True)
