"""Fair shares, per-person figures, and the score of any plan (lower is better).

The fair share is defined here, once (README "Fair share"); the planner's targets, the plan
screen's load bars, the "Why" text and the recommendation level all read it:

- the points to cover are the points of every required slot somebody may hold (a slot nobody
  may staff counts in nobody's share), counted per region and role: a follow-the-sun window's
  points go to the people of its region only;
- each person's *base share* of those points is proportional to the hours of the shifts they
  are available and eligible for (so a vacation lowers it by exactly the part of the hours it
  blocks), times the part of their time a manager left free of project work
  (``SchedPerson.free``, 1 unless a project load is set);
- a *catch-up* then moves it by what they are owed from earlier months (their share minus
  their load over the window, ``SchedPerson.past_excess`` with the opposite sign), at most one
  average shift's points either way, taken from or given to the others of the same region in
  proportion to their base shares, so the shares still add up to the points to cover.

``score`` evaluates every soft goal on a finished plan, as one weighted sum, so the greedy and
round-robin plans are scored on the same scale. It counts in tenths of a point (``SCALE``): a
deviation is a load's distance from the exact share to 0.1 point, the figure every screen and the
bench show, and the CP-SAT model and the local search measure with the same functions
(``scaled_targets``, ``gap``, ``beyond_slack``), so the plan they prove best is best by what is
shown. The largest deviation counts in full; the total deviation counts only what lies beyond
``Weights.fairness_slack`` points per person. CP-SAT does not trade those goals against each
other freely: it minimises ``rank`` in order, the empty required slots first, then the largest
deviation from a share, then the score (in which the total deviation weighs above the other soft
goals). Among plans with the same gaps and largest deviation the lower score is the better plan,
and the score is exactly the objective of the planner's second stage (a test checks that); a plan
with a lower score but a larger largest deviation is the worse plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .prepare import Prepared, in_order, prepare, slot_candidates
from .problem import PersonStats, Problem, Slot


@dataclass(frozen=True)
class Share:
    """One person's fair share of a period, in points."""

    base: float  # proportional to the hours they may be planned for
    catch_up: float  # owed (+) or overpaid (-) from earlier months, bounded

    @property
    def target(self) -> float:
        return self.base + self.catch_up


def catch_up_bound(problem: Problem) -> float:
    """The most the catch-up moves a share in one period: one average shift's points."""
    return mean_shift_weight(problem)


def fair_shares(problem: Problem, prep: Prepared | None = None) -> dict[str, Share]:
    """person id -> Share; per region the targets add up to the points to cover there."""
    if prep is not None:
        shifts, candidates = prep.shifts, prep.candidates
    else:  # only what the shares need: the required slots' candidates
        shifts = in_order(problem)
        candidates = slot_candidates(problem, shifts, optional=False)
    to_cover: dict[tuple, float] = defaultdict(float)  # (region, role) -> points
    hours: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    free = {p.id: max(0.0, min(1.0, p.free)) for p in problem.people}
    for s in shifts:
        length = (s.end - s.start).total_seconds() / 3600
        for role in s.roles:
            who = candidates[(s.id, role)]
            if not who:
                continue
            key = (s.region or "", role)
            to_cover[key] += s.weight
            for person_id in who:
                hours[key][person_id] += length * free[person_id]
    base: dict[tuple, dict[str, float]] = {}  # region -> person -> points
    for key, points in to_cover.items():
        total = sum(hours[key].values())
        if total <= 0:  # everyone who may take them is fully on project work: shared by hours alone
            hours[key] = defaultdict(float, {i: 1.0 for i in hours[key]})
            total = float(len(hours[key]))
        region = base.setdefault(key[0], defaultdict(float))
        for person_id, h in hours[key].items():
            region[person_id] += points * h / total
    bound = catch_up_bound(problem)
    owed = {p.id: max(-bound, min(bound, -p.past_excess)) for p in problem.people}
    mine = {p.id: sum(r.get(p.id, 0.0) for r in base.values()) for p in problem.people}
    catch: dict[str, float] = defaultdict(float)
    for shares in base.values():
        # each person's catch-up, spread over the regions they take shifts in, then balanced
        wanted = {i: owed[i] * b / mine[i] for i, b in shares.items() if mine[i] > 0}
        weight = sum(shares.values())
        extra = sum(wanted.values())
        moved = {i: wanted[i] - extra * shares[i] / weight for i in wanted}
        # nobody's share below zero: what a floor keeps back is taken from the others
        while True:
            low = {i for i, m in moved.items() if shares[i] + m < 0}
            if not low:
                break
            lack = sum(-(shares[i] + moved[i]) for i in low)
            for i in low:
                moved[i] = -shares[i]
            rest = {i: shares[i] + moved[i] for i in moved if i not in low and shares[i] + moved[i] > 0}
            room = sum(rest.values())
            if room <= 0:
                break
            for i, have in rest.items():
                moved[i] -= lack * have / room
        for i, m in moved.items():
            catch[i] += m
    return {p.id: Share(base=round(mine[p.id], 6), catch_up=round(catch[p.id], 6)) for p in problem.people}


