"""Small hand-made problems for the scheduler tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from oncall_tui.scheduler.problem import Problem, Rules, SchedPerson, SchedShift, Weights

MONDAY = date(2025, 6, 2)


def utc(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def day_shifts(days: int, first: date = MONDAY, roles=("primary", "secondary"),
               optional_roles=(), hours: int = 24) -> list[SchedShift]:
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        weekend = day.weekday() >= 5
        out.append(SchedShift(id=f"s{i}", start=utc(day), end=utc(day) + timedelta(hours=hours),
                              weight=3 if weekend else 2, roles=roles,
                              optional_roles=optional_roles, day=day,
                              weekend=f"w{day.isocalendar()[1]}" if weekend else None))
    return out


def team(n: int, **kwargs) -> list[SchedPerson]:
    return [SchedPerson(id=f"p{i}", name=f"P{i}", **kwargs) for i in range(n)]


def problem(people: int = 4, days: int = 7, rules: Rules | None = None, **kwargs) -> Problem:
    return Problem(people=kwargs.pop("people_list", None) or team(people),
                   shifts=kwargs.pop("shifts", None) or day_shifts(days),
                   rules=rules or Rules(), weights=kwargs.pop("weights", None) or Weights(),
                   **kwargs)
