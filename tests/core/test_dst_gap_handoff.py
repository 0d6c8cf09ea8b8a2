"""A handoff at a local time the clocks skip (inside the spring-forward gap) starts at the
first valid time after the gap, as documented: never an hour earlier than the time asked for."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from oncall_tui.core.domain import Rotation
from oncall_tui.core.shifts import generate_shifts, local_to_utc


@pytest.mark.parametrize("tz, day, at, expected", [
    # London: 01:00 GMT jumps to 02:00 BST on 29 March 2026, i.e. at 01:00 UTC
    ("Europe/London", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ("Europe/London", date(2026, 3, 29), time(1, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ("Europe/London", date(2026, 3, 29), time(1, 59), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    # Los Angeles: 02:00 PST jumps to 03:00 PDT on 8 March 2026, i.e. at 10:00 UTC
    ("America/Los_Angeles", date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),
    ("America/Los_Angeles", date(2026, 3, 8), time(2, 0), datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),
])
def test_a_time_in_the_gap_moves_forward_to_the_end_of_the_gap(tz, day, at, expected):
    start = local_to_utc(day, at, ZoneInfo(tz))
    assert start == expected
    local = start.astimezone(ZoneInfo(tz))
    assert local.time() > at  # later on the wall clock, never earlier
    # times around the gap keep their meaning; the autumn repeat takes its first occurrence
    zone = ZoneInfo(tz)
    assert local_to_utc(day, time(at.hour - 1, 59), zone).astimezone(zone).time() == time(at.hour - 1, 59)
    assert local_to_utc(day, time(at.hour + 1, 0), zone) == expected
    assert local_to_utc(date(2026, 10, 25), time(1, 30), ZoneInfo("Europe/London")) == \
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("tz, first, handoff, begins", [
    ("Europe/London", date(2026, 3, 28), "01:30", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ("America/Los_Angeles", date(2026, 3, 7), "02:30", datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),
])
def test_a_daily_rotation_handing_off_in_the_gap(tz, first, handoff, begins):
    rotation = Rotation(id=1, team="t", slug="r", name="R", tz=tz, handoff=handoff)
    before, on_the_day, after = generate_shifts(rotation, first, date(first.year, 3, first.day + 2))
    assert before.end == on_the_day.start == begins
    assert on_the_day.end == after.start
    assert after.start.astimezone(ZoneInfo(tz)).strftime("%H:%M") == handoff


def test_an_hourly_rotation_loses_the_skipped_hour_instead_of_making_an_empty_shift():
    rotation = Rotation(id=1, team="t", slug="r", name="R", tz="Europe/London", shift_kind="hours",
                        shift_hours=1, handoff="00:00")
    shifts = generate_shifts(rotation, date(2026, 3, 29), date(2026, 3, 29))
    assert len(shifts) == 23
    assert all(s.end > s.start for s in shifts)
    assert [s.start.hour for s in shifts[:3]] == [0, 1, 2]  # UTC: 00:00 GMT, 02:00 BST, 03:00 BST
