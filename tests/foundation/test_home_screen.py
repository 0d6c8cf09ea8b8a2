"""The home screen, "My on-call", as an engineer sees it at 80x24, keyboard only."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.config import Target
from oncall_tui.core.clock import FixedClock
from oncall_tui.formatting import relative, span
from oncall_tui.screens import AREAS

from ..conftest import DEMO_NAME, DEMO_YOU, NOW, build_demo_file
from .helpers import assert_shifts_whole, copy_database, db_path, screen_text, settle, wait_until

SIZE = (80, 24)


def _loaded(app) -> bool:
    text = screen_text(app)
    return type(app.screen).__name__ == "HomeScreen" and "Loading…" not in text and "Swaps:" in text


async def _home(pilot) -> str:
    assert await wait_until(pilot, lambda: _loaded(pilot.app)), screen_text(pilot.app)
    return screen_text(pilot.app)


def _drive(app, steps):
    async def go():
        async with app.run_test(size=SIZE) as pilot:
            return await steps(pilot)
    return asyncio.run(go())


def test_home_shows_my_shifts_partners_escalation_who_is_on_now_and_what_waits(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    view = backend.home()
    first = view.next_shifts[0]
    partner = first.partners[0].person
    on_now = backend.now()

    text = _drive(make_app(backend=backend, clock=clock), _home)

    assert "My on-call" in text and DEMO_NAME in text and "Europe/London" in text
    assert "Your next shifts" in text
    # Shown in my own zone: the 09:00 London handoff, the role as a word, with whom and how to reach them.
    assert "Sat 28 Nov 09:00 → Sun 29 Nov 09:00 GMT · Platform 24/7 · SECONDARY (in 23 h)" in text
    assert f"with {partner.name} (primary) {partner.contact}" in text
    assert "Escalate: 1. Maya Goldberg (engineering manager) +44 7700 900777" in text
    assert "3. Head of Engineering" in text
    assert "On call now" in text
    for row in on_now:
        assert row.person.name in text and row.person.contact in text
    assert "primary" in text and "secondary" in text
    assert view.requirements_summary in text
    assert "Swaps: 1 request escalated to you; 1 swap request waiting for your answer" in text


def test_someone_on_call_now_sees_the_now_marker_in_their_own_zone(demo_db, clock):
    lena = LocalBackend(demo_db, actor="lena", clock=clock)
    assert lena.now()[0].person.login == "lena"  # the demo has Lena primary right now
    text = _drive(make_app(backend=lena, clock=clock), _home)
    assert "▶ NOW Fri 27 Nov 04:00 → Sat 28 Nov 04:00 EST · Platform 24/7 · PRIMARY (now)" in text
    assert "Lena Brandt" in text and "America/New_York" in text


def test_monochrome_terminal_still_shows_state_in_words_and_symbols(demo_db, clock, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    lena = LocalBackend(demo_db, actor="lena", clock=clock)
    app = make_app(backend=lena, clock=clock)

    async def steps(pilot):
        text = await _home(pilot)
        return pilot.app.no_color, text

    no_color, text = _drive(app, steps)
    assert no_color, "Textual saw NO_COLOR"
    assert "▶ NOW" in text  # being on call now is a symbol and a word, not a colour
    assert "PRIMARY" in text and "with Alice Moreau (secondary)" in text
    assert "Requirements:" in text and "Swaps:" in text


def test_each_key_opens_its_area_and_h_comes_home(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)

    async def steps(pilot):
        await _home(pilot)
        seen = {}
        for area in AREAS[1:]:
            await pilot.press(area.key)
            await wait_until(pilot, lambda: pilot.app.current_mode == area.mode, attempts=20)
            shown = (pilot.app.current_mode, type(pilot.app.screen).__name__, screen_text(pilot.app))
            await pilot.press("h")
            await wait_until(pilot, lambda: pilot.app.current_mode == "home", attempts=20)
            seen[area] = shown, (pilot.app.current_mode, type(pilot.app.screen).__name__)
        return seen

    seen = _drive(make_app(backend=backend, clock=clock), steps)
    for area, ((mode, screen, text), back) in seen.items():
        assert mode == area.mode, area
        assert screen in (area.cls, "PlaceholderScreen"), area
        if screen == "PlaceholderScreen":
            assert "not built yet" in text and area.title in text
        assert back == ("home", "HomeScreen"), area


def test_command_palette_lists_every_area_and_opens_one(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)

    async def steps(pilot):
        await _home(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CommandPalette", attempts=20)
        from textual.command import CommandList

        commands = pilot.app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count > 0, attempts=30)
        listed = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        await pilot.press(*"team plan")
        await wait_until(pilot, lambda: "Team plan (p)" in screen_text(pilot.app), attempts=30)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pilot.app.current_mode == "plan", attempts=30)
        return listed, pilot.app.current_mode

    listed, mode = _drive(make_app(backend=backend, clock=clock), steps)
    text = "\n".join(listed)
    for area in AREAS:
        assert f"{area.title} ({area.key})" in text, area
    assert mode == "plan"


def test_an_unknown_login_is_welcomed_with_a_manager_to_ask(demo_db, clock, monkeypatch):
    from oncall_tui.screens.welcome import WelcomeScreen

    monkeypatch.setenv("ONCALL_LOGIN", "mallory")
    app = make_app(Target(db_url=demo_db), clock=clock)

    async def steps(pilot):
        await pilot.pause()
        return (type(pilot.app.screen), str(pilot.app.screen.query_one("#welcome").render()),
                screen_text(pilot.app))

    screen, text, shown = _drive(app, steps)
    assert screen is WelcomeScreen
    assert "Welcome to oncall" in shown and "Open the demo" in shown
    assert "'mallory' is not a member of any team here" in text
    assert "Maya Goldberg (maya, Platform)" in text
    assert "oncall team import" in text


_OTHER_PROCESS = """
import sys
from datetime import datetime
from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.clock import FixedClock
from oncall_tui.formatting import relative, span

