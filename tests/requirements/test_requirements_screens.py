"""Both requirements views driven by keys: an engineer asks, a manager approves, the engineer is eligible."""
from __future__ import annotations

import asyncio

from textual.widgets import DataTable, OptionList, Static

from oncall_tui.app import make_app
from oncall_tui.screens.requirements import RequirementsScreen
from oncall_tui.screens.requirements_dialogs import EvidenceDialog, NoteDialog
from oncall_tui.screens.requirements_team import TeamRequirementsScreen

from ..conftest import DEMO_YOU
from ..foundation.helpers import settle as _settle
from ..foundation.helpers import wait_until


async def settle(pilot, rounds: int = 3) -> None:
    await _settle(pilot, rounds)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def option_texts(screen, selector: str) -> list[str]:
    options = screen.query_one(selector, OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def run(backend, clock, scenario):
    async def main():
        app = make_app(backend=backend, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            return await scenario(pilot, app)

    return asyncio.run(main())


def test_engineer_asks_manager_approves_engineer_becomes_eligible(as_user, clock):
    async def engineer_asks(pilot, app):
        screen = app.screen
        assert isinstance(screen, RequirementsScreen)
        assert "✗ primary" in text_of(screen, "#roles")
        assert "expired on 23 Oct 2026" in text_of(screen, "#roles")
        assert "Incident response training" in option_texts(screen, "#items")[0]
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceDialog)
        await type_text(pilot, "Retook the course")
        await pilot.press("tab")
        await type_text(pilot, "https://learning.example.com/cert/42")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "… waiting" in option_texts(screen, "#items")[0])
        assert app.screen is screen
        assert "1 waiting" in text_of(screen, "#who")

    run(as_user("lena"), clock, engineer_asks)

    async def manager_approves(pilot, app):
        await pilot.press("m")
        await settle(pilot)
        team = app.screen
        assert isinstance(team, TeamRequirementsScreen)
        queue = option_texts(team, "#queue")
        assert len(queue) == 2 and "Lena Brandt" in queue[1] and "cert/42" in queue[1]
        matrix = team.query_one("#matrix", DataTable)
        assert [str(c) for c in matrix.get_row("lena")][1] == "…"
        await pilot.press("tab", "down", "a")
        assert await wait_until(pilot, lambda: len(option_texts(team, "#queue")) == 1)
        row = [str(c) for c in matrix.get_row("lena")]
        assert row[1] == "✓" and row[-1] == "P S sh"

    run(as_user(DEMO_YOU), clock, manager_approves)

    async def engineer_is_eligible(pilot, app):
        roles = text_of(app.screen, "#roles")
        assert "✓ primary" in roles and "✓ secondary" in roles
        assert "eligible: primary, secondary, shadow" in text_of(app.screen, "#who")

    run(as_user("lena"), clock, engineer_is_eligible)
    assert as_user("lena").home().requirements_summary.endswith("eligible: primary, secondary, shadow")


def test_manager_rejects_with_a_reason_and_waives_from_a_persons_checklist(as_user, clock):
    async def scenario(pilot, app):
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("tab", "x")
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog)
        await pilot.press("enter")  # empty: refused, stays open
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog)
        await type_text(pilot, "Attach the certificate please")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: option_texts(app.screen, "#queue") == [
            "Nothing is waiting for verification."])
        # Open Kofi's checklist from the matrix and waive VPN access for him.
        await pilot.press("shift+tab")
        matrix = app.screen.query_one("#matrix", DataTable)
        matrix.move_cursor(row=matrix.get_row_index("kofi"), column=0)
        await pilot.press("enter")
        await settle(pilot)
        person = app.screen
        assert isinstance(person, RequirementsScreen) and person.person == "kofi"
        await pilot.press("down", "down", "down", "down", "W")
        await pilot.pause()
        await type_text(pilot, "Contractor")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "~ waived" in option_texts(person, "#items")[4])
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TeamRequirementsScreen)

    run(as_user(DEMO_YOU), clock, scenario)
    fatima = as_user("fatima").requirements()
    assert fatima.items[0].state == "rejected" and fatima.items[0].reason == "Attach the certificate please"
    kofi = as_user(DEMO_YOU).requirements(person="kofi")
    assert kofi.items[4].state == "waived"


