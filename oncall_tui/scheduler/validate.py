"""An independent check of a plan against the hard rules.

Written from the rules' wording, sharing no code with the solvers (prepare.py, cpsat.py,
greedy.py), so that a bug in one does not hide in the other. Used on every solver result in
the tests, by the benchmark, to check manual edits in the review screen, and to explain gaps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .problem import Problem, SchedPerson, SchedShift, Slot


@dataclass
class Violation:
    rule: str
    shift_id: str | None
    role: str | None
    person_id: str | None
    message: str


def validate(problem: Problem, assignments: dict[Slot, str]) -> list[Violation]:
    people = {p.id: p for p in problem.people}
    shifts = {s.id: s for s in problem.shifts}
    found: list[Violation] = []
    held: dict[str, list[tuple[SchedShift, str]]] = defaultdict(list)
    days_off = days_off_by_person(problem)
    for (shift_id, role), person_id in sorted(assignments.items()):
        shift = shifts.get(shift_id)
        if shift is None or person_id not in people or role not in shift.all_roles:
            found.append(Violation("unknown", shift_id, role, person_id,
                                   f"{person_id} in {shift_id}/{role}: unknown person, shift or role"))
            continue
        held[person_id].append((shift, role))
        found.extend(_slot_violations(problem, shift, role, person_id, days_off))
        if role in shift.optional_roles and shift.roles and problem.rules.shadow_beside in shift.roles \
                and (shift_id, problem.rules.shadow_beside) not in assignments:
            found.append(Violation("shadow_without_primary", shift_id, role, person_id,
                                   f"{person_id} shadows {shift_id} where nobody is "
                                   f"{problem.rules.shadow_beside}"))
    for person_id, items in held.items():
        found.extend(person_violations(problem, person_id, items))
    return found


def days_off_by_person(problem: Problem) -> dict[str, list[date]]:
    """person id -> their days off, in the problem's order (looked up once per check, not per slot)."""
    out: dict[str, list[date]] = defaultdict(list)
    for who, day in problem.days_off:
        out[who].append(day)
    return out


def _slot_violations(problem: Problem, shift: SchedShift, role: str, person_id: str,
                     days_off: dict[str, list[date]] | None = None) -> list[Violation]:
    person = next(p for p in problem.people if p.id == person_id)
    out = []
    if problem.eligible is not None and (person_id, shift.id, role) not in problem.eligible:
        out.append(Violation("not_eligible", shift.id, role, person_id,
                             f"{person_id} is not eligible as {role} in {shift.id}"))
    # a window with a region is staffed from that region only; no region on the shift: anyone
    if shift.region and shift.region != (person.region or None):
        out.append(Violation("not_eligible", shift.id, role, person_id,
                             f"{person_id} ({person.region or 'no region'}) is outside region "
                             f"{shift.region}"))
    if (person_id, shift.id) in problem.unavailable:
        out.append(Violation("unavailable", shift.id, role, person_id,
                             f"{person_id} marked {shift.id} unavailable"))
    elif (person_id, shift.id) not in problem.shift_marked:
        off = _day_off_during(problem, person, shift, days_off)
        if off is not None:
            out.append(Violation("unavailable", shift.id, role, person_id,
                                 f"{person_id} is off on {off:%a %d %b} (their own day, {person.tz}), "
                                 f"which {shift.id} overlaps"))
    away = _first_overlap(problem.time_off, person_id, shift)
    if away is not None and not any(v.rule == "unavailable" for v in out):
        out.append(Violation("unavailable", shift.id, role, person_id,
                             f"{person_id} is away {away[0]:%Y-%m-%d %H:%M}-{away[1]:%Y-%m-%d %H:%M} UTC, "
                             f"which {shift.id} overlaps"))
    busy = _first_overlap(problem.busy_elsewhere, person_id, shift)
    if busy is not None:
        out.append(Violation("busy_elsewhere", shift.id, role, person_id,
                             f"{person_id} is on call in another rotation "
                             f"{busy[0]:%Y-%m-%d %H:%M}-{busy[1]:%Y-%m-%d %H:%M} UTC"))
    hours = problem.rules.min_rest_hours
    rest = _first_overlap(problem.rest_before, person_id, shift)
    if rest is not None:
        out.append(Violation("min_rest", shift.id, role, person_id,
                             f"{person_id} rests until {rest[1]:%Y-%m-%d %H:%M} UTC after a shift "
                             f"ending {rest[0]:%Y-%m-%d %H:%M} UTC"
                             + (f" (at least {hours:g} h)" if hours else "")))
    return out


def _first_overlap(spans: list[tuple[str, datetime, datetime]], person_id: str,
                   shift: SchedShift) -> tuple[datetime, datetime] | None:
    """The first of `person_id`'s (start, end) spans that the shift overlaps by time."""
    for who, start, end in spans:
        if who == person_id and start < shift.end and shift.start < end:
            return start, end
    return None


