"""Generated teams for tests, the benchmark and demos (deterministic for a given seed).

Daily 24 h shifts with a 09:00 handoff in the rotation's zone (so 23 h and 25 h across daylight
saving), primary + secondary, weekend shifts worth 3 points and weekdays 2. About 15 % of days
unavailable (one week-long vacation for half the team plus single days), mixed experience
(novices may only be secondary) and uneven history.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from oncall_tui.scheduler.problem import Problem, Rules, SchedPerson, SchedShift, Weights


def daily_shifts(first: date, days: int, zone: str = "Europe/Berlin", handoff: time = time(9),
                 roles: tuple[str, ...] = ("primary", "secondary"),
                 optional_roles: tuple[str, ...] = (), prefix: str = "d") -> list[SchedShift]:
    tz = ZoneInfo(zone)
    shifts = []
    for i in range(days):
        day = first + timedelta(days=i)
        start = datetime.combine(day, handoff, tz)
        end = datetime.combine(day + timedelta(days=1), handoff, tz)
        weekend = day.weekday() >= 5
        saturday = day - timedelta(days=day.weekday() - 5) if weekend else None
        shifts.append(SchedShift(
            id=f"{prefix}{day.isoformat()}", start=start, end=end, weight=3 if weekend else 2,
            roles=roles, optional_roles=optional_roles, day=day,
            weekend=f"{saturday.isocalendar()[0]}-W{saturday.isocalendar()[1]:02d}" if weekend else None,
        ))
    return shifts


def generated_team(people: int, days: int, seed: int = 0, first: date = date(2025, 3, 3),
                   zone: str = "Europe/Berlin", unavailable_rate: float = 0.15,
                   novice_rate: float = 0.3, prefix: str = "p",
                   weights: Weights | None = None) -> Problem:
    rng = random.Random(seed)
    shifts = daily_shifts(first, days, zone)
    slots_per_person = 2 * days / people
    window_points = 2 * 91 * 2.3 / people  # fair share over a 91-day rolling window
    team = []
    for i in range(people):
        novice = rng.random() < novice_rate
        newcomer = novice and rng.random() < 0.4
        team.append(SchedPerson(
            id=f"{prefix}{i:03d}", name=f"{prefix}{i:03d}", experienced=not novice,
            experience=0 if newcomer else rng.randint(1 if novice else 10, 8 if novice else 80),
            past_load=0.0 if newcomer else round(window_points * rng.uniform(0.5, 1.5), 1),
            past_excess=0.0 if newcomer else round(rng.uniform(-6, 6), 1),
        ))
    unavailable: set[tuple[str, str]] = set()
    for person in team:
        off_days: set[int] = set()
        if rng.random() < 0.5 and days > 7:
            begin = rng.randrange(0, days - 6)
            off_days.update(range(begin, begin + 7))
        while len(off_days) < unavailable_rate * days:
            off_days.add(rng.randrange(days))
        unavailable.update((person.id, shifts[d].id) for d in off_days)
    eligible = {(p.id, s.id, r) for p in team for s in shifts for r in s.roles
                if p.experienced or r != "primary"}
    wishes = {}
    for person in team:
        for _ in range(rng.randint(0, 3)):
            wishes[(person.id, rng.choice(shifts).id)] = rng.choice([-2, -1, 1, 2])
    weekends = len({s.weekend for s in shifts if s.weekend})
    rules = Rules(
        min_rest_hours=0, max_consecutive=2,
        max_shifts_per_period=math.ceil(1.5 * slots_per_person) + 1,
        max_weekends_per_period=max(1, math.ceil(3 * weekends / people)) if weekends else None,
    )
    return Problem(people=team, shifts=shifts, eligible=eligible, unavailable=unavailable,
                   wishes=wishes, rules=rules, weights=weights or Weights())
