"""My profile: the screen (a key from every area, the palette, the form, a stale edit) and
`oncall profile [show|set] [--json]`, on the local file and over `oncall serve`."""
from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner
from textual.widgets import Input

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.cli import main
from oncall_tui.screens import AREAS

from ..conftest import DEMO_YOU
from ..conftest_backends import issue_test_token
from .helpers import screen_text, settle, wait_until

SIZE = (80, 24)
PROFILE = next(a for a in AREAS if a.mode == "profile")


def _drive(app, steps):
    async def go():
        async with app.run_test(size=SIZE) as pilot:
            return await steps(pilot)
    return asyncio.run(go())


async def _open_profile(pilot) -> str:
    await settle(pilot)
    await pilot.press(PROFILE.key)
    assert await wait_until(pilot, lambda: "Fatima Haddad (fatima)" in screen_text(pilot.app)), \
        screen_text(pilot.app)
    return screen_text(pilot.app)


async def _open_form(pilot) -> None:
    await _open_profile(pilot)
    await pilot.press("e")
    assert await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ProfileDialog")


def _field(pilot, key: str) -> Input:
    return pilot.app.screen.query_one(f"#field-{key}", Input)


async def _type(pilot, key: str, text: str) -> None:
    field = _field(pilot, key)
    field.focus()
    field.value = ""
    await pilot.press(*text)


# -- the screen ---------------------------------------------------------------------------
def test_the_profile_key_is_taken_by_no_screen_and_opens_the_profile_from_every_area(demo_db, clock):
    fatima = LocalBackend(demo_db, actor="fatima", clock=clock)

    async def steps(pilot):
        await settle(pilot)
        seen = {}
        for area in AREAS:
            if area.mode == "profile":
                continue
            await pilot.press(area.key)
            await wait_until(pilot, lambda: pilot.app.current_mode == area.mode, attempts=20)
            await settle(pilot)
            await pilot.press(PROFILE.key)
            await wait_until(pilot, lambda: pilot.app.current_mode == "profile", attempts=20)
            seen[area.mode] = pilot.app.current_mode, type(pilot.app.screen).__name__
        return seen

    seen = _drive(make_app(backend=fatima, clock=clock), steps)
    assert seen and all(v == ("profile", "ProfileScreen") for v in seen.values()), seen


def test_the_profile_shows_my_details_in_sections_at_80x24_and_what_the_device_requirement_needs(demo_db, clock):
    fatima = LocalBackend(demo_db, actor="fatima", clock=clock)  # the demo's newcomer: no device yet
    text = _drive(make_app(backend=fatima, clock=clock), _open_profile)
    lines = text.splitlines()
    assert len(lines) == 24 and max(len(x) for x in lines) <= 80
    assert "oncall · My profile" in text and "▸i Me" in text
    for shown in ("About you", "Name:", "Fatima Haddad", "fatima@example.com", "+44 7700 900106",
                  "Europe/London", "On call", "On-call device:", "On-call phone:"):
        assert shown in text, shown
    assert "On-call device set up" in text and "press e" in text
    assert " e Edit " in lines[-1]


def test_the_command_palette_finds_the_profile(demo_db, clock):
    fatima = LocalBackend(demo_db, actor="fatima", clock=clock)

    async def steps(pilot):
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CommandPalette", attempts=20)
        await pilot.press(*"profile")
        await wait_until(pilot, lambda: "My profile (i)" in screen_text(pilot.app), attempts=30)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pilot.app.current_mode == "profile", attempts=30)
        return pilot.app.current_mode

    assert _drive(make_app(backend=fatima, clock=clock), steps) == "profile"


def test_setting_the_device_and_phone_saves_them_and_meets_the_requirement(as_user, clock):
    fatima = as_user("fatima")
    before = {i.requirement.slug: i.state for i in fatima.requirements().items}
    assert before["device"] != "met"

    async def steps(pilot):
        await _open_form(pilot)
        await _type(pilot, "oncall_device", "work phone")
        await _type(pilot, "oncall_phone", "+44 7700 900177")
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ProfileScreen")
        await wait_until(pilot, lambda: "+44 7700 900177" in screen_text(pilot.app))
        return screen_text(pilot.app)

    text = _drive(make_app(backend=fatima, clock=clock), steps)
    assert "work phone" in text and "+44 7700 900177" in text and "Not set" not in text
    me = fatima.whoami()
    assert (me.oncall_device, me.oncall_phone) == ("work phone", "+44 7700 900177")
    assert {i.requirement.slug: i.state for i in fatima.requirements().items}["device"] == "met"


