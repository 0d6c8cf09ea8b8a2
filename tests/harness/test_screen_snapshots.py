"""How every screen (and the dialogs in DIALOGS) looks to each user at 80x24 and 120x40: on first paint and after a
refresh (F5), which fills the screen again at its current size.  And the plan and both
availability grids without colour (NO_COLOR), where the cursor must still be seen."""
from __future__ import annotations

import pytest

from oncall_tui.backend.local import LocalBackend

from ..planning.test_plan_screen import _fixed_draft
from .world import PICTURED, PICTURED_IDS, SCREENS, USERS, app_for, settled, visit

SIZES = [(80, 24), (120, 40)]
MANAGER = USERS[1]


@pytest.mark.parametrize("refreshed", [False, True], ids=["first-paint", "after-f5"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize(("user", "screen"), PICTURED, ids=PICTURED_IDS)
def test_every_screen(demo_db, clock, snap_compare, user, screen, size, refreshed):
    app = app_for(demo_db, clock, user)

    async def run_before(pilot):
        await settled(pilot)
        await visit(pilot, screen)
        if refreshed:
            await pilot.press("f5")
            await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


NO_COLOUR = [s for s in SCREENS if s.name in ("plan", "availability", "team-availability")]


@pytest.mark.parametrize("screen", NO_COLOUR, ids=[s.name for s in NO_COLOUR])
def test_without_colour(demo_db, clock, snap_compare, monkeypatch, screen):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the app is made
    _fixed_draft(LocalBackend(demo_db, actor=MANAGER.login, clock=clock))
    app = app_for(demo_db, clock, MANAGER)

    async def run_before(pilot):
        await settled(pilot)
        await visit(pilot, screen)
        await pilot.press("down", "right")  # the cursor away from the first cell
        await settled(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
