"""Recommendation levels: who the planner should lean on this month, and why.

Pure: plain numbers in, `Recommendation`s out.  A level runs from 1 (spare them) to 5
(lean on them) and shows the person's fair share (scheduler/fairness.fair_shares, the one
definition, README "Fair share") against an equal split of the month: 3 is about equal, 4-5
more (they are owed points from earlier months), 1-2 less (days off, or ahead on load).
The month is read as one day-long shift per day (weekday 2, weekend 3 points, team holidays
3), the days marked unavailable for the whole day taken out, so the level moves with exactly
what moves a rotation's share, and the project load a manager set scales it the same way.
Utilisation (weekday hours already taken by days off, calendar busy hours and the project
load) is shown beside it, for information.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .domain import Recommendation
from .text import plural

WINDOW_MONTHS = 6
HOURS_PER_DAY = 8.0
WEEKDAY_POINTS = 2
WEEKEND_POINTS = 3
HOLIDAY_POINTS = 3
OPTIONAL_ROLES = ("shadow",)  # roles that may stay empty and never count as load
UNWEIGHTED_ROLES = frozenset(OPTIONAL_ROLES)  # learning alongside someone is not load
# a share's ratio to an equal split -> level: below 0.6 is 1, below 0.85 is 2, up to 1.15 is 3 ...
LEVEL_BOUNDS = ((0.6, 1), (0.85, 2), (1.15, 3), (1.4, 4))


@dataclass(frozen=True, kw_only=True)
class LoadFacts:
    """What is known about one person for one month."""

    login: str
    past_load: float  # points over the window
    working_hours: float  # weekday hours in the month
    busy_hours: float = 0.0  # calendar busy hours on weekdays that are not days off
    days_off: int = 0  # weekdays marked unavailable for the whole day
    manual_pct: int | None = None  # project load a manager set, 0..100
    past_excess: float = 0.0  # points held above (+) / below (-) their fair shares over the window
    off_days: tuple[date, ...] = ()  # days of the month marked unavailable for the whole day


def point_values(weights: dict | None) -> dict[str, int]:
    """A rotation's points per shift (its `weights`, else the defaults)."""
    weights = weights or {}
    return {"weekday": int(weights.get("weekday_points", WEEKDAY_POINTS)),
            "weekend": int(weights.get("weekend_points", WEEKEND_POINTS)),
            "holiday": int(weights.get("holiday_points", HOLIDAY_POINTS))}


def holidays_of(settings: dict | None) -> frozenset[date]:
    """A team's holidays from its settings (entries that are not dates are left out)."""
    days = set()
    for text in (settings or {}).get("holidays", []) or []:
        try:
            days.add(date.fromisoformat(str(text)))
        except ValueError:
            continue
    return frozenset(days)


def shift_points(start: datetime, tz: str, role: str = "primary", *, points: dict[str, int] | None = None,
                 holidays: Collection[date] = ()) -> int:
    """Points one shift adds to someone's load: the rotation's `points` (see `point_values`) for
    a team holiday, a weekend or a weekday in the rotation's zone `tz`; none for a shadow."""
    if role in UNWEIGHTED_ROLES:
        return 0
    points = points or point_values(None)
    day = start.astimezone(ZoneInfo(tz)).date()
    if day in holidays:
        return points["holiday"]
    return points["weekend"] if day.weekday() >= 5 else points["weekday"]


def utilisation_words(utilisation: float, busy_hours: float, working_hours: float,
                      manual_pct: int | None = None) -> str:
    """'5% of working hours taken (8 of 168 h busy or off)': what the utilisation figure is,
    said where it is shown (the screens and the CLI); working hours are weekdays' 8 h."""
    project = f" + project {manual_pct}%" if manual_pct is not None else ""
    return (f"{round(utilisation * 100)}% of working hours taken "
            f"({busy_hours:g} of {working_hours:g} h busy or off{project})")


def month_busy_hours(facts: LoadFacts) -> float:
    """Weekday working hours already taken: whole days off count a working day each."""
    return facts.busy_hours + facts.days_off * HOURS_PER_DAY


def weekday_count(first: date, last: date) -> int:
    days = (last - first).days + 1
    full, rest = divmod(days, 7)
    count = full * 5
    start = first.weekday()
    count += sum(1 for i in range(rest) if (start + i) % 7 < 5)
    return count


