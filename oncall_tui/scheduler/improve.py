"""Local search that polishes a valid plan before CP-SAT sees it (a much better hint).

Simulated annealing over two moves on required slots: give a slot to someone else (or fill an
empty one), and swap the holders of two slots. Every move keeps every hard rule (checked here
incrementally, re-checked by the validator in the tests), and the cost of a move is the change of
exactly ``fairness.score``: empty slots, largest and summed deviation from the target, wishes,
spread, novice pairs and stability. Optional roles (shadows) are left as they are, and nobody is
moved onto a shift they shadow.

Pure Python and deterministic for a seed; problems with a minimum run length are returned
unchanged (removing a shift there can break the rule).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta

from .fairness import SCALE, beyond_slack, gap, scaled_targets
from .prepare import Prepared
from .problem import Problem, Slot

_ONE = timedelta(days=1)


class _State:
    def __init__(self, problem: Problem, prep: Prepared, plan: dict[Slot, str]) -> None:
        self.problem, self.prep = problem, prep
        self.rules, self.w = problem.rules, problem.weights
        self.target = scaled_targets(problem, prep)  # tenths of a point, as the score
        self.slots = [(s.id, r) for s in prep.shifts for r in s.roles]
        self.cand = {slot: prep.candidates[slot] for slot in self.slots}
        self.cand_set = {slot: set(c) for slot, c in self.cand.items()}
        self.near: dict[str, set[str]] = defaultdict(set)
        for a, b in prep.spread_pairs:
            self.near[a].add(b)
            self.near[b].add(a)
        self.wish = {k: v for k, v in problem.wishes.items()
                     if k[0] in prep.person_by_id and k[1] in prep.shift_by_id}
        mentor, mentee = self.rules.pair_roles
        self.pair_shifts = {s.id for s in prep.shifts if mentor in s.roles and mentee in s.roles}
        self.novice = {p.id for p in problem.people if not p.experienced}
        self.prev = {slot: p for slot, p in problem.previous.items() if slot[0] in prep.shift_by_id}
        # the day before the period: a run reaching it continues the person's worked_before
        self.before_first = prep.days[0] - _ONE if prep.days else None
        self.holder: dict[Slot, str | None] = {slot: None for slot in self.slots}
        self.works: dict[str, dict[str, str]] = defaultdict(dict)  # person -> shift -> role
        self.days: dict[str, Counter] = defaultdict(Counter)
        self.weekends: dict[str, Counter] = defaultdict(Counter)
        self.count: Counter = Counter()
        self.points: Counter = Counter()
        self.dev_hist: Counter = Counter()  # deviation (tenths) -> how many people have it
        for p in problem.people:
            self.dev_hist[self.dev(p.id)] += 1
        for (s, r), p in plan.items():  # optional roles count for rules, not for load
            self._add(p, s, r, (s, r) in self.holder)

    def dev(self, p: str) -> int:
        """p's distance from their share, in tenths of a point (fairness.gap)."""
        return gap(self.points[p], self.target.get(p, 0))

    def _add(self, p: str, s: str, r: str, required: bool = True) -> None:
        shift = self.prep.shift_by_id[s]
        self.works[p][s] = r
        self.days[p][shift.day] += 1
        if shift.weekend:
            self.weekends[p][shift.weekend] += 1
        if required:
            self.dev_hist[self.dev(p)] -= 1
            self.holder[(s, r)] = p
            self.count[p] += 1
            self.points[p] += shift.weight
            self.dev_hist[self.dev(p)] += 1

    def _remove(self, p: str, s: str, r: str) -> None:
        shift = self.prep.shift_by_id[s]
        del self.works[p][s]
        self.days[p][shift.day] -= 1
        if shift.weekend:
            self.weekends[p][shift.weekend] -= 1
        self.dev_hist[self.dev(p)] -= 1
        self.holder[(s, r)] = None
        self.count[p] -= 1
        self.points[p] -= shift.weight
        self.dev_hist[self.dev(p)] += 1

    def can_take(self, p: str, s: str, r: str) -> bool:
        """May p take (s, r) now (p holds nothing on s)?"""
        if p not in self.cand_set[(s, r)] or s in self.works[p]:
            return False
        prep, rules = self.prep, self.rules
        mine = self.works[p]
        for other in prep.conflicts[s]:
            if other in mine:
                return False
        limit = prep.max_load_shifts[p]
        if limit is not None and self.count[p] >= limit:
            return False
        shift = prep.shift_by_id[s]
        if shift.weekend and rules.max_weekends_per_period is not None \
                and self.weekends[p][shift.weekend] == 0:
            used = sum(1 for v in self.weekends[p].values() if v > 0)
            if used >= rules.max_weekends_per_period:
                return False
        if rules.max_consecutive is not None and self.days[p][shift.day] == 0:
            run, one, days = 1, _ONE, self.days[p]  # (prepare.run_with, inlined: a hot path)
            d = shift.day - one
            while days[d] > 0:
                run, d = run + 1, d - one
            if d == self.before_first:
                run += prep.person_by_id[p].worked_before
            d = shift.day + one
            while days[d] > 0:
                run, d = run + 1, d + one
            if run > rules.max_consecutive:
                return False
        return True

    # cost pieces touched by a move (everything but the global max deviation)
    def person_cost(self, p: str) -> int:
        w, mine = self.w, self.works[p]
        cost = w.fairness_sum * beyond_slack(self.problem, self.dev(p))
        for s in mine:
            cost += SCALE * w.spread * sum(1 for o in self.near[s] if o in mine) / 2
        return cost

    def wish_cost(self, p: str, s: str) -> int:
        value = self.wish.get((p, s), 0)
        on = s in self.works[p]
        return SCALE * self.w.wish * (value if value > 0 and not on else (-value if value < 0 and on else 0))

    def shift_cost(self, s: str) -> int:
        cost = 0
        mentor, mentee = self.rules.pair_roles
        if s in self.pair_shifts:
            a, b = self.holder.get((s, mentor)), self.holder.get((s, mentee))
            if a in self.novice and b in self.novice:
                cost += SCALE * self.w.pairing
        for r in self.prep.shift_by_id[s].roles:
            holder = self.holder[(s, r)]
            if holder is None:
                cost += SCALE * self.w.under_cover
            if (s, r) in self.prev and self.prev[(s, r)] != holder:
                cost += SCALE * self.w.stability
        return cost

    def max_dev(self) -> int:
        return max((d for d, n in self.dev_hist.items() if n > 0), default=0)

    def local_cost(self, people: set[str], shifts: set[str]) -> float:
        cost = self.w.fairness_max * self.max_dev()
        for p in people:
            cost += self.person_cost(p)
            for s in shifts:
                cost += self.wish_cost(p, s)
        for s in shifts:
            cost += self.shift_cost(s)
        return cost


