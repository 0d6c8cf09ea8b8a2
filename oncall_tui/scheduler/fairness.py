"""Fair targets, per-person figures, and the score of any plan (lower is better).

The target of a person is their fair share of this period's weighted points, so that load
over the rolling window (``past_load`` plus this plan) follows ``target_share`` scaled by the
part of the period the person can actually work ("this period's utilisation"). Shares are
water-filled: someone already far above their share gets a target of zero, not a negative one.

``score`` evaluates every soft goal on a finished plan; CP-SAT minimises exactly the same sum
(a test checks that), so the greedy and round-robin plans are scored on the same scale.
"""

from __future__ import annotations

from collections import defaultdict

from .prepare import Prepared, prepare
from .problem import PersonStats, Problem, Slot


def compute_targets(problem: Problem, prep: Prepared | None = None) -> dict[str, float]:
    prep = prep or prepare(problem)
    total_weight = sum(s.weight for s in prep.shifts) or 1
    to_share = sum(s.weight * len(s.roles) for s in prep.shifts)
    rules = problem.rules
    effective: dict[str, float] = {}
    capacity: dict[str, float] = {}
    for person in problem.people:
        open_shifts = [s for s in prep.shifts
                       if any(person.id in prep.candidates[(s.id, r)] for r in s.roles)]
        available = sum(s.weight for s in open_shifts)
        effective[person.id] = max(0.0, person.target_share) * available / total_weight
        # the most this person could take: open shifts, thinned by the run and total limits
        most = float(len(open_shifts))
        if rules.max_consecutive is not None:
            most = min(most, len(prep.days) * rules.max_consecutive / (rules.max_consecutive + 1) + 1)
        if prep.max_load_shifts[person.id] is not None:
            most = min(most, prep.max_load_shifts[person.id])
        capacity[person.id] = most * (available / len(open_shifts) if open_shifts else 0.0)
    past = {p.id: max(0.0, p.past_load) for p in problem.people}
    if to_share <= 0 or not any(effective.values()):
        return {p.id: 0.0 for p in problem.people}

    def share(level: float) -> dict[str, float]:
        return {i: min(capacity[i], max(0.0, level * effective[i] - past[i])) for i in effective}

    if sum(capacity.values()) <= to_share:
        return dict(capacity)
    low, high = 0.0, 1.0
    while sum(share(high).values()) < to_share:
        high *= 2
    for _ in range(60):
        mid = (low + high) / 2
        if sum(share(mid).values()) < to_share:
            low = mid
        else:
            high = mid
    return share(high)


def integer_targets(targets: dict[str, float]) -> dict[str, int]:
    return {i: int(round(t)) for i, t in targets.items()}


def loads(problem: Problem, assignments: dict[Slot, str]) -> tuple[dict[str, int], dict[str, int]]:
    """(points, shifts) per person, counting required roles only."""
    shift_by_id = {s.id: s for s in problem.shifts}
    points: dict[str, int] = {p.id: 0 for p in problem.people}
    count: dict[str, int] = {p.id: 0 for p in problem.people}
    for (shift_id, role), person_id in assignments.items():
        shift = shift_by_id.get(shift_id)
        if shift is None or role not in shift.roles or person_id not in points:
            continue
        points[person_id] += shift.weight
        count[person_id] += 1
    return points, count


def person_stats(problem: Problem, assignments: dict[Slot, str],
                 targets: dict[str, float] | None = None) -> list[PersonStats]:
    targets = targets if targets is not None else compute_targets(problem)
    points, count = loads(problem, assignments)
    return [
        PersonStats(person_id=p.id, shifts=count[p.id], load=points[p.id],
                    target=round(targets[p.id], 2), deviation=round(points[p.id] - targets[p.id], 2),
                    past_load=p.past_load)
        for p in problem.people
    ]


def mean_shift_weight(problem: Problem) -> float:
    slots = [s.weight for s in problem.shifts for _ in s.roles]
    return sum(slots) / len(slots) if slots else 1.0


def max_deviation_shifts(problem: Problem, stats: list[PersonStats]) -> float:
    """Largest |load - target| of anyone, in shifts of average weight."""
    if not stats:
        return 0.0
    return max(abs(s.deviation) for s in stats) / mean_shift_weight(problem)


def score(problem: Problem, assignments: dict[Slot, str],
          prep: Prepared | None = None) -> tuple[int, dict[str, int]]:
    prep = prep or prepare(problem)
    w = problem.weights
    rules = problem.rules
    target = integer_targets(compute_targets(problem, prep))
    points, _ = loads(problem, assignments)
    works: dict[str, set[str]] = defaultdict(set)  # person -> shifts held in any role
    for (shift_id, _role), person_id in assignments.items():
        works[person_id].add(shift_id)

    missing = sum(1 for s in prep.shifts for r in s.roles if (s.id, r) not in assignments)
    deviations = [max(0, abs(points[i] - target[i]) - w.fairness_slack) for i in target]
    shadow_missing = 0
    for s in prep.shifts:
        for r in s.optional_roles:
            if (s.id, r) not in assignments and (
                    rules.shadow_beside not in s.roles or (s.id, rules.shadow_beside) in assignments):
                shadow_missing += 1
    wish = 0
    for (person_id, shift_id), value in problem.wishes.items():
        if shift_id not in prep.shift_by_id or person_id not in prep.person_by_id:
            continue
        on = shift_id in works.get(person_id, ())
        if value > 0 and not on:
            wish += value
        elif value < 0 and on:
            wish += -value
    mentor, mentee = rules.pair_roles
    pairing = 0
    for s in prep.shifts:
        a, b = assignments.get((s.id, mentor)), assignments.get((s.id, mentee))
        if a in prep.person_by_id and b in prep.person_by_id and not (
                prep.person_by_id[a].experienced or prep.person_by_id[b].experienced):
            pairing += 1
    spread = sum(1 for s1, s2 in prep.spread_pairs for i in works if s1 in works[i] and s2 in works[i])
    stability = sum(1 for slot, person_id in problem.previous.items()
                    if slot[0] in prep.shift_by_id and assignments.get(slot) != person_id)
    breakdown = {
        "under_cover": w.under_cover * missing,
        "fairness": w.fairness_max * (max(deviations) if deviations else 0) + w.fairness_sum * sum(deviations),
        "wish": w.wish * wish,
        "pairing": w.pairing * pairing,
        "spread": w.spread * spread,
        "stability": w.stability * stability,
        "shadow_missing": w.shadow_missing * shadow_missing,
    }
    return sum(breakdown.values()), breakdown