def utilisation(facts: LoadFacts) -> float:
    """0..1: the part of the month's weekday working hours already taken."""
    if facts.working_hours <= 0:
        return 1.0
    taken = facts.days_off * HOURS_PER_DAY + facts.busy_hours
    share = taken / facts.working_hours + (facts.manual_pct or 0) / 100.0
    return round(max(0.0, min(1.0, share)), 3)


def free_part(manual_pct: int | None) -> float:
    """The part of someone's time free for on-call: 1 - the project load a manager set."""
    return 1.0 - max(0, min(100, manual_pct or 0)) / 100.0


def level_of(target: float, equal: float) -> int:
    """The level (1..5) of a fair share `target` against an equal split `equal` (LEVEL_BOUNDS)."""
    if equal <= 0:
        return 3
    ratio = target / equal
    return next((level for bound, level in LEVEL_BOUNDS if ratio < bound or (level == 3 and ratio <= bound)), 5)


def _pct(x: float) -> str:
    return f"{round(x * 100):d}%"


def month_shares(people: list[LoadFacts], first: date, last: date, tz: str = "UTC",
                 holidays: Collection[date] = ()) -> tuple[dict, float]:
    """login -> fair_shares' Share for the month read as one day-long shift a day, and the
    equal split: the same definition the planner uses, on the team's month."""
    from datetime import time, timedelta

    from ..scheduler.fairness import fair_shares
    from ..scheduler.problem import Problem, SchedPerson, SchedShift

    zone = ZoneInfo(tz)
    shifts, day = [], first
    while day <= last:
        start = datetime.combine(day, time(0), zone)
        end = datetime.combine(day + timedelta(days=1), time(0), zone)
        shifts.append(SchedShift(id=day.isoformat(), start=start, end=end, day=day, roles=("primary",),
                                 weight=shift_points(start, tz, holidays=holidays)))
        day += timedelta(days=1)
    problem = Problem(
        people=[SchedPerson(id=f.login, past_excess=f.past_excess, free=free_part(f.manual_pct))
                for f in people], shifts=shifts,
        unavailable={(f.login, d.isoformat()) for f in people for d in f.off_days})
    total = sum(s.weight for s in shifts)
    return fair_shares(problem), (total / len(people) if people else 0.0)


def explain(facts: LoadFacts, level: int, share, equal: float, used: float, month_label: str,
            window_months: int = WINDOW_MONTHS) -> str:
    """One or two lines a manager reads beside the level."""
    def of_equal(points: float) -> str:
        return _pct(points / equal) if equal > 0 else "0%"

    first = f"Level {level}: fair share {of_equal(share.target)} of an equal one in {month_label}, {_pct(used)} busy."
    parts = []
    if facts.off_days:
        parts.append(f"{plural(len(facts.off_days), 'day')} off "
                     f"→ {of_equal(share.base)} for the days they are there")
    if facts.manual_pct:
        parts.append(f"project {facts.manual_pct}%")
    if share.catch_up >= 0.05:
        parts.append(f"+{of_equal(share.catch_up)} owed from the last {window_months} months")
    elif share.catch_up <= -0.05:
        parts.append(f"{of_equal(share.catch_up)} for being ahead over the last {window_months} months")
    advice = "lean on them more" if level > 3 else "spare them" if level < 3 else "a normal share"
    second = (f"{'; '.join(parts)}: {advice}." if parts else f"there all month, neither owed nor ahead: {advice}.")
    return f"{first}\n{second}"


def recommend(people: list[LoadFacts], month_label: str, window_months: int = WINDOW_MONTHS, *,
              first: date, last: date, tz: str = "UTC",
              holidays: Collection[date] = ()) -> dict[str, Recommendation]:
    """login -> Recommendation: the level of each person's fair share of the month `first`..`last`."""
    shares, equal = month_shares(people, first, last, tz, holidays)
    out = {}
    for facts in people:
        used = utilisation(facts)
        share = shares[facts.login]
        level = level_of(share.target, equal)
        out[facts.login] = Recommendation(
            login=facts.login, level=level, past_load=round(facts.past_load, 2), utilisation=used,
            explanation=explain(facts, level, share, equal, used, month_label, window_months),
            past_excess=round(facts.past_excess, 2), share=round(share.target, 2),
        )
    return out
