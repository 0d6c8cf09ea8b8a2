"""Feeds and exports through the backend interface, on every backend: who may have which
feed, what an export holds, and how each person chooses their way and reminder."""
from __future__ import annotations

import pytest

from oncall_tui.core.errors import InvalidInput, NotAllowed, NotFound

from ..conftest import DEMO_YOU
from .ics_check import check_ics

ENGINEER = "alice"


def _uids(ics: str) -> set[str]:
    cal = check_ics(ics.encode("utf-8"))
    return {str(e["UID"]) for e in cal.walk("VEVENT")}


def test_a_person_has_their_own_feed_shown_once_and_a_manager_their_teams(as_user):
    alice = as_user(ENGINEER)
    made = alice.feed_url()
    assert made.created and made.path.startswith("/links/feed/") and made.path.endswith(".ics")
    secret = made.path.removeprefix("/links/feed/").removesuffix(".ics")
    assert len(secret) >= 43 and made.hint == secret[:6]  # 256 bits, url-safe base64
    again = alice.feed_url()
    assert not again.created and again.path == "" and again.hint == made.hint, "the address is shown once"
    rotated = alice.feed_url(rotate=True)
    assert rotated.created and rotated.rotated and rotated.path != made.path
    with pytest.raises(NotAllowed):
        alice.team_feed_url("platform")
    team = as_user(DEMO_YOU).team_feed_url("platform")
    assert team.created and team.team == "platform"
    with pytest.raises(NotFound):
        as_user(DEMO_YOU).team_feed_url("no-such-team")


def test_exports_hold_ones_own_shifts_and_a_manager_may_export_their_people(as_user):
    alice, root = as_user(ENGINEER), as_user(DEMO_YOU)
    mine = alice.export_calendar()
    shifts = {s.assignment.uid for s in alice.shifts(first=None) if s.assignment.person.login == ENGINEER}
    uids = _uids(mine.ics)
    assert mine.entries == len(uids) > 0 and shifts <= uids and mine.name == f"oncall-{ENGINEER}.ics"
    assert root.export_calendar(ENGINEER).ics == mine.ics, "her manager exports exactly what she sees"
    with pytest.raises(NotAllowed):
        alice.export_calendar("bogdan")
    with pytest.raises(NotAllowed):
        alice.export_team_calendar("platform")
    team = root.export_team_calendar("platform")
    assert uids <= _uids(team.ics) and team.entries > mine.entries


def test_each_person_chooses_how_entries_reach_them_and_their_reminder(as_user):
    alice = as_user(ENGINEER)
    me = alice.whoami()
    assert (me.calendar_delivery, me.alarm_minutes) == ("feed", 60)
    saved = alice.update_profile(me.version, calendar_delivery="email", alarm_minutes=30)
    assert (saved.calendar_delivery, saved.alarm_minutes) == ("email", 30)
    assert "TRIGGER:-PT30M" in alice.export_calendar().ics
    off = alice.update_profile(saved.version, alarm_minutes=0)
    assert off.alarm_minutes is None and "BEGIN:VALARM" not in alice.export_calendar().ics
    for bad in (dict(calendar_delivery="pigeon"), dict(alarm_minutes=-5), dict(alarm_minutes=99999)):
        with pytest.raises(InvalidInput) as refused:
            alice.update_profile(off.version, **bad)
        assert "\n" not in refused.value.message
    assert alice.whoami() == off, "a refused choice changes nothing"
