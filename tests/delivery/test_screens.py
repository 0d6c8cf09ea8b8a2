"""Delivery in the app at 80x24: the manager's delivery screen (from Team availability, key
d) with everyone's state and the server's reason, retry; the person's profile with their own
state, their CalDAV calendar set through a masked password field that is never shown."""
from __future__ import annotations

import asyncio

from textual.widgets import Input

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.screens import AREAS

from ..conftest import DEMO_YOU
from ..foundation.helpers import screen_text, settle, wait_until
from .helpers import queue_mails

SIZE = (80, 24)
PASSWORD = "screen-Pa55-never-shown"


def _drive(app, steps):
    async def go():
        async with app.run_test(size=SIZE) as pilot:
            return await steps(pilot)
    return asyncio.run(go())


def _key(mode: str) -> str:
    return next(a for a in AREAS if a.mode == mode).key


def test_the_manager_sees_everyones_delivery_with_the_reason_and_retries(demo_db, clock):
    from oncall_tui.services.outbox import Delivery

    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    queue_mails(root, ["alice"])  # the team has no mail server yet: failing, with the reason
    Delivery(root.context).run_once()

    async def steps(pilot):
        await settle(pilot)
        await pilot.press(_key("team"))
        assert await wait_until(pilot, lambda: pilot.app.current_mode == "team")
        await settle(pilot)
        await pilot.press("d")
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "DeliveryScreen")
        assert await wait_until(pilot, lambda: "Alice Moreau" in screen_text(pilot.app)), screen_text(pilot.app)
        before = screen_text(pilot.app)
        table = pilot.app.screen.query_one("DataTable")
        row = next(i for i, s in enumerate(pilot.app.screen.states) if s.login == "alice")
        table.move_cursor(row=row)
        await pilot.press("y")
        assert await wait_until(pilot, lambda: any("will be tried again now" in str(n.message)
                                                   for n in pilot.app._notifications))
        assert root.my_delivery("alice").next_attempt_at is None  # due now
        return before

    text = _drive(make_app(backend=root, clock=clock), steps)
    lines = text.splitlines()
    assert len(lines) == 24 and max(len(x) for x in lines) <= 80
    assert "Mail server of platform: not set" in text
    assert "✗ failing (1)" in text
    assert "y retry" in text


def test_my_profile_shows_my_delivery_and_sets_my_caldav_calendar(demo_db, clock, monkeypatch):
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")
    alice = LocalBackend(demo_db, actor="alice", clock=clock)

    async def steps(pilot):
        await settle(pilot)
        await pilot.press(_key("profile"))
        assert await wait_until(pilot, lambda: "Calendar delivery" in screen_text(pilot.app))
        await pilot.press("c")
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CalDAVDialog")
        screen = pilot.app.screen
        for key, text in (("url", "http://127.0.0.1:5232/alice/oncall/"), ("user", "alice"),
                          ("password", PASSWORD)):
            field = screen.query_one(f"#{key}", Input)
            field.focus()
            await pilot.press(*text)
        typed = screen_text(pilot.app)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ProfileScreen")
        assert await wait_until(pilot, lambda: "(password stored)" in screen_text(pilot.app))
        scroll = pilot.app.screen.query_one("#sections")
        scroll.scroll_end(animate=False)
        await settle(pilot)
        return typed, screen_text(pilot.app)

    typed, after = _drive(make_app(backend=alice, clock=clock), steps)
    assert PASSWORD not in typed and "•" * 5 in typed  # masked while typed
    assert PASSWORD not in after and "127.0.0.1:5232/alice/oncall/" in after
    assert alice.caldav_account().has_password
