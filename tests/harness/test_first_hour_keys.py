"""The first hour's keys: what an automatic requirement waits for, the palette's Keys panel,
each person shown only the keys that work for them, where a manager starts, every action of a
screen found by name in the palette, and a cursor seen without colour."""
from __future__ import annotations

from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, HelpPanel

from oncall_tui.backend.local import LocalBackend
from oncall_tui.screens.home import HomeScreen
from oncall_tui.screens.plan_dialogs import TextScreen
from oncall_tui.screens.requirements import RequirementsScreen
from oncall_tui.screens.requirements_team import TeamRequirementsScreen

from ..foundation.helpers import screen_text, wait_until
from ..planning.test_plan_screen import _fixed_draft
from .world import SCREENS, USERS, User, app_for, run, settled, shown_keys, visit

ENGINEER, MANAGER = USERS
OFF_ROTA_MANAGER = User("manager-off-rota", "maya", manages=True)
PLAN = next(s for s in SCREENS if s.name == "plan")
TEAM = next(s for s in SCREENS if s.name == "team-availability")


def labels(app) -> list[str]:
    return [label for _key, label, _enabled in shown_keys(app)]


def test_e_on_an_automatic_requirement_says_what_it_is_counted_from(demo_db, clock):
    async def scenario():
        app = app_for(demo_db, clock, OFF_ROTA_MANAGER)
        said: list[str] = []
        notify = app.notify
        app.notify = lambda message, *a, **k: (said.append(str(message)), notify(message, *a, **k))[1]
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            await pilot.press("r")
            await settled(pilot)
            if isinstance(app.screen, TeamRequirementsScreen):
                await pilot.press("escape")  # to her own checklist
                await settled(pilot)
            screen = app.screen
            assert isinstance(screen, RequirementsScreen)
            items = [i.requirement.slug for i in screen.data.items]
            screen.query_one("#items").highlighted = items.index("shadowing")
            await settled(pilot)
            said.clear()
            await pilot.press("e")
            await settled(pilot)
            return said

    said = run(scenario())
    assert any("Counted automatically from shadow shifts: 0 of 2 shadow shifts done" in s for s in said), said


def test_escape_closes_the_keys_panel_and_only_the_panel(demo_db, clock):
    async def scenario():
        app = app_for(demo_db, clock, MANAGER)
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            seen = []
            for keys in (("h",), ("r", "m")):  # the home screen; the team view, where Escape goes back
                for key in keys:
                    await pilot.press(key)
                    await settled(pilot)
                screen = app.screen
                await pilot.press("ctrl+p")
                await settled(pilot)
                await pilot.press(*"keys", "enter")
                await wait_until(pilot, lambda: bool(app.screen.query(HelpPanel)))
                await pilot.press("escape")
                await settled(pilot)
                seen.append((bool(app.screen.query(HelpPanel)), app.screen is screen))
            return seen

    assert run(scenario()) == [(False, True), (False, True)]


def test_each_person_sees_only_the_keys_that_work_for_them(demo_db, clock):
    async def bars(user):
        app = app_for(demo_db, clock, user)
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            found = {}
            for screen in (PLAN, TEAM):
                await visit(pilot, screen)
                found[screen.name] = labels(app)
            await pilot.press("h")
            await settled(pilot)
            found["title"] = screen_text(app).splitlines()[0]
            return found

    engineer, manager = run(bars(ENGINEER)), run(bars(MANAGER))
    for label in ("g Generate", "e Edit", "P Publish", "d Diff"):
        assert label in manager["plan"] and label not in engineer["plan"]
    for label in ("[ Prev", "% Project %"):
        assert label in manager["team-availability"] and label not in engineer["team-availability"]
    assert "t Team" in manager["title"] and "p Plan" in manager["title"]
    assert "t Team" not in engineer["title"] and "p Plan" not in engineer["title"]


def test_a_manager_starts_on_what_she_acts_on(demo_db, clock):
    async def first_screen(user):
        app = app_for(demo_db, clock, user)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, TeamRequirementsScreen)
                             and app.screen.data is not None, attempts=20)
            return type(app.screen), app.current_mode

    # Not on the rotation: the team's matrix and verification queue; on it: her own shifts.
    assert run(first_screen(OFF_ROTA_MANAGER)) == (TeamRequirementsScreen, "requirements")
    assert run(first_screen(MANAGER)) == (HomeScreen, "home")
    assert run(first_screen(ENGINEER)) == (HomeScreen, "home")


