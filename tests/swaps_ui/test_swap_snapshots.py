"""How the swap screens look at 80x24: the inbox with an ask waiting and a request of my own
under way, and the "can't make it" dialog with its ranked candidates and a refused part."""
from __future__ import annotations

from textual.widgets import Input

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend

from ..conftest import DEMO_YOU
from ..foundation.helpers import settle, wait_until
from .helpers import free_shift, next_shift


def _app(demo_db, clock):
    app = make_app(backend=LocalBackend(demo_db, actor=DEMO_YOU, clock=clock), clock=clock)
    app._watch_for_changes = lambda: None  # what the picture shows is what the keys did
    return app


def test_inbox_with_an_ask_and_my_own_request(demo_db, clock, snap_compare):
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next_shift(me)
    me.swap_request(shift.assignment.uid, top=3, note="Dentist, sorry")

    async def run_before(pilot):
        await settle(pilot, 3)
        await pilot.press("s")
        from oncall_tui.screens.swaps import SwapsScreen
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SwapsScreen)
                                and pilot.app.screen.view is not None)
        await settle(pilot, 3)

    assert snap_compare(_app(demo_db, clock), terminal_size=(80, 24), run_before=run_before)


def test_ask_dialog_with_candidates_and_a_part_outside_the_shift(demo_db, clock, snap_compare):
    index = free_shift(LocalBackend(demo_db, actor=DEMO_YOU, clock=clock))[0]  # one not asked for yet

    async def run_before(pilot):
        await settle(pilot, 3)
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("c")
        from oncall_tui.screens.swap_dialogs import AskDialog
        # the picture is taken once the candidates are there and the refusal is said
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, AskDialog)
                                and pilot.app.screen.candidates is not None)
        await settle(pilot, 3)
        field = pilot.app.screen.query_one("#to", Input)
        field.value = "1999-01-01 10:00"
        field.focus()
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: pilot.app.screen.query_one("#part-error").display
                                and pilot.app.screen.candidates is not None)
        await settle(pilot, 2)

    assert snap_compare(_app(demo_db, clock), terminal_size=(80, 24), run_before=run_before)