def _day_off_during(problem: Problem, person: SchedPerson, shift: SchedShift,
                    days_off: dict[str, list[date]] | None = None) -> date | None:
    """A day the person is off that the shift overlaps by time: the day runs from midnight to
    midnight on the person's own clock.  Computed here from the wall clock on purpose (not with
    the planner's day rule), so that a bug in one shows up against the other.  `days_off`:
    `days_off_by_person(problem)`, when the caller checks many slots."""
    zone = ZoneInfo(person.tz or "UTC")
    mine = (days_off if days_off is not None else days_off_by_person(problem)).get(person.id, ())
    for day in mine:
        begins, ends = _midnights(day, zone)
        if shift.start < ends and begins < shift.end:
            return day
    return None


@lru_cache(maxsize=4096)
def _midnights(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of `day`'s midnight and the next one on `zone`'s clock (kept: every slot
    checked against a person's days off asks again)."""
    # midnight read with fold=0: the first midnight when the clocks go back, and the end of
    # the jump when they go forward across it
    begins = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    after = day + timedelta(days=1)
    ends = datetime(after.year, after.month, after.day, tzinfo=zone).astimezone(UTC)
    return begins, ends


def person_violations(problem: Problem, person_id: str,
                      items: list[tuple[SchedShift, str]]) -> list[Violation]:
    """Rules about one person's whole plan: double roles, rest, runs, totals, weekends."""
    rules = problem.rules
    person = next(p for p in problem.people if p.id == person_id)
    out: list[Violation] = []
    by_shift: dict[str, list[str]] = defaultdict(list)
    for shift, role in items:
        by_shift[shift.id].append(role)
    for shift_id, roles in by_shift.items():
        if len(roles) > 1:
            out.append(Violation("double_role", shift_id, roles[1], person_id,
                                 f"{person_id} holds {' and '.join(roles)} in {shift_id}"))
    worked = sorted({s.id: s for s, _ in items}.values(), key=lambda s: s.start)
    rest = timedelta(hours=rules.min_rest_hours)
    forbidden = {tuple(p) for p in rules.forbidden_successions}
    for i, a in enumerate(worked):
        for b in worked[i + 1:]:
            if b.start >= a.end + rest and b.day > a.day + timedelta(days=1):
                break
            if a.start < b.end and b.start < a.end:
                out.append(Violation("overlap", b.id, None, person_id,
                                     f"{person_id} works {a.id} and {b.id}, which overlap"))
            elif b.start - a.end < rest:
                hours = (b.start - a.end).total_seconds() / 3600
                out.append(Violation("min_rest", b.id, None, person_id,
                                     f"{person_id} rests {hours:g} h between {a.id} and {b.id}, "
                                     f"needs {rules.min_rest_hours:g} h"))
            if b.day - a.day == timedelta(days=1) and (a.kind, b.kind) in forbidden:
                out.append(Violation("forbidden_succession", b.id, None, person_id,
                                     f"{person_id}: {a.kind} ({a.id}) may not be followed by "
                                     f"{b.kind} ({b.id})"))
    out.extend(_run_violations(problem, person_id, {s.day for s in worked}))
    limits = [x for x in (rules.max_shifts_per_period, person.max_shifts) if x is not None]
    load_shifts = sum(1 for shift, role in items if role in shift.roles)
    if limits and load_shifts > min(limits):
        out.append(Violation("max_shifts", None, None, person_id,
                             f"{person_id} has {load_shifts} shifts, at most {min(limits)} allowed"))
    if rules.max_weekends_per_period is not None:
        weekends = {s.weekend for s in worked if s.weekend}
        if len(weekends) > rules.max_weekends_per_period:
            out.append(Violation("max_weekends", None, None, person_id,
                                 f"{person_id} works {len(weekends)} weekends, at most "
                                 f"{rules.max_weekends_per_period} allowed"))
    return out


def _run_violations(problem: Problem, person_id: str, days_worked: set[date]) -> list[Violation]:
    rules = problem.rules
    if not days_worked or (rules.max_consecutive is None and rules.min_consecutive is None):
        return []
    all_days = {s.day for s in problem.shifts}
    first, last = min(all_days), max(all_days)
    carried = next((p.worked_before for p in problem.people if p.id == person_id), 0) or 0
    out = []
    one = timedelta(days=1)
    for start in sorted(days_worked):
        if start - one in days_worked:
            continue
        end = start
        while end + one in days_worked:
            end += one
        length = (end - start).days + 1
        before = carried if start == first else 0  # the run began before the period
        if rules.max_consecutive is not None and length + before > rules.max_consecutive:
            since = f"from {start}" if not before else \
                f"up to {end} ({before} of them before the period)"
            out.append(Violation("max_consecutive", None, None, person_id,
                                 f"{person_id} works {length + before} days in a row {since}, "
                                 f"at most {rules.max_consecutive}"))
        touches_edge = start == first or end == last
        if rules.min_consecutive is not None and length < rules.min_consecutive and not touches_edge:
            out.append(Violation("min_consecutive", None, None, person_id,
                                 f"{person_id} works only {length} day(s) in a row from {start}, "
                                 f"at least {rules.min_consecutive}"))
    return out


def uncovered(problem: Problem, assignments: dict[Slot, str]) -> list[Slot]:
    """Required slots nobody holds."""
    return [(s.id, r) for s in problem.shifts for r in s.roles if (s.id, r) not in assignments]
