"""Availability through the backend API: by hand, the deadline, calendar imports, utilisation."""
from __future__ import annotations

from datetime import date

import pytest

from oncall_tui.core.errors import InvalidInput, NotAllowed, StaleEdit
from tests.conftest import DEMO_NAME, DEMO_YOU

from .calendars import DST_WEEK, HOLIDAY_20_JAN, MEETING_26_JAN, MOVED, WINDOWS_ZONE

JAN = "2027-01"


def day(view, d: date):
    return next(x for x in view.days if x.day == d)


def import_text(backend, ics: bytes, month: str, label: str = "Work", location: str = "/home/alice/work.ics"):
    preview = backend.preview_calendar(location=location, month=month, content=ics.decode(), label=label)
    source = backend.add_calendar_source(label, location)
    result = backend.sync_calendar(source.id, month=month, content=ics.decode(), expected_digest=preview.digest)
    return preview, source, result


def test_marks_by_hand_show_where_they_came_from_and_clear(as_user):
    alice = as_user("alice")
    view = alice.set_availability([date(2027, 1, 4), date(2027, 1, 5)], "unavailable", note="ski trip")
    assert (day(view, date(2027, 1, 4)).state, day(view, date(2027, 1, 4)).source) == ("unavailable", "hand")
    assert day(view, date(2027, 1, 5)).note == "ski trip"
    view = alice.set_availability([date(2027, 1, 5)], "clear")
    assert day(view, date(2027, 1, 5)).state == "available"
    assert alice.availability(month=JAN).days[3].state == "unavailable"


def test_a_single_shift_can_be_marked(as_user):
    alice = as_user("alice")
    view = alice.availability(month=JAN)
    shift = day(view, date(2027, 1, 8)).shifts[0]
    view = alice.set_availability([date(2027, 1, 8)], "prefer_not", shift_start=shift.start)
    d = day(view, date(2027, 1, 8))
    assert d.shifts[0].state == "prefer_not" and d.shifts[0].source == "hand"
    assert any(mk.shift_start == shift.start for mk in d.marks)
    with pytest.raises(InvalidInput):
        alice.set_availability([date(2027, 1, 9)], "prefer_not", shift_start=shift.start)


def test_next_month_closes_at_the_team_deadline_and_names_who_can_still_change_it(as_user):
    alice = as_user("alice")
    dec = alice.availability(month="2026-12")
    assert not dec.editable and dec.deadline == date(2026, 11, 20)
    with pytest.raises(NotAllowed) as refused:
        alice.set_availability([date(2026, 12, 3)], "unavailable")
    assert "closed on 20 Nov" in refused.value.message and f"ask a manager (Maya Goldberg or {DEMO_NAME})" in refused.value.message
    assert day(alice.availability(month="2026-12"), date(2026, 12, 3)).state == "available"
    # A manager may still change a member's month after the deadline.
    view = as_user(DEMO_YOU).set_availability([date(2026, 12, 3)], "unavailable", person="alice")
    assert day(view, date(2026, 12, 3)).state == "unavailable"


def test_engineers_change_only_their_own(as_user):
    with pytest.raises(NotAllowed):
        as_user("alice").set_availability([date(2027, 1, 4)], "unavailable", person="bogdan")
    with pytest.raises(NotAllowed):
        as_user("alice").availability(person="bogdan", month=JAN)


def test_a_wrong_month_gets_a_clear_message(as_user):
    with pytest.raises(InvalidInput) as bad:
        as_user("alice").availability(month="2027-13")
    assert "like 2026-12" in bad.value.message


def test_import_across_the_dst_change_keeps_local_times(as_user):
    alice = as_user("alice")
    preview, _, result = import_text(alice, DST_WEEK, "2027-03")
    marked = {m.day: m for m in preview.marks}
    assert sorted(marked) == [date(2027, 3, d) for d in range(25, 32)]
    assert all(m.reason == "busy 09:00–14:00" and m.state == "unavailable" for m in marked.values())
    assert result.ok and result.applied == 7
    view = alice.availability(month="2027-03")
    assert day(view, date(2027, 3, 29)).source == "calendar:Work"


def test_a_moved_occurrence_marks_the_day_it_moved_to(as_user):
    preview = as_user("alice").preview_calendar(location="/tmp/moved.ics", month=JAN, content=MOVED.decode())
    days = [m.day for m in preview.marks]
    assert date(2027, 1, 13) not in days and date(2027, 1, 14) in days
    assert date(2027, 1, 6) in days and date(2027, 1, 20) in days


def test_a_windows_zone_name_is_read_as_its_iana_zone(as_user):
    preview = as_user("alice").preview_calendar(location="/tmp/o.ics", month=JAN, content=WINDOWS_ZONE.decode())
    assert [(m.day, m.reason) for m in preview.marks] == [(date(2027, 1, 11), "busy 07:00–16:00")]


def test_preview_changes_nothing(as_user):
    alice = as_user("alice")
    before = alice.availability(month=JAN)
    preview = alice.preview_calendar(location="/tmp/h.ics", month=JAN, content=HOLIDAY_20_JAN.decode())
    assert preview.unavailable_days == 3
    assert alice.availability(month=JAN) == before
    assert alice.calendar_sources() == []


