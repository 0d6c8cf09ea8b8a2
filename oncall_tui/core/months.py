"""Calendar months, written the way the product shows and takes them: "2026-12".

The one home of month arithmetic (the services, the screens, the CLI and the demo all use
these): a month's first and last day, the month n months away, the month after a day, and
the same moment some months earlier.  Day-of-month arithmetic clamps to the month's end
(31 March less one month is 28 or 29 February).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .errors import InvalidInput


def _months(n: int):
    """A step of `n` calendar months (dateutil is imported when first needed: start-up stays fast)."""
    from dateutil.relativedelta import relativedelta

    return relativedelta(months=n)


def month_range(month: str) -> tuple[date, date]:
    """'2026-12' -> (2026-12-01, 2026-12-31); ValueError if it is not a month."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = date(year, mon, 1)
    except (ValueError, AttributeError):
        raise ValueError(f"{month!r} is not a month like 2026-12") from None
    return first, first + _months(1) - timedelta(days=1)


def parse_month(month: str) -> tuple[date, date]:
    """`month_range` for input a person typed: InvalidInput (field "month") if it is not a month."""
    try:
        return month_range(month)
    except ValueError:
        raise InvalidInput(f"{month!r} is not a month; write it like 2026-12", field="month") from None


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    """The month `n` months after (n < 0: before) `month`."""
    return month_of(parse_month(month)[0] + _months(n))


def next_month(today: date) -> str:
    return month_of(today.replace(day=1) + _months(1))


def month_label(month: str) -> str:
    """'2026-12' -> 'Dec 2026'."""
    return parse_month(month)[0].strftime("%b %Y")


def months_before(at: datetime, months: int, tz: ZoneInfo) -> datetime:
    """The same wall-clock time in `tz` `months` calendar months earlier (day clamped to the
    month's end), in UTC."""
    from .shifts import local_to_utc

    local = at.astimezone(tz)
    target = local.date() - _months(months)
    return local_to_utc(target, local.time().replace(tzinfo=None), tz)
