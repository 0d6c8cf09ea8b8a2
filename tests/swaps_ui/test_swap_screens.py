"""Asking and answering in the app, keys only: "can't make it" from My on-call, the swap inbox."""
from __future__ import annotations

import asyncio
import threading

import pytest
from textual.widgets import Input, Static

from oncall_tui.app import make_app
from oncall_tui.screens.plan_dialogs import ConfirmScreen
from oncall_tui.screens.swap_dialogs import AskDialog, DeclineDialog
from oncall_tui.screens.swaps import SwapList, SwapsScreen
from oncall_tui.widgets.key_bar import KeyBar

from ..foundation.helpers import screen_text, settle, wait_until
from .helpers import ask_one, ask_someone_else, engineer_with_a_free_shift, free_shift

BOTH = pytest.mark.parametrize("backend_kind", ["local", "remote"])


def asked_of_someone(as_user, clock):
    """root asks the best candidate for one of root's shifts; (root, the request, whom it asks,
    their backend, the app as them)."""
    asker = as_user("root")
    asked, login = ask_one(asker)
    taker = as_user(login)
    return asker, asked, login, taker, quiet_app(taker, clock)


def an_engineers_request_before_root(as_user, clock):
    """An engineer of root's team asks someone other than root; (the engineer, the request, whom
    it asks, root's backend, the app as root, their manager)."""
    alice = as_user(engineer_with_a_free_shift(as_user, "root"))
    asked, login = ask_someone_else(alice, manager="root")
    root = as_user("root")
    return alice, asked, login, root, quiet_app(root, clock)


def quiet_app(backend, clock):
    """The app without its change poll: what a test sees is what its own keys did."""
    app = make_app(backend=backend, clock=clock)
    app._watch_for_changes = lambda: None  # type: ignore[method-assign]
    return app


async def open_ask(pilot, index: int = 0) -> AskDialog:
    """The "can't make it" dialog for the home screen's shift at `index` (moved to by keys)."""
    app = pilot.app
    await settle(pilot, 3)
    for _ in range(index):
        await pilot.press("down")
    await pilot.press("c")
    assert await wait_until(pilot, lambda: isinstance(app.screen, AskDialog) and app.screen.candidates is not None)
    return app.screen


async def open_inbox(pilot, swap_id: int | None = None) -> SwapsScreen:
    """The swap inbox, with request `swap_id` highlighted."""
    app = pilot.app
    await settle(pilot, 3)
    await pilot.press("s")
    assert await wait_until(pilot, lambda: isinstance(app.screen, SwapsScreen) and app.screen.view is not None)
    screen = app.screen
    if swap_id is not None:
        swaps = screen.query_one("#swaps", SwapList)
        swaps.highlighted = next(i for i, s in enumerate(swaps.rows) if s is not None and s.id == swap_id)
        await settle(pilot)
    return screen


@BOTH
def test_cant_make_it_with_the_defaults_asks_the_best_three_in_order_in_two_keys(as_user, clock):
    root = as_user("root")
    index, shift = free_shift(root)
    best = [c.person.login for c in root.swap_candidates(shift.assignment.uid)][:3]
    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            await open_ask(pilot, index)  # key 1: c (after moving to a shift with no request yet)
            await pilot.press("enter")  # key 2: the default, the best 3 in order
            assert await wait_until(pilot, lambda: not isinstance(app.screen, AskDialog))
            await settle(pilot)

    asyncio.run(run())
    mine = [s for s in root.swaps() if s.my_part == "outgoing" and s.shift_uid == shift.assignment.uid]
    assert len(mine) == 1
    swap = mine[0]
    assert [a.person.login for a in sorted(swap.asks, key=lambda a: a.position)] == best
    assert (swap.start, swap.end) == (shift.assignment.start, shift.assignment.end)
    assert swap.state == "open"


