"""Recommendation levels: who the planner should lean on this month, and why.

Pure: plain numbers in, `Recommendation`s out.  A level runs from 1 (spare them) to 5
(lean on them).  It starts at 3 and moves with two things a manager can check:

- past load: weighted on-call points over a rolling window (each shift weighted by its
  rotation's points: by default weekday 2, weekend 3, team holiday 3; required roles only),
  against the team's average over the same window;
- this month's utilisation: weekday working hours already taken (days off count fully,
  calendar busy hours up to a working day) plus the project load a manager set (%).
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
LEVEL_SHARE = {1: 0.5, 2: 0.75, 3: 1.0, 4: 1.25, 5: 1.5}  # how a level scales a fair share (3 = 1.0)


@dataclass(frozen=True, kw_only=True)
class LoadFacts:
    """What is known about one person for one month."""

    login: str
    past_load: float  # points over the window
    working_hours: float  # weekday hours in the month
    busy_hours: float = 0.0  # calendar busy hours on weekdays that are not days off
    days_off: int = 0  # weekdays marked unavailable for the whole day
    manual_pct: int | None = None  # project load a manager set, 0..100


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


def _load_step(past: float, mean: float) -> int:
    if mean <= 0:
        return 0
    diff = 1.0 - past / mean
    if diff >= 0.5:
        return 2
    if diff >= 0.2:
        return 1
    if diff <= -0.5:
        return -2
    if diff <= -0.2:
        return -1
    return 0


def _busy_step(used: float) -> int:
    if used < 0.15:
        return 1
    if used < 0.4:
        return 0
    if used < 0.7:
        return -1
    return -2


def _pct(x: float) -> str:
    return f"{round(x * 100):d}%"


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def explain(facts: LoadFacts, level: int, mean: float, used: float, month_label: str,
            window_months: int = WINDOW_MONTHS) -> str:
    """One or two lines a manager reads beside the level."""
    parts = []
    if facts.days_off:
        parts.append(f"{plural(facts.days_off, 'day')} off")
    if facts.busy_hours:
        parts.append(f"{_num(facts.busy_hours)} h busy")
    if facts.manual_pct:
        parts.append(f"project {facts.manual_pct}%")
    first = (f"Level {level}: {_num(facts.past_load)} pts on call in {window_months} months "
             f"(team avg {mean:.0f}), {_pct(used)} busy in {month_label}.")
    load, busy = _load_step(facts.past_load, mean), _busy_step(used)
    reasons = []
    if load > 0 and facts.past_load <= 0:
        reasons.append("no on-call shifts yet")
    elif load > 0:
        reasons.append("less on call than most")
    elif load < 0:
        reasons.append("more on call than most")
    if busy > 0:
        reasons.append("a light month")
    elif busy < 0:
        reasons.append("a busy month")
    why = f" ({', '.join(parts)})" if parts else ""
    if not reasons:
        second = f"About average on both counts{why}: a normal share."
    else:
        joined = (" and " if level != 3 else " but ").join(reasons)
        advice = "lean on them more" if level > 3 else "spare them" if level < 3 else "a normal share"
        second = f"{joined[0].upper()}{joined[1:]}{why}: {advice}."
    return f"{first}\n{second}"


def recommend(people: list[LoadFacts], month_label: str,
              window_months: int = WINDOW_MONTHS) -> dict[str, Recommendation]:
    """login -> Recommendation, each compared with the average of `people`."""
    mean = sum(p.past_load for p in people) / len(people) if people else 0.0
    out = {}
    for facts in people:
        used = utilisation(facts)
        level = max(1, min(5, 3 + _load_step(facts.past_load, mean) + _busy_step(used)))
        out[facts.login] = Recommendation(
            login=facts.login, level=level, past_load=round(facts.past_load, 2), utilisation=used,
            explanation=explain(facts, level, mean, used, month_label, window_months),
        )
    return out


def target_share(level: int | None) -> float:
    """How the planner scales a fair share by level (3 or none = 1.0)."""
    return LEVEL_SHARE.get(level or 3, 1.0)
