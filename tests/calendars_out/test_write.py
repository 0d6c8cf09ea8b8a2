"""calendar_bytes: every file it writes passes the strict check, for a feed and for iTIP."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oncall_tui.calendars.write import calendar_bytes
from oncall_tui.core.domain import PersonRef
from oncall_tui.core.domain_calendar import CalendarEntry

from .ics_check import check_ics, problems

START = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def entry(**over) -> CalendarEntry:
    base = CalendarEntry(
        uid="slot-abc123", sequence=0,
        person=PersonRef(login="gus", name="Gus Lindqvist", contact="+44 7700 900123", tz="Europe/London"),
        start=START, end=START + timedelta(days=1), team="platform", rotation="platform-247", role="primary",
        title="On call: Primary · Platform 24/7 · with Åsa Öberg-Żółkiewska",
        description=("Primary on call for Platform 24/7: you are paged first. " * 6 + "\nEscalation: 1. Maya"),
        alarm_minutes=45, changed_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC), email="gus@example.com",
        rotation_name="Platform 24/7", team_name="Platform")
    return replace(base, **over)


def test_a_feed_has_zones_alarms_and_passes_the_strict_check():
    data = calendar_bytes([entry(), entry(uid="slot-2", person=replace(entry().person, tz="America/New_York")),
                           entry(uid="slot-3", person=replace(entry().person, tz="UTC"), alarm_minutes=None)],
                          name="Gus Lindqvist · on call")
    cal = check_ics(data)
    text = data.decode()
    assert "TZID=Europe/London" in text and "TZID=America/New_York" in text
    assert "BEGIN:VTIMEZONE" in text and "METHOD" not in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert events["slot-abc123"].decoded("DTSTART") == START
    assert [a["TRIGGER"].dt for a in events["slot-abc123"].walk("VALARM")] == [timedelta(minutes=-45)]
    assert events["slot-3"].walk("VALARM") == []
    assert "Åsa Öberg-Żółkiewska" in str(events["slot-abc123"]["SUMMARY"])


def test_the_same_entries_give_the_same_bytes():
    assert calendar_bytes([entry()]) == calendar_bytes([entry()])
    assert calendar_bytes([entry()]) != calendar_bytes([entry(sequence=1)])


def test_an_invitation_and_its_cancellation_are_itip():
    req = calendar_bytes([entry(sequence=2)], method="REQUEST", organizer="oncall@example.com",
                         stamp=datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    cal = check_ics(req, method="REQUEST")
    ev = cal.walk("VEVENT")[0]
    assert str(ev["ORGANIZER"]) == "mailto:oncall@example.com" and str(ev["ATTENDEE"]) == "mailto:gus@example.com"
    assert ev["SEQUENCE"] == 2
    cancel = calendar_bytes([entry(sequence=3, cancelled=True)], method="CANCEL", organizer="oncall@example.com")
    ev = check_ics(cancel, method="CANCEL").walk("VEVENT")[0]
    assert ev["STATUS"] == "CANCELLED" and ev.walk("VALARM") == []


def test_bad_calls_are_refused():
    with pytest.raises(ValueError, match="organizer"):
        calendar_bytes([entry()], method="REQUEST")
    with pytest.raises(ValueError, match="email"):
        calendar_bytes([entry(email="")], method="REQUEST", organizer="o@example.com")
    with pytest.raises(ValueError, match="naive"):
        calendar_bytes([entry(start=START.replace(tzinfo=None))])


def test_the_strict_check_catches_what_icalendar_lets_through():
    good = calendar_bytes([entry()])
    assert problems(good) == []
    lf = good.replace(b"\r\n", b"\n")
    assert any("bare LF" in p for p in problems(lf))
    long_line = good.replace(b"SUMMARY:", b"SUMMARY:" + b"x" * 90 + b"\r\n ", 1)
    assert any("more than 75" in p for p in problems(long_line.replace(b"\r\n " + b"", b"", 1)))
    no_uid = b"\r\n".join(line for line in good.split(b"\r\n") if not line.startswith(b"UID"))
    assert any("no UID" in p for p in problems(no_uid))
    local_stamp = good.replace(b"DTSTAMP:20261120T120000Z", b"DTSTAMP:20261120T120000")
    assert any("not UTC" in p for p in problems(local_stamp))
    no_tz = b"\r\n".join(_drop_block(good.split(b"\r\n"), b"VTIMEZONE"))
    assert any("no VTIMEZONE" in p for p in problems(no_tz))
    itip = calendar_bytes([entry()], method="REQUEST", organizer="o@example.com")
    no_org = b"\r\n".join(line for line in itip.split(b"\r\n") if not line.startswith(b"ORGANIZER"))
    assert any("without ORGANIZER" in p for p in problems(no_org))
    assert any("METHOD" in p for p in problems(itip, method="CANCEL"))


def _drop_block(lines: list[bytes], name: bytes) -> list[bytes]:
    out, inside = [], False
    for line in lines:
        if line == b"BEGIN:" + name:
            inside = True
        if not inside:
            out.append(line)
        if line == b"END:" + name:
            inside = False
    return out