@BOTH
def test_a_part_outside_the_shift_is_one_line_and_sends_nothing_then_a_part_inside_is_asked(as_user, clock):
    root = as_user("root")
    index, detail = free_shift(root)
    shift = detail.assignment
    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_ask(pilot, index)
            field = dialog.query_one("#from", Input)
            field.value = "1999-01-01 10:00"
            field.focus()
            await pilot.press("enter")
            await settle(pilot)
            error = str(dialog.query_one("#part-error", Static).render())
            assert error.startswith("Not sent: the part must lie inside the shift"), error
            assert "\n" not in error.strip()
            assert isinstance(app.screen, AskDialog)
            # two hours from the shift's start, typed as times of day in my zone
            from oncall_tui.formatting import local

            start = local(shift.start, "Europe/London")
            field.value = start.strftime("%H:%M")
            dialog.query_one("#to", Input).value = (start.replace(hour=(start.hour + 2) % 24)).strftime("%H:%M")
            dialog.query_one("#how").focus()
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: not isinstance(app.screen, AskDialog))

    asyncio.run(run())
    made = [s for s in root.swaps() if s.my_part == "outgoing" and s.shift_uid == shift.uid]
    assert len(made) == 1, made  # the refused first try made nothing
    assert made[0].start == shift.start
    assert (made[0].end - made[0].start).total_seconds() == 2 * 3600


