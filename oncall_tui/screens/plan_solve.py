"""The plan screen's solving: the model is built and solved in a thread worker, progress
arrives as messages, `x` stops the search and keeps the best plan, `save_draft` stores it."""
from __future__ import annotations

import threading
import time

from textual import work
from textual.message import Message

from ..core.domain_planning import PlanView, SolvedPlan
from ..core.errors import OncallError

TIME_LIMITS = (5.0, 10.0, 30.0, 60.0)


class SolveMixin:
    """Mixed into PlanScreen (an AreaScreen): needs `data`, `plan_id`, `marked`, `time_limit`,
    `_set_progress`, `_render_view`, `reload`, `show_error`.  (A plain mixin: its message
    handlers are named `on_…` methods, since `@on` is only collected on Textual classes.)"""

    class SolveProgress(Message):
        def __init__(self, best: int, bound: int | None, solutions: int) -> None:
            super().__init__()
            self.best, self.bound, self.solutions = best, bound, solutions

    class SolveDone(Message):
        def __init__(self, view: PlanView | None) -> None:
            super().__init__()
            self.view = view

    # -- generating --------------------------------------------------------------------------
    def action_generate(self, solver: str) -> None:
        if self._solving:
            self.notify("Already solving: x stops it", severity="warning")
            return
        if not self.data or not self.data.rotation:
            return
        self._stop = threading.Event()
        self._solving = dict(solver=solver, started=time.monotonic(), best=None, bound=None, solutions=0,
                             stopping=False)
        self._show_solving()
        self._timer = self.set_interval(0.2, self._show_solving)
        self.refresh_bindings()
        self._solve(self.data.rotation, self.data.month, self.data.team, solver, self.time_limit, self._stop)

    @work(thread=True, exclusive=True, group="solve", exit_on_error=False)
    def _solve(self, rotation: str, month: str, team: str, solver: str, limit: float,
               stop: threading.Event) -> None:
        backend = self.backend
        view = None
        try:
            problem_data = backend.plan_problem(rotation, month, team=team)
            problem = problem_data.problem()
            if solver == "greedy":
                from ..scheduler.greedy import solve_greedy

                result = solve_greedy(problem)
            else:
                from ..scheduler.cpsat import solve_cpsat

                def progress(p) -> None:
                    self.post_message(self.SolveProgress(p.best_score, p.bound, p.solutions))

                # The LP bound (GLOP/HiGHS through pywraplp) holds the GIL while it solves, which
                # stalled the screen for up to ~70 ms (bench/plan_screen.py); here CP-SAT proves
                # its own bound and the keys stay quick.  `oncall plan` keeps the LP bound.
                result = solve_cpsat(problem, time_limit=limit, workers=2, on_progress=progress, stop=stop,
                                     use_lp_bound=False)
            view = backend.save_draft(rotation, month, SolvedPlan.from_result(result), team=team)
        except OncallError as exc:
            self.app.call_from_thread(self.show_error, exc)
        finally:
            self.post_message(self.SolveDone(view))
            backend.release_thread()

    def _show_solving(self) -> None:
        s = self._solving
        if not s:
            return
        elapsed = time.monotonic() - s["started"]
        name = "CP-SAT" if s["solver"] == "cpsat" else "greedy"
        if s["stopping"]:
            text = f"Stopping {name}: keeping the best plan found… {elapsed:.1f} s"
        elif s["best"] is None:
            text = f"Solving with {name}: building the model… {elapsed:.1f} s of {self.time_limit:g} s · x: stop"
        else:
            bound = s["bound"]
            gap = ""
            if bound is not None and s["best"] > 0:
                gap = f" (gap {max(0.0, (s['best'] - bound) / s['best']) * 100:.0f}%)"
            bound_text = "—" if bound is None else str(bound)
            text = (f"Solving with {name}: best {s['best']} · bound {bound_text}{gap} · "
                    f"{elapsed:.1f}/{self.time_limit:g} s · x: stop")
        self._set_progress(text, solving=True)

    def on_solve_mixin_solve_progress(self, message: SolveProgress) -> None:
        if self._solving:
            self._solving.update(best=message.best, bound=message.bound, solutions=message.solutions)
            self._show_solving()

    def on_solve_mixin_solve_done(self, message: SolveDone) -> None:
        self._solving = None
        self.refresh_bindings()
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.stop()
        if message.view is not None:
            s = message.view.summary
            self.notify(f"Draft {s.id}: score {s.score}, {s.gaps} gap(s) · {message.view.solve_note}",
                        title="Plan drafted")
            self.plan_id = s.id
            self.marked = None
        self.reload()

    def action_stop(self) -> None:
        if not self._solving or self._stop is None:
            self.notify("Nothing is being solved", severity="information")
            return
        self._stop.set()
        self._solving["stopping"] = True
        self._show_solving()

    def action_time_limit(self) -> None:
        later = [t for t in TIME_LIMITS if t > self.time_limit]
        self.time_limit = later[0] if later else TIME_LIMITS[0]
        self.notify(f"The solver may now take {self.time_limit:g} s")
        if self.data and self.data.view is None:
            self._render_view()