def improve_plan(problem: Problem, prep: Prepared, plan: dict[Slot, str], time_limit: float = 1.0,
                 seed: int = 0, max_moves: int | None = None,
                 stop: threading.Event | None = None) -> dict[Slot, str]:
    """A plan no worse than ``plan`` (by ``fairness.score``) that keeps every hard rule."""
    if problem.rules.min_consecutive or not prep.shifts or not problem.people or time_limit <= 0:
        return dict(plan)
    st = _State(problem, prep, plan)
    rng = random.Random(seed)
    slots = st.slots
    extra = {slot: p for slot, p in plan.items() if slot not in st.holder}  # optional roles
    wanted = [key for key, value in st.wish.items() if value > 0]
    best = dict(st.holder)
    current = best_cost = 0.0  # costs relative to the start
    started = time.perf_counter()
    t_hot, t_cold = 2.0 * SCALE, 0.05 * SCALE  # the score counts tenths of a point
    temp = t_hot
    moves = 0

    def accept(delta: float) -> bool:
        return delta <= 0 or rng.random() < math.exp(-delta / temp)

    def give(slot: Slot, q: str) -> float | None:
        """Give slot to q (taking it from its holder); the change of cost, or None if refused."""
        s, r = slot
        p = st.holder[slot]
        if q == p:
            return None
        if p is not None:
            st._remove(p, s, r)
        ok = st.can_take(q, s, r)
        if p is not None:
            st._add(p, s, r)
        if not ok:
            return None
        people = {q} if p is None else {p, q}
        before = st.local_cost(people, {s})
        if p is not None:
            st._remove(p, s, r)
        st._add(q, s, r)
        delta = st.local_cost(people, {s}) - before
        if accept(delta):
            return delta
        st._remove(q, s, r)
        if p is not None:
            st._add(p, s, r)
        return None

    def swap(slot: Slot, slot2: Slot) -> float | None:
        (s, r), (s2, r2) = slot, slot2
        p, q = st.holder[slot], st.holder[slot2]
        if p is None or q is None or q == p or s2 == s or q not in st.cand_set[slot] \
                or p not in st.cand_set[slot2]:
            return None
        people, shifts = {p, q}, {s, s2}
        before = st.local_cost(people, shifts)
        st._remove(p, s, r)
        st._remove(q, s2, r2)
        ok = st.can_take(p, s2, r2)
        if ok:
            st._add(p, s2, r2)
            ok = st.can_take(q, s, r)
            if ok:
                st._add(q, s, r)
            else:
                st._remove(p, s2, r2)
        if ok:
            delta = st.local_cost(people, shifts) - before
            if accept(delta):
                return delta
            st._remove(p, s2, r2)
            st._remove(q, s, r)
        st._add(p, s, r)
        st._add(q, s2, r2)
        return None

    while True:
        if moves % 256 == 0:
            elapsed = time.perf_counter() - started
            if elapsed >= time_limit or (max_moves is not None and moves >= max_moves) \
                    or (stop is not None and stop.is_set()):
                break
            temp = t_hot * (t_cold / t_hot) ** (elapsed / time_limit)
        moves += 1
        roll = rng.random()
        if wanted and roll < 0.15:  # an unmet wish: put the person on that shift
            person, s = wanted[rng.randrange(len(wanted))]
            if s in st.works[person]:
                continue
            roles = [r for r in prep.shift_by_id[s].roles if person in st.cand_set[(s, r)]]
            if not roles:
                continue
            slot = (s, roles[rng.randrange(len(roles))])
            mine = [(t, r) for t, r in st.works[person].items() if st.holder.get((t, r)) == person]
            if st.holder[slot] is None or not mine or rng.random() < 0.5:
                delta = give(slot, person)
            else:
                delta = swap(slot, mine[rng.randrange(len(mine))])
        else:
            slot = slots[rng.randrange(len(slots))]
            if roll < 0.6 or st.holder[slot] is None:
                cands = st.cand[slot]
                delta = give(slot, cands[rng.randrange(len(cands))]) if cands else None
            else:
                delta = swap(slot, slots[rng.randrange(len(slots))])
        if delta is None:
            continue
        current += delta
        if current < best_cost - 1e-9:
            best_cost = current
            best = dict(st.holder)
    result = {slot: p for slot, p in best.items() if p is not None}
    for slot, p in extra.items():  # shadows stay, unless their person now works that shift
        if all(result.get((slot[0], r)) != p for r in prep.shift_by_id[slot[0]].roles):
            result[slot] = p
    return result