@BOTH
def test_agree_takes_the_shift_with_one_key(as_user, clock):
    dev = as_user("root")  # asks for one of their shifts
    asked, login = ask_one(dev, note="Family wedding")
    taker = as_user(login)
    app = quiet_app(taker, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            await open_inbox(pilot, asked.id)
            await pilot.press("y")
            assert await wait_until(pilot, lambda: taker.swap(asked.id).state == "agreed")
            assert await wait_until(pilot, lambda: "You agreed" in screen_text(app))

    asyncio.run(run())
    swap = taker.swap(asked.id)
    assert swap.taken_by is not None and swap.taken_by.login == login
    mine = {d.assignment.uid for d in taker.home().next_shifts}
    assert swap.shift_uid in mine


@BOTH
def test_decline_with_a_reason_tells_the_requester(as_user, clock):
    dev, asked, login, taker, app = asked_of_someone(as_user, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            await open_inbox(pilot, asked.id)
            await pilot.press("n")
            assert await wait_until(pilot, lambda: isinstance(app.screen, DeclineDialog))
            await pilot.press(*["space" if ch == " " else ch for ch in "away that week"])
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: not isinstance(app.screen, DeclineDialog))

    asyncio.run(run())
    seen = next(s for s in dev.swaps(include_closed=True) if s.id == asked.id)
    ask = next(a for a in seen.asks if a.person.login == login)
    assert ask.state == "declined" and ask.reason == "away that week"


@BOTH
def test_a_lost_race_shows_the_backends_line_and_the_current_state(as_user, clock):
    dev, asked, login, taker, app = asked_of_someone(as_user, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_inbox(pilot, asked.id)
            dev.swap_cancel(asked.id)  # meanwhile, the requester withdraws it
            await pilot.press("y")
            assert await wait_until(pilot, lambda: "Not done:" in screen_text(app))
            outcome = str(screen.query_one("#outcome", Static).render())
            assert "cancelled" in outcome.lower(), outcome
            shown = screen.query_one("#swaps", SwapList)
            assert await wait_until(pilot, lambda: any(
                s is not None and s.id == asked.id and s.state == "cancelled" for s in shown.rows))

    asyncio.run(run())
    assert next(s for s in dev.swaps(include_closed=True) if s.id == asked.id).taken_by is None


@BOTH
def test_keys_work_while_the_list_is_being_read(as_user, clock):
    """The list is read in a worker: while a refresh waits on the database, the cursor still moves."""
    dev = as_user("root")  # asks for one of their shifts
    ask_one(dev)
    root = as_user("root")
    gate = threading.Event()
    read = root.swaps

    def slow_swaps(*args, **kwargs):
        gate.wait(60)
        return read(*args, **kwargs)

    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_inbox(pilot)
            swaps = screen.query_one("#swaps", SwapList)
            assert sum(s is not None for s in swaps.rows) >= 2
            before = swaps.highlighted
            root.swaps = slow_swaps  # type: ignore[method-assign]
            try:
                await pilot.press("f5")  # the refresh now waits on the gate
                await pilot.press("down")
                await pilot.pause()
                assert swaps.highlighted != before
                assert any(w.name == "load" and not w.is_finished for w in app.workers)
            finally:
                gate.set()
            await settle(pilot, 2)

    asyncio.run(run())


@BOTH
def test_refreshes_asked_for_during_a_read_make_one_more_read_which_shows_the_latest(as_user, clock):
    """F5 pressed again and again while the list is being read (or other people's changes
    arriving faster than a read takes): one read at a time, then exactly one more, and the
    list ends up showing the change made meanwhile."""
    asker = as_user("root")
    asked, _ = ask_one(asker)
    root = as_user("root")
    gate = threading.Event()
    read = root.swaps
    reads: list[int] = []

    def slow_swaps(*args, **kwargs):
        reads.append(1)
        gate.wait(60)
        return read(*args, **kwargs)

    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_inbox(pilot, asked.id)
            swaps = screen.query_one("#swaps", SwapList)
            root.swaps = slow_swaps  # type: ignore[method-assign]
            try:
                for _ in range(4):
                    await pilot.press("f5")  # the first read waits on the gate; the others wait for it
                for _ in range(100):  # (not wait_until: it waits for the workers, held by the gate)
                    if reads:
                        break
                    await pilot.pause(0.05)
                assert len(reads) == 1
                asker.swap_cancel(asked.id)  # meanwhile, a change the first read may miss
            finally:
                gate.set()
            assert await wait_until(pilot, lambda: any(
                s is not None and s.id == asked.id and s.state == "cancelled" for s in swaps.rows))
            await settle(pilot, 2)
            assert not any(w.name == "load" and not w.is_finished for w in app.workers)

    asyncio.run(run())
    assert len(reads) == 2, f"{len(reads)} reads for 4 presses of F5 during one read"


@BOTH
def test_a_refresh_that_changed_nothing_leaves_the_rows_and_the_cursor_alone(as_user, clock):
    """The list read again with nothing changed: the same rows stay (nothing laid out or drawn
    again), the cursor where it was; a change then shows."""
    asker = as_user("root")
    first, _ = ask_one(asker)
    root = as_user("root")
    second = next(s for s in root.swaps() if s.id != first.id)  # the demo's own: an ask of root's
    app = quiet_app(root, clock)
    reads: list[int] = []
    read = root.swaps

    def counted(*args, **kwargs):
        reads.append(1)
        return read(*args, **kwargs)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_inbox(pilot, second.id)
            swaps = screen.query_one("#swaps", SwapList)
            before = [swaps.get_option_at_index(i) for i in range(swaps.option_count)]
            root.swaps = counted  # type: ignore[method-assign]
            await pilot.press("f5")
            assert await wait_until(pilot, lambda: reads and not any(
                w.name == "load" and not w.is_finished for w in app.workers))
            after = [swaps.get_option_at_index(i) for i in range(swaps.option_count)]
            assert all(a is b for a, b in zip(before, after)) and len(before) == len(after)
            assert screen.current() is not None and screen.current().id == second.id
            asker.swap_cancel(first.id)
            await pilot.press("f5")
            assert await wait_until(pilot, lambda: any(
                s is not None and s.id == first.id and s.state == "cancelled" for s in swaps.rows))
            assert screen.current() is not None and screen.current().id == second.id

    asyncio.run(run())


@BOTH
def test_a_manager_answers_for_someone_then_undoes_it(as_user, clock):
    """root manages the team: an engineer's request is in root's list; Y agrees for the person
    asked (who is ill), u undoes it and the engineer has the shift back; root is named."""
    alice, asked, login, root, app = an_engineers_request_before_root(as_user, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            await open_inbox(pilot, asked.id)
            await pilot.press("Y")  # one small dialog names whom it affects; nothing is done yet
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            name = next(a.person.name for a in asked.asks if a.person.login == login)
            assert f"Agree for {name}?" in screen_text(app)
            assert root.swap(asked.id).state in ("open", "escalated")
            await pilot.press("y")
            assert await wait_until(pilot, lambda: root.swap(asked.id).state == "agreed")
            assert await wait_until(pilot, lambda: f"Agreed for {login}" in screen_text(app))
            await open_inbox(pilot, asked.id)
            await pilot.press("u")
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert alice.whoami().name in screen_text(app)
            await pilot.press("y")
            assert await wait_until(pilot, lambda: root.swap(asked.id).state != "agreed")

    asyncio.run(run())
    done = root.swap(asked.id)
    assert done.state == "overridden" and done.acted_by == "root"  # undone, by root, for all to see
    assert next(a for a in done.asks if a.person.login == login).state == "agreed"  # root agreed for them
    assert asked.shift_uid in {d.assignment.uid for d in alice.home().next_shifts}


@BOTH
def test_a_trade_picks_one_of_their_shifts_in_return(as_user, clock):
    """The picker offers only the shifts of theirs I may take in return (the backend's trade
    options): the first one offered is sent as a trade, with nothing refused."""
    from textual.widgets import OptionList

    from oncall_tui.screens.swap_dialogs import TradeDialog

    root = as_user("root")
    index, shift = free_shift(root)
    uid = shift.assignment.uid
    options = {c.person.login: root.swap_trade_options(uid, c.person.login) for c in root.swap_candidates(uid)}
    rank, partner = next((i, c.person.login) for i, c in enumerate(root.swap_candidates(uid))
                         if options[c.person.login])
    offered = options[partner][0].assignment.uid
    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_ask(pilot, index)
            dialog.query_one("#candidates", OptionList).highlighted = rank  # the person to trade with
            dialog.query_one("#how", OptionList).focus()
            await pilot.press("down", "down", "down")  # the fourth way: a trade with the highlighted person
            assert dialog.how() == "trade"
            await pilot.press("enter")
            theirs = lambda: app.screen.query_one("#theirs", OptionList)  # noqa: E731
            assert await wait_until(pilot, lambda: isinstance(app.screen, TradeDialog)
                                    and theirs().get_option_at_index(0).id is not None)
            assert theirs().option_count == len(options[partner])  # only what I may take
            theirs().highlighted = 0
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: not isinstance(app.screen, (TradeDialog, AskDialog)))

    asyncio.run(run())
    made = [s for s in root.swaps() if s.my_part == "outgoing" and s.shift_uid == uid]
    assert made and made[0].mode == "trade" and made[0].trade_uid == offered
    assert [a.person.login for a in made[0].asks] == [partner]


@BOTH
def test_after_a_partial_cover_home_lists_each_piece_and_opens_it(as_user, clock):
    """Someone takes an hour in the middle of root's shift: the slot's uid is now shared by three
    pieces (two root's, one theirs). Home lists root's two pieces, F5 reads them again, and
    Enter opens each one's details: no list keys two options alike."""
    from datetime import timedelta

    from oncall_tui.screens.home import ShiftList
    from oncall_tui.screens.shift_detail import ShiftDetailScreen

    root = as_user("root")
    _, detail = free_shift(root)
    shift = detail.assignment
    start, end = shift.start + timedelta(hours=3), shift.start + timedelta(hours=4)
    login = root.swap_candidates(shift.uid, start, end)[0].person.login
    asked = root.swap_request(shift.uid, start, end, ask=[login])
    as_user(login).swap_agree(asked.id)
    mine = [d.assignment for d in root.home().next_shifts if d.assignment.uid == shift.uid]
    assert [(a.start, a.end) for a in mine] == [(shift.start, start), (end, shift.end)]
    app = quiet_app(root, clock)
    opened: list[tuple] = []

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, 3)
            await pilot.press("f5")
            await settle(pilot, 3)
            shifts = app.screen.query_one("#shifts", ShiftList)
            assert shifts.option_count == len(root.home().next_shifts)
            pieces = [i for i, d in enumerate(shifts.details) if d.assignment.uid == shift.uid]
            assert len(pieces) == 2
            for index in pieces:
                shifts.highlighted = index
                await settle(pilot)
                await pilot.press("enter")
                assert await wait_until(pilot, lambda: isinstance(app.screen, ShiftDetailScreen))
                got = app.screen.detail.assignment
                opened.append((got.start, got.end))
                await pilot.press("escape")
                assert await wait_until(pilot, lambda: not isinstance(app.screen, ShiftDetailScreen))

    asyncio.run(run())
    assert opened == [(shift.start, start), (end, shift.end)]
    assert not [n for n in app._notifications if "DuplicateID" in str(n.message)]


@BOTH
def test_a_manager_cancelling_someone_elses_request_confirms_naming_them(as_user, clock):
    """x on an engineer's request asks first, naming the engineer: n changes nothing, y cancels.
    Y and N are in the manager's key bar where someone else is being asked."""
    alice, asked, login, root, app = an_engineers_request_before_root(as_user, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_inbox(pilot, asked.id)
            keys = {key for key, _, _, enabled in screen.query_one(KeyBar).keys()[0] if enabled}
            assert {"Y", "N"} <= keys, keys
            await pilot.press("x")
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert f"Cancel {alice.whoami().name}'s request?" in screen_text(app)
            await pilot.press("n")
            assert await wait_until(pilot, lambda: isinstance(app.screen, SwapsScreen))
            assert root.swap(asked.id).state in ("open", "escalated")
            await pilot.press("x")
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            assert await wait_until(pilot, lambda: root.swap(asked.id).state == "cancelled")

    asyncio.run(run())


@BOTH
def test_a_refusal_line_belongs_to_its_request_and_goes_when_the_cursor_moves(as_user, clock):
    root = as_user("root")
    ask_one(root)  # a request of root's own: two items in the list
    asked = next(s for s in root.swaps() if s.my_part == "incoming" and s.state in ("open", "escalated"))
    dev = as_user(asked.requester.login)  # the demo's engineer asking root
    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_inbox(pilot, asked.id)
            dev.swap_cancel(asked.id)
            await pilot.press("y")
            assert await wait_until(pilot, lambda: "Not done:" in screen_text(app))
            outcome = screen.query_one("#outcome", Static)
            assert outcome.display
            await settle(pilot, 2)
            assert outcome.display and screen.current().id == asked.id  # still on it after the reload
            swaps = screen.query_one("#swaps", SwapList)
            other = next(i for i, s in enumerate(swaps.rows) if s is not None and s.id != asked.id)
            swaps.highlighted = other
            await settle(pilot)
            assert not outcome.display
            assert "Not done:" not in screen_text(app)

    asyncio.run(run())


@BOTH
def test_closed_items_say_what_happened_for_me(as_user, clock):
    """An ask I declined, still open for the next person, sits under Closed saying "you declined"
    and what became of the request, never the request's raw OPEN."""
    root = as_user("root")
    shift = free_shift(root)[1]
    asked = root.swap_request(shift.assignment.uid, top=2)
    first = next(a for a in asked.asks if a.state == "asked").person.login
    me = as_user(first)
    me.swap_decline(asked.id, "away")
    assert root.swap(asked.id).state in ("open", "escalated")
    app = quiet_app(me, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_inbox(pilot, asked.id)
            swaps = screen.query_one("#swaps", SwapList)
            index = swaps.highlighted
            heading = next(i for i in range(index, -1, -1) if swaps.rows[i] is None)
            assert "Closed" in str(swaps.get_option_at_index(heading).prompt)
            line = str(swaps.get_option_at_index(index).prompt).replace("\xa0", " ")
            assert "you declined" in line and "still open for others" in line, line
            assert "OPEN" not in line, line

    asyncio.run(run())



@BOTH
def test_the_candidates_follow_the_part_typed_and_a_stale_error_goes(as_user, clock):
    from datetime import timedelta

    from oncall_tui.formatting import local

    root = as_user("root")
    index, detail = free_shift(root)
    shift = detail.assignment
    start, end = shift.start + timedelta(hours=1), shift.start + timedelta(hours=3)
    expected = [(c.person.login, c.reason) for c in root.swap_candidates(shift.uid, start, end)]
    whole = [(c.person.login, c.reason) for c in root.swap_candidates(shift.uid)]
    assert expected != whole  # a two-hour part weighs less than the whole shift
    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_ask(pilot, index)
            field, to = dialog.query_one("#from", Input), dialog.query_one("#to", Input)
            field.value = "1999-01-01 10:00"
            field.focus()
            await pilot.press("enter")
            await settle(pilot)
            error = dialog.query_one("#part-error", Static)
            assert error.display and "Not sent" in str(error.render())
            field.value = local(start, "Europe/London").strftime("%Y-%m-%d %H:%M")
            to.value = local(end, "Europe/London").strftime("%Y-%m-%d %H:%M")
            assert await wait_until(pilot, lambda: dialog.candidates_for == (start, end)
                                    and dialog.candidates is not None)
            assert not error.display  # the fields make sense again: the old line is gone
            assert [(c.person.login, c.reason) for c in dialog.candidates] == expected

    asyncio.run(run())


@BOTH
def test_cant_make_it_on_a_shift_already_asked_for_says_so_and_opens_the_request(as_user, clock):
    root = as_user("root")
    index, detail = free_shift(root)
    asked = root.swap_request(detail.assignment.uid, top=1)
    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, 3)
            for _ in range(index):
                await pilot.press("down")
            await pilot.press("c")
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "asked for cover on this shift already" in screen_text(app)
            await pilot.press("y")
            assert await wait_until(pilot, lambda: isinstance(app.screen, SwapsScreen) and app.screen.view is not None
                                    and app.screen.current() is not None and app.screen.current().id == asked.id)

    asyncio.run(run())
    assert len([s for s in root.swaps() if s.shift_uid == detail.assignment.uid and s.my_part == "outgoing"]) == 1


def test_cant_make_it_on_a_shift_with_some_hours_asked_for_asks_for_the_hours_before_them(as_user, clock):
    """Two hours of the shift are asked for already: c opens the dialog on the hours before them
    (saying which are asked for), and Enter asks for those: two requests open for one shift."""
    from datetime import timedelta

    root = as_user("root")
    index, detail = free_shift(root)
    a = detail.assignment
    first = root.swap_request(a.uid, start=a.start + timedelta(hours=10), end=a.start + timedelta(hours=12), top=1)
    app = quiet_app(root, clock)
    shown: list = []

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_ask(pilot, index)
            shown.append((dialog.detail.assignment.start, dialog.detail.assignment.end))
            assert "Asked for already" in " ".join(str(n.message) for n in app._notifications)
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: not isinstance(app.screen, AskDialog))

    asyncio.run(run())
    assert shown == [(a.start, first.start)]
    mine = sorted((s.start, s.end) for s in root.swaps() if s.shift_uid == a.uid and s.my_part == "outgoing"
                  and s.state in ("open", "escalated"))
    assert mine == [(a.start, first.start), (first.start, first.end)]


@BOTH
def test_a_managers_opening_screen_says_escalated_requests_wait_and_the_key(as_user, clock):
    maya = as_user("maya")  # manages the demo team, on no rotation: she opens on its requirements
    view = maya.home()
    assert "escalated to you" in view.swaps_summary, view.swaps_summary
    app = quiet_app(maya, clock)

    async def run():
        from oncall_tui.screens.requirements_team import TeamRequirementsScreen

        async with app.run_test(size=(80, 24)) as pilot:
            assert await wait_until(pilot, lambda: isinstance(app.screen, TeamRequirementsScreen))
            await settle(pilot, 2)
            text = screen_text(app)
            assert "escalated to you" in text and "press s" in text, text
            await pilot.press("s")
            assert await wait_until(pilot, lambda: isinstance(app.screen, SwapsScreen))

    asyncio.run(run())


def test_delivery_words_speak_of_the_feed_and_the_form(as_user):
    """Someone on the subscription feed reads that nothing needs sending (not "- off"); the mail
    server form's message names its own field, never a command-line flag."""
    from oncall_tui.core.errors import InvalidInput
    from oncall_tui.screens.delivery import MailServerDialog, state_text

    root = as_user("root")
    assert state_text(root.my_delivery("alice")) == "subscribed feed: nothing to send"
    team = root.teams()[0].slug
    form = MailServerDialog(root.mail_server(team))
    with pytest.raises(InvalidInput) as refused:
        form._save(root, {"host": "smtp.example.com", "port": "587", "security": "starttls", "user": "",
                          "from": "", "password": ""})
    assert "--" not in refused.value.message and refused.value.message.startswith("From:"), refused.value.message


def test_the_last_decline_says_the_managers_are_told_and_cancel_shows_only_with_something_to_cancel(
        as_user, clock):
    """The only person asked declines: the inbox says nobody is left and the managers are told
    (never "the next person is asked"), the item under Closed says the request escalated (never
    "still open for others"), and `x Cancel` is shown only to someone with a request of their
    own to withdraw (or a manager)."""
    dev, asked, login, taker, app = asked_of_someone(as_user, clock)
    own = any(s.requester.login == login and s.state in ("open", "escalated") for s in taker.swaps())
    manager = any(m.role == "manager" and m.person.login == login
                  for t in taker.teams() for m in taker.members(t.slug))

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_inbox(pilot, asked.id)
            assert screen.check_action("cancel_request", ()) is (None if own or manager else False)
            await pilot.press("n")
            assert await wait_until(pilot, lambda: isinstance(app.screen, DeclineDialog))
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: "Nobody else is left to ask" in screen_text(app))
            assert "The next person is asked" not in screen_text(app)
            swaps = screen.query_one("#swaps", SwapList)
            assert await wait_until(pilot, lambda: any(s is not None and s.id == asked.id and s.state == "escalated"
                                                       for s in swaps.rows))
            index = next(i for i, s in enumerate(swaps.rows) if s is not None and s.id == asked.id)
            line = str(swaps.get_option_at_index(index).prompt).replace("\xa0", " ")
            assert "you declined" in line and "escalated to the managers" in line, line
            assert "still open for others" not in line, line

    asyncio.run(run())
    assert dev.swap(asked.id).state == "escalated"


