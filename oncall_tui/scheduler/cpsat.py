"""The CP-SAT planner: coverage, hard rules and weighted soft goals in one integer model.

Call ``solve_cpsat`` from a worker thread: the model is built inside it (building holds the
GIL, solving releases it). ``on_progress`` gets a ``Progress`` for improving plans (at most
every ``progress_every`` seconds, plus the first); ``stop`` ends the search and keeps the best plan.
The objective is exactly ``fairness.score`` (a test checks it), in whole points.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from .fairness import compute_targets, integer_targets, score
from .greedy import greedy_assignments
from .prepare import Prepared, prepare
from .problem import Problem, Progress, Result, Slot
from .report import build_result

# With two workers CP-SAT runs one full subsolver (the first listed) and interleaves its LNS
# helpers on the other. Measured in bench/scheduler: on month-sized teams an LP-heavy full
# worker ("max_lp") proves the optimum in 1-2 s where the default still has a wide gap after
# 5 s; on larger models (50 people x 91 days) the default finds better plans within 15 s and
# neither proves much. "auto" picks by model size.
AUTO = "auto"
LARGE_MODEL = 4000  # assignment variables


def pick_subsolvers(subsolvers: tuple[str, ...] | str | None, variables: int) -> tuple[str, ...]:
    if subsolvers == AUTO:
        return ("max_lp",) if variables <= LARGE_MODEL else ()
    return tuple(subsolvers or ())


class _Model:
    """The CP-SAT model of one problem, with the handles needed to read a plan back."""

    def __init__(self, problem: Problem, prep: Prepared) -> None:
        from ortools.sat.python import cp_model

        self.model = m = cp_model.CpModel()
        self.x: dict[tuple[str, str, str], object] = {}  # (person, shift, role) -> bool var
        self.miss: dict[Slot, object] = {}
        # auxiliary variables and how to compute them from the x values, in creation order,
        # so that a start plan becomes a complete hint (CP-SAT then starts from it at once)
        self.derived: list[tuple[object, str, object]] = []
        rules, w = problem.rules, problem.weights
        terms: list = []
        constant = 0
        works: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))  # p -> s -> vars
        load: dict[str, list] = defaultdict(list)

        for shift in prep.shifts:
            for role in shift.all_roles:
                for p in prep.candidates[(shift.id, role)]:
                    v = m.new_bool_var(f"x_{p}_{shift.id}_{role}")
                    self.x[(p, shift.id, role)] = v
                    works[p][shift.id].append(v)
                    if role in shift.roles:
                        load[p].append((shift.weight, v))
            for role in shift.roles:
                held = [self.x[(p, shift.id, role)] for p in prep.candidates[(shift.id, role)]]
                miss = m.new_bool_var(f"miss_{shift.id}_{role}")
                m.add(sum(held) + miss == 1)
                self.miss[(shift.id, role)] = miss
                terms.append(w.under_cover * miss)
            for role in shift.optional_roles:
                held = [self.x[(p, shift.id, role)] for p in prep.candidates[(shift.id, role)]]
                if rules.shadow_beside in shift.roles:
                    filled = 1 - self.miss[(shift.id, rules.shadow_beside)]
                    m.add(sum(held) <= filled)
                    terms.append(w.shadow_missing * (filled - sum(held)))
                else:
                    m.add(sum(held) <= 1)
                    constant += w.shadow_missing
                    terms.append(-w.shadow_missing * sum(held))

        def on(p: str, s: str):
            return sum(works[p][s]) if works[p].get(s) else 0

        for p, by_shift in works.items():
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
                        m.add_max_equality(flag, vs)
                        self.derived.append((flag, "max", vs))
                        flags.append(flag)
                if len(flags) > rules.max_weekends_per_period:
                    m.add(sum(flags) <= rules.max_weekends_per_period)

        # fairness, in whole points
        target = integer_targets(compute_targets(problem, prep))
        cap = sum(s.weight * len(s.roles) for s in prep.shifts) + max(target.values(), default=0)
        max_dev = m.new_int_var(0, cap, "max_dev")
        devs: list = []
        self.slack = w.fairness_slack
        for person in problem.people:
            dev = m.new_int_var(0, cap, f"dev_{person.id}")
            expr = sum(wt * v for wt, v in load[person.id]) if load[person.id] else 0
            m.add(dev >= expr - target[person.id] - w.fairness_slack)
            m.add(dev >= target[person.id] - w.fairness_slack - expr)
            m.add(max_dev >= dev)
            self.derived.append((dev, "absdev", (load[person.id], target[person.id])))
            devs.append(dev)
            terms.append(w.fairness_sum * dev)
        terms.append(w.fairness_max * max_dev)
        self.derived.append((max_dev, "max", devs))

        for (p, s), value in problem.wishes.items():
            if s not in prep.shift_by_id or p not in prep.person_by_id:
                continue
            if value > 0:
                constant += w.wish * value
                terms.append(-w.wish * value * on(p, s))
            elif value < 0:
                terms.append(w.wish * -value * on(p, s))

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
                terms.append(w.pairing * both)

        if w.spread:
            for s1, s2 in prep.spread_pairs:
                for p, by_shift in works.items():
                    if s1 in by_shift and s2 in by_shift:
                        close = m.new_bool_var(f"near_{p}_{s1}_{s2}")
                        m.add(close >= on(p, s1) + on(p, s2) - 1)
                        self.derived.append((close, "both", by_shift[s1] + by_shift[s2]))
                        terms.append(w.spread * close)

        for (s, role), p in problem.previous.items():
            if s not in prep.shift_by_id:
                continue
            constant += w.stability
            if (p, s, role) in self.x:
                terms.append(-w.stability * self.x[(p, s, role)])

        self.constant = constant
        m.minimize(sum(terms) + constant)

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
                m.add_max_equality(flag, vs)
                self.derived.append((flag, "max", vs))
                worked[day] = flag
        if rules.max_consecutive is not None:
            n = rules.max_consecutive
            for day in worked:
                window = [worked.get(day + k * one) for k in range(n + 1)]
                if all(f is not None for f in window):
                    m.add(sum(window) <= n)
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

    def hint(self, plan: dict[Slot, str]) -> None:
        value: dict[int, int] = {}
        for (p, s, r), var in self.x.items():
            value[var.index] = int(plan.get((s, r)) == p)
        for slot, var in self.miss.items():
            value[var.index] = int(slot not in plan)
        for var, kind, data in self.derived:
            if kind == "max":
                value[var.index] = max((value[v.index] for v in data), default=0)
            elif kind == "both":
                value[var.index] = max(0, sum(value[v.index] for v in data) - 1)
            else:  # absdev
                load, target = data
                gap = abs(sum(wt * value[v.index] for wt, v in load) - target)
                value[var.index] = max(0, gap - self.slack)
        for var in list(self.x.values()) + list(self.miss.values()) + [d[0] for d in self.derived]:
            self.model.add_hint(var, value[var.index])

    def assignments(self, value: Callable) -> dict[Slot, str]:
        return {(s, r): p for (p, s, r), v in self.x.items() if value(v)}


def solve_cpsat(problem: Problem, time_limit: float = 10.0, workers: int = 2,
                on_progress: Callable[[Progress], None] | None = None,
                stop: threading.Event | None = None, hint: Result | None = None,
                subsolvers: tuple[str, ...] | str | None = AUTO,
                progress_every: float = 0.25, seed: int = 0) -> Result:
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    prep = prepare(problem)
    if hint is not None:
        start_plan = hint.assignments
    else:  # the better of the two greedy plans
        start_plan = min((greedy_assignments(problem, prep, fair=f) for f in (True, False)),
                         key=lambda plan: score(problem, plan, prep)[0])
    built = _Model(problem, prep)
    built.hint(start_plan)

    hint_time = time.perf_counter() - started
    if on_progress is not None:  # the start plan is valid already: show it before searching
        on_progress(Progress(best_score=score(problem, start_plan, prep)[0], bound=None,
                             elapsed=hint_time, solutions=0, assignments=dict(start_plan)))
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.01, time_limit - (time.perf_counter() - started))
    params.num_workers = max(1, workers)
    params.random_seed = seed
    subsolvers = pick_subsolvers(subsolvers, len(built.x))
    if subsolvers and workers >= 2:
        params.subsolvers.extend(subsolvers)  # the first is the full worker, LNS runs beside it
    elif subsolvers and subsolvers[0] == "max_lp":
        params.linearization_level = 2  # what max_lp is, for a single sequential worker
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
            if stop is not None and stop.is_set():
                self.stop_search()
            if on_progress is not None and (self.count == 1 or now - self.last_report >= progress_every):
                self.last_report = now
                on_progress(Progress(best_score=int(round(self.objective_value)),
                                     bound=max(0, int(-(-self.best_objective_bound // 1))), elapsed=now,
                                     solutions=self.count,
                                     assignments=built.assignments(self.boolean_value)))

    done = threading.Event()
    if stop is not None:
        def watch() -> None:
            while not done.is_set():
                if stop.wait(0.05):
                    solver.stop_search()
                    return
        threading.Thread(target=watch, name="cpsat-stop", daemon=True).start()
    try:
        status = solver.solve(built.model, Callback())
    finally:
        done.set()
    stopped = stop is not None and stop.is_set()
    elapsed = time.perf_counter() - started
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan = built.assignments(solver.boolean_value)
        bound = max(0, int(-(-solver.best_objective_bound // 1)))  # the score is never negative
        label = "optimal" if status == cp_model.OPTIMAL else ("stopped" if stopped else "feasible")
    else:  # no plan yet (stopped or out of time): fall back to the start plan, never raise
        plan, bound = dict(start_plan), None
        label = "stopped" if stopped else ("infeasible" if status == cp_model.INFEASIBLE else "feasible")
    return build_result(problem, plan, solver="cpsat", status=label, elapsed=elapsed, bound=bound,
                        first_solution_time=first_time[0] if first_time else None, prep=prep)