def test_a_stale_edit_keeps_what_i_typed_says_one_line_and_the_next_enter_saves_it(as_user, clock):
    fatima = as_user("fatima")
    elsewhere = as_user("fatima")  # the same person in another window

    async def steps(pilot):
        await _open_form(pilot)
        await _type(pilot, "oncall_phone", "+44 7700 900188")
        elsewhere.update_profile(elsewhere.whoami().version, name="Fatima H.")  # meanwhile
        await pilot.press("enter")
        error = pilot.app.screen.query_one("#dialog-error")
        await wait_until(pilot, lambda: "Not saved" in str(error.render()))
        first = (type(pilot.app.screen).__name__, str(error.render()), _field(pilot, "oncall_phone").value,
                 fatima.whoami().oncall_phone, _field(pilot, "name").value,
                 next(x for x in screen_text(pilot.app).splitlines() if "Not saved" in x))
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ProfileScreen")
        return first

    dialog, error, typed, stored, form_name, shown_error = _drive(make_app(backend=fatima, clock=clock), steps)
    assert dialog == "ProfileDialog", "the form stays open"
    assert typed == "+44 7700 900188" and stored == "", "what I typed is kept; nothing was saved"
    assert error == "Not saved, changed meanwhile: your typing is kept; Enter saves it."
    assert error in shown_error, \
        "one whole line on the screen"
    me = fatima.whoami()
    assert me.oncall_phone == "+44 7700 900188"
    assert me.name == "Fatima H.", "a field I did not touch took the change made meanwhile, not the old value"
    assert form_name == "Fatima H."


def test_bad_input_in_the_form_is_one_line_the_cursor_goes_there_and_nothing_changes(demo_db, clock):
    fatima = LocalBackend(demo_db, actor="fatima", clock=clock)
    before = fatima.whoami()

    async def steps(pilot):
        await _open_form(pilot)
        await _type(pilot, "oncall_device", "work phone")
        await _type(pilot, "tz", "Mars/Base")
        _field(pilot, "name").focus()
        await pilot.press("enter")
        error = pilot.app.screen.query_one("#dialog-error")
        await wait_until(pilot, lambda: "Not saved" in str(error.render()))
        return str(error.render()), pilot.app.focused.id, _field(pilot, "oncall_device").value

    error, focused, typed = _drive(make_app(backend=fatima, clock=clock), steps)
    assert error == "Not saved: 'Mars/Base' is not a time zone (try Europe/London or America/New_York)"
    assert focused == "field-tz" and typed == "work phone"
    assert fatima.whoami() == before


# -- the command line ---------------------------------------------------------------------
@pytest.fixture(params=["local", "remote"])
def cli_as(request, demo_db, clock):
    """(login) -> the CLI's global arguments to act as login, on the demo file or over `oncall serve`."""
    def make(login: str) -> tuple[list[str], dict]:
        if request.param == "local":
            return ["--db", demo_db], {"ONCALL_LOGIN": login}
        server = request.getfixturevalue("remote_server")
        request.getfixturevalue("remote_backend_factory")(demo_db, login)  # points the server at this file
        token = issue_test_token(LocalBackend(demo_db, actor="-", clock=clock), login)
        logged = CliRunner().invoke(main, ["login", server.url, "--token", token])
        assert logged.exit_code == 0, logged.output
        return ["--server", server.url], {}

    return make