@BOTH
def test_enter_sends_the_top_three_wherever_the_focus_is_and_o_asks_only_the_highlighted(as_user, clock):
    """Tab through the part's fields to the list of candidates: Enter there sends what the footer
    and the summary say (the best 3 in order), never switches to asking one person.  `o` is the
    key for "only them", and the summary says it before Enter sends it."""
    from textual.widgets import OptionList

    root = as_user("root")
    index, shift = free_shift(root)
    uid = shift.assignment.uid
    best = [c.person.login for c in root.swap_candidates(uid)][:3]
    assert len(best) == 3
    app = quiet_app(root, clock)

    async def run():
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_ask(pilot, index)
            assert "enter: send" in screen_text(app) and "o: ask only them" in screen_text(app)
            candidates = dialog.query_one("#candidates", OptionList)
            for _ in range(6):  # from the ways to ask, on through the note, the part, to the list
                await pilot.press("tab")
                await settle(pilot)
                if app.focused is candidates:
                    break
            assert app.focused is candidates, app.focused
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: not isinstance(app.screen, AskDialog))

    asyncio.run(run())
    made = [s for s in root.swaps() if s.my_part == "outgoing" and s.shift_uid == uid]
    assert len(made) == 1 and made[0].mode == "ordered"
    assert [a.person.login for a in sorted(made[0].asks, key=lambda a: a.position)] == best
    root.swap_cancel(made[0].id)
    app = quiet_app(root, clock)

    async def only():
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_ask(pilot, index)
            candidates = dialog.query_one("#candidates", OptionList)
            candidates.focus()
            await pilot.press("down")  # the second best
            await pilot.press("o")
            assert await wait_until(pilot, lambda: dialog.how() == "one")
            name = dialog.candidates[1].person.name
            assert await wait_until(pilot, lambda: f"Enter asks only {name}." in screen_text(app).replace("\xa0", " "))
            assert isinstance(app.screen, AskDialog)  # `o` sends nothing
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: not isinstance(app.screen, AskDialog))

    asyncio.run(only())
    made = [s for s in root.swaps() if s.my_part == "outgoing" and s.shift_uid == uid and s.state == "open"]
    assert len(made) == 1 and [a.person.login for a in made[0].asks] == [best[1]]


