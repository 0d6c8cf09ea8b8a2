"""Import behaviour on calendars the tests build: DST, moved occurrences,
Windows zone names, midnight, out-of-office, rules."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from oncall_tui.calendars import (
    CalendarError,
    ImportRules,
    busy_blocks,
    import_preview,
    load_calendar,
)

from .builders import BOGUS_PACIFIC_VTIMEZONE, custom_zone, ics

UTC = timezone.utc


def marks_by_day(preview):
    return {m.day: m for m in preview.marks}


def utc_blocks(data: bytes, first: date, last: date, tz: str = "UTC", **kwargs):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    cal = load_calendar(data, "built.ics")
    return busy_blocks(
        cal,
        datetime.combine(first, time(), zone),
        datetime.combine(last, time(23, 59), zone),
        floating_tz=zone,
        **kwargs,
    )


def test_daily_meeting_across_the_dst_change_stays_at_nine_local():
    data = ics(
        """
        SUMMARY:Standup
        DTSTART;TZID=Europe/Berlin:20250327T090000
        DTEND;TZID=Europe/Berlin:20250327T093000
        RRULE:FREQ=DAILY;COUNT=6
        """
    )
    preview = import_preview(data, "dst.ics", "Europe/Berlin", date(2025, 3, 24), date(2025, 4, 6))
    days = marks_by_day(preview)
    assert sorted(days) == [date(2025, 3, d) for d in range(27, 32)] + [date(2025, 4, 1)]
    assert {m.reason for m in days.values()} == {"busy 09:00–09:30"}
    blocks = utc_blocks(data, date(2025, 3, 27), date(2025, 4, 1))
    assert blocks[0].start == datetime(2025, 3, 27, 8, 0, tzinfo=UTC)  # CET
    assert blocks[-1].start == datetime(2025, 4, 1, 7, 0, tzinfo=UTC)  # CEST


def test_a_whole_local_day_on_the_dst_change_has_23_hours():
    data = ics(
        """
        SUMMARY:Offsite
        DTSTART;TZID=Europe/Berlin:20250330T000000
        DTEND;TZID=Europe/Berlin:20250331T000000
        """
    )
    preview = import_preview(data, "dst.ics", "Europe/Berlin", date(2025, 3, 1), date(2025, 3, 31))
    (mark,) = preview.marks
    assert mark.day == date(2025, 3, 30)
    assert mark.state == "unavailable"
    assert mark.busy_hours == 23.0
    assert mark.reason == "busy 00:00–24:00"


def test_google_x_wr_timezone_keeps_a_utc_anchored_series_at_local_time():
    # Google writes recurring events in UTC and names the zone in X-WR-TIMEZONE;
    # the series must follow Berlin's DST, not stay at 08:00 UTC.
    data = ics(
        """
        SUMMARY:Weekly
        DTSTART:20250324T080000Z
        DTEND:20250324T090000Z
        RRULE:FREQ=WEEKLY;COUNT=2
        """,
        head="X-WR-TIMEZONE:Europe/Berlin",
    )
    preview = import_preview(data, "google.ics", "Europe/Berlin", date(2025, 3, 1), date(2025, 4, 30))
    assert [(m.day, m.reason) for m in preview.marks] == [
        (date(2025, 3, 24), "busy 09:00–10:00"),
        (date(2025, 3, 31), "busy 09:00–10:00"),
    ]


def test_moved_occurrence_is_busy_at_its_new_time_only():
    data = ics(
        """
        UID:series@test
        SUMMARY:Review
        DTSTART;TZID=Europe/London:20250602T100000
        DTEND;TZID=Europe/London:20250602T110000
        RRULE:FREQ=DAILY;COUNT=5
        """,
        """
        UID:series@test
        SUMMARY:Review (moved)
        RECURRENCE-ID;TZID=Europe/London:20250604T100000
        DTSTART;TZID=Europe/London:20250605T150000
        DTEND;TZID=Europe/London:20250605T160000
        """,
    )
    days = marks_by_day(import_preview(data, "moved.ics", "Europe/London", date(2025, 6, 1), date(2025, 6, 30)))
    assert date(2025, 6, 4) not in days
    assert days[date(2025, 6, 5)].reason == "busy 2 h in 2 blocks"
    assert days[date(2025, 6, 5)].busy_hours == 2.0
    assert days[date(2025, 6, 3)].reason == "busy 10:00–11:00"


def test_cancelled_occurrence_and_exdate_leave_the_day_free():
    data = ics(
        """
        UID:weekly@test
        DTSTART;TZID=Europe/Paris:20250602T140000
        DTEND;TZID=Europe/Paris:20250602T190000
        RRULE:FREQ=WEEKLY;COUNT=4
        EXDATE;TZID=Europe/Paris:20250609T140000
        """,
        """
        UID:weekly@test
        RECURRENCE-ID;TZID=Europe/Paris:20250616T140000
        DTSTART;TZID=Europe/Paris:20250616T140000
        DTEND;TZID=Europe/Paris:20250616T190000
        STATUS:CANCELLED
        """,
    )
    days = marks_by_day(import_preview(data, "x.ics", "Europe/Paris", date(2025, 6, 1), date(2025, 6, 30)))
    assert sorted(days) == [date(2025, 6, 2), date(2025, 6, 23)]
    assert days[date(2025, 6, 2)].state == "unavailable"  # 5 h ≥ 4 h


@pytest.mark.parametrize("with_bogus_vtimezone", [False, True])
def test_windows_zone_name_is_placed_with_the_tz_database(with_bogus_vtimezone):
    data = ics(
        """
        SUMMARY:Outlook meeting
        DTSTART;TZID=Pacific Standard Time:20250115T090000
        DTEND;TZID=Pacific Standard Time:20250115T100000
        X-MICROSOFT-CDO-BUSYSTATUS:BUSY
        """,
        timezones=BOGUS_PACIFIC_VTIMEZONE if with_bogus_vtimezone else "",
    )
    (block,) = utc_blocks(data, date(2025, 1, 15), date(2025, 1, 15))
    assert block.start == datetime(2025, 1, 15, 17, 0, tzinfo=UTC)
    assert block.end == datetime(2025, 1, 15, 18, 0, tzinfo=UTC)


def test_custom_zone_definitions_do_not_leak_between_calendars():
    def calendar(offset: str) -> bytes:
        return ics(
            """
            DTSTART;TZID=Customized Time Zone:20250115T120000
            DTEND;TZID=Customized Time Zone:20250115T130000
            """,
            timezones=custom_zone(offset),
        )

    (first,) = utc_blocks(calendar("+0500"), date(2025, 1, 15), date(2025, 1, 15))
    (second,) = utc_blocks(calendar("-0300"), date(2025, 1, 15), date(2025, 1, 15))
    assert first.start == datetime(2025, 1, 15, 7, 0, tzinfo=UTC)
    assert second.start == datetime(2025, 1, 15, 15, 0, tzinfo=UTC)


def test_unknown_zone_without_vtimezone_is_read_as_local_time_with_a_warning():
    data = ics(
        """
        DTSTART;TZID=Mars/Olympus_Mons:20250115T090000
        DTEND;TZID=Mars/Olympus_Mons:20250115T100000
        """
    )
    preview = import_preview(data, "odd.ics", "Asia/Tokyo", date(2025, 1, 1), date(2025, 1, 31))
    assert [(m.day, m.reason) for m in preview.marks] == [(date(2025, 1, 15), "busy 09:00–10:00")]
    assert any("Mars/Olympus_Mons" in w for w in preview.warnings)


def test_event_spanning_midnight_counts_on_both_days():
    data = ics(
        """
        SUMMARY:Release
        DTSTART;TZID=America/New_York:20250710T220000
        DTEND;TZID=America/New_York:20250711T020000
        """
    )
    days = marks_by_day(import_preview(data, "x.ics", "America/New_York", date(2025, 7, 1), date(2025, 7, 31)))
    assert days[date(2025, 7, 10)].reason == "busy 22:00–24:00"
    assert days[date(2025, 7, 11)].reason == "busy 00:00–02:00"
    assert days[date(2025, 7, 10)].busy_hours == days[date(2025, 7, 11)].busy_hours == 2.0
    # The same event seen from Berlin falls on a single local day.
    berlin = import_preview(data, "x.ics", "Europe/Berlin", date(2025, 7, 1), date(2025, 7, 31))
    assert [(m.day, m.reason) for m in berlin.marks] == [(date(2025, 7, 11), "busy 04:00–08:00")]
    assert berlin.marks[0].state == "unavailable"


def test_all_day_events_are_floating_dates_in_every_zone():
    data = ics(
        """
        SUMMARY:Conference
        DTSTART;VALUE=DATE:20250303
        DTEND;VALUE=DATE:20250305
        """
    )
    for tz in ("Pacific/Auckland", "UTC", "America/Los_Angeles"):
        preview = import_preview(data, "x.ics", tz, date(2025, 3, 1), date(2025, 3, 31))
        assert [(m.day, m.state, m.reason) for m in preview.marks] == [
            (date(2025, 3, 3), "unavailable", "all-day: busy"),
            (date(2025, 3, 4), "unavailable", "all-day: busy"),
        ]


def test_all_day_out_of_office_is_unavailable_even_when_all_day_busy_is_not():
    data = ics(
        """
        SUMMARY:Away
        DTSTART;VALUE=DATE:20250310
        DTEND;VALUE=DATE:20250311
        X-MICROSOFT-CDO-BUSYSTATUS:OOF
        """,
        """
        SUMMARY:Training
        DTSTART;VALUE=DATE:20250312
        DTEND;VALUE=DATE:20250313
        X-MICROSOFT-CDO-BUSYSTATUS:BUSY
        """,
    )
    rules = ImportRules(all_day_busy_unavailable=False)
    days = marks_by_day(import_preview(data, "x.ics", "Europe/Berlin", date(2025, 3, 1), date(2025, 3, 31), rules))
    assert (days[date(2025, 3, 10)].state, days[date(2025, 3, 10)].reason) == ("unavailable", "all-day: out of office")
    assert (days[date(2025, 3, 12)].state, days[date(2025, 3, 12)].busy_hours) == ("busy", 8.0)


def test_free_events_count_for_nothing_but_a_free_vacation_is_still_away():
    data = ics(
        """
        SUMMARY:Easter Monday
        DTSTART;VALUE=DATE:20250421
        DTEND;VALUE=DATE:20250422
        TRANSP:TRANSPARENT
        """,
        """
        SUMMARY:Lunch with Sam
        DTSTART;TZID=Europe/Berlin:20250423T120000
        DTEND;TZID=Europe/Berlin:20250423T170000
        X-MICROSOFT-CDO-BUSYSTATUS:FREE
        """,
        """
        SUMMARY:🌴 Vacation
        DTSTART;VALUE=DATE:20250428
        DTEND;VALUE=DATE:20250430
        TRANSP:TRANSPARENT
        """,
    )
    preview = import_preview(data, "x.ics", "Europe/Berlin", date(2025, 4, 1), date(2025, 4, 30))
    assert [(m.day, m.state, m.reason) for m in preview.marks] == [
        (date(2025, 4, 28), "unavailable", "all-day: out of office"),
        (date(2025, 4, 29), "unavailable", "all-day: out of office"),
    ]


def test_titles_appear_only_when_asked_for():
    data = ics(
        """
        SUMMARY:Dentist
        DTSTART;TZID=Europe/Berlin:20250506T100000
        DTEND;TZID=Europe/Berlin:20250506T110000
        """
    )
    plain = import_preview(data, "x.ics", "Europe/Berlin", date(2025, 5, 1), date(2025, 5, 31))
    titled = import_preview(data, "x.ics", "Europe/Berlin", date(2025, 5, 1), date(2025, 5, 31), keep_titles=True)
    assert plain.marks[0].reason == "busy 10:00–11:00"
    assert titled.marks[0].reason == "busy 10:00–11:00 (Dentist)"


def test_busy_block_threshold_merges_back_to_back_meetings():
    data = ics(
        """
        DTSTART;TZID=UTC:20250602T090000
        DTEND;TZID=UTC:20250602T110000
        """,
        """
        DTSTART;TZID=UTC:20250602T110000
        DTEND;TZID=UTC:20250602T130000
        """,
        """
        DTSTART;TZID=UTC:20250603T090000
        DTEND;TZID=UTC:20250603T120000
        """,
    )
    days = marks_by_day(import_preview(data, "x.ics", "UTC", date(2025, 6, 1), date(2025, 6, 30)))
    assert (days[date(2025, 6, 2)].state, days[date(2025, 6, 2)].reason) == ("unavailable", "busy 09:00–13:00")
    assert (days[date(2025, 6, 3)].state, days[date(2025, 6, 3)].busy_hours) == ("busy", 3.0)
    only_unavailable = import_preview(
        data, "x.ics", "UTC", date(2025, 6, 1), date(2025, 6, 30), ImportRules(count_busy_hours=False)
    )
    assert [(m.day, m.state, m.busy_hours) for m in only_unavailable.marks] == [
        (date(2025, 6, 2), "unavailable", 0.0)
    ]


def test_working_hours_and_tentative_rules():
    data = ics(
        """
        SUMMARY:Evening thing
        DTSTART;TZID=UTC:20250602T170000
        DTEND;TZID=UTC:20250602T230000
        """,
        """
        SUMMARY:Maybe
        STATUS:TENTATIVE
        DTSTART;TZID=UTC:20250603T100000
        DTEND;TZID=UTC:20250603T110000
        """,
    )
    rules = ImportRules(working_hours=(time(9), time(18)), tentative_is_busy=False)
    preview = import_preview(data, "x.ics", "UTC", date(2025, 6, 1), date(2025, 6, 30), rules)
    assert [(m.day, m.state, m.busy_hours, m.reason) for m in preview.marks] == [
        (date(2025, 6, 2), "busy", 1.0, "busy 17:00–18:00")
    ]


def test_a_broken_series_is_skipped_with_a_warning_and_the_rest_imports():
    data = ics(
        """
        UID:bad@test
        DTSTART;TZID=Europe/London:20250602T090000
        DTEND;TZID=Europe/London:20250602T100000
        RRULE:FREQ=WEEKLY;UNTL=20250701;BYDAY=MO
        """,
        """
        UID:unreadable@test
        DTSTART:notadate
        """,
        """
        UID:good@test
        DTSTART;TZID=Europe/London:20250603T090000
        DTEND;TZID=Europe/London:20250603T100000
        """,
    )
    preview = import_preview(data, "mixed.ics", "Europe/London", date(2025, 6, 1), date(2025, 6, 30))
    assert [m.day for m in preview.marks] == [date(2025, 6, 3)]
    assert preview.event_count == 3
    assert any(w.startswith("mixed.ics: skipped 2 event series that could not be read") for w in preview.warnings)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "page.ics: not an iCalendar file"),
        (b"", "page.ics: not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n", "page.ics: broken calendar"),
        (b"BEGIN:VCALENDAR\r\n\x00\x01garbage\r\nEND:VCALENDAR\r\n", "page.ics: not a readable calendar"),
    ],
)
def test_things_that_are_not_calendars_are_refused_in_one_line(data, expected):
    with pytest.raises(CalendarError) as caught:
        import_preview(data, "page.ics", "UTC", date(2025, 1, 1), date(2025, 1, 31))
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_oversize_data_and_files_are_refused_before_parsing(tmp_path):
    big = ics("DTSTART:20250101T090000Z\nDTEND:20250101T100000Z") + b" " * 5000
    with pytest.raises(CalendarError, match=r"^big\.ics: file too large"):
        import_preview(big, "big.ics", "UTC", date(2025, 1, 1), date(2025, 1, 31), max_bytes=4096)
    path = tmp_path / "huge.ics"
    with path.open("wb") as handle:  # sparse: 50 MiB that is never read
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(CalendarError, match=r"^huge\.ics: file too large \(50\.0 MiB"):
        import_preview(path, "huge.ics", "UTC", date(2025, 1, 1), date(2025, 1, 31))


def test_a_missing_file_is_one_line_naming_it(tmp_path):
    with pytest.raises(CalendarError, match=r"^gone\.ics: cannot read the file"):
        import_preview(tmp_path / "gone.ics", "gone.ics", "UTC", date(2025, 1, 1), date(2025, 1, 31))