url, uid, now = sys.argv[1:4]
bogdan = LocalBackend(url, actor="bogdan", clock=FixedClock(datetime.fromisoformat(now)))
me = bogdan.whoami()
bogdan.update_profile(me.version, oncall_phone="+44 7700 123456")
bogdan.add_handover_note(uid, "rolled back deploy 4411, watch the queue")
"""


def test_a_change_made_by_another_process_shows_up_without_a_restart(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    first = backend.home().next_shifts[0]
    assert first.partners[0].person.login == "bogdan"

    async def steps(pilot):
        before = await _home(pilot)
        done = subprocess.run([sys.executable, "-c", _OTHER_PROCESS, demo_db, first.assignment.uid,
                               NOW.isoformat()], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        seen = await wait_until(pilot, lambda: "watch the queue" in screen_text(pilot.app), attempts=80)
        return before, seen, screen_text(pilot.app)

    before, seen, after = _drive(make_app(backend=backend, clock=clock), steps)
    assert "+44 7700 123456" not in before
    assert seen, after
    assert "with Bogdan Ionescu (primary) +44 7700 123456" in after
    assert "Handover: [2026-11-27 09:30Z bogdan] rolled back deploy 4411, watch the queue" in after


def test_a_change_made_right_after_the_home_screen_loaded_shows_up(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    first = backend.home().next_shifts[0]
    bogdan = LocalBackend(demo_db, actor="bogdan", clock=clock)

    async def steps(pilot):
        await _home(pilot)
        bogdan.add_handover_note(first.assignment.uid, "disk alarm on db-3 is a false positive")
        await pilot.pause()
        return await wait_until(pilot, lambda: "false positive" in screen_text(pilot.app), attempts=25)

    assert _drive(make_app(backend=backend, clock=clock), steps)


def test_home_screen_snapshot_at_80x24(demo_db, clock, snap_compare):
    app = make_app(backend=LocalBackend(demo_db, actor=DEMO_YOU, clock=clock), clock=clock)

    async def loaded(pilot):
        await _home(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


# -- the home screen's promise: who I am on call with, whole, after every refresh ---------------

#: Early in a month the demo has the whole month published: eight shifts ahead of me, more than
#: an 80x24 list shows, so it has a scrollbar (which once narrowed the text after it was measured).
BUSY_NOW = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def busy_clock() -> FixedClock:
    return FixedClock(BUSY_NOW)


@pytest.fixture(scope="module")
def busy_template(tmp_path_factory):
    return build_demo_file(tmp_path_factory.mktemp("busy-template"), now=BUSY_NOW)


@pytest.fixture
def busy_db(db_url, busy_template) -> str:
    """The demo database as `oncall demo` builds it on 3 December (a copy of the module's)."""
    return copy_database(busy_template, db_path(db_url))


async def _press_f5(pilot) -> str:
    """F5, and the home screen shown again from what the backend read (the reload is the same
    one a live update makes)."""
    screen = pilot.app.screen
    loads = screen.loads = getattr(screen, "loads", 0)
    original = screen.show

    def counted(view):
        screen.loads += 1
        original(view)

    screen.show = counted
    await pilot.press("f5")
    assert await wait_until(pilot, lambda: screen.loads > loads), "F5 loaded nothing"
    return screen_text(pilot.app)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_f5_leaves_every_partner_and_number_whole(busy_db, busy_clock, size):
    backend = LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock)
    view = backend.home()

    async def steps(pilot):
        first = await _home(pilot)
        return first, await _press_f5(pilot), await _press_f5(pilot)

    async def go():
        async with make_app(backend=backend, clock=busy_clock).run_test(size=size) as pilot:
            return await steps(pilot)

    first, after, again = asyncio.run(go())
    assert_shifts_whole(first, view)
    assert_shifts_whole(after, view)
    assert after == first and again == first