async def search_palette(pilot, typed: str) -> CommandList:
    """Open the palette on the current screen and type `typed`; its list of commands found."""
    await pilot.press("ctrl+p")
    await settled(pilot)
    await pilot.press(*typed)
    app = pilot.app
    await wait_until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0, attempts=20)
    assert isinstance(app.screen, CommandPalette)
    return app.screen.query_one(CommandList)


def on_plan_with_a_draft(demo_db, clock):
    """The manager's app, to be opened on the plan screen, with a fixed draft there."""
    _fixed_draft(LocalBackend(demo_db, actor=MANAGER.login, clock=clock))
    return app_for(demo_db, clock, MANAGER)


def test_the_palette_finds_every_action_of_the_screen_by_name(demo_db, clock):
    async def found(user, typed):
        app = app_for(demo_db, clock, user)
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            await visit(pilot, PLAN)
            options = await search_palette(pilot, typed)
            return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]

    assert any("Publish" in p for p in run(found(MANAGER, "publ")))
    assert any("Greedy" in p for p in run(found(MANAGER, "greedy")))  # one the key bar has no room for
    assert not any("Publish" in p for p in run(found(ENGINEER, "publ")))


def test_the_palette_runs_the_action_it_found(demo_db, clock):
    async def scenario():
        app = on_plan_with_a_draft(demo_db, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            await visit(pilot, PLAN)
            await search_palette(pilot, "warnings")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, TextScreen), attempts=20)
            return app.screen

    opened = run(scenario())
    assert isinstance(opened, TextScreen) and "gaps and warnings" in str(opened.title_text)


def test_without_colour_the_plan_cursor_is_reversed(demo_db, clock, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the app is made

    async def scenario():
        app = on_plan_with_a_draft(demo_db, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            await visit(pilot, PLAN)
            assert app.no_color
            return app.screen.query_one("#grid", DataTable).get_component_rich_style("datatable--cursor")

    style = run(scenario())
    assert style.reverse and style.bold


def test_an_action_that_cannot_run_now_says_why_from_the_palette_and_its_key(demo_db, clock):
    async def scenario():
        app = on_plan_with_a_draft(demo_db, clock)
        said: list[str] = []
        notify = app.notify
        app.notify = lambda message, *a, **k: (said.append(str(message)), notify(message, *a, **k))[1]
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            await visit(pilot, PLAN)
            await search_palette(pilot, "stop")
            await pilot.press("enter")
            await settled(pilot)
            await pilot.press("x")
            await settled(pilot)
            return said

    said = run(scenario())
    assert [s for s in said if "Nothing is being drafted" in s] == ["Stop: not now. Nothing is being drafted: "
                                                                    "press g to draft a plan."] * 2


def test_the_area_keys_follow_a_resize_on_every_area(demo_db, clock):
    """The title bar is laid out at the terminal's width: after a resize, the area shown and an
    area visited later both show every area key, whole, on one line of the new width."""
    async def scenario():
        app = app_for(demo_db, clock, MANAGER)
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            tops = []
            for size, key in (((200, 40), "t"), ((100, 30), "p"), ((100, 30), "t"), ((80, 24), "h")):
                await pilot.resize_terminal(*size)
                await settled(pilot)
                await pilot.press(key)
                await settled(pilot)
                tops.append((size[0], screen_text(app).splitlines()[0]))
            return tops

    for width, top in run(scenario()):
        assert top.rstrip().endswith("i Me") and len(top) <= width, (width, top)
        assert all(f"{k} " in top for k in "hrtps"), (width, top)


def test_diff_with_no_plan_yet_says_so(demo_db, clock):
    async def scenario():
        app = app_for(demo_db, clock, MANAGER)
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            await pilot.press("p")
            await settled(pilot)
            for _ in range(3):  # a month ahead with no plan
                await pilot.press("right_square_bracket")
                await settled(pilot)
            assert app.screen.data.view is None, screen_text(app)
            await pilot.press("d")
            await settled(pilot)
            return [str(n.message) for n in app._notifications]

    assert any("No plan to compare yet" in n for n in run(scenario()))