def compute_targets(problem: Problem, prep: Prepared | None = None) -> dict[str, float]:
    """person id -> fair target in points (``fair_shares``'s base plus catch-up)."""
    return {i: s.target for i, s in fair_shares(problem, prep).items()}


def equal_targets(problem: Problem, prep: Prepared | None = None) -> dict[str, float]:
    """What an equal split would give (per region, among everyone who may take a shift there),
    ignoring availability and history: for comparison only (the bench)."""
    prep = prep or prepare(problem)
    out: dict[str, float] = {p.id: 0.0 for p in problem.people}
    pools: dict[str, list[str]] = defaultdict(list)
    points: dict[str, float] = defaultdict(float)
    for s in prep.shifts:
        region = s.region or ""
        for role in s.roles:
            if prep.candidates[(s.id, role)]:
                points[region] += s.weight
    for region in points:
        pools[region] = [p.id for p in problem.people
                         if not region or (p.region or "") == region]
        for i in pools[region]:
            out[i] += points[region] / len(pools[region])
    return out


#: The score counts in tenths of a point: every deviation from a share is measured to 0.1 point
#: (the resolution the plan screen, the "Why" text and the bench show), and every weight is per
#: point (``Weights``), so a weight of 1 is worth SCALE in the score.
SCALE = 10


def scaled_targets(problem: Problem, prep: Prepared | None = None) -> dict[str, int]:
    """person id -> fair share in tenths of a point (``SCALE``): what every plan is measured
    against, by the score here, the local search (improve.py) and the CP-SAT model alike."""
    return {i: int(round(t * SCALE)) for i, t in compute_targets(problem, prep).items()}


def gap(points: int, target: int) -> int:
    """|load - share| in tenths of a point; ``points`` in whole points, ``target`` scaled."""
    return abs(points * SCALE - target)


def beyond_slack(problem: Problem, deviation: int) -> int:
    """The part of a deviation (tenths) past the free tolerance (``Weights.fairness_slack`` points),
    which is what the total deviation counts."""
    return max(0, deviation - problem.weights.fairness_slack * SCALE)


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
                 shares: dict[str, Share] | None = None) -> list[PersonStats]:
    shares = shares if shares is not None else fair_shares(problem)
    points, count = loads(problem, assignments)
    return [
        PersonStats(person_id=p.id, shifts=count[p.id], load=points[p.id],
                    target=round(shares[p.id].target, 2),
                    deviation=round(points[p.id] - shares[p.id].target, 2),
                    past_load=p.past_load, share=round(shares[p.id].base, 2),
                    catch_up=round(shares[p.id].catch_up, 2))
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


def _missing(prep: Prepared, assignments: dict[Slot, str]) -> int:
    return sum(1 for s in prep.shifts for r in s.roles if (s.id, r) not in assignments)


def _deviations(problem: Problem, points: dict[str, int], target: dict[str, int]) -> list[int]:
    """Each person's distance from their share, in tenths of a point."""
    return [gap(points[i], target[i]) for i in target]


def rank(problem: Problem, assignments: dict[Slot, str],
         prep: Prepared | None = None) -> tuple[int, int, int]:
    """(empty required slots, largest deviation in tenths of a point, score): the order in which
    the CP-SAT planner compares plans, lower first (module docstring)."""
    prep = prep or prepare(problem)
    points, _ = loads(problem, assignments)
    deviations = _deviations(problem, points, scaled_targets(problem, prep))
    return (_missing(prep, assignments), max(deviations, default=0),
            score(problem, assignments, prep)[0])


def score(problem: Problem, assignments: dict[Slot, str],
          prep: Prepared | None = None) -> tuple[int, dict[str, int]]:
    prep = prep or prepare(problem)
    w = problem.weights
    rules = problem.rules
    target = scaled_targets(problem, prep)
    points, _ = loads(problem, assignments)
    works: dict[str, set[str]] = defaultdict(set)  # person -> shifts held in any role
    for (shift_id, _role), person_id in assignments.items():
        works[person_id].add(shift_id)

    missing = _missing(prep, assignments)
    deviations = _deviations(problem, points, target)
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
    breakdown = {  # in tenths of a point (SCALE): deviations are measured to 0.1 point
        "under_cover": SCALE * w.under_cover * missing,
        "fairness": w.fairness_max * max(deviations, default=0)
        + w.fairness_sum * sum(beyond_slack(problem, d) for d in deviations),
        "wish": SCALE * w.wish * wish,
        "pairing": SCALE * w.pairing * pairing,
        "spread": SCALE * w.spread * spread,
        "stability": SCALE * w.stability * stability,
        "shadow_missing": SCALE * w.shadow_missing * shadow_missing,
    }
    return sum(breakdown.values()), breakdown
