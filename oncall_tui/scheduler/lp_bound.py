"""Proven lower bounds on the score: the LP relaxation of the CP-SAT model, and HiGHS on it.

With two workers CP-SAT's own LP converges slowly on 50 x 91-sized models (it adds the
constraints lazily, beside the search), so its reported bound lags far behind what the LP of
the same model proves. Here the model's linear part is handed to GLOP (which releases the GIL,
so it runs beside the local search on the other core) and the optimum, rounded up, is a bound:
every constraint kept is a constraint of the model, and the objective is integral (score units).
Constraints of other kinds are dropped, which only weakens (never invalidates) the bound.
``mip_bound`` runs HiGHS's branch-and-cut on the same rows (outside the GIL too): on the
hardest 50 x 91 team we know its root cuts prove the optimum where CP-SAT's bound stalls.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

# GLOP's answer is exact only up to its tolerances; never round up past them
_TOLERANCE = 1e-4


def lp_bound(proto, time_limit: float = 5.0) -> int | None:
    """ceil(LP optimum) of a CP-SAT model proto, or None if GLOP did not finish."""
    from ortools.linear_solver import pywraplp

    built = _convert(proto, "GLOP", integer=False)
    if built is None:
        return None
    solver, _ = built
    solver.SetTimeLimit(max(1, int(time_limit * 1000)))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return _round_up(solver.Objective().Value(), proto)


def mip_bound(proto, time_limit: float, running: list | None = None
              ) -> tuple[int | None, list[float] | None]:
    """HiGHS branch-and-cut on the same model (one thread): (proven bound, a solution's values
    by variable index, or None). Its cut rounds close gaps CP-SAT's LP worker leaves open.
    The solver is appended to ``running`` while it runs."""
    from ortools.linear_solver import pywraplp

    built = _convert(proto, "HIGHS", integer=True)
    if built is None:
        return None, None
    solver, xs = built
    solver.SetTimeLimit(max(1, int(time_limit * 1000)))
    solver.SetNumThreads(1)
    if running is not None:  # lets the caller end the search early (solver.InterruptSolve())
        running.append(solver)
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, None
    bound = solver.Objective().BestBound()
    if status == pywraplp.Solver.OPTIMAL:
        bound = min(bound, solver.Objective().Value())
    return _round_up(bound, proto), [x.solution_value() for x in xs]


def _round_up(value: float, proto) -> int | None:
    scale = proto.objective.scaling_factor or 1.0
    if scale < 0 or math.isinf(value) or math.isnan(value):
        return None
    value *= scale
    return int(math.ceil(value - _TOLERANCE * max(1.0, abs(value))))


def _convert(proto, name: str, integer: bool):
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver(name)
    if solver is None or not proto.has_objective():
        return None
    solver.SuppressOutput()  # never write to the terminal the app is drawing on
    if name == "HIGHS":  # HiGHS prints a banner to stdout unless told before the first solve
        solver.SetSolverSpecificParametersAsString("output_flag=false")
    infinity = solver.infinity()
    xs = []
    for v in proto.variables:
        domain = v.domain
        low, high = float(domain[0]), float(domain[len(domain) - 1])
        xs.append(solver.IntVar(low, high, "") if integer else solver.NumVar(low, high, ""))

    def literal(lit: int) -> tuple[object, float, float]:  # var, coefficient, constant
        return (xs[lit], 1.0, 0.0) if lit >= 0 else (xs[-lit - 1], -1.0, 1.0)

    def row(lits, low: float, high: float) -> None:
        ct = solver.Constraint(low, high)
        shift = 0.0
        for lit in lits:
            var, coef, const = literal(lit)
            ct.SetCoefficient(var, ct.GetCoefficient(var) + coef)
            shift += const
        ct.SetBounds(low - shift if low > -infinity else low, high - shift if high < infinity else high)

    for c in proto.constraints:
        enforced = list(c.enforcement_literal)
        if c.has_linear():
            if enforced:
                continue  # dropped: a relaxation
            lin = c.linear
            domain = lin.domain
            low, high = float(domain[0]), float(domain[len(domain) - 1])
            ct = solver.Constraint(low if low > -2.0 ** 62 else -infinity,
                                   high if high < 2.0 ** 62 else infinity)
            variables = list(lin.vars)
            if len(set(variables)) == len(variables):
                for var, coef in zip(variables, lin.coeffs):
                    ct.SetCoefficient(xs[var], float(coef))
            else:
                for var, coef in zip(variables, lin.coeffs):
                    ct.SetCoefficient(xs[var], ct.GetCoefficient(xs[var]) + float(coef))
        elif c.has_at_most_one() and not enforced:
            row(c.at_most_one.literals, -infinity, 1.0)
        elif c.has_exactly_one() and not enforced:
            row(c.exactly_one.literals, 1.0, 1.0)
        elif c.has_bool_or() and not enforced:
            row(c.bool_or.literals, 1.0, infinity)
        elif c.has_bool_and() and len(enforced) == 1:  # a => b:  b - a >= 0
            for lit in c.bool_and.literals:
                var_a, coef_a, const_a = literal(enforced[0])
                var_b, coef_b, const_b = literal(lit)
                ct = solver.Constraint(const_a - const_b, infinity)
                ct.SetCoefficient(var_b, coef_b)
                ct.SetCoefficient(var_a, ct.GetCoefficient(var_a) - coef_a)
    objective = proto.objective
    obj = solver.Objective()
    for var, coef in zip(objective.vars, objective.coeffs):
        obj.SetCoefficient(xs[var], obj.GetCoefficient(xs[var]) + float(coef))
    obj.SetOffset(float(objective.offset))
    obj.SetMinimization()
    return solver, xs


def bounds_worker(proto, x: dict, deadline: float, lower: list, with_mip: bool, mip_plan: list,
                  worth_proving: Callable[[], bool], with_lp: bool = True) -> None:
    """For solve_cpsat (``x``: (person, shift, role) -> CP-SAT variable of ``proto``): the LP
    bound into ``lower[0]``; then, with ``with_mip`` and while ``worth_proving()``,
    HiGHS's stronger bound (and its plan, into ``mip_plan``) until the deadline. A bound is a
    bonus: errors only cost the bound, never the plan."""
    try:
        if with_lp:
            lower.append(lp_bound(proto, max(0.1, deadline - time.perf_counter())))
        if not with_mip or deadline - time.perf_counter() < 1.3 or not worth_proving():
            return
        bound, values = mip_bound(proto, deadline - time.perf_counter() - 0.3,
                                  running=mip_plan)
        if bound is not None:
            if not lower:
                lower.append(bound)
            elif lower[0] is None or bound > lower[0]:
                lower[0] = bound
        mip_plan.clear()
        if values is not None:
            mip_plan.append({(s, r): p for (p, s, r), v in x.items() if values[v.index] > 0.5})
    except Exception:
        if not lower:
            lower.append(None)