@BOTH
def test_whoever_covers_an_hour_asks_for_cover_of_it_from_home_in_two_keys(as_user, clock):
    """Root gave an hour of a shift to someone: on their home screen that hour is a shift of
    theirs, and c then Enter asks the best three to cover exactly that hour; root, on the
    piece after it, asks for exactly those hours while the first request is open."""
    from datetime import timedelta

    from oncall_tui.screens.home import ShiftList

    root = as_user("root")
    _, detail = free_shift(root)
    shift = detail.assignment
    start, end = shift.start + timedelta(hours=3), shift.start + timedelta(hours=4)
    login = next(c.person.login for c in root.swap_candidates(shift.uid, start, end))
    as_user(login).swap_agree(root.swap_request(shift.uid, start, end, ask=[login]).id)
    them = as_user(login)

    async def ask_on_piece(backend, hours):
        app = quiet_app(backend, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, 3)
            shifts = app.screen.query_one("#shifts", ShiftList)
            index = next(i for i, d in enumerate(shifts.details)
                         if d.assignment.uid == shift.uid and (d.assignment.start, d.assignment.end) == hours)
            dialog = await open_ask(pilot, index)
            assert [c.person.login for c in dialog.candidates or []], "somebody can cover it"
            assert "root" not in [c.person.login for c in dialog.candidates or []]
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: not isinstance(app.screen, AskDialog))

    asyncio.run(ask_on_piece(them, (start, end)))
    theirs = [s for s in them.swaps() if s.my_part == "outgoing" and s.shift_uid == shift.uid]
    assert [(s.start, s.end, s.state) for s in theirs] == [(start, end, "open")]
    assert len([a for a in theirs[0].asks if a.state == "asked"]) == 1  # the top three, in order
    asyncio.run(ask_on_piece(root, (end, shift.end)))
    mine = [s for s in root.swaps() if s.my_part == "outgoing" and s.shift_uid == shift.uid and s.state == "open"]
    assert [(s.start, s.end) for s in mine] == [(end, shift.end)]
