"""A calendar import shows that it is working while it works, and the true state when it ends.

The calendar comes from a real HTTP server on 127.0.0.1 that holds its answer until the test has
seen the "Importing…" state, so the state is checked while the import is really under way."""
from __future__ import annotations

import threading

import pytest
from textual.widgets import Input, LoadingIndicator

from oncall_tui.widgets.month_calendar import MonthCalendar

from ..foundation.helpers import screen_text, settle, wait_until
from .calendars import HOLIDAY_20_JAN, Served, start_server
from .test_screens import app_as, drive, open_area


async def while_busy(pilot, condition, attempts: int = 200) -> bool:
    """Like `wait_until`, without waiting for the app's workers (one is held by the server)."""
    for _ in range(attempts):
        await pilot.pause(0.05)
        if condition():
            return True
    return False


@pytest.fixture
def gated_server(monkeypatch):
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")
    Served.routes, Served.hits, Served.gate = {}, [], threading.Event()
    srv, base = start_server()
    yield base
    Served.gate.set()
    Served.gate = None
    srv.shutdown()
    srv.server_close()


def test_importing_a_calendar_shows_progress_then_what_it_did(demo_db, clock, gated_server):
    Served.routes["/cal/work.ics"] = (200, HOLIDAY_20_JAN, '"v1"', 0.0)
    app = app_as(demo_db, clock, "alice")

    async def steps(pilot):
        await open_area(pilot, "a", "MyAvailabilityScreen", "December 2026")
        await pilot.press("right_square_bracket")
        assert await wait_until(pilot, lambda: "January 2027" in screen_text(pilot.app))
        month = pilot.app.screen
        await pilot.press("c")
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CalendarsScreen")
        await pilot.press("n")
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "AddCalendarScreen")
        pilot.app.screen.query_one("#label", Input).value = "Work"
        location = pilot.app.screen.query_one("#location", Input)
        location.value = gated_server + "/cal/work.ics"
        location.focus()
        await pilot.press("enter")
        # reading the calendar: said in words and with a loading indicator, while the server waits
        assert await while_busy(pilot, lambda: "Importing 'Work': reading the calendar…" in screen_text(pilot.app)
                                and Served.hits), screen_text(pilot.app)
        assert month.query_one(MonthCalendar).loading
        await pilot.press("c")  # the list says an import is under way, with an indicator
        assert await while_busy(pilot, lambda: type(pilot.app.screen).__name__ == "CalendarsScreen"
                                and "Importing 'Work'" in screen_text(pilot.app)), screen_text(pilot.app)
        assert pilot.app.screen.query(LoadingIndicator)
        assert "Importing 'Work'" in month._status_text + month.importing  # still under way
        await pilot.press("escape")
        Served.gate.set()
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "PreviewScreen")
        assert "1 event;" in screen_text(pilot.app) and "3 days unavailable" in screen_text(pilot.app)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "synced" in screen_text(pilot.app)
                                and "Importing" not in screen_text(pilot.app)), screen_text(pilot.app)
        shown = screen_text(pilot.app)
        assert "'Work' synced" in shown and "1 event, 3 days marked" in shown, shown
        assert not month.query_one(MonthCalendar).loading
        await pilot.press("c")  # the list is true at once: synced, not "not synced yet"
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CalendarsScreen")
        await settle(pilot)
        listed = screen_text(pilot.app)
        assert "not synced yet" not in listed and "1 event, 3 days marked" in listed, listed

    drive(app, steps)