def test_resync_replaces_only_that_calendars_marks_and_never_hand_set_ones(as_user):
    alice = as_user("alice")
    alice.set_availability([date(2027, 1, 21)], "preferred", note="happy to cover")
    preview, source, result = import_text(alice, HOLIDAY_20_JAN, JAN)
    assert {m.day: m.change for m in preview.marks}[date(2027, 1, 21)] == "under-hand"
    view = alice.availability(month=JAN)
    assert day(view, date(2027, 1, 20)).source == "calendar:Work"
    assert (day(view, date(2027, 1, 21)).state, day(view, date(2027, 1, 21)).source) == ("preferred", "hand")
    # The calendar changes: the holiday is gone, a meeting appears.
    again = alice.preview_calendar(source_id=source.id, month=JAN, content=MEETING_26_JAN.decode())
    assert set(again.removed) == {date(2027, 1, 20), date(2027, 1, 21), date(2027, 1, 22)}
    result = alice.sync_calendar(source.id, month=JAN, content=MEETING_26_JAN.decode())
    assert result.ok and result.removed == 3
    view = alice.availability(month=JAN)
    assert day(view, date(2027, 1, 20)).state == "available"
    assert (day(view, date(2027, 1, 21)).state, day(view, date(2027, 1, 21)).note) == ("preferred", "happy to cover")
    assert (day(view, date(2027, 1, 26)).state, day(view, date(2027, 1, 26)).busy_hours) == ("busy", 2.0)


def test_applying_a_stale_preview_is_refused(as_user):
    alice = as_user("alice")
    preview, source, _ = import_text(alice, HOLIDAY_20_JAN, JAN)
    with pytest.raises(StaleEdit):
        alice.sync_calendar(source.id, month=JAN, content=MEETING_26_JAN.decode(), expected_digest=preview.digest)
    assert day(alice.availability(month=JAN), date(2027, 1, 20)).state == "unavailable"


def test_a_broken_or_huge_file_changes_nothing(as_user):
    alice = as_user("alice")
    _, source, _ = import_text(alice, HOLIDAY_20_JAN, JAN)
    result = alice.sync_calendar(source.id, month=JAN, content="this is not a calendar")
    assert not result.ok and "work.ics" in result.message and "nothing changed" in result.message
    assert result.source.last_error
    huge = "BEGIN:VCALENDAR\r\n" + "X" * (11 * 1024 * 1024)
    try:  # the remote endpoint refuses a huge request body before the service sees it
        result = alice.sync_calendar(source.id, month=JAN, content=huge)
    except InvalidInput as exc:
        assert "larger than" in exc.message
    else:
        assert not result.ok and "too large" in result.message
    assert day(alice.availability(month=JAN), date(2027, 1, 20)).source == "calendar:Work"
    with pytest.raises(InvalidInput):
        alice.preview_calendar(location="/tmp/x.ics", month=JAN, content=huge)


def test_titles_are_stored_only_when_asked(as_user):
    alice = as_user("alice")
    _, _, _ = import_text(alice, MEETING_26_JAN, JAN)
    marks = day(alice.availability(month=JAN), date(2027, 1, 26)).marks
    assert all("Planning" not in mk.reason for mk in marks)
    src = alice.add_calendar_source("Titled", "/tmp/titled.ics", keep_titles=True)
    alice.sync_calendar(src.id, month=JAN, content=MEETING_26_JAN.decode())
    marks = day(alice.availability(month=JAN), date(2027, 1, 26)).marks
    assert any("Planning" in mk.reason for mk in marks)


def test_only_the_owner_sees_a_secret_url(as_user):
    alice = as_user("alice")
    alice.add_calendar_source("Google", "https://calendar.example.com/ical/secret-token-123/basic.ics")
    assert "secret-token-123" in alice.calendar_sources()[0].location
    seen_by_manager = as_user(DEMO_YOU).calendar_sources(person="alice")[0].location
    assert "secret" not in seen_by_manager and "calendar.example.com" in seen_by_manager
    for entry in as_user(DEMO_YOU).audit(team="platform", limit=20):
        assert "secret-token-123" not in str(entry.detail)


def test_utilisation_and_levels_move_with_availability_and_project_load(as_user):
    root = as_user(DEMO_YOU)
    before = {m.person.login: m.recommendation for m in root.team_availability(month=JAN).members}
    root.set_utilisation("alice", JAN, 90)
    after = {m.person.login: m.recommendation for m in root.team_availability(month=JAN).members}
    assert after["alice"].utilisation >= 0.9 and after["alice"].level < before["alice"].level
    assert "project 90%" in after["alice"].explanation
    as_user("bogdan").set_availability([date(2027, 1, d) for d in range(4, 30)], "unavailable")
    bogdan = {m.person.login: m for m in root.team_availability(month=JAN).members}["bogdan"]
    assert bogdan.recommendation.utilisation > 0.7 and bogdan.recommendation.level <= 2
    assert as_user("alice").availability(month=JAN).manual_pct == 90
    with pytest.raises(NotAllowed):
        as_user("alice").set_utilisation("bogdan", JAN, 10)
    with pytest.raises(InvalidInput):
        root.set_utilisation("alice", JAN, 140)


def test_team_grid_counts_coverage_per_role_and_is_for_managers(as_user):
    root = as_user(DEMO_YOU)
    data = root.team_availability(month=JAN)
    people = len(data.members)
    assert {c.role for c in data.coverage} == {"primary", "secondary", "shadow"}
    primary = next(c for c in data.coverage if c.role == "primary")
    as_user("alice").set_availability([date(2027, 1, 5)], "unavailable")
    primary_after = next(c for c in root.team_availability(month=JAN).coverage if c.role == "primary")
    assert primary_after.counts[4] == primary.counts[4] - 1 <= people
    with pytest.raises(NotAllowed):
        as_user("alice").team_availability()


def test_planner_hook_gives_recommendations_by_person_id(demo_db, clock):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.store import models as m

    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)

    recs = root._read(lambda: root.services.availability.recommendations(m.Team.get(m.Team.slug == "platform"), JAN))
    logins = {r.login for r in recs.values()}
    assert "alice" in logins and all(1 <= r.level <= 5 for r in recs.values())
