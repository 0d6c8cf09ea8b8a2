"""Plan many teams at once on all cores: a quick pass for everyone, then the rest of the time on
the teams furthest from their proven bound.

Each team is a separate ``Problem`` solved by ``solve_cpsat`` with one CP-SAT worker, one team
per process (spawned: a forked child of a process that ran CP-SAT's thread pool can hang). The
first pass gives every team a budget proportional to its size so that all teams have a plan
within ``first_pass`` seconds; then, until ``total`` seconds or every team is proven optimal
(or the summed gap is at most ``target_gap``), the teams with the largest gap (score - bound) are
solved again from their best plan with a doubled limit and a new seed. A team's bound is the
largest any run proved, its plan the best any run found.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import replace

from oncall_tui.scheduler.problem import Problem, Result


def summed_gap(results: dict[str, Result]) -> float:
    """(sum of scores - sum of bounds) / sum of scores over the teams (0.0 when all proven)."""
    total = sum(r.score for r in results.values())
    bound = sum(r.bound or 0 for r in results.values())
    return max(0.0, (total - bound) / total) if total > 0 else 0.0


def _solve_job(args: tuple) -> tuple[str, Result]:
    from oncall_tui.scheduler.cpsat import solve_cpsat

    key, problem, time_limit, hint, seed = args
    return key, solve_cpsat(problem, time_limit=time_limit, workers=1, hint=hint, seed=seed)


def _merge(old: Result | None, new: Result) -> Result:
    if old is None:
        return new
    best = new if new.score < old.score else old
    bounds = [b for b in (old.bound, new.bound) if b is not None]
    bound = max(bounds) if bounds else None
    status = "optimal" if bound is not None and best.score <= bound else best.status
    return replace(best, bound=bound, status=status, elapsed=old.elapsed + new.elapsed)


def solve_teams(problems: dict[str, Problem], first_pass: float = 45.0, total: float = 600.0,
                processes: int = 2, target_gap: float = 0.0,
                on_update: Callable[[float, dict[str, Result]], None] | None = None
                ) -> dict[str, Result]:
    """Best plan per team key. ``on_update(elapsed, results)`` after every finished run."""
    started = time.perf_counter()
    results: dict[str, Result] = {}
    if not problems:
        return results
    sizes = {k: max(1, len(p.shifts) * len(p.people)) for k, p in problems.items()}
    share = first_pass * processes * 0.8 / sum(sizes.values())  # 20 % for start-up and import
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        def report() -> None:
            if on_update is not None:
                on_update(time.perf_counter() - started, results)

        limits = {k: max(0.5, share * sizes[k]) for k in problems}
        # largest first, so that the pool's tail is short
        order = sorted(problems, key=lambda k: -sizes[k])
        for future in [pool.submit(_solve_job, (k, problems[k], limits[k], None, 0)) for k in order]:
            key, result = future.result()
            results[key] = result
            report()
        rounds: dict[str, int] = {k: 0 for k in problems}
        running: dict = {}

        def open_teams() -> list[str]:
            busy = set(running.values())
            return sorted((k for k, r in results.items()
                           if k not in busy and (r.bound is None or r.score > r.bound)),
                          key=lambda k: -(results[k].score - (results[k].bound or 0)))

        while True:
            left = total - (time.perf_counter() - started)
            if summed_gap(results) <= target_gap or left <= 1.0:
                break
            for key in open_teams()[:processes - len(running)]:
                rounds[key] += 1
                limit = min(left - 0.5, limits[key] * 2 ** rounds[key])
                running[pool.submit(_solve_job, (key, problems[key], limit, results[key],
                                                 rounds[key]))] = key
            if not running:
                break
            finished, _ = wait(list(running), timeout=left, return_when=FIRST_COMPLETED)
            for future in finished:
                key = running.pop(future)
                _, result = future.result()
                results[key] = _merge(results[key], result)
                report()
        for future in running:
            future.cancel()
    return results
