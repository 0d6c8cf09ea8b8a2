"""Stored text that holds terminal control sequences or Textual markup (a name written by an
older release, a hostile team file of the past) is shown, never obeyed: the CLI prints it with
its control characters written out, `--json` keeps it exact, the TUI shows brackets as brackets;
and such text is refused on the way in, with one line."""
from __future__ import annotations

import asyncio
import json
from datetime import date

import peewee as pw
import pytest
from click.testing import CliRunner

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.cli import main
from oncall_tui.core.errors import InvalidInput
from oncall_tui.store import models as m

from ..conftest import DEMO_YOU
from .helpers import screen_text, wait_until

OSC_TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title
HOSTILE = f"Evil{OSC_TITLE} [bold red]x[/] \x1b[2J\x9b31m\u202e"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def _plant(backend) -> str:
    """Hostile text everywhere a person's words are stored, written straight to the database
    (as an older release, or someone with the file, could have)."""
    backend.issue_token("jess", label="laptop")

    def run():
        m.ApiToken.update(label=f"laptop {HOSTILE}").execute()
        m.RequirementStatus.update(state="pending", evidence=f"did it {HOSTILE}", requested_at=backend.clock.now()
                                   ).where(m.RequirementStatus.id == m.RequirementStatus.select(
                                       pw.fn.MIN(m.RequirementStatus.id))).execute()
        for person in m.Person.select():
            m.Person.update(name=f"{HOSTILE} {person.login}", oncall_device=HOSTILE).where(
                m.Person.id == person.id).execute()
        m.Rotation.update(name=f"Rota {HOSTILE}").execute()
        m.Team.update(name=f"Team {HOSTILE}").execute()
        m.EscalationContact.update(name=f"Esc {HOSTILE}", contact=HOSTILE).execute()
        m.Assignment.update(note=f"handover {HOSTILE}").execute()
        m.Requirement.update(name=f"Req {HOSTILE}", why=HOSTILE).execute()
    backend._write(run)
    return backend.home().next_shifts[0].assignment.uid


def _cli(db: str, *args: str):
    result = CliRunner().invoke(main, ["--db", db, *args], env={"ONCALL_LOGIN": DEMO_YOU},
                                catch_exceptions=False)
    return result


COMMANDS = [
    ("now",), ("now", "--team", "platform"), ("shifts",), ("shifts", "--person", "*"),
    ("team", "export", "platform"), ("requirements",), ("requirements", "pending", "--team", "platform"),
    ("availability", "show", "--person", "jess"), ("token", "list"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_cli_never_prints_stored_control_characters(demo_db, clock, args):
    _plant(LocalBackend(demo_db, actor=DEMO_YOU, clock=clock))
    result = _cli(demo_db, *args)
    out = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code in (0, 2), out
    for raw in RAW:
        assert raw not in out, f"{raw!r} reached the terminal in `oncall {' '.join(args)}`"


def test_cli_shows_the_control_characters_and_json_keeps_the_text_exact(demo_db, clock):
    _plant(LocalBackend(demo_db, actor=DEMO_YOU, clock=clock))
    shown = _cli(demo_db, "now").output
    assert "Evil\\x1b]0;pwned\\x07 [bold red]x[/] \\x1b[2J\\x9b31m\\u202e" in shown
    as_json = _cli(demo_db, "now", "--json").output
    assert not any(raw in as_json for raw in RAW)
    names = {row["person"]["name"] for row in json.loads(as_json)}
    assert names and all(name.startswith(HOSTILE) for name in names)


def test_an_error_message_naming_stored_text_is_shown_not_obeyed(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    _plant(root)
    result = _cli(demo_db, "availability", "set", "unavailable", "2026-12-02", "--person", "jess",
                  "--expected-version", "1")
    assert result.exit_code == 4 and "Evil\\x1b]0;pwned" in result.output
    assert not any(raw in result.output for raw in RAW)


def test_control_characters_are_refused_on_the_way_in_with_one_line(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    team_file = root.export_team("platform").replace('name = "Alice Moreau"', 'name = "Alice \\u001b]0;pwned\\u0007"')
    with pytest.raises(InvalidInput) as refused:
        root.import_team(team_file, "team.toml")
    message = refused.value.message
    assert "control character" in message and "\n" not in message and "\x1b" not in message
    assert "Alice Moreau" in root.export_team("platform"), "nothing changed"

    me = root.whoami()
    for field, value in (("name", "Root \x1b[31m"), ("name", "two\nlines"), ("oncall_device", OSC_TITLE),
                         ("phones", ["+44 \x9b1"]), ("email", "a\x1b@example.com")):
        with pytest.raises(InvalidInput) as refused:
            root.update_profile(me.version, **{field: value})
        said = refused.value.message
        assert ("control character" in said or "line break" in said) and "\x1b" not in said
    assert root.whoami() == me
    uid = root.home().next_shifts[0].assignment.uid
    with pytest.raises(InvalidInput):
        root.add_handover_note(uid, f"call {OSC_TITLE}")
    root.add_handover_note(uid, "line one\n\tline two")  # a note may have lines and tabs
    with pytest.raises(InvalidInput):
        root.set_availability([date(2026, 12, 3)], "unavailable", note="\x1b[8m hidden", person="jess")
    with pytest.raises(InvalidInput):
        root.issue_token("jess", label=f"laptop{OSC_TITLE}")
    # Markup-looking text is ordinary text: accepted, and shown as typed (see the TUI test).
    assert root.update_profile(me.version, name="Root [bold red]x[/]").name == "Root [bold red]x[/]"


AREAS = [("r", "RequirementsScreen"), ("a", "MyAvailabilityScreen"), ("t", "TeamAvailabilityScreen"),
         ("p", "PlanScreen")]


def test_tui_shows_stored_markup_and_control_characters_as_text(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    _plant(root)
    app = make_app(backend=root, clock=clock)
    seen: dict[str, str] = {}

    async def go():
        async with app.run_test(size=(160, 45)) as pilot:
            assert await wait_until(pilot, lambda: "Swaps:" in screen_text(pilot.app)), screen_text(pilot.app)
            seen["home"] = screen_text(pilot.app)
            for key, screen in AREAS:
                await pilot.press(key)
                assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == screen
                                        and "\\x1b" in screen_text(pilot.app)), (screen, screen_text(pilot.app))
                seen[screen] = screen_text(pilot.app)

    asyncio.run(go())
    assert "[bold red]x[/]" in seen["home"], seen["home"]
    assert "\\x1b]0;pwned\\x07" in seen["home"]
    for screen, text in seen.items():
        assert not any(raw in text for raw in RAW), (screen, text)


def test_a_done_notice_naming_stored_text_shows_it_as_text(demo_db, clock):
    """"Approved … for NAME." names what people typed: the notice shows their brackets, it does
    not style, link or crash on them."""
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    app = make_app(backend=root, clock=clock)
    name = "Alice [reverse]EVIL[/reverse] [@click=app.quit]x[/] [/]"

    async def go():
        async with app.run_test(size=(100, 30)) as pilot:
            assert await wait_until(pilot, lambda: "Swaps:" in screen_text(pilot.app))
            pilot.app.screen.act(lambda backend: backend.whoami(), success=f"Approved training for {name}.")
            assert await wait_until(pilot, lambda: bool(pilot.app._notifications))
            await pilot.pause()
            return [n.message for n in pilot.app._notifications]

    from textual.content import Content

    messages = asyncio.run(go())
    assert app.return_code in (None, 0)
    # What the notice shows: its text read as markup, as Textual's toast reads it.
    assert [Content.from_markup(message).plain for message in messages] == [f"Approved training for {name}."]
