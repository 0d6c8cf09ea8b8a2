"""What the solvers (CP-SAT and greedy) derive from a problem before they search.

Candidates per slot, pairs of shifts one person cannot both work, days and weekends. The
validator (validate.py) deliberately re-derives the rules on its own and shares none of this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .problem import Problem, SchedPerson, SchedShift, Slot


@dataclass
class Prepared:
    shifts: list[SchedShift]  # sorted by start
    shift_by_id: dict[str, SchedShift]
    person_by_id: dict[str, SchedPerson]
    candidates: dict[Slot, list[str]]  # people allowed in the slot, before interactions
    conflicts: dict[str, set[str]]  # shift -> shifts one person cannot also work
    spread_pairs: list[tuple[str, str]]  # non-conflicting shift pairs that start close together
    day_shifts: dict[date, list[str]]
    days: list[date]  # sorted distinct days
    weekend_shifts: dict[str, list[str]]
    max_load_shifts: dict[str, int | None]
    shift_index: dict[str, int] = field(default_factory=dict)


def _busy_overlaps(problem: Problem) -> set[tuple[str, str]]:
    """(person, shift) pairs that overlap a shift the person holds in another rotation, or the
    rest they still owe after their last shift before the period."""
    busy: dict[str, list[tuple]] = defaultdict(list)
    for person_id, start, end in list(problem.busy_elsewhere) + list(problem.rest_before):
        busy[person_id].append((start, end))
    hits = set()
    for person_id, spans in busy.items():
        for shift in problem.shifts:
            if any(start < shift.end and shift.start < end for start, end in spans):
                hits.add((person_id, shift.id))
    return hits


def region_allows(person: SchedPerson, shift: SchedShift) -> bool:
    """A windowed shift takes only people of its region (nobody without one); a shift without
    a region (None or "") takes anyone."""
    if not shift.region:
        return True
    return bool(person.region) and person.region == shift.region


def run_with(worked: Callable[[date], bool], day: date, first_day: date, worked_before: int) -> int:
    """Length of the run of days worked through ``day`` if the person also works ``day``:
    the days around it that ``worked`` says are worked, plus ``worked_before`` when the run
    reaches back to the period's ``first_day``."""
    one = timedelta(days=1)
    length, d = 1, day - one
    while worked(d):
        length, d = length + 1, d - one
    if d == first_day - one:
        length += worked_before
    d = day + one
    while worked(d):
        length, d = length + 1, d + one
    return length


def in_order(problem: Problem) -> list[SchedShift]:
    """The problem's shifts sorted by start (the order every figure is summed in)."""
    return sorted(problem.shifts, key=lambda s: (s.start, s.id))


def slot_candidates(problem: Problem, shifts: list[SchedShift],
                    optional: bool = True) -> dict[Slot, list[str]]:
    """People allowed in each slot of `shifts` before interactions (all its roles, or with
    `optional=False` the required ones only: all the fair shares need)."""
    busy = _busy_overlaps(problem)
    eligible = problem.eligible
    candidates: dict[Slot, list[str]] = {}
    for shift in shifts:
        free = [p.id for p in problem.people  # whatever the role: the region, marks, other shifts
                if region_allows(p, shift) and (p.id, shift.id) not in problem.unavailable
                and (p.id, shift.id) not in busy]
        for role in (shift.all_roles if optional else shift.roles):
            candidates[(shift.id, role)] = list(free) if eligible is None else \
                [i for i in free if (i, shift.id, role) in eligible]
    return candidates


def prepare(problem: Problem) -> Prepared:
    shifts = in_order(problem)
    shift_by_id = {s.id: s for s in shifts}
    person_by_id = {p.id: p for p in problem.people}
    candidates = slot_candidates(problem, shifts)

    rules = problem.rules
    rest = timedelta(hours=rules.min_rest_hours)
    spread = timedelta(hours=rules.spread_hours)
    forbidden = {tuple(p) for p in rules.forbidden_successions}
    conflicts: dict[str, set[str]] = {s.id: set() for s in shifts}
    spread_pairs: list[tuple[str, str]] = []
    for i, first in enumerate(shifts):
        for second in shifts[i + 1:]:
            close = second.start < first.end + rest
            near = second.start - first.start < spread
            if not close and not near and second.day > first.day + timedelta(days=1):
                break
            succession = ((first.kind, second.kind) in forbidden
                          and second.day == first.day + timedelta(days=1)) or (
                (second.kind, first.kind) in forbidden and first.day == second.day + timedelta(days=1))
            if close or succession:
                conflicts[first.id].add(second.id)
                conflicts[second.id].add(first.id)
            elif near:
                spread_pairs.append((first.id, second.id))

    day_shifts: dict[date, list[str]] = defaultdict(list)
    weekend_shifts: dict[str, list[str]] = defaultdict(list)
    for shift in shifts:
        day_shifts[shift.day].append(shift.id)
        if shift.weekend:
            weekend_shifts[shift.weekend].append(shift.id)

    max_load: dict[str, int | None] = {}
    for person in problem.people:
        limits = [x for x in (rules.max_shifts_per_period, person.max_shifts) if x is not None]
        max_load[person.id] = min(limits) if limits else None

    return Prepared(
        shifts=shifts, shift_by_id=shift_by_id, person_by_id=person_by_id,
        candidates=candidates, conflicts=conflicts, spread_pairs=spread_pairs,
        day_shifts=dict(day_shifts), days=sorted(day_shifts), weekend_shifts=dict(weekend_shifts),
        max_load_shifts=max_load, shift_index={s.id: i for i, s in enumerate(shifts)},
    )
