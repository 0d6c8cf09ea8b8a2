"""What the planner and the plan screen say is true: a mark names where it came from, a cell
emptied by hand says so, the header's change count follows an edit, the Shift column is as wide
as its dates from the first paint, and publishing promises only what happens."""
from __future__ import annotations

import asyncio
from datetime import date

from textual.widgets import DataTable, Static

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.domain import Rotation, RotationRules
from oncall_tui.core.domain_planning import CellEdit
from oncall_tui.core.planning import Mark, Member, build_problem, evaluate, explain_person, warnings
from oncall_tui.core.shifts import generate_shifts

from ..conftest import DEMO_YOU
from ..foundation.helpers import screen_text, settle, wait_until
from .helpers import ROT
from .test_plan_screen import _fixed_draft

DAY = date(2027, 1, 4)


def _built(mark: Mark):
    rot = Rotation(id=1, slug="r", name="R", team="t", tz="Europe/London", handoff="09:00", shift_kind="daily",
                   roles=("primary",), rules=RotationRules())
    shifts = generate_shifts(rot, DAY, DAY)
    members = [Member(login="alice", name="Alice", tz="Europe/London", experience=9)]
    built = build_problem(rot, shifts, members, eligible=lambda *_: (True, ""), marks=[mark], busy=[],
                          holidays=())
    sid = next(iter(built.start_of))
    return built, evaluate(built, {(sid, "primary"): "alice"}), sid


def test_a_calendar_event_is_not_called_a_prefer_not_mark():
    """A 15-minute meeting makes the day busy: the planner says so, naming the calendar."""
    busy = Mark(login="alice", day=DAY, state="busy", hand_set=False, source="calendar:Work",
                note="busy 10:00–10:15")
    built, result, _ = _built(busy)
    said = warnings(built, result, lambda s: s)
    assert any("busy in calendar 'Work' (busy 10:00–10:15)" in w for w in said), said
    assert not any("prefer" in w for w in said), said
    why = explain_person(built, result, "alice", "Europe/London", False)
    assert "busy in calendar 'Work'" in why and "prefer" not in why

    by_hand = Mark(login="alice", day=DAY, state="prefer_not", source="hand")
    built, result, _ = _built(by_hand)
    assert any("marked prefer not by hand" in w for w in warnings(built, result, lambda s: s))


def test_kept_off_names_the_calendar_through_the_backend(as_user):
    """The Why text of a real draft: the day off came from alice's calendar 'Work'."""
    from tests.availability.calendars import HOLIDAY_20_JAN

    alice = as_user("alice")
    month = "2027-01"
    text = HOLIDAY_20_JAN.decode()
    preview = alice.preview_calendar(location="/tmp/work.ics", kind="file", month=month, content=text,
                                     label="Work")
    source = alice.add_calendar_source("Work", "/tmp/work.ics", kind="file")
    assert alice.sync_calendar(source.id, month=month, content=text, expected_digest=preview.digest).ok
    me = as_user(DEMO_YOU)
    view = me.draft_plan(ROT, month=month, solver="greedy")
    why = me.explain_person(view.summary.id, "alice")
    assert "Wed 20 Jan  unavailable in calendar 'Work' (all-day: out of office)" in why, why
    assert "from a calendar" not in why


def test_a_cell_emptied_by_hand_says_so_and_by_whom(as_user):
    me = as_user(DEMO_YOU)
    view = me.draft_plan(ROT, month="2026-12", solver="greedy")
    cell = next(c for c in view.cells if c.role == "secondary" and c.login)
    edited = me.edit_plan(view.summary.id, view.summary.version, [CellEdit(uid=cell.uid, login=None)])
    gap = next(g for g in edited.gaps if g.start == cell.start and g.role == "secondary")
    assert gap.reasons[0] == f"emptied by hand by {me.whoami().name}", gap.reasons
    assert not any("search stopped early" in r for r in gap.reasons), gap.reasons
    refilled = me.edit_plan(view.summary.id, edited.summary.version, [CellEdit(uid=cell.uid, login=cell.login)])
    assert not any(g.start == cell.start and g.role == "secondary" for g in refilled.gaps)


def _head(app) -> str:
    return str(app.screen.query_one("#progress", Static).render())


def test_plan_screen_header_follows_an_edit_and_publish_promises_what_happens(demo_db, clock, monkeypatch):
    import oncall_tui.app

    # No live reload during the test: the header must be right from the edit itself.
    monkeypatch.setattr(oncall_tui.app, "POLL_SECONDS", 3600.0)
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    first = backend.plan(_fixed_draft(backend))
    backend.publish_plan(first.summary.id, first.summary.version)
    _fixed_draft(backend)  # the same cells: nothing differs from what is published

    async def scenario():
        app = make_app(backend=backend, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("p")
            assert await wait_until(pilot, lambda: "0 changes vs published #1" in _head(app)), _head(app)
            table = app.screen.query_one("#grid", DataTable)
            # the Shift column is as wide as its dates at once, not five characters until F5
            app.screen._fill_grid(app.screen.data.view)
            assert table.columns[table.coordinate_to_cell_key((0, 0)).column_key].get_render_width(table) \
                >= len("Tue 01 Dec") + 2
            table.move_cursor(row=1, column=2)
            await pilot.pause()
            await pilot.press("e")
            assert await wait_until(pilot, lambda: type(app.screen).__name__ == "PickPersonScreen")
            app.screen.dismiss("")  # leave it empty
            assert await wait_until(pilot, lambda: "1 change vs published #1" in _head(app)), _head(app)
            assert "emptied by hand by" in str(app.screen.query_one("#warnings", Static).render())
            await pilot.press("P")
            assert await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
            return screen_text(app)

    dialog = asyncio.run(scenario())
    assert "calendar entries and a notice" not in dialog
    assert "no message or calendar entry is sent" in dialog


def test_counted_words_agree_with_their_numbers():
    from oncall_tui.formatting import plural

    assert [plural(1, "event"), plural(4, "day"), plural(0, "gap"), plural(2, "person", "people"),
            plural(1.5, "busy hour")] == ["1 event", "4 days", "0 gaps", "2 people", "1.5 busy hours"]