def _run(args: list[str], env: dict):
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_oncall_profile_shows_me_and_json_is_the_person(cli_as):
    where, env = cli_as("fatima")
    shown = _run([*where, "profile"], env)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout == _run([*where, "profile", "show"], env).stdout
    assert "Fatima Haddad (fatima), version 1" in shown.stdout and "+44 7700 900106" in shown.stdout
    assert "On-call device: -" in shown.stdout
    for args in (["profile", "--json"], ["profile", "show", "--json"]):
        data = json.loads(_run([*where, *args], env).stdout)
        assert data["login"] == "fatima" and data["phones"] == ["+44 7700 900106"]
        assert set(data) == {"id", "login", "name", "email", "phones", "tz", "oncall_device", "oncall_phone",
                             "region", "version", "calendar_delivery", "alarm_minutes"}  # as the README lists them


def test_oncall_profile_set_changes_only_what_is_given(cli_as):
    where, env = cli_as("fatima")
    done = _run([*where, "profile", "set", "--oncall-device", "work phone", "--oncall-phone", "+44 7700 900177",
                 "--phone", "+44 7700 900106", "--phone", "+44 20 7946 0001", "--tz", "America/New_York",
                 "--json"], env)
    assert done.exit_code == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["oncall_device"], data["oncall_phone"], data["tz"]) == ("work phone", "+44 7700 900177",
                                                                         "America/New_York")
    assert data["phones"] == ["+44 7700 900106", "+44 20 7946 0001"]
    assert data["name"] == "Fatima Haddad" and data["version"] == 2
    human = _run([*where, "profile", "set", "--name", "Fatima Haddad-Ali"], env)
    assert human.exit_code == 0 and "Saved." in human.stdout and "Fatima Haddad-Ali (fatima)" in human.stdout
    requirements = json.loads(_run([*where, "requirements", "--json"], env).stdout)
    assert "device" in json.dumps(requirements)


@pytest.mark.parametrize("args, code, line", [
    (["--tz", "Mars/Base"], 2, "oncall: 'Mars/Base' is not a time zone (try Europe/London or America/New_York)"),
    (["--name", ""], 2, "oncall: the name is empty"),
    (["--email", "nobody"], 2, "oncall: 'nobody' is not an email address"),
    (["--oncall-phone", "1" * 41], 2, "oncall: the on-call phone is 41 characters; at most 40 fit"),
    (["--oncall-phone", "ask reception"], 2, "oncall: the on-call phone must be a phone number (digits, spaces, "
     "+ - ( ) . and an optional extension), not 'ask reception'"),
    (["--phone", "Europe/London"], 2, "oncall: the phone must be a phone number (digits, spaces, "
     "+ - ( ) . and an optional extension), not 'Europe/London'"),
    ([], 2, "oncall: nothing to change: give --name, --email, --phone, --tz, --oncall-device, --oncall-phone, "
            "--calendar or --alarm-minutes"),
    (["--name", "X", "--expected-version", "7"], 4,
     "oncall: your profile was changed by someone else first; here is the current state"),
], ids=["zone", "empty name", "email", "long phone", "not a number", "a zone as a phone", "nothing", "stale"])
def test_oncall_profile_set_refuses_bad_input_in_one_line_and_changes_nothing(cli_as, args, code, line):
    where, env = cli_as("fatima")
    before = _run([*where, "profile", "--json"], env).stdout
    done = _run([*where, "profile", "set", *args], env)
    assert (done.exit_code, done.stderr, done.stdout) == (code, line + "\n", "")
    assert _run([*where, "profile", "--json"], env).stdout == before


def test_oncall_profile_acts_on_me_only(demo_db):
    """--as picks who I am in a demo; there is no way to name someone else's profile."""
    done = _run(["--db", demo_db, "profile", "set", "--name", "Root"], {"ONCALL_LOGIN": DEMO_YOU})
    assert done.exit_code == 0
    assert json.loads(_run(["--db", demo_db, "--as", "alice", "profile", "--json"], {}).stdout)["name"] == \
        "Alice Moreau"


def test_profile_snapshot_at_80x24(demo_db, clock, snap_compare):
    app = make_app(backend=LocalBackend(demo_db, actor="fatima", clock=clock), clock=clock)

    async def opened(pilot):
        await _open_profile(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=opened)


def test_profile_form_snapshot_at_80x24(demo_db, clock, snap_compare):
    app = make_app(backend=LocalBackend(demo_db, actor="fatima", clock=clock), clock=clock)

    async def editing(pilot):
        await _open_form(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=editing)
