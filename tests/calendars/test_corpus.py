"""The shared corpus of real-world calendars: every file imports or is refused
in one line naming it; specific files behave as their exporter meant."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from oncall_tui.calendars import CalendarError, busy_blocks, import_preview, load_calendar

# Real exports shipped beside this file (sources and licences in corpus/README.md);
# ONCALL_CALENDAR_CORPUS points at another folder of them.
CORPUS = Path(os.environ.get("ONCALL_CALENDAR_CORPUS") or Path(__file__).resolve().parent / "corpus")
UTC = timezone.utc
# Files the importer must refuse (and why), everything else must import.
EXPECTED_REFUSALS = {
    "collective__big_bad_calendar.ics": "broken calendar",  # VCALENDAR never closed
}

def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.ics"))


def test_the_corpus_ships_with_its_sources_and_licences():
    assert len(corpus_files()) >= 30, f"the calendar corpus is missing from {CORPUS}"
    readme = (CORPUS / "README.md").read_text()
    for path in corpus_files():
        assert path.name in readme, f"{path.name} has no source and licence line in corpus/README.md"


def month_of_first_event(path: Path) -> tuple[date, date]:
    """The month of the first VEVENT's DTSTART (read from the raw text)."""
    text = path.read_bytes()
    at = text.find(b"BEGIN:VEVENT")
    found = re.search(rb"^DTSTART[^:\r\n]*:(\d{4})(\d{2})", text[max(at, 0):], re.MULTILINE)
    year, month = (int(found.group(1)), int(found.group(2))) if found else (2024, 1)
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_imports_or_is_refused_in_one_line(path: Path):
    first, last = month_of_first_event(path)
    try:
        preview = import_preview(path, path.name, "Europe/Berlin", first, last)
    except CalendarError as error:
        message = str(error)
        assert "\n" not in message
        assert message.startswith(f"{path.name}: ")
        assert path.name in EXPECTED_REFUSALS, f"unexpectedly refused: {message}"
        assert EXPECTED_REFUSALS[path.name] in message
        return
    assert path.name not in EXPECTED_REFUSALS, "a broken file was imported"
    assert preview.event_count > 0
    for mark in preview.marks:
        assert first <= mark.day <= last
        assert mark.state in ("unavailable", "busy")
        assert 0 < mark.busy_hours <= 25
        assert mark.reason
    assert all(w.startswith(f"{path.name}: ") and "\n" not in w for w in preview.warnings)


def test_the_corpus_folder_is_used_in_place_not_copied():
    assert not list(Path(__file__).parent.glob("*.ics"))


def preview(name: str, first: date, last: date, tz: str = "Europe/Berlin", **kwargs):
    return import_preview(CORPUS / name, name, tz, first, last, **kwargs)


def day_reasons(result) -> dict[date, tuple[str, str]]:
    return {m.day: (m.state, m.reason) for m in result.marks}


def utc_starts(name: str, day: date) -> list[datetime]:
    cal = load_calendar((CORPUS / name).read_bytes(), name)
    start = datetime.combine(day, time(), UTC)
    return [b.start for b in busy_blocks(cal, start, start + timedelta(days=1))]


def test_thunderbird_cancelled_occurrence_is_not_busy():
    days = day_reasons(preview("niccokunzm__issue_18_cancel_status.ics", date(2020, 1, 1), date(2020, 1, 31)))
    assert days == {
        date(2020, 1, 28): ("busy", "busy 22:00–23:00"),
        date(2020, 1, 30): ("busy", "busy 22:00–23:00"),
    }


def test_khal_cancelled_override_is_not_busy_and_moved_one_is():
    days = day_reasons(preview("pimutils__event_rrule_recuid_cancelled.ics", date(2014, 7, 1), date(2014, 7, 31)))
    assert date(2014, 7, 14) not in days  # STATUS:CANCELLED override
    assert days[date(2014, 7, 7)] == ("unavailable", "busy 09:00–14:00")  # moved from 07:00
    assert days[date(2014, 7, 21)] == ("unavailable", "busy 07:00–12:00")


