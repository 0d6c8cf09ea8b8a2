"""The plan screen's solving: one `draft_plan` call in a thread worker, as `oncall plan` makes
it.  A solve in this process reports progress as messages and `x` stops the search (the best
plan is kept); a server solves unwatched, within the time limit."""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from textual.message import Message

from ..core.domain_planning import PlanView
from ..formatting import plural

TIME_LIMITS = (5.0, 10.0, 30.0, 60.0)


class SolveMixin:
    """Mixed into PlanScreen (an AreaScreen): needs `data`, `plan_id`, `marked`, `time_limit`,
    `_set_progress`, `_render_view`, `reload`, `run_backend`.  (A plain mixin: its message
    handlers are named `on_…` methods, since `@on` is only collected on Textual classes.)"""

    if TYPE_CHECKING:  # what PlanScreen (an AreaScreen) gives
        data: Any
        plan_id: int | None
        marked: str | None
        time_limit: float
        _stop: threading.Event | None
        _solving: dict | None
        _timer: Any
        backend: Any
        notify: Any
        set_interval: Any
        refresh_bindings: Any
        post_message: Any
        run_backend: Any
        reload: Any
        _set_progress: Any
        _render_view: Any

    class SolveProgress(Message):
        def __init__(self, best: int, bound: int | None, solutions: int) -> None:
            super().__init__()
            self.best, self.bound, self.solutions = best, bound, solutions

    # -- generating --------------------------------------------------------------------------
    def action_generate(self, solver: str) -> None:
        if self._solving:
            self.notify("Already solving: x stops it", severity="warning")
            return
        if not self.data or not self.data.rotation:
            return
        self._stop = threading.Event()
        self._solving = dict(solver=solver, started=time.monotonic(), best=None, bound=None, solutions=0,
                             stopping=False, here=self.backend.solves_here)
        self._show_solving()
        self._timer = self.set_interval(0.2, self._show_solving)
        self.refresh_bindings()
        self._solve(self.data.rotation, self.data.month, self.data.team, solver, self.time_limit, self._stop)

    def _solve(self, rotation: str, month: str, team: str, solver: str, limit: float,
               stop: threading.Event) -> None:
        """The same backend call as `oncall plan`: the backend solves (here, or on the server)
        and keeps the draft.  A solve here is watched: progress, and `x` to stop it."""

        def progress(p) -> None:
            self.post_message(self.SolveProgress(p.best_score, p.bound, p.solutions))

        def draft(backend) -> PlanView:
            from ..scheduler.solve import watching

            with watching(progress, stop):
                return backend.draft_plan(rotation, month, solver=solver, time_limit=limit, team=team)

        self.run_backend(draft, self._drafted, group="solve", exclusive=True, finished=self._solve_ended)

    def _show_solving(self) -> None:
        s = self._solving
        if not s:
            return
        elapsed = time.monotonic() - s["started"]
        name = "CP-SAT" if s["solver"] == "cpsat" else "greedy"
        if not s["here"]:
            text = f"The server is solving with {name}… {elapsed:.1f} s of at most {self.time_limit:g} s"
        elif s["stopping"]:
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

    def _drafted(self, view: PlanView) -> None:
        s = view.summary
        self.notify(f"Draft {s.id}: score {s.score}, {plural(s.gaps, 'gap')} · {view.solve_note}", title="Plan drafted")
        self.plan_id = s.id
        self.marked = None

    def _solve_ended(self) -> None:
        self._solving = None
        self.refresh_bindings()
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.stop()
        self.reload()

    def action_stop(self) -> None:
        if not self._solving or self._stop is None:
            self.notify("Nothing is being solved", severity="information")
            return
        if not self._solving["here"]:
            self.notify(f"The server solves on its own; it keeps its best plan by {self.time_limit:g} s",
                        severity="information")
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

