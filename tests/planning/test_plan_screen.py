"""The plan screen as a manager uses it: generate with live progress and stop, edit a cell,
read the diff, publish with a confirmation; and how it looks at 80x24."""
from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Static

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.domain_planning import SolvedPlan

from ..conftest import DEMO_YOU
from ..foundation.helpers import settle as _settle
from ..foundation.helpers import wait_until
from .helpers import ROT


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _fixed_draft(backend) -> int:
    """A greedy draft with a fixed elapsed time, so the screen is the same on every run."""
    from oncall_tui.scheduler.greedy import solve_greedy

    problem = backend.plan_problem(ROT)
    result = solve_greedy(problem.problem())
    solved = SolvedPlan.from_result(result)
    solved = SolvedPlan(solver=solved.solver, status=solved.status, elapsed=0.0, bound=None, cells=solved.cells)
    return backend.save_draft(ROT, problem.month, solved).summary.id


def test_generate_shows_progress_and_stop_keeps_the_best_plan(demo_db, clock, monkeypatch):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    seen: list[str] = []
    # The demo's December solves to optimal in about a second, which on a busy machine can be over
    # before the test looks.  Hold the real solver back until the user presses x (bounded), so the
    # stop always arrives while the screen is solving; the real CP-SAT then runs with stop set.
    from oncall_tui.scheduler import cpsat

    real = cpsat.solve_cpsat

    def held_until_stopped(problem, *args, stop=None, **kwargs):
        assert stop is not None and stop.wait(timeout=60), "the screen never asked the solver to stop"
        return real(problem, *args, stop=stop, **kwargs)

    monkeypatch.setattr(cpsat, "solve_cpsat", held_until_stopped)

    async def scenario():
        app = make_app(backend=backend, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            await pilot.press("p")
            await _settle(pilot)
            assert "no plan yet" in _text(app, "#head")
            await pilot.press("g")  # the screen says so at once; the solver is held (no waiting on it)
            assert "Solving with CP-SAT" in _text(app, "#progress")
            seen.append(_text(app, "#progress"))
            await pilot.press("x")  # handled while the solver runs
            seen.append(_text(app, "#progress"))
            await _settle(pilot)
            assert await wait_until(pilot, lambda: "draft" in _text(app, "#head"))
            await _settle(pilot)
            return _text(app, "#head"), _text(app, "#progress")

    head, status = asyncio.run(scenario())
    assert any("x: stop" in s for s in seen)
    assert "Stopping CP-SAT" in seen[-1] or "stopped" in seen[-1]
    drafts = [p for p in backend.plans(rotation=ROT) if p.status == "draft"]
    assert len(drafts) == 1 and drafts[0].solver == "cpsat"
    assert f"draft {drafts[0].id}" in head
    assert "cpsat" in status and "stopped" in status, "the stop kept the best plan found so far"


def test_greedy_draft_edit_diff_and_publish_from_the_screen(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    pushed: list[str] = []

    async def scenario():
        app = make_app(backend=backend, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            await pilot.press("p")
            await _settle(pilot)
            await pilot.press("b")
            assert await wait_until(pilot, lambda: "draft" in _text(app, "#head"))
            await _settle(pilot)
            view = app.screen.data.view
            table = app.screen.query_one("#grid", DataTable)
            table.move_cursor(row=3, column=1)
            await pilot.pause()
            cell = app.screen._cursor_cell()
            await pilot.press("e")
            await pilot.pause()
            picker = app.screen
            assert type(picker).__name__ == "PickPersonScreen"
            allowed = [c for c in picker.candidates if c.ok and c.login != cell.login]
            refused = [c for c in picker.candidates if not c.ok]
            assert allowed and refused and all(c.why for c in refused)
            picker.dismiss(allowed[0].login)
            await _settle(pilot)
            assert await wait_until(pilot, lambda: app.screen.data.view.summary.version == view.summary.version + 1)
            edited = app.screen.data.view
            assert {c.uid: c.login for c in edited.cells}[cell.uid] == allowed[0].login
            assert str(table.get_cell_at(table.cursor_coordinate)).endswith("✎")
            await pilot.press("d")
            await _settle(pilot)
            pushed.append(str(app.screen.query_one("#text", Static).render()))
            await pilot.press("escape")
            await pilot.press("P")
            await pilot.pause()
            assert type(app.screen).__name__ == "ConfirmScreen"
            await pilot.press("y")
            await _settle(pilot)
            assert await wait_until(pilot, lambda: "published #1" in _text(app, "#head"))
            return cell.uid, allowed[0].login

    uid, login = asyncio.run(scenario())
    assert "Nothing is published for this period yet" in pushed[0]
    published = [p for p in backend.plans(rotation=ROT) if p.status == "published" and p.month == "2026-12"]
    assert len(published) == 1
    assert {c.uid: c.login for c in backend.plan(published[0].id).cells}[uid] == login


def test_refused_edit_leaves_the_plan_alone(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    plan_id = _fixed_draft(backend)

    async def scenario():
        app = make_app(backend=backend, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            await pilot.press("p")
            await _settle(pilot)
            table = app.screen.query_one("#grid", DataTable)
            table.move_cursor(row=2, column=1)
            await pilot.pause()
            await pilot.press("e")
            await pilot.pause()
            refused = next(c for c in app.screen.candidates if not c.ok)
            app.screen.dismiss(refused.login)
            await _settle(pilot)
            return app.screen.data.view.summary.version

    assert asyncio.run(scenario()) == 1
    assert backend.plan(plan_id).summary.version == 1


def test_review_screen_at_80x24(demo_db, clock, snap_compare):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    _fixed_draft(backend)
    app = make_app(backend=backend, clock=clock)

    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("p")
        await _settle(pilot)
        await pilot.press("down", "right")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
