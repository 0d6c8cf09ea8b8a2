"""The two availability screens at 80x24, keyboard only, against the demo database."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import date

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.widgets.availability_grid import AvailabilityGrid

from ..conftest import DEMO_YOU, NOW
from ..foundation.helpers import screen_text, wait_until

SIZE = (80, 24)


def drive(app, steps):
    async def go():
        async with app.run_test(size=SIZE) as pilot:
            return await steps(pilot)
    return asyncio.run(go())


def app_as(demo_db, clock, login):
    return make_app(backend=LocalBackend(demo_db, actor=login, clock=clock), clock=clock)


async def open_area(pilot, key: str, screen: str, text: str) -> str:
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HomeScreen")
    await pilot.press(key)
    ok = await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == screen
                          and text in screen_text(pilot.app))
    assert ok, screen_text(pilot.app)
    return screen_text(pilot.app)


def test_my_month_marks_days_ranges_and_refuses_a_closed_month(demo_db, clock):
    backend = LocalBackend(demo_db, actor="alice", clock=clock)

    async def steps(pilot):
        shown = await open_area(pilot, "a", "MyAvailabilityScreen", "December 2026")
        assert "closed on 20 Nov" in shown and "ask a manager" in shown
        await pilot.press("u")  # refused: December is closed
        await wait_until(pilot, lambda: "closed on 20 Nov" in str([n.message for n in pilot.app._notifications]))
        await pilot.press("right_square_bracket")
        assert await wait_until(pilot, lambda: "January 2027" in screen_text(pilot.app))
        await pilot.press("right", "right", "u")  # Sun 3 Jan
        assert await wait_until(pilot, lambda: " 3 ✗ off" in screen_text(pilot.app))
        await pilot.press("down", "space", "right", "right", "n")  # 10..12 Jan: prefer not
        assert await wait_until(pilot, lambda: "12 ~ avoid" in screen_text(pilot.app))
        return screen_text(pilot.app)

    after = drive(app_as(demo_db, clock, "alice"), steps)
    jan = {d.day: d for d in backend.availability(month="2027-01").days}
    assert (jan[date(2027, 1, 3)].state, jan[date(2027, 1, 3)].source) == ("unavailable", "hand")
    assert [jan[date(2027, 1, d)].state for d in (10, 11, 12, 13)] == ["prefer_not"] * 3 + ["available"]
    assert "set by hand" in after
    dec = {d.day: d for d in backend.availability(month="2026-12").days}
    assert dec[date(2026, 12, 1)].state == "available"


_OTHER_PROCESS = """
import sys
from datetime import datetime
from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.clock import FixedClock
url, now = sys.argv[1:3]
maya = LocalBackend(url, actor="maya", clock=FixedClock(datetime.fromisoformat(now)))
maya.set_utilisation("alice", "2026-12", 95)
"""


def test_team_levels_move_when_another_process_changes_the_database(demo_db, clock):
    async def steps(pilot):
        await open_area(pilot, "t", "TeamAvailabilityScreen", "Alice Moreau")
        grid = pilot.app.screen.query_one(AvailabilityGrid)
        row = next(i for i, r in enumerate(grid.rows) if r.key == "alice")
        before = grid.rows[row].level
        await wait_until(pilot, lambda: pilot.app.change_seen != 0, attempts=60)
        done = subprocess.run([sys.executable, "-c", _OTHER_PROCESS, demo_db, NOW.isoformat()],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        moved = await wait_until(pilot, lambda: grid.rows[row].level != before, attempts=80)
        return before, moved, grid.rows[row].level, screen_text(pilot.app)

    before, moved, after, text = drive(app_as(demo_db, clock, DEMO_YOU), steps)
    assert moved, text
    assert after < before
    assert "project 95%" in text  # the cursor is on Alice: her explanation says why


def test_team_screen_explains_the_selected_person_and_sets_project_load(demo_db, clock):
    async def steps(pilot):
        await open_area(pilot, "t", "TeamAvailabilityScreen", "Alice Moreau")
        await pilot.press("down")  # Bogdan
        assert await wait_until(pilot, lambda: "Bogdan Ionescu · Tue 01 Dec" in screen_text(pilot.app))
        text = screen_text(pilot.app)
        await pilot.press("percent_sign")
        await pilot.press("8", "0", "enter")
        ok = await wait_until(pilot, lambda: "project 80%" in screen_text(pilot.app))
        return text, ok, screen_text(pilot.app)

    before, ok, after = drive(app_as(demo_db, clock, DEMO_YOU), steps)
    assert "Level" in before and "fair share" in before
    assert ok, after
    members = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).team_availability().members
    assert next(m for m in members if m.person.login == "bogdan").manual_pct == 80


def test_an_engineer_is_told_the_team_grid_is_for_managers(demo_db, clock):
    async def steps(pilot):
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HomeScreen")
        await pilot.press("t")
        return await wait_until(pilot, lambda: "for managers" in screen_text(pilot.app)), screen_text(pilot.app)

    ok, text = drive(app_as(demo_db, clock, "alice"), steps)
    assert ok, text


def test_my_availability_snapshot_at_80x24(demo_db, clock, snap_compare):
    async def loaded(pilot):
        await open_area(pilot, "a", "MyAvailabilityScreen", "December 2026")

    assert snap_compare(app_as(demo_db, clock, "alice"), terminal_size=SIZE, run_before=loaded)


def test_team_availability_snapshot_at_80x24(demo_db, clock, snap_compare):
    async def loaded(pilot):
        await open_area(pilot, "t", "TeamAvailabilityScreen", "Alice Moreau")

    assert snap_compare(app_as(demo_db, clock, DEMO_YOU), terminal_size=SIZE, run_before=loaded)


def test_a_refused_project_load_stays_typed_in_its_dialog(demo_db, clock):
    """Nothing a user entered is lost: a value the backend refuses (here 150 %) is shown with
    the reason inside the dialog, still typed, and enter again after correcting it saves."""
    async def steps(pilot):
        await open_area(pilot, "t", "TeamAvailabilityScreen", "Alice Moreau")
        await pilot.press("down")  # Bogdan
        assert await wait_until(pilot, lambda: "Bogdan Ionescu · Tue 01 Dec" in screen_text(pilot.app))
        await pilot.press("percent_sign")
        await pilot.press("1", "5", "0", "enter")
        refused = await wait_until(pilot, lambda: "Not saved" in screen_text(pilot.app))
        dialog, text = type(pilot.app.screen).__name__, screen_text(pilot.app)
        typed = pilot.app.screen.query_one("#answer").value
        await pilot.press("backspace", "backspace", "backspace", "4", "0", "enter")
        saved = await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "TeamAvailabilityScreen"
                                 and "project 40%" in screen_text(pilot.app))
        return refused, dialog, text, typed, saved, screen_text(pilot.app)

    refused, dialog, text, typed, saved, after = drive(app_as(demo_db, clock, DEMO_YOU), steps)
    assert refused and dialog == "AskScreen", text
    assert typed == "150"
    assert saved, after
    members = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).team_availability().members
    assert next(m for m in members if m.person.login == "bogdan").manual_pct == 40
