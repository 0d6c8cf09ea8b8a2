"""The one way the product solves a month: which solver, with which options.

`oncall plan`, the plan screen and `oncall serve` all reach it through the backend's
`draft_plan`, so the same team data and the same choice (solver, time limit) draft the
same plan whichever face asked and wherever the backend is.

Solving happens where the backend is.  With a local database that is this process (the
plan screen's worker thread); with `oncall serve` it is the server: the server holds the
data and the policy (who may plan, the limits on the time spent), the answer is checked and
stored there anyway, and a client machine (a laptop on a jump box, a small VM) may be far
weaker than the server and need not carry OR-Tools' work.

A face that wants to watch a solve made in its own thread (live progress, a stop key)
wraps the backend call in `watching(...)`; a solve on the server is not watched (it
ends by its time limit).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .problem import Problem, Progress, Result

SOLVERS = ("cpsat", "greedy")
#: CP-SAT's search workers: the machines we run on have two cores or more.
WORKERS = 2

_watch = threading.local()


@contextmanager
def watching(on_progress: Callable[[Progress], None] | None = None,
             stop: threading.Event | None = None) -> Iterator[None]:
    """Solves started in this thread meanwhile report to `on_progress` and end early (keeping
    their best plan) once `stop` is set."""
    before = getattr(_watch, "current", None)
    _watch.current = (on_progress, stop)
    try:
        yield
    finally:
        _watch.current = before


def solve(problem: Problem, solver: str = "cpsat", time_limit: float = 10.0, explain: bool = True) -> Result:
    """Plan `problem` with `solver` ("cpsat" or "greedy") within `time_limit` seconds of wall time
    (all of it: loading OR-Tools, the model, the search, the report).  `explain` False leaves
    the gaps' reasons out (a caller that explains them against fresh data anyway).

    CP-SAT runs without the LP bound (lp_bound.py): GLOP/HiGHS hold the GIL while they solve,
    which stalled the plan screen for up to ~70 ms at a time (bench/plan_screen.py) and would
    stall a server's other requests alike; CP-SAT proves its own bound."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}")
    if solver == "greedy":
        from .greedy import solve_greedy

        return solve_greedy(problem)
    from . import cpsat

    on_progress, stop = getattr(_watch, "current", None) or (None, None)
    return cpsat.solve_cpsat(problem, time_limit=time_limit, workers=WORKERS, on_progress=on_progress,
                             stop=stop, use_lp_bound=False, explain=explain)