def test_a_resize_lays_the_shifts_out_again_whole(busy_db, busy_clock):
    backend = LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock)
    view = backend.home()

    async def steps(pilot):
        shown = [await _home(pilot)]
        for width, height in ((120, 40), (80, 24), (97, 30), (80, 24)):
            await pilot.resize_terminal(width, height)
            await wait_until(pilot, lambda: pilot.app.screen.query_one("#shifts").laid_out_at
                             == pilot.app.screen.query_one("#shifts").scrollable_content_region.width)
            shown.append(screen_text(pilot.app))
        shown.append(await _press_f5(pilot))
        return shown

    shown = _drive(make_app(backend=backend, clock=busy_clock), steps)
    for text in shown:
        assert_shifts_whole(text, view)
    assert "Platform 24/7" in shown[1]  # 120 columns have room for the rotation's name
    assert shown[2] == shown[4]


def test_a_live_update_leaves_every_partner_whole(busy_db, busy_clock):
    backend = LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock)
    partner = backend.home().next_shifts[0].partners[0]
    other = LocalBackend(busy_db, actor=partner.person.login, clock=busy_clock)

    async def steps(pilot):
        await _home(pilot)
        me = other.whoami()
        other.update_profile(me.version, oncall_phone="+44 7700 123456")
        await wait_until(pilot, lambda: "+44 7700 123456" in screen_text(pilot.app), attempts=80)
        return screen_text(pilot.app)

    after = _drive(make_app(backend=backend, clock=busy_clock), steps)
    assert_shifts_whole(after, backend.home())
    assert f"with {partner.person.name} ({partner.role}) +44 7700 123456" in after


def test_escalation_shows_without_any_shift(busy_db, busy_clock):
    maya = LocalBackend(busy_db, actor="maya", clock=busy_clock)
    assert maya.home().next_shifts == ()

    async def steps(pilot):
        # a manager on no rotation starts on the team's requirements; h takes her home
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "TeamRequirementsScreen")
        await pilot.press("h")
        text = await _home(pilot)
        await pilot.press("enter")
        await settle(pilot)
        return text, type(pilot.app.screen).__name__, [n.message for n in pilot.app._notifications]

    text, screen, notices = _drive(make_app(backend=maya, clock=busy_clock), steps)
    assert "No shifts for you in the next six weeks." in text
    assert "Escalate: 1. Maya Goldberg (engineering manager) +44 7700 900777" in text
    assert f"2. {DEMO_NAME} (manager) +44 7700 900999" in text and "3. Head of Engineering +44 20 7946 0100" in text
    assert screen == "HomeScreen"
    assert any("No shift to open: you have none in the next six weeks." in n for n in notices)


def test_enter_opens_the_shift_adds_a_note_and_escape_closes(busy_db, busy_clock):
    backend = LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock)
    second = backend.home().next_shifts[1]

    async def steps(pilot):
        await _home(pilot)
        await pilot.press("down", "enter")
        opened = await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ShiftDetailScreen")
        detail = screen_text(pilot.app)
        await pilot.press(*"paged twice for db-3, runbook step 4 fixed it")
        await pilot.press("enter")
        noted = await wait_until(pilot, lambda: "runbook step 4 fixed it" in screen_text(pilot.app))
        with_note = screen_text(pilot.app)
        await pilot.press("escape")
        closed = await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HomeScreen")
        await wait_until(pilot, lambda: "Handover:" in screen_text(pilot.app))
        return opened, detail, noted, with_note, closed, screen_text(pilot.app)

    opened, detail, noted, with_note, closed, home = _drive(make_app(backend=backend, clock=busy_clock), steps)
    assert opened, "enter on a shift opens its detail"
    a = second.assignment
    assert f"Platform 24/7 · {a.role.upper()}" in detail
    assert f"{span(a.start, a.end, 'Europe/London')} ({relative(a.start, BUSY_NOW)})" in detail
    partner = second.partners[0]
    assert f"{partner.person.name} ({partner.role}) {partner.person.contact}" in detail
    order = [detail.index(f"{e.position}. {e.name}") for e in second.escalation]
    assert order == sorted(order) and len(order) == 3
    assert "No notes yet." in detail
    assert noted, with_note
    assert "[2026-12-03 09:30Z root] paged twice for db-3, runbook step 4 fixed it" in with_note
    stored = backend.shifts(first=second.assignment.start.date(), last=second.assignment.start.date())
    assert [d.handover for d in stored if d.assignment.uid == second.assignment.uid] == [
        "[2026-12-03 09:30Z root] paged twice for db-3, runbook step 4 fixed it"]
    assert closed, "escape closes the detail"
    # the newest note under the escalation list (wrapped between words)
    assert "Handover: [2026-12-03 09:30Z root] paged twice for db-3, runbook step 4 fixed it" in " ".join(home.split())


