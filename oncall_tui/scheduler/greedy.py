"""Baselines: greedy "least recently on call" (as LinkedIn oncall does) and a fixed round-robin.

``solve_greedy`` respects every hard rule (its plans validate clean) but does not optimise.
``solve_round_robin`` is what a PagerDuty-style layer does: a fixed order that ignores
availability and rest rules; the benchmark shows how often it breaks them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from .prepare import Prepared, prepare, run_with
from .problem import Problem, Result, Slot
from .report import build_result

_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_DAY = timedelta(days=1)


def greedy_assignments(problem: Problem, prep: Prepared | None = None,
                       fair: bool = False) -> dict[Slot, str]:
    """Least recently on call first; with ``fair``, largest shortfall against the target first
    (a better start plan for CP-SAT than the LinkedIn-style baseline)."""
    prep = prep or prepare(problem)
    if fair:
        from .fairness import compute_targets
        target = compute_targets(problem, prep)
    points: dict[str, int] = defaultdict(int)
    rules = problem.rules
    works: dict[str, set[str]] = defaultdict(set)
    days: dict[str, set[date]] = defaultdict(set)
    weekends: dict[str, set[str]] = defaultdict(set)
    load_count: dict[str, int] = defaultdict(int)
    last_end = {p.id: p.last_on_call or _LONG_AGO for p in problem.people}
    assignments: dict[Slot, str] = {}

    def allowed(person_id: str, shift, role: str) -> bool:
        if shift.id in works[person_id] or works[person_id] & prep.conflicts[shift.id]:
            return False
        limit = prep.max_load_shifts[person_id]
        if role in shift.roles and limit is not None and load_count[person_id] >= limit:
            return False
        if (shift.weekend and rules.max_weekends_per_period is not None
                and shift.weekend not in weekends[person_id]
                and len(weekends[person_id]) >= rules.max_weekends_per_period):
            return False
        if (rules.max_consecutive is not None and shift.day not in days[person_id]
                and run_with(days[person_id].__contains__, shift.day, prep.days[0],
                             prep.person_by_id[person_id].worked_before) > rules.max_consecutive):
            return False
        return True

    for shift in prep.shifts:
        for role in shift.all_roles:
            if role in shift.optional_roles and rules.shadow_beside in shift.roles \
                    and (shift.id, rules.shadow_beside) not in assignments:
                continue
            fits = [p for p in prep.candidates[(shift.id, role)] if allowed(p, shift, role)]
            if not fits:
                continue
            if fair:
                chosen = min(fits, key=lambda p: (points[p] + shift.weight - target[p], last_end[p], p))
            else:
                chosen = min(fits, key=lambda p: (last_end[p], prep.person_by_id[p].past_load, p))
            assignments[(shift.id, role)] = chosen
            works[chosen].add(shift.id)
            days[chosen].add(shift.day)
            if shift.weekend:
                weekends[chosen].add(shift.weekend)
            if role in shift.roles:
                load_count[chosen] += 1
                points[chosen] += shift.weight
            last_end[chosen] = max(last_end[chosen], shift.end)
    if rules.min_consecutive:
        _drop_short_runs(problem, prep, assignments)
    return assignments


def _drop_short_runs(problem: Problem, prep: Prepared, assignments: dict[Slot, str]) -> None:
    """Greedy cannot plan ahead for minimum runs: drop runs that end too short (gaps instead)."""
    need = problem.rules.min_consecutive or 0
    first, last = prep.days[0], prep.days[-1]
    changed = True
    while changed:
        changed = False
        days: dict[str, set[date]] = defaultdict(set)
        for (shift_id, _), person_id in assignments.items():
            days[person_id].add(prep.shift_by_id[shift_id].day)
        for person_id, worked in days.items():
            for start in sorted(worked):
                if start - _ONE_DAY in worked:
                    continue
                end = start
                while end + _ONE_DAY in worked:
                    end += _ONE_DAY
                if (end - start).days + 1 < need and start != first and end != last:
                    for slot, holder in list(assignments.items()):
                        if holder == person_id and start <= prep.shift_by_id[slot[0]].day <= end:
                            del assignments[slot]
                    changed = True
        for (shift_id, role) in list(assignments):
            shift = prep.shift_by_id[shift_id]
            if role in shift.optional_roles and problem.rules.shadow_beside in shift.roles \
                    and (shift_id, problem.rules.shadow_beside) not in assignments:
                del assignments[(shift_id, role)]
                changed = True


def solve_greedy(problem: Problem) -> Result:
    started = time.perf_counter()
    prep = prepare(problem)
    from .fairness import score

    # the plan that aims at the fair shares, unless least-recently-on-call scores better
    # (it can cover slots the fair order leaves empty): the same start CP-SAT takes
    assignments = min((greedy_assignments(problem, prep, fair=f) for f in (True, False)),
                      key=lambda plan: score(problem, plan, prep)[0])
    elapsed = time.perf_counter() - started
    return build_result(problem, assignments, solver="greedy", status="feasible",
                        elapsed=elapsed, first_solution_time=elapsed, prep=prep)


def solve_round_robin(problem: Problem) -> Result:
    """Fixed order per regional pool, two consecutive people per shift; ignores every rule."""
    started = time.perf_counter()
    order = sorted(problem.people, key=lambda p: p.id)
    turn: dict[str | None, int] = defaultdict(int)
    assignments: dict[Slot, str] = {}
    for shift in sorted(problem.shifts, key=lambda s: (s.start, s.id)):
        pool = [p.id for p in order if shift.region is None or p.region in (None, shift.region)]
        if not pool:
            continue
        index = turn[shift.region]
        for k, role in enumerate(shift.roles):
            assignments[(shift.id, role)] = pool[(index + k) % len(pool)]
        turn[shift.region] += 1
    elapsed = time.perf_counter() - started
    return build_result(problem, assignments, solver="round-robin", status="feasible",
                        elapsed=elapsed, first_solution_time=elapsed)
