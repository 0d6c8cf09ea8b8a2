"""From plain facts about a team to the solver's Problem, and from a plan back to words.

Pure: the planning service gathers the facts from the database (who is on the rotation,
their marks, their history, their shifts elsewhere) and hands them over as plain data; the
scheduler never sees a row.  The same module turns a plan into the figures, warnings and
explanations a manager reads.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from .domain import Rotation, ShiftSlot
from .scheduler.problem import Problem, Rules, SchedPerson, SchedShift, Weights

HISTORY_MONTHS = 6  # rolling window for past load and experience
EXPERIENCED_AFTER = 5  # primary/secondary shifts served before someone counts as experienced
WISH_POINTS = 2  # weight of one preferred / prefer-not mark on a shift
OPTIONAL_ROLES = ("shadow",)  # roles that may stay empty and never count as load
LEVEL_SHARE = {1: 0.5, 2: 0.75, 3: 1.0, 4: 1.25, 5: 1.5}
STATE_STRENGTH = {"unavailable": 4, "busy": 3, "prefer_not": 2, "preferred": 1, "available": 0}


@dataclass(frozen=True)
class Member:
    login: str
    name: str
    tz: str = "UTC"
    region: str = ""
    experience: int = 0  # primary/secondary shifts served (all time)
    past_load: float = 0.0  # points over the rolling window
    level: int | None = None
    level_why: str = ""
    last_on_call: datetime | None = None


@dataclass(frozen=True)
class Mark:
    """An availability row: whole local day (shift_start None) or one shift; hand-set or calendar."""

    login: str
    day: date
    state: str
    shift_start: datetime | None = None
    hand_set: bool = True
    note: str = ""


@dataclass(frozen=True)
class Busy:
    login: str
    start: datetime
    end: datetime
    what: str  # "Search 24/7 primary"


@dataclass
class Built:
    """A problem and what is needed to read its answers back and explain them."""

    problem: Problem
    start_of: dict[str, datetime]  # shift id -> UTC start
    id_of: dict[datetime, str]  # UTC start -> shift id
    unavailable_why: dict[tuple[str, str], str] = field(default_factory=dict)  # (login, shift id)
    ineligible_why: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (login, shift, role)
    members: dict[str, Member] = field(default_factory=dict)


def shift_id(start: datetime, tz: str) -> str:
    return start.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def shift_points(start: datetime, tz: str, holidays: set[date], points: dict[str, int]) -> int:
    day = start.astimezone(ZoneInfo(tz)).date()
    if day in holidays:
        return points["holiday"]
    if day.weekday() >= 5:
        return points["weekend"]
    return points["weekday"]


def point_values(weights: dict) -> dict[str, int]:
    return {"weekday": int(weights.get("weekday_points", 2)),
            "weekend": int(weights.get("weekend_points", 3)),
            "holiday": int(weights.get("holiday_points", 3))}


def solver_weights(weights: dict) -> Weights:
    known = Weights.__dataclass_fields__
    return Weights(**{k: int(v) for k, v in (weights or {}).items() if k in known})


def solver_rules(rotation: Rotation) -> Rules:
    r = rotation.rules
    required = [x for x in rotation.roles if x not in OPTIONAL_ROLES]
    return Rules(
        min_rest_hours=float(r.min_rest_hours or 0), max_consecutive=r.max_consecutive,
        max_shifts_per_period=r.max_shifts_per_period, max_weekends_per_period=r.max_weekends_per_period,
        shadow_beside=required[0] if required else "primary",
        pair_roles=(required[0], required[1]) if len(required) >= 2 else ("primary", "secondary"),
    )


def build_problem(rotation: Rotation, shifts: list[ShiftSlot], members: list[Member], *,
                  eligible: Callable[[str, str, datetime], tuple[bool, str]],
                  marks: list[Mark], busy: list[Busy], holidays: set[date],
                  previous: dict[tuple[datetime, str], str] | None = None,
                  carry_in: list[tuple[str, datetime, datetime]] | None = None) -> Built:
    """The Problem of planning `shifts` of `rotation` for `members`.

    `eligible(login, role, start)` says who may hold a role; `marks` are availability rows;
    `busy` are shifts the members hold in other rotations; `previous` the published plan of
    the same period (stability); `carry_in` the same rotation's shifts just before the period
    (rest and runs across the boundary)."""
    tz = rotation.tz
    points = point_values(rotation.weights)
    rules = solver_rules(rotation)
    roles = tuple(r for r in rotation.roles if r not in OPTIONAL_ROLES)
    optional = tuple(r for r in rotation.roles if r in OPTIONAL_ROLES)
    zone = ZoneInfo(tz)
    start_of: dict[str, datetime] = {}
    id_of: dict[datetime, str] = {}
    sched_shifts = []
    for s in shifts:
        sid = shift_id(s.start, tz)
        while sid in start_of:  # an ambiguous wall time (DST fall-back) in sub-daily rotations
            sid += "'"
        start_of[sid], id_of[s.start] = s.start, sid
        day = s.start.astimezone(zone).date()
        weekend = None
        if day.weekday() >= 5:
            saturday = day - timedelta(days=day.weekday() - 5)
            iso = saturday.isocalendar()
            weekend = f"{iso[0]}-W{iso[1]:02d}"
        sched_shifts.append(SchedShift(
            id=sid, start=s.start, end=s.end, weight=shift_points(s.start, tz, holidays, points),
            region=s.region or None, roles=roles, optional_roles=optional, day=day, weekend=weekend))

    built = Built(problem=None, start_of=start_of, id_of=id_of,  # type: ignore[arg-type]
                  members={m.login: m for m in members})
    people = [SchedPerson(
        id=m.login, name=m.login, region=m.region or None,
        experienced=m.experience >= EXPERIENCED_AFTER, experience=m.experience,
        past_load=round(m.past_load, 2), target_share=LEVEL_SHARE.get(m.level or 3, 1.0),
        last_on_call=m.last_on_call) for m in members]

    eligible_set: set[tuple[str, str, str]] = set()
    for m in members:
        for sh in sched_shifts:
            for role in roles + optional:
                if sh.region and m.region != sh.region:
                    built.ineligible_why[(m.login, sh.id, role)] = (
                        f"the {sh.region} window is staffed from {sh.region} only"
                        f" ({m.login}: {m.region or 'no region'})")
                    continue
                ok, why = eligible(m.login, role, sh.start)
                if ok:
                    eligible_set.add((m.login, sh.id, role))
                else:
                    built.ineligible_why[(m.login, sh.id, role)] = why or f"not eligible as {role}"

    unavailable, wishes = _marks(marks, members, sched_shifts, built)
    busy_elsewhere = [(b.login, b.start, b.end) for b in busy]
    for login, start, end in carry_in or ():
        if rules.min_rest_hours > 0:
            busy_elsewhere.append((login, end, end + timedelta(hours=rules.min_rest_hours)))
    _carry_in_runs(carry_in or [], rules, sched_shifts, zone, unavailable, built)
    prev = {}
    for (start, role), login in (previous or {}).items():
        if start in id_of and login in built.members:
            prev[(id_of[start], role)] = login
    built.problem = Problem(
        people=people, shifts=sched_shifts, eligible=eligible_set, unavailable=unavailable,
        wishes=wishes, busy_elsewhere=busy_elsewhere, previous=prev, rules=rules,
        weights=solver_weights(rotation.weights))
    return built


def _marks(marks: list[Mark], members: list[Member], shifts: list[SchedShift], built: Built):
    """Effective availability per (person, shift): a hand-set mark beats a calendar one, and a
    mark on one shift beats a whole-day mark; then the strongest state wins."""
    zones = {m.login: ZoneInfo(m.tz or "UTC") for m in members}
    by_person: dict[str, list[Mark]] = defaultdict(list)
    for mk in marks:
        if mk.login in zones:
            by_person[mk.login].append(mk)
    unavailable: set[tuple[str, str]] = set()
    wishes: dict[tuple[str, str], int] = {}
    for login, rows in by_person.items():
        zone = zones[login]
        day_rows: dict[tuple[date, bool], list[Mark]] = defaultdict(list)
        shift_rows: dict[tuple[datetime, bool], list[Mark]] = defaultdict(list)
        for mk in rows:
            if mk.shift_start is None:
                day_rows[(mk.day, mk.hand_set)].append(mk)
            else:
                shift_rows[(mk.shift_start, mk.hand_set)].append(mk)
        for sh in shifts:
            local_day = sh.start.astimezone(zone).date()
            chosen: list[Mark] = []
            for level in (shift_rows.get((sh.start, True)), day_rows.get((local_day, True)),
                          shift_rows.get((sh.start, False)), day_rows.get((local_day, False))):
                if level:
                    chosen = level
                    break
            if not chosen:
                continue
            mark = max(chosen, key=lambda x: STATE_STRENGTH.get(x.state, 0))
            source = "by hand" if mark.hand_set else "from a calendar"
            note = f" ({mark.note})" if mark.note else ""
            if mark.state == "unavailable":
                unavailable.add((login, sh.id))
                built.unavailable_why[(login, sh.id)] = f"marked unavailable {source}{note}"
            elif mark.state in ("prefer_not", "busy"):
                wishes[(login, sh.id)] = -WISH_POINTS
            elif mark.state == "preferred":
                wishes[(login, sh.id)] = WISH_POINTS
    return unavailable, wishes


def _carry_in_runs(carry_in, rules: Rules, shifts: list[SchedShift], zone: ZoneInfo,
                   unavailable: set, built: Built) -> None:
    """Someone who worked the last `max_consecutive` days before the period rests on its first day."""
    if not rules.max_consecutive or not shifts or not carry_in:
        return
    first = min(s.day for s in shifts)
    days: dict[str, set[date]] = defaultdict(set)
    for login, start, _end in carry_in:
        days[login].add(start.astimezone(zone).date())
    for login, worked in days.items():
        run, d = 0, first - timedelta(days=1)
        while d in worked:
            run, d = run + 1, d - timedelta(days=1)
        if run >= rules.max_consecutive and login in built.members:
            for sh in shifts:
                if sh.day == first and (login, sh.id) not in unavailable:
                    unavailable.add((login, sh.id))
                    built.unavailable_why[(login, sh.id)] = (
                        f"worked the last {run} days before the period (at most "
                        f"{rules.max_consecutive} in a row)")