def test_engineer_signs_up_to_shadow_from_the_checklist(as_user, clock):
    async def scenario(pilot, app):
        await pilot.press("w")
        assert await wait_until(pilot, lambda: type(app.screen).__name__ == "ShadowDialog")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "1 signed up" in str(app.screen.query_one("#detail", Static).content)
                           or any(d.assignment.role == "shadow" for d in as_user("kofi").shifts()))

    run(as_user("kofi"), clock, scenario)
    mine = [d for d in as_user("kofi").shifts() if d.assignment.role == "shadow"]
    assert len(mine) == 1
    partner = mine[0].partners[0].person.login
    seen = next(d for d in as_user(partner).home().next_shifts if d.assignment.start == mine[0].assignment.start)
    assert "kofi" in {p.person.login for p in seen.partners}


def test_engineer_cannot_reach_the_team_view(as_user, clock):
    async def scenario(pilot, app):
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, RequirementsScreen)

    run(as_user("alice"), clock, scenario)


def _open(keys):
    async def run_before(pilot):
        await settle(pilot)
        for k in keys:
            await pilot.press(k)
            await settle(pilot)
    return run_before


def local(demo_db, clock, login):
    from oncall_tui.backend.local import LocalBackend

    return LocalBackend(demo_db, actor=login, clock=clock)


def test_snapshot_engineer_checklist(snap_compare, demo_db, clock):
    app = make_app(backend=local(demo_db, clock, "lena"), clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open(["r"]))


def test_snapshot_manager_team_view(snap_compare, demo_db, clock):
    app = make_app(backend=local(demo_db, clock, DEMO_YOU), clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open(["r", "m"]))


def test_manager_defines_a_requirement_in_the_form_and_a_bad_link_keeps_it_open(as_user, clock):
    from oncall_tui.screens.requirements_dialogs import RequirementForm

    async def scenario(pilot, app):
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("n")
        assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementForm))
        form = app.screen
        await type_text(pilot, "calendar")
        await pilot.press("tab")
        await type_text(pilot, "Calendar connected")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "ftp://nope")
        await pilot.press("tab", "tab", "tab")
        for _ in range(4):
            await pilot.press("backspace")
        await type_text(pilot, "auto")
        await pilot.press("tab")
        await type_text(pilot, "calendar_connected")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "http(s)" in str(form.query_one("#form-error", Static).content))
        assert app.screen is form
        form.query_one("#f-link").value = ""
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, TeamRequirementsScreen)
                           and "calendar" in [str(c.label) for c in app.screen.query_one(DataTable).columns.values()])

    run(as_user(DEMO_YOU), clock, scenario)
    defs = {d.slug: d for d in as_user(DEMO_YOU).requirement_definitions("platform")}
    assert defs["calendar"].method == "auto" and defs["calendar"].auto.kind == "calendar_connected"


def test_a_refused_evidence_link_keeps_the_dialog_open_with_what_was_typed(as_user, clock):
    async def scenario(pilot, app):
        screen = app.screen
        await pilot.press("v")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, EvidenceDialog)
        await type_text(pilot, "Retook the course")
        await pilot.press("tab")
        await type_text(pilot, "ftp://certs/42")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "Not saved" in text_of(dialog, "#dialog-error"))
        assert app.screen is dialog, "the dialog stays open"
        assert "http(s)" in text_of(dialog, "#dialog-error")
        from textual.widgets import Input

        assert dialog.query_one("#note", Input).value == "Retook the course"
        assert dialog.query_one("#link", Input).value == "ftp://certs/42"
        link = dialog.query_one("#link", Input)
        link.value = "https://learning.example.com/cert/42"
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: app.screen is screen)
        assert await wait_until(pilot, lambda: "… waiting" in option_texts(screen, "#items")[0])

    run(as_user("lena"), clock, scenario)