def test_thunderbird_moved_occurrences_are_busy_at_their_new_times():
    days = day_reasons(preview("niccokunzm__recurring_events_moved.ics", date(2019, 3, 1), date(2019, 3, 31)))
    assert days[date(2019, 3, 7)] == ("busy", "busy 02:00–03:00")
    assert days[date(2019, 3, 8)] == ("busy", "busy 01:00–02:00")  # moved one hour earlier
    assert days[date(2019, 3, 9)] == ("busy", "busy 03:00–04:00")  # moved one hour later


def test_davx5_exdates_are_honoured():
    days = day_reasons(preview("niccokunzm__issue_20_exdate_ignored.ics", date(2019, 10, 1), date(2019, 11, 30)))
    # Tuesdays 16:15 from 15 Oct; 15 Oct, 22 Oct, 5 Nov, 19 Nov and 26 Nov are excluded.
    assert sorted(days) == [date(2019, 10, 29), date(2019, 11, 12)]


@pytest.mark.parametrize(
    ("name", "day", "expected_utc"),
    [
        # 'W. Europe Standard Time' 14:00 in April = 12:00 UTC
        ("allenporte__office_365_extended_timezone.ics", date(2024, 4, 26), datetime(2024, 4, 26, 12, 0)),
        # 'New Zealand Standard Time' 09:00 NZDT (+13) = 20:00 UTC the day before
        ("allenporte__office_360_nz_tz.ics", date(2025, 10, 7), datetime(2025, 10, 7, 20, 0)),
        # Same Windows name with a wrong (CET) VTIMEZONE: the name wins, 13:00 NZDT = 00:00 UTC
        ("pimutils__tz_windows_format.ics", date(2019, 11, 20), datetime(2019, 11, 20, 0, 0)),
        # 'Pacific Standard Time' (Thunderbird, TZID with a stray colon) 10:00 PST = 18:00 UTC
        ("niccokunzm__issue_107_omitting_last_event.ics", date(2023, 1, 5), datetime(2023, 1, 5, 18, 0)),
    ],
)
def test_windows_zone_names_land_at_the_right_utc_instant(name, day, expected_utc):
    assert expected_utc.replace(tzinfo=UTC) in utc_starts(name, day)


def test_transparent_public_holidays_mark_nothing():
    for name, first, last in [
        ("niccokunzm__Germany_Holidays.ics", date(2019, 12, 1), date(2019, 12, 31)),
        ("allenporte__google_calendar_public_holidays.ics", date(2021, 12, 1), date(2021, 12, 31)),
    ]:
        result = preview(name, first, last)
        assert result.event_count > 0
        assert result.marks == []


def test_outlook_all_day_busy_holidays_make_the_day_unavailable():
    days = day_reasons(preview("niccokunzm__Germany.ics", date(2008, 1, 1), date(2008, 1, 31)))
    assert days[date(2008, 1, 1)] == ("unavailable", "all-day: busy")


def test_a_free_marked_conges_event_is_still_out_of_office():
    # 'Congés' (French: leave) is exported as TRANSPARENT; it is still time away.
    result = preview("niccokunzm__issue_201_mixed_datetime_and_date.ics", date(2023, 7, 1), date(2023, 7, 31), tz="UTC")
    days = day_reasons(result)
    assert sorted(days) == [date(2023, 7, d) for d in range(24, 32)]
    assert days[date(2023, 7, 25)] == ("unavailable", "out of office 00:00–24:00")


def test_events_without_a_start_are_skipped_with_a_warning():
    result = preview("collective__issue_722_missing_timezones.ics", date(2014, 8, 1), date(2014, 8, 31), tz="UTC")
    assert [(m.day, m.reason) for m in result.marks] == [(date(2014, 8, 29), "busy 12:00–15:00")]
    assert any("without a start time" in w for w in result.warnings)


def test_a_bad_rrule_is_skipped_with_a_warning():
    result = preview("niccokunzm__bad_rrule_missing_until_event.ics", date(2019, 8, 1), date(2019, 8, 31))
    assert result.marks == []
    assert any("could not be read" in w for w in result.warnings)


@pytest.mark.slow
def test_large_google_export_imports_a_month():
    result = preview("niccokunzm__issue42.ics", date(2012, 4, 1), date(2012, 4, 30), tz="Europe/London")
    assert result.event_count == 4778
    assert result.marks
    assert all(date(2012, 4, 1) <= m.day <= date(2012, 4, 30) for m in result.marks)
