"""The foundation as a user meets it: the demo team, who is on call, shifts, team files."""
from __future__ import annotations

from datetime import date

import pytest

from oncall_tui.core.errors import InvalidInput, NotAllowed, StaleEdit, UnknownUser

from ..conftest import DEMO_YOU


def test_home_shows_next_shifts_with_partner_and_escalation(as_user, clock):
    home = as_user(DEMO_YOU).home()
    assert home.me.login == DEMO_YOU
    assert home.managed_teams == ("platform",)
    assert home.next_shifts, "the demo puts you on call soon"
    for detail in home.next_shifts:
        assert detail.assignment.person.login == DEMO_YOU
        assert detail.assignment.start > clock.now() or detail.assignment.end > clock.now()
        assert len(detail.partners) >= 1
        assert all(p.person.login != DEMO_YOU for p in detail.partners)
        assert all(p.person.contact for p in detail.partners)
        assert [e.position for e in detail.escalation] == [1, 2, 3]
    assert home.swaps_waiting == 1
    assert "1 swap request waiting" in home.swaps_summary
    assert "escalated to you" in home.swaps_summary  # the demo's escalated request, to its manager


def test_now_names_primary_and_secondary_and_each_others_partner(as_user):
    rows = as_user("alice").now()
    roles = [r.role for r in rows]
    assert roles[:2] == ["primary", "secondary"]
    primary, secondary = rows[0], rows[1]
    assert secondary.person in primary.partners
    assert primary.person in secondary.partners
    assert primary.escalation[0].name.startswith("Maya")


def test_demo_holds_six_months_of_history(as_user):
    june = as_user(DEMO_YOU).shifts(person="*", first=date(2026, 6, 1), last=date(2026, 6, 1))
    assert {d.assignment.role for d in june} >= {"primary", "secondary"}
    april = as_user(DEMO_YOU).shifts(person="*", first=date(2026, 4, 1), last=date(2026, 4, 30))
    assert april == [], "history starts six months back"


def test_shift_of_a_daily_rotation_is_23_hours_on_the_spring_dst_day():
    # Europe/London springs forward on 2026-03-29: that 09:00→09:00 shift is 23 h long.
    from oncall_tui.core.domain import Rotation
    from oncall_tui.core.shifts import generate_shifts

    rot = Rotation(id=1, team="t", slug="r", name="r", tz="Europe/London", handoff="09:00")
    slots = generate_shifts(rot, date(2026, 3, 28), date(2026, 3, 29))
    assert [s.hours for s in slots] == [23.0, 24.0]
    assert all(s.start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London")).hour == 9 for s in slots)
    autumn = generate_shifts(rot, date(2026, 10, 25), date(2026, 10, 25))
    assert autumn[0].hours == 24.0
    before = generate_shifts(rot, date(2026, 10, 24), date(2026, 10, 24))
    assert before[0].hours == 25.0


def test_unknown_login_is_told_who_can_add_them(as_user):
    with pytest.raises(UnknownUser) as info:
        as_user("mallory").home()
    assert "Maya Goldberg" in info.value.message
    assert "mallory" in info.value.message


def test_profile_edit_with_stale_version_is_refused_with_fresh_state(as_user):
    me = as_user("alice")
    seen = me.whoami()
    me.update_profile(seen.version, oncall_phone="+44 7700 111111")
    with pytest.raises(StaleEdit) as info:
        me.update_profile(seen.version, oncall_phone="+44 7700 222222")
    assert info.value.fresh.oncall_phone == "+44 7700 111111"
    assert me.whoami().oncall_phone == "+44 7700 111111"
    entries = me.audit()
    assert entries[0].action == "profile.update" and entries[0].actor == "alice"


def test_bad_time_zone_changes_nothing(as_user):
    me = as_user("alice")
    before = me.whoami()
    with pytest.raises(InvalidInput) as info:
        me.update_profile(before.version, tz="Mars/Olympus")
    assert info.value.field == "tz"
    assert me.whoami() == before


def test_team_file_round_trip_and_errors_name_the_line(as_user):
    manager = as_user(DEMO_YOU)
    text = manager.export_team("platform")
    report = manager.import_team(text, "exported.toml")
    assert report.people_added == 0 and report.people_updated == 14
    assert manager.export_team("platform") == text

    broken = text.replace('handoff = "09:00"', 'handoff = "9 o\'clock"')
    line = next(i for i, l in enumerate(broken.splitlines(), 1) if "9 o'clock" in l)
    with pytest.raises(InvalidInput) as info:
        manager.import_team(broken, "broken.toml")
    assert f"broken.toml, line {line}" in info.value.message
    assert manager.export_team("platform") == text, "nothing is half-imported"


def test_engineer_cannot_import_over_a_team(as_user):
    with pytest.raises(NotAllowed):
        as_user("alice").import_team(as_user(DEMO_YOU).export_team("platform"))


def test_first_import_creates_team_and_makes_importer_manager(db_url, clock):
    from pathlib import Path

    from oncall_tui.backend.local import LocalBackend

    text = (Path(__file__).parents[2] / "data" / "team.example.toml").read_text()
    stranger = LocalBackend(db_url, actor="zed", clock=clock)
    with pytest.raises(NotAllowed) as info:
        stranger.import_team(text)
    assert "must be one of its managers" in info.value.message
    dana = LocalBackend(db_url, actor="dana", clock=clock)
    report = dana.import_team(text)
    assert report.team == "payments" and report.people_added == 10
    assert [t.slug for t in dana.teams()] == ["payments"]


def test_home_names_each_teams_escalation_even_without_a_shift(as_user):
    """Who to call does not depend on having a shift: a manager off the rotation sees it too."""
    home = as_user("maya").home()
    assert home.next_shifts == ()
    assert [(t.team, t.team_name) for t in home.escalation] == [("platform", "Platform")]
    contacts = home.escalation[0].contacts
    assert [c.position for c in contacts] == [1, 2, 3]
    assert contacts[0].name == "Maya Goldberg (engineering manager)" and contacts[0].contact == "+44 7700 900777"
    mine = as_user(DEMO_YOU).home()
    assert mine.escalation[0].contacts == mine.next_shifts[0].escalation
