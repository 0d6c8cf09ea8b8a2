"""team.toml carries each person's calendar choice and the team's server and jump box; a bad
value is one line naming its line, and nothing is imported."""
from __future__ import annotations

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.errors import InvalidInput
from oncall_tui.services.demo import demo_team_toml

from ..conftest import DEMO_YOU


def _with(text: str, settings: str = "", alice: str = "") -> str:
    if settings:
        text = text.replace("settings = { holidays = [", "settings = { " + settings + ", holidays = [", 1)
    if alice:
        text = text.replace('login = "alice"\n', 'login = "alice"\n' + alice, 1)
    return text


def test_team_file_sets_choices_jump_host_and_server_and_entries_use_them(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    text = _with(demo_team_toml(DEMO_YOU), 'jump_host = "bastion.example.com", server_url = "https://oncall.example.com/"',
                 'calendar = "caldav"\nalarm_minutes = 15\n')
    root.import_team(text, "team.toml")
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    me = alice.whoami()
    assert (me.calendar_delivery, me.alarm_minutes) == ("caldav", 15)
    ics = alice.export_calendar().ics
    assert "TRIGGER:-PT15M" in ics
    unfolded = ics.replace("\r\n ", "")
    assert "ssh -t bastion.example.com oncall swap request " in unfolded
    made = alice.feed_url()
    assert made.url == "https://oncall.example.com" + made.path
    exported = root.export_team("platform")
    assert 'calendar = "caldav"' in exported and "alarm_minutes = 15" in exported
    assert 'jump_host = "bastion.example.com"' in exported
    # what was exported imports again unchanged
    root.import_team(exported, "again.toml")
    assert alice.whoami().calendar_delivery == "caldav"


@pytest.mark.parametrize("settings, alice, says", [
    ('jump_host = "box; rm -rf ~"', "", "jump_host must be a host name"),
    ('server_url = "javascript:alert(1)"', "", "server_url must be an http(s) URL"),
    ("", 'calendar = "pigeon"\n', "calendar entries reach you by feed, email, caldav or none"),
    ("", "alarm_minutes = -1\n", "the reminder is whole minutes"),
])
def test_a_bad_setting_is_one_line_naming_its_line_and_imports_nothing(demo_db, clock, settings, alice, says):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    before = root.export_team("platform")
    text = _with(demo_team_toml(DEMO_YOU), settings, alice)
    with pytest.raises(InvalidInput) as refused:
        root.import_team(text, "team.toml")
    message = refused.value.message
    assert says in message and "team.toml, line " in message and "\n" not in message
    assert root.export_team("platform") == before


def test_the_cli_sets_the_choice_and_prints_the_feed_address_with_webcal(demo_db, clock, tmp_path):
    from click.testing import CliRunner

    from oncall_tui.cli import main

    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    root.import_team(_with(demo_team_toml(DEMO_YOU), 'server_url = "https://oncall.example.com"'), "team.toml")

    def run(*args: str):
        return CliRunner().invoke(main, ["--db", demo_db, *args], env={"ONCALL_LOGIN": "alice"})

    done = run("profile", "set", "--calendar", "none", "--alarm-minutes", "none")
    assert done.exit_code == 0, done.output
    assert "Calendar:       none" in done.output and "Reminder (min): none" in done.output
    bad = run("profile", "set", "--alarm-minutes", "soon")
    assert bad.exit_code == 2 and "the reminder is whole minutes" in bad.output
    shown = run("calendar", "feed-url")
    assert shown.exit_code == 0, shown.output
    url = next(w for w in shown.output.split() if w.startswith("https://oncall.example.com/links/feed/"))
    assert "webcal://" + url.removeprefix("https://") in shown.output and "shown only now" in shown.output
    again = run("calendar", "feed-url")
    assert url not in again.output and "shown once" in again.output and "--rotate" in again.output
    out = tmp_path / "alice.ics"
    exported = run("calendar", "export", "-o", str(out))
    assert exported.exit_code == 0 and "shifts to" in exported.output
    from .ics_check import check_ics

    cal = check_ics(out.read_bytes())
    assert len(cal.walk("VEVENT")) == len(root.export_calendar("alice").ics.split("BEGIN:VEVENT")) - 1
    refused = run("calendar", "export", "--person", "bogdan", "-o", str(tmp_path / "b.ics"))
    assert refused.exit_code == 2 and not (tmp_path / "b.ics").exists()


def test_the_profile_form_sets_the_way_and_the_reminder_and_refuses_a_bad_one_in_one_line(demo_db, clock):
    import asyncio

    from oncall_tui.app import make_app
    from tests.foundation.helpers import screen_text, wait_until
    from tests.foundation.test_profile import SIZE, _open_form, _type

    fatima = LocalBackend(demo_db, actor="fatima", clock=clock)

    async def steps(pilot):
        await _open_form(pilot)
        await _type(pilot, "calendar_delivery", "pigeon")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "calendar entries reach you by" in screen_text(pilot.app))
        refused = (type(pilot.app.screen).__name__, fatima.whoami().calendar_delivery)
        await _type(pilot, "calendar_delivery", "email")
        await _type(pilot, "alarm_minutes", "15")
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "ProfileScreen")
        await wait_until(pilot, lambda: "Invitations come to your email" in screen_text(pilot.app))
        return refused, screen_text(pilot.app)

    async def run():
        async with make_app(backend=fatima, clock=clock).run_test(size=SIZE) as pilot:
            return await steps(pilot)

    refused, text = asyncio.run(run())
    assert refused == ("ProfileDialog", "feed"), "a refused choice keeps the form open and changes nothing"
    me = fatima.whoami()
    assert (me.calendar_delivery, me.alarm_minutes) == ("email", 15)
    assert "Reminder (min): 15" in text
