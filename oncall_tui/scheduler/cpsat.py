"""The CP-SAT planner: coverage, hard rules and weighted soft goals in one integer model.

Call ``solve_cpsat`` from a worker thread: the model is built inside it (building holds the
GIL, solving releases it). ``on_progress`` gets a ``Progress`` for improving plans (at most
every ``progress_every`` seconds, plus the first); it may be called from CP-SAT's thread or the
local-search thread, so it must be thread-safe. ``stop`` ends the search and keeps the best plan.
The goals are lexicographic (``fairness.rank``): stage 1 proves the fewest gaps and then the
smallest largest deviation (``_Model.first_stage``); stage 2 keeps both as constraints and
minimises exactly ``fairness.score`` (a test checks it), in tenths of a point. Stage 1 gets at most
half of the time left; when stage 2 has none, stage 1's plan is the answer.

The steps: greedy start plan; local search (improve.py) on it; if slots are still empty, a
coverage-only solve that fills what can be filled and proves the rest unavoidable (coverage.py);
the LP bound of this model (lp_bound.py, GLOP, in its own thread); stage 1; then CP-SAT (stage
2) from the best plan as a complete hint, with the local search restarting beside it on one core, until a plan
meets the bound or time runs out. The model carries valid inequalities that make its LP tight
(see ``_flag_is_max``, ``_weekend_cuts`` and the small-target fairness cut): on 50 x 91 teams
the LP alone proves the optimum in about a second.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from .coverage import fewest_gaps
from .fairness import SCALE, beyond_slack, gap, rank, scaled_targets, score
from .greedy import greedy_assignments
from .improve import improve_plan
from .lp_bound import bounds_worker
from .prepare import Prepared, prepare
from .problem import Problem, Progress, Result, Slot
from .report import build_result
from .validate import validate

# With two workers CP-SAT runs one full subsolver (the first listed) and interleaves its LNS
# helpers on the other. Measured in bench/scheduler: on month-sized teams an LP-heavy full
# worker ("max_lp") proves the optimum in 1-2 s where the default still has a wide gap after
# 5 s. On 50 people x 91 days the default found better plans from a greedy hint; from the
# local-search hint (improve.py) max_lp improves it and the default does not, so "auto" is
# max_lp at every size now (LARGE_MODEL is kept for callers that imported it).
AUTO = "auto"
LARGE_MODEL = 4000  # assignment variables


def pick_subsolvers(subsolvers: tuple[str, ...] | str | None, variables: int) -> tuple[str, ...]:
    if subsolvers == AUTO:  # since the local-search hint, max_lp also wins on large models
        return ("max_lp",)
    return tuple(subsolvers or ())


class _Model:
    """The CP-SAT model of one problem, with the handles needed to read a plan back."""

    def __init__(self, problem: Problem, prep: Prepared, build_by: float | None = None) -> None:
        """`build_by`: a time.perf_counter() moment; a model not built by then raises OutOfTime
        (a month of 4-hour shifts for 120 people holds hundreds of thousands of variables)."""
        from ortools.sat.python import cp_model

        def in_time() -> None:
            if build_by is not None and time.perf_counter() > build_by:
                raise OutOfTime

        self.model = m = cp_model.CpModel()
        self.x: dict[tuple[str, str, str], object] = {}  # (person, shift, role) -> bool var
        self.miss: dict[Slot, object] = {}
        # auxiliary variables and how to compute them from the x values, in creation order,
        # so that a start plan becomes a complete hint (CP-SAT then starts from it at once)
        self.derived: list[tuple[object, str, object]] = []
        self.weekend_flag: dict[tuple[str, str], object] = {}
        rules, w = problem.rules, problem.weights
        terms: list = []
        constant = 0
        works: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))  # p -> s -> vars
        load: dict[str, list] = defaultdict(list)
        takes: dict[str, dict[str, int]] = defaultdict(dict)  # p -> shift -> points (required roles)

        for shift in prep.shifts:
            in_time()
            for role in shift.all_roles:
                for p in prep.candidates[(shift.id, role)]:
                    v = m.new_bool_var(f"x_{p}_{shift.id}_{role}")
                    self.x[(p, shift.id, role)] = v
                    works[p][shift.id].append(v)
                    if role in shift.roles:
                        load[p].append((shift.weight, v))
                        takes[p][shift.id] = shift.weight
            for role in shift.roles:
                held = [self.x[(p, shift.id, role)] for p in prep.candidates[(shift.id, role)]]
                miss = m.new_bool_var(f"miss_{shift.id}_{role}")
                m.add(sum(held) + miss == 1)
                self.miss[(shift.id, role)] = miss
                terms.append(SCALE * w.under_cover * miss)
            for role in shift.optional_roles:
                held = [self.x[(p, shift.id, role)] for p in prep.candidates[(shift.id, role)]]
                if rules.shadow_beside in shift.roles:
                    filled = 1 - self.miss[(shift.id, rules.shadow_beside)]
                    m.add(sum(held) <= filled)
                    terms.append(SCALE * w.shadow_missing * (filled - sum(held)))
                else:
                    m.add(sum(held) <= 1)
                    constant += SCALE * w.shadow_missing
                    terms.append(-SCALE * w.shadow_missing * sum(held))

        def on(p: str, s: str):
            return sum(works[p][s]) if works[p].get(s) else 0

        for p, by_shift in works.items():
            in_time()
            for s, vs in by_shift.items():
                if len(vs) > 1:
                    m.add_at_most_one(vs)
                for other in prep.conflicts[s]:
                    if other in by_shift and prep.shift_index[other] > prep.shift_index[s]:
                        m.add(sum(vs) + sum(by_shift[other]) <= 1)
            limit = prep.max_load_shifts[p]
            if limit is not None and len(load[p]) > limit:
                m.add(sum(v for _, v in load[p]) <= limit)
            self._day_rules(problem, prep, p, by_shift)
            if rules.max_weekends_per_period is not None:
                flags = []
                for key, shift_ids in prep.weekend_shifts.items():
                    vs = [v for s in shift_ids for v in by_shift.get(s, [])]
                    if vs:
                        flag = m.new_bool_var(f"wk_{p}_{key}")
                        self.weekend_flag[(p, key)] = flag
                        self._flag_is_max(flag, [by_shift[s] for s in shift_ids if s in by_shift])
                        self.derived.append((flag, "max", vs))
                        flags.append(flag)
                if len(flags) > rules.max_weekends_per_period:
                    m.add(sum(flags) <= rules.max_weekends_per_period)

        # fairness, in tenths of a point against the exact shares (fairness.SCALE): the model
        # measures every deviation as the score and the screens do
        target = scaled_targets(problem, prep)
        cap = SCALE * sum(s.weight * len(s.roles) for s in prep.shifts) + max(target.values(), default=0)
        max_dev = m.new_int_var(0, cap, "max_dev")
        self.max_dev, self.dev_cap = max_dev, cap
        self.problem = problem
        slack = SCALE * w.fairness_slack
        gaps: list = []
        held: list = []  # each person's points, as an integer: every slot is held or empty
        for person in problem.people:
            mine = [(SCALE * wt, v) for wt, v in load[person.id]]
            points = sum(wt * v for wt, v in load[person.id]) if load[person.id] else 0
            share = target[person.id]
            reachable = _reachable(takes[person.id].values())
            if load[person.id]:
                # only the sums of the shifts they may take (a 2- and a 3-point shift: never 1):
                # with it the search sees at once that a share of 1.1 leaves a deviation of 0.9
                have = m.new_int_var_from_domain(cp_model.Domain.from_values(reachable), f"points_{person.id}")
                m.add(have == points)
                self.derived.append((have, "sum", load[person.id]))
                held.append(have)
                points = have
            expr = SCALE * points
            least = min(gap(r, share) for r in reachable)  # the nearest reachable load
            off = m.new_int_var(least, cap, f"gap_{person.id}")  # |load - share|
            m.add(off >= expr - share)
            m.add(off >= share - expr)
            m.add(max_dev >= off)
            self.derived.append((off, "gap", (load[person.id], share)))
            gaps.append(off)
            # for a small share every single shift already overshoots it: the LP must not
            # spread fractions of shifts over such people for free (valid as the share >= 0)
            self._steep_cut(off, mine, share)
            if w.fairness_sum:
                dev = m.new_int_var(beyond_slack(problem, least), cap, f"dev_{person.id}")  # beyond the free slack
                m.add(dev >= off - slack)
                self._steep_cut(dev, mine, share + slack)
                self.derived.append((dev, "beyond", off))
                terms.append(w.fairness_sum * dev)
        terms.append(w.fairness_max * max_dev)
        self.derived.append((max_dev, "max", gaps))
        # redundant, for the search's sake: the points held and the points left empty add up to
        # the month's (with loads kept near the shares this proves a bound on the largest
        # deviation at once, where the search over single slots took seconds)
        m.add(sum(held) + sum(prep.shift_by_id[sid].weight * v for (sid, _), v in self.miss.items())
              == sum(s.weight * len(s.roles) for s in prep.shifts))

        for (p, s), value in problem.wishes.items():
            if s not in prep.shift_by_id or p not in prep.person_by_id:
                continue
            if value > 0:
                constant += SCALE * w.wish * value
                terms.append(-SCALE * w.wish * value * on(p, s))
            elif value < 0:
                terms.append(SCALE * w.wish * -value * on(p, s))

        mentor, mentee = rules.pair_roles
        for shift in prep.shifts:
            if mentor not in shift.roles or mentee not in shift.roles:
                continue
            a, b = ([self.x[(p, shift.id, r)] for p in prep.candidates[(shift.id, r)]
                     if not prep.person_by_id[p].experienced] for r in (mentor, mentee))
            if a and b:
                both = m.new_bool_var(f"pair_{shift.id}")
                m.add(both >= sum(a) + sum(b) - 1)
                self.derived.append((both, "both", a + b))
                terms.append(SCALE * w.pairing * both)

        near: dict[tuple[str, str, str], object] = {}
        if w.spread:
            for s1, s2 in prep.spread_pairs:
                in_time()
                for p, by_shift in works.items():
                    if s1 in by_shift and s2 in by_shift:
                        close = m.new_bool_var(f"near_{p}_{s1}_{s2}")
                        m.add(close >= on(p, s1) + on(p, s2) - 1)
                        self.derived.append((close, "both", by_shift[s1] + by_shift[s2]))
                        terms.append(SCALE * w.spread * close)
                        near[(p, s1, s2)] = near[(p, s2, s1)] = close
            self._weekend_cuts(prep, works, near, on)

        for (s, role), p in problem.previous.items():
            if s not in prep.shift_by_id:
                continue
            constant += SCALE * w.stability
            if (p, s, role) in self.x:
                terms.append(-SCALE * w.stability * self.x[(p, s, role)])

        self.constant = constant
        self.objective = sum(terms) + constant
        m.minimize(self.objective)

    def _steep_cut(self, dev, load: list, room: int) -> None:
        """dev >= the sum of (weight - room) over the shifts heavier than room: each one alone
        overshoots it (valid for room >= 0, load weights and room in the same unit)."""
        steep = [(wt - room, v) for wt, v in load if wt > room]
        if steep and room >= 0:
            self.model.add(dev >= sum(c * v for c, v in steep))

    def _weekend_cuts(self, prep: Prepared, works: dict, near: dict, on: Callable) -> None:
        """Valid inequalities that let the LP see the weekend limit and spread together:
        when every two of a person's shifts on one weekend are a spread pair, the shifts worked
        that weekend minus the spread pairs among them is at most the weekend flag (1 - 0, 2 - 1,
        3 - 3, ...). Without it the LP splits weekends into halves and proves no spread cost."""
        for (p, key), flag in self.weekend_flag.items():
            mine = [s for s in prep.weekend_shifts[key] if s in works[p]]
            pairs = [(a, b) for i, a in enumerate(mine) for b in mine[i + 1:]]
            if len(mine) < 2 or not all((p, a, b) in near for a, b in pairs):
                continue
            self.model.add(sum(on(p, s) for s in mine) - sum(near[(p, a, b)] for a, b in pairs)
                           <= flag)

    def _day_rules(self, problem: Problem, prep: Prepared, p: str, by_shift: dict) -> None:
        rules, m = problem.rules, self.model
        if rules.max_consecutive is None and not rules.min_consecutive:
            return
        one = timedelta(days=1)
        worked: dict = {}
        for day, shift_ids in prep.day_shifts.items():
            vs = [v for s in shift_ids for v in by_shift.get(s, [])]
            if vs:
                flag = m.new_bool_var(f"day_{p}_{day}")
                self._flag_is_max(flag, [by_shift[s] for s in shift_ids if s in by_shift])
                self.derived.append((flag, "max", vs))
                worked[day] = flag
        if rules.max_consecutive is not None:
            n = rules.max_consecutive
            for day in worked:
                window = [worked.get(day + k * one) for k in range(n + 1)]
                if all(f is not None for f in window):
                    m.add(sum(window) <= n)
            carried = prep.person_by_id[p].worked_before
            if carried > 0:  # a run carried in: one of the period's first n - carried + 1 days is off
                room = max(0, n - carried)
                window = [worked.get(prep.days[0] + k * one) for k in range(room + 1)]
                if all(f is not None for f in window):
                    m.add(sum(window) <= room)
        if rules.min_consecutive:
            first, last = prep.days[0], prep.days[-1]
            for day, flag in worked.items():
                if day == first:
                    continue
                before = worked.get(day - one, 0)
                for k in range(1, rules.min_consecutive):
                    if day + k * one > last:
                        break
                    m.add(flag - before <= worked.get(day + k * one, 0))

    def _flag_is_max(self, flag, groups: list[list]) -> None:
        """flag == max over the shifts, in linear form; ``groups`` are the role variables of
        one shift each (at most one is true), so the LP cannot hold two half roles of a shift
        under a half flag."""
        for group in groups:
            if len(group) == 1:
                self.model.add_implication(group[0], flag)
            else:
                self.model.add(flag >= sum(group))
        self.model.add(flag <= sum(v for group in groups for v in group))

    def first_stage(self, plan: dict[Slot, str], seconds: float, workers: int, seed: int,
                    stop: threading.Event | None) -> tuple[bool, dict[Slot, str] | None]:
        """Stage 1: the fewest empty required slots, then the smallest largest deviation, exactly
        (a gap weighs more than the largest deviation can reach, so coverage always comes
        first), from ``plan`` as a hint within ``seconds``. (proven optimal, its plan or None);
        the full objective is restored afterwards and the hints cleared.

        Two fifths of the time go to minimising; if that ends unproven with its gaps proven fewest, the
        rest bisects between its bound and its best plan, asking whether any plan with those
        gaps has a largest deviation at most so much: CP-SAT answers such a question far faster
        than it closes the optimisation's bound (120 people x 28 days: no proof of 1.1 points in 10 s, and
        "nothing at 1.0" refuted in 0.7 s)."""
        from ortools.sat.python import cp_model

        started = time.perf_counter()
        m = self.model
        weigh = self.dev_cap + 1
        m.clear_objective()
        m.minimize(weigh * sum(self.miss.values()) + self.max_dev)
        m.clear_hints()
        self.hint(plan)
        try:
            status, solver = self._search(m, 0.4 * seconds, workers, seed, stop)
        finally:
            m.clear_objective()
            m.minimize(self.objective)
            m.clear_hints()
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, None
        best = self.assignments(solver.boolean_value)
        if status == cp_model.OPTIMAL:
            return True, best
        gaps, largest = int(round(solver.objective_value)) // weigh, int(solver.value(self.max_dev))
        bound = int(-(-solver.best_objective_bound // 1))
        if bound // weigh < gaps:
            return False, best  # the gaps themselves are not proven fewest
        least = max(0, bound - weigh * gaps)  # no plan with those gaps has a smaller largest
        while least < largest and not (stop is not None and stop.is_set()):
            left = seconds - (time.perf_counter() - started)
            if left <= 0.05:
                return False, best
            below = (least + largest - 1) // 2  # is there a plan whose largest is at most this?
            question = m.clone()
            question.clear_objective()
            question.clear_hints()
            question.add(sum(question.get_bool_var_from_proto_index(v.index) for v in self.miss.values()) <= gaps)
            question.add(question.get_int_var_from_proto_index(self.max_dev.index) <= below)
            status, solver = self._search(question, left, workers, seed, stop)
            if status == cp_model.INFEASIBLE:
                least = below + 1
            elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                best, largest = self.assignments(solver.boolean_value), int(solver.value(self.max_dev))
            else:
                return False, best
        return least >= largest, best

    @staticmethod
    def _search(model, seconds: float, workers: int, seed: int, stop: threading.Event | None):
        """One CP-SAT search of ``model`` (the LP at its fullest), ended early by ``stop``."""
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = max(1, workers)
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(0.01, seconds)
        solver.parameters.linearization_level = 2
        finished = threading.Event()

        def watch() -> None:
            while stop is not None and not finished.wait(0.05):
                if stop.is_set():
                    solver.stop_search()
                    return
        threading.Thread(target=watch, name="cpsat-stage1-stop", daemon=True).start()
        try:
            status = solver.solve(model)
        finally:
            finished.set()
        return status, solver

    def fix_first_stage(self, gaps: int, largest: int, proven: bool = False) -> None:
        """Stage 2 keeps what stage 1 reached: no more gaps, no larger largest deviation (in
        tenths of a point); ``proven``: stage 1 proved both the least possible, so they are
        fixed exactly and stage 2 need not prove them again."""
        self.model.add(sum(self.miss.values()) <= gaps)
        self.model.add(self.max_dev <= largest)
        if proven:
            self.model.add(sum(self.miss.values()) == gaps)
            self.model.add(self.max_dev == largest)

    def canonical(self, best: int, plan: dict[Slot, str], seconds: float, seed: int):
        """Among the plans scoring ``best``, the one a fixed rule prefers: each (person, shift,
        role) carries a fixed pseudo-random cost of 1..997 (a hash of its names, the same on
        every run and machine), so two different plans almost never cost the same and the
        cheapest is one plan whatever plan the parallel search met first.

        The search itself is repeatable: no hint (the plan differs from run to run), one worker
        (CP-SAT alone on one thread follows the same path on every run) with the LP at its fullest
        (``linearization_level`` 2) and a limit in deterministic time well below the wall limit,
        so a search that is cut short is cut at the same point on every run. Measured: it proves
        the cheapest plan on 6 x 14, 15 x 28 and 30 x 28 teams in 0.3-1.5 s on a loaded machine,
        where two interleaved workers took 2-13 s. None when no plan is found within ``seconds``
        (every plan it may return scores ``best``: the choice costs nothing but time)."""
        import hashlib

        from ortools.sat.python import cp_model

        def cost(key: tuple[str, str, str]) -> int:
            digest = hashlib.blake2b("\x1f".join(key).encode(), digest_size=4).digest()
            return 1 + int.from_bytes(digest, "big") % 997

        m = self.model
        m.clear_objective()
        m.add(self.objective <= best)
        m.minimize(sum(cost(key) * v for key, v in self.x.items()))
        m.clear_hints()
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        solver.parameters.random_seed = seed
        # one worker counts about 0.2-0.4 units of deterministic time a second here (0.2 with
        # both cores busy): a tenth of the wall budget ends the search first even on a machine
        # twice as loaded, and then the same way on every run
        solver.parameters.max_deterministic_time = max(0.01, 0.1 * seconds)
        solver.parameters.max_time_in_seconds = max(0.01, seconds)
        if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return self.assignments(solver.boolean_value)

    def hint(self, plan: dict[Slot, str]) -> None:
        value: dict[int, int] = {}
        for (p, s, r), var in self.x.items():
            value[var.index] = int(plan.get((s, r)) == p)
        for slot, var in self.miss.items():
            value[var.index] = int(slot not in plan)
        for var, kind, data in self.derived:
            if kind == "max":
                value[var.index] = max((value[v.index] for v in data), default=0)
            elif kind == "sum":
                value[var.index] = sum(wt * value[v.index] for wt, v in data)
            elif kind == "both":
                value[var.index] = max(0, sum(value[v.index] for v in data) - 1)
            elif kind == "gap":  # the model's load is in tenths already
                load, share = data
                value[var.index] = gap(sum(wt * value[v.index] for wt, v in load), share)
            else:  # beyond the slack
                value[var.index] = beyond_slack(self.problem, value[data.index])
        for var in list(self.x.values()) + list(self.miss.values()) + [d[0] for d in self.derived]:
            self.model.add_hint(var, value[var.index])

    def assignments(self, value: Callable) -> dict[Slot, str]:
        return {(s, r): p for (p, s, r), v in self.x.items() if value(v)}


def solve_cpsat(problem: Problem, time_limit: float = 10.0, workers: int = 2,
                on_progress: Callable[[Progress], None] | None = None,
                stop: threading.Event | None = None, hint: Result | None = None,
                subsolvers: tuple[str, ...] | str | None = AUTO,
                progress_every: float = 0.25, seed: int = 0,
                polish: float | None = None, params: dict | None = None,
                use_lp_bound: bool = True, explain: bool = True) -> Result:
    """Plan with CP-SAT. ``polish`` is the seconds of local search run on the greedy start plan
    before CP-SAT (None: by size, at most a quarter of ``time_limit``; 0: none); ``params``
    sets further CP-SAT parameters by name (e.g. ``{"log_search_progress": True}``);
    ``use_lp_bound`` adds the bound proven by the model's LP relaxation (lp_bound.py) and ends
    the search as soon as a plan meets it.

    ``time_limit`` is the wall time of the whole call: loading OR-Tools, the start plans, the
    model, the local search, CP-SAT and the report on the plan (gaps and their reasons) all
    fit in it; each step gets what is left, and the search stops early enough for the report.
    ``explain`` False leaves the gaps' reasons out of the report (build_result)."""
    started = time.perf_counter()
    prep = prepare(problem)
    if hint is not None:
        start_plan = hint.assignments
    else:  # the better of the two greedy plans
        start_plan = min((greedy_assignments(problem, prep, fair=f) for f in (True, False)),
                         key=lambda plan: rank(problem, plan, prep))
    scored = time.perf_counter()
    start_score = score(problem, start_plan, prep)[0]
    # the report after the search: a few scores, and every person tried in every empty slot
    report = 5 * (time.perf_counter() - scored) \
        + (_empty_slots(prep, start_plan) * len(problem.people) * 2e-4 if explain else 0.0)
    deadline = started + time_limit
    # the search stops here (with a margin: a busy machine slows every step down)
    end = deadline - min(0.5 * time_limit, 0.1 + 0.05 * time_limit + report)

    def left() -> float:
        return end - time.perf_counter()

    def show_start_plan(bound: int | None) -> None:  # the plan we would return now, as progress
        if on_progress is not None:
            on_progress(Progress(best_score=start_score, bound=bound, elapsed=time.perf_counter() - started,
                                 solutions=0, assignments=dict(start_plan)))

    show_start_plan(None)  # the start plan is valid already: show it before searching

    def local_search_only() -> Result:  # no time for a model (or for CP-SAT on it)
        plan = start_plan
        if left() > 0.05 and not (stop is not None and stop.is_set()):
            plan = improve_plan(problem, prep, start_plan, left(), seed=seed, stop=stop)
            if rank(problem, plan, prep) >= rank(problem, start_plan, prep):
                plan = start_plan
        result = build_result(problem, plan, solver="cpsat", status="feasible",
                              elapsed=time.perf_counter() - started, prep=prep, explain=explain)
        result.unavoidable_gaps = None
        return result

    # loading OR-Tools the first time (about a second) and building the model must fit as well:
    # the model gets half of what is left, the local search the rest if it does not make it
    loading = 0.0 if "ortools.sat.python.cp_model" in sys.modules else 1.0
    if left() < max(0.05 * time_limit, 2 * loading):
        return local_search_only()
    from ortools.sat.python import cp_model

    building = time.perf_counter()
    try:
        built = _Model(problem, prep, build_by=building + 0.5 * left())
    except OutOfTime:
        return local_search_only()
    building = time.perf_counter() - building
    # the LP bound (GLOP, outside the GIL) runs in its own thread beside the local search and
    # then beside CP-SAT; whatever of the time limit it needs, it never delays the search
    # (with one worker, as in batch.py where every core runs a team, after the local search and
    # before CP-SAT: the LP's Python half would slow the local search down, and a plan that
    # meets the bound needs no search at all)
    lower: list[int | None] = []
    mip_plan: list = []  # HiGHS's solver while it runs, then its plan
    best_seen = [start_score]
    polish_done = threading.Event()  # set once the local search (and gap proof) is done
    done = threading.Event()  # set once CP-SAT is done
    proven_gaps: int | None = None

    def worth_proving() -> bool:  # HiGHS only if the LP left a gap after the local search
        polish_done.wait(max(0.0, end - time.perf_counter()))
        return polish_done.is_set() and not done.is_set() and not (stop is not None and stop.is_set()) \
            and not (lp_now() is not None and best_seen[0] <= lp_now())

    # HiGHS beside the search with two workers, or on long single-worker runs (batch.py's
    # second pass), where proving the bound is what is left to do
    with_mip = use_lp_bound and (workers >= 2 or time_limit >= 8)
    lp_thread = None
    if use_lp_bound and workers >= 2:
        lp_thread = threading.Thread(target=bounds_worker, name="planner-lp-bound", daemon=True,
                                     args=(built.model.proto, built.x, end, lower, with_mip,
                                           mip_plan, worth_proving))
        lp_thread.start()

    def lp_now() -> int | None:  # the best proven bound so far (LP, or the unavoidable gaps)
        bounds = [b for b in (lower[0] if lower else None,
                              None if proven_gaps is None else proven_gaps * SCALE * problem.weights.under_cover)
                  if b is not None]
        return max(bounds) if bounds else None

    if polish is None:  # local search: a far better hint for large teams, in a fraction of the time
        polish = min(0.25 * time_limit, 0.1 + len(prep.shifts) * len(problem.people) / 1500)
    polish = min(polish, max(0.0, 0.5 * left()))
    if polish > 0 and not (stop is not None and stop.is_set()):
        polished = improve_plan(problem, prep, start_plan, polish, seed=seed, stop=stop)
        if rank(problem, polished, prep) < rank(problem, start_plan, prep):
            start_plan, start_score = polished, score(problem, polished, prep)[0]
            show_start_plan(lp_now())
    if _empty_slots(prep, start_plan) and not (stop is not None and stop.is_set()) and left() > 0.1:
        # gaps left: prove how many are unavoidable, and fill the others if a plan can
        found, proven = fewest_gaps(problem, prep, start_plan, min(0.2 * time_limit, 0.5 * left()), end,
                                    workers=workers, seed=seed)
        proven_gaps = proven
        if rank(problem, found, prep) < rank(problem, start_plan, prep):
            start_plan, start_score = found, score(problem, found, prep)[0]
            show_start_plan(lp_now())
    if left() < 0.5 * building:  # CP-SAT reads the model in about half the time it took to build
        return local_search_only()
    # stage 1: the fewest gaps, then the smallest largest deviation, exactly, in at most half of
    # what is left; stage 2 (below) keeps both and minimises the score (the total deviation
    # first among the other soft goals) from the better of stage 1's plan and the start plan
    lex_proven = False
    if not (stop is not None and stop.is_set()):
        lex_proven, first = built.first_stage(start_plan, 0.5 * left(), workers, seed, stop)
        if first is not None and rank(problem, first, prep) < rank(problem, start_plan, prep):
            start_plan, start_score = first, score(problem, first, prep)[0]
            show_start_plan(None)
    reached = rank(problem, start_plan, prep)[:2]
    built.fix_first_stage(*reached, proven=lex_proven)
    best_seen[0] = start_score
    if left() < 0.5 * building:  # no time for stage 2: stage 1's plan
        outcome = "stopped" if stop is not None and stop.is_set() else "feasible"
        result = build_result(problem, start_plan, solver="cpsat", status=outcome,
                              elapsed=time.perf_counter() - started, prep=prep, explain=explain)
        result.unavoidable_gaps = proven_gaps if result.gaps else 0
        return result
    if use_lp_bound and workers < 2:  # one core: the LP first, then the search (HiGHS beside it)
        bounds_worker(built.model.proto, built.x, end, lower, False, mip_plan, worth_proving)
        if with_mip:
            lp_thread = threading.Thread(target=bounds_worker, name="planner-mip-bound", daemon=True,
                                         args=(built.model.proto, built.x, end, lower, True,
                                               mip_plan, worth_proving, False))
            lp_thread.start()
    polish_done.set()
    built.hint(start_plan)
    if (lex_proven and lp_now() is not None and start_score <= lp_now()) \
            or (stop is not None and stop.is_set()):
        # the start plan meets the proven bound (or the caller stopped): nothing left to search
        optimal = lex_proven and lp_now() is not None and start_score <= lp_now()
        done.set()
        if optimal:
            start_plan = _same_every_run(problem, prep, built, start_plan, started, end, seed)
        result = build_result(problem, start_plan, solver="cpsat",
                              status="optimal" if optimal else "stopped",
                              elapsed=time.perf_counter() - started, bound=lp_now(),
                              first_solution_time=None, prep=prep, explain=explain)
        result.unavoidable_gaps = proven_gaps if result.gaps else 0
        return result
    solver = cp_model.CpSolver()
    extra_params, params = params, solver.parameters
    params.max_time_in_seconds = max(0.01, left())
    # with two or more workers and a problem the local search handles, one core keeps running
    # the local search (restarts from the best plan) beside CP-SAT: on 50 x 91 it finds better
    # plans than CP-SAT's own LNS worker, while CP-SAT's LP worker raises the bound
    searching = workers >= 2 and polish > 0 and not problem.rules.min_consecutive
    cp_workers = workers - 1 if searching else workers
    params.num_workers = max(1, cp_workers)
    params.random_seed = seed
    subsolvers = pick_subsolvers(subsolvers, len(built.x))
    if subsolvers and cp_workers >= 2:
        params.subsolvers.extend(subsolvers)  # the first is the full worker, LNS runs beside it
    elif subsolvers and subsolvers[0] == "max_lp":
        params.linearization_level = 2  # what max_lp is, for a single sequential worker
    for name, value in (extra_params or {}).items():  # extra CP-SAT parameters, for experiments
        if isinstance(value, (list, tuple)):
            getattr(solver.parameters, name).extend(value)
        else:
            setattr(solver.parameters, name, value)
    first_time: list[float] = []

    class Callback(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.last_report = -1.0

        def on_solution_callback(self) -> None:
            now = time.perf_counter() - started
            self.count += 1
            if not first_time:
                first_time.append(now)
            best_seen[0] = min(best_seen[0], int(round(self.objective_value)))
            if on_progress is not None and (self.count == 1 or now - self.last_report >= progress_every):
                self.last_report = now
                on_progress(Progress(best_score=int(round(self.objective_value)),
                                     bound=max(lp_now() or 0, int(-(-self.best_objective_bound // 1))),
                                     elapsed=now,
                                     solutions=self.count,
                                     assignments=built.assignments(self.boolean_value)))

    searched = {"plan": dict(start_plan), "rank": rank(problem, start_plan, prep)}

    def local_search() -> None:
        round_ = 0
        while not done.is_set():
            round_ += 1
            remaining = left()
            if remaining <= 0.2:
                return
            plan = improve_plan(problem, prep, searched["plan"], min(3.0, remaining), seed=seed + round_,
                                stop=done)
            ranked = rank(problem, plan, prep)
            if ranked < searched["rank"]:  # never a larger gap count or largest deviation
                found = ranked[2]
                searched.update(plan=plan, rank=ranked)
                best_seen[0] = min(best_seen[0], found)
                if on_progress is not None:
                    on_progress(Progress(best_score=found, bound=lp_now(),
                                         elapsed=time.perf_counter() - started, solutions=0,
                                         assignments=dict(plan)))
    searcher = threading.Thread(target=local_search, name="planner-local-search", daemon=True) \
        if searching else None

    def watch() -> None:  # the caller's stop, or a plan that meets the LP bound, ends the search
        while not done.wait(0.05):
            bound = lp_now()
            if (stop is not None and stop.is_set()) or (bound is not None and best_seen[0] <= bound):
                solver.stop_search()
                return
    threading.Thread(target=watch, name="cpsat-stop", daemon=True).start()
    try:
        if searcher is not None:
            searcher.start()
        status = solver.solve(built.model, Callback())
    finally:
        done.set()
    if searcher is not None:
        searcher.join()
    if lp_thread is not None:
        settled = status == cp_model.OPTIMAL or (stop is not None and stop.is_set()) or (
            lp_now() is not None and best_seen[0] <= lp_now())
        # (HiGHS cannot be interrupted through pywraplp: when nothing is left to prove, do not
        # wait for it; its thread ends by the deadline on its own)
        lp_thread.join(0.0 if settled else max(0.0, left()))
    lp = lp_now()  # includes the unavoidable gaps
    stopped = stop is not None and stop.is_set()
    elapsed = time.perf_counter() - started
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan = built.assignments(solver.boolean_value)
        bound = max(0, int(-(-solver.best_objective_bound // 1)))  # the score is never negative
        label = "optimal" if status == cp_model.OPTIMAL and lex_proven else ("stopped" if stopped else "feasible")
    else:  # no plan yet (stopped or out of time): fall back to the start plan, never raise
        plan, bound = dict(start_plan), None
        label = "stopped" if stopped else ("infeasible" if status == cp_model.INFEASIBLE else "feasible")
    if rank(problem, plan, prep) > searched["rank"]:  # the hint or the local search did better
        plan = dict(searched["plan"])
    for candidate in [c for c in mip_plan if isinstance(c, dict)]:  # HiGHS's plan, if valid and better
        if rank(problem, candidate, prep) < rank(problem, plan, prep) \
                and not validate(problem, candidate):
            plan = candidate
    if lp is not None:
        bound = max(bound or 0, lp)
        if score(problem, plan, prep)[0] <= bound and lex_proven and rank(problem, plan, prep)[:2] == reached:
            label = "optimal"
    if label == "optimal" and not stopped:
        plan = _same_every_run(problem, prep, built, plan, started, end, seed)
    elapsed = time.perf_counter() - started
    result = build_result(problem, plan, solver="cpsat", status=label, elapsed=elapsed, bound=bound,
                          first_solution_time=first_time[0] if first_time else None, prep=prep,
                          explain=explain)
    result.unavoidable_gaps = proven_gaps if result.gaps else 0
    return result


def _reachable(weights) -> list[int]:
    """Every load in points a person could end with, ignoring the rules: the sums of subsets of
    the shifts (``weights``, one a shift) they may hold a required role on."""
    reach = 1  # bit k set: k points reachable
    for weight in weights:
        reach |= reach << weight
    return [k for k in range(reach.bit_length()) if reach >> k & 1]


class OutOfTime(Exception):
    """A model not built by the moment it had to be."""
def _same_every_run(problem: Problem, prep: Prepared, built: _Model, plan: dict[Slot, str],
                    started: float, deadline: float, seed: int) -> dict[Slot, str]:
    """A proven-optimal plan, its ties broken the same way on every run: the parallel search and
    the local search race, so which of several equally good plans they meet first differs from
    run to run (``_Model.canonical``; the plan as it is when that does not finish in time)."""
    left = deadline - time.perf_counter()
    if left <= 0.2:
        return plan
    best = score(problem, plan, prep)[0]
    # at most half the time limit: a quick proof stays quick
    same = built.canonical(best, plan, min(left - 0.1, (deadline - started) / 2), seed)
    if same is not None and score(problem, same, prep)[0] == best and not validate(problem, same):
        return same
    return plan


def _empty_slots(prep: Prepared, plan: dict[Slot, str]) -> int:
    return sum(1 for s in prep.shifts for r in s.roles if (s.id, r) not in plan)
