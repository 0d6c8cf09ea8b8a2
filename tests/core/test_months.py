"""Month arithmetic, written once (core/months.py): round trips, clamping, and the messages."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.core.errors import InvalidInput
from oncall_tui.core.months import (
    add_months,
    month_label,
    month_of,
    month_range,
    months_before,
    next_month,
    parse_month,
)

months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1900, 2400), st.integers(1, 12))
steps = st.integers(-1200, 1200)


def _reference_add(month: str, n: int) -> str:
    """How the screens and services each counted months before there was one helper."""
    year, mon = (int(x) for x in month.split("-"))
    y, m = divmod(mon - 1 + n, 12)
    return f"{year + y:04d}-{m + 1:02d}"


@given(months, steps)
def test_adding_months_is_undone_by_taking_them_away_and_matches_plain_counting(month, n):
    assert add_months(add_months(month, n), -n) == month
    assert add_months(month, n) == _reference_add(month, n)


@given(months, steps, steps)
def test_adding_months_adds_up(month, a, b):
    assert add_months(add_months(month, a), b) == add_months(month, a + b)


@given(months)
def test_a_month_reads_back_as_itself_and_its_days_run_to_the_next_one(month):
    first, last = parse_month(month)
    assert month_range(month) == (first, last)
    assert first.day == 1 and month_of(first) == month_of(last) == month
    assert last + timedelta(days=1) == parse_month(add_months(month, 1))[0]
    assert next_month(last) == next_month(first) == add_months(month, 1)
    assert month_label(month) == first.strftime("%b %Y")


@given(st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2300, 12, 31), timezones=st.just(UTC)),
       st.integers(0, 120))
def test_months_before_keeps_the_wall_clock_and_clamps_to_the_months_end(at, n):
    earlier = months_before(at, n, ZoneInfo("UTC"))
    month = add_months(month_of(at.date()), -n)
    _, last = month_range(month)
    assert month_of(earlier.date()) == month
    assert earlier.day == min(at.day, last.day)
    assert earlier.time() == at.time()


def test_months_before_in_a_zone_with_summer_time():
    london = ZoneInfo("Europe/London")
    at = datetime(2027, 3, 31, 9, 30, tzinfo=london)  # summer time
    assert months_before(at, 1, london) == datetime(2027, 2, 28, 9, 30, tzinfo=london)
    assert months_before(at, 13, london) == datetime(2026, 2, 28, 9, 30, tzinfo=london)
    assert months_before(datetime(2028, 3, 31, 12, tzinfo=UTC), 1, london).date() == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["2026-13", "2026", "December", "2026-12-01", ""])
def test_a_wrong_month_keeps_its_messages(text):
    with pytest.raises(InvalidInput) as refused:
        parse_month(text)
    assert refused.value.message == f"{text!r} is not a month; write it like 2026-12"
    assert refused.value.field == "month"
    with pytest.raises(ValueError, match=r"is not a month like 2026-12"):
        month_range(text)