def test_an_empty_note_is_refused_in_the_detail_and_nothing_changes(busy_db, busy_clock):
    backend = LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock)

    async def steps(pilot):
        await _home(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ShiftDetailScreen")
        await pilot.press("space", "enter")
        await wait_until(pilot, lambda: "Not added" in screen_text(pilot.app))
        return screen_text(pilot.app), type(pilot.app.screen).__name__

    text, screen = _drive(make_app(backend=backend, clock=busy_clock), steps)
    assert "Not added:" in text and screen == "ShiftDetailScreen"
    assert backend.home().next_shifts[0].handover == ""


def _after_f5(size):
    async def run_before(pilot):
        await _home(pilot)
        await _press_f5(pilot)
    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_home_screen_snapshot_after_f5(busy_db, busy_clock, snap_compare, size):
    app = make_app(backend=LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock), clock=busy_clock)
    assert snap_compare(app, terminal_size=size, run_before=_after_f5(size))


def test_home_screen_snapshot_at_120x40(busy_db, busy_clock, snap_compare):
    app = make_app(backend=LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock), clock=busy_clock)

    async def loaded(pilot):
        await _home(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=loaded)


def test_home_screen_snapshot_after_a_live_update_at_80x24(busy_db, busy_clock, snap_compare):
    backend = LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock)
    first = backend.home().next_shifts[0]
    partner = LocalBackend(busy_db, actor=first.partners[0].person.login, clock=busy_clock)

    async def run_before(pilot):
        await _home(pilot)
        partner.add_handover_note(first.assignment.uid, "disk alarm on db-3 is a false positive")
        assert await wait_until(pilot, lambda: "false positive" in screen_text(pilot.app), attempts=80)

    assert snap_compare(make_app(backend=backend, clock=busy_clock), terminal_size=SIZE, run_before=run_before)


def test_shift_detail_snapshot_at_80x24(busy_db, busy_clock, snap_compare):
    app = make_app(backend=LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock), clock=busy_clock)

    async def run_before(pilot):
        await _home(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ShiftDetailScreen")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


LONG_NOTE = ("Disk alerts on db-7 fired twice overnight; I cleared the WAL archive manually at 03:10 and 05:40. "
             "Runbook RB-112 step 4 is wrong: use the new retention command instead. Call Emeka on "
             "+44 7700 900155 if it recurs, and page the storage team only after the third alert within an hour.")


def test_a_long_note_in_the_shift_detail_breaks_between_words_only(busy_db, busy_clock):
    """The notes overflow and their scrollbar appears: the lines were laid out at the width
    before it and the last word of each was broken ("ste / p")."""
    backend = LocalBackend(busy_db, actor=DEMO_YOU, clock=busy_clock)

    async def steps(pilot):
        await _home(pilot)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ShiftDetailScreen")
        pilot.app.screen.query_one("#note").value = LONG_NOTE
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "within an hour." in screen_text(pilot.app))
        await settle(pilot, 2)
        return screen_text(pilot.app)

    text = _drive(make_app(backend=backend, clock=busy_clock), steps)
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if "Handover notes" in line) + 1
    notes = [line.strip("│ ▂▃▄▅▆▇█") for line in lines[first:] if "▔" not in line]
    notes = notes[:next(i for i, line in enumerate(notes) if not line.strip() or "▊" in line)]
    # every word as typed, in order (a word broken at a line's end would be two other words)
    assert " ".join(" ".join(notes).split()) == "[2026-12-03 09:30Z root] " + LONG_NOTE, notes
    assert any("+44 7700 900155" in line for line in notes), notes
