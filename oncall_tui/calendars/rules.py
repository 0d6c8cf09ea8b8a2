"""Import rules: which busy blocks make a day unavailable, which only busy.

Everything is computed in the person's time zone: a day is local midnight to
local midnight (23 or 25 hours on DST days), an event spanning midnight counts
on both days, and all-day events are floating dates that land on the same
calendar days wherever the person lives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from oncall_tui.calendars.expand import BusyBlock

UTC = UTC
DayState = Literal["unavailable", "busy"]
_MAX_TITLES = 3


@dataclass(frozen=True)
class ImportRules:
    """What an imported calendar may mark.

    - ``all_day_busy_unavailable``: an all-day event that is not free makes the
      day unavailable (an all-day out-of-office always does).
    - ``busy_block_hours_unavailable``: a continuous busy stretch of at least
      this many hours on one day makes it unavailable (None: never).
    - ``count_busy_hours``: days with shorter busy time get a "busy" mark with
      their busy hours (for utilisation). When False only unavailable days are
      marked and ``busy_hours`` is 0.
    - ``tentative_is_busy``: tentative events count like confirmed ones.
    - ``working_hours``: if set, (start, end) local times; timed events are
      clipped to them before measuring, so an evening event does not count.
    - ``all_day_hours``: busy hours an all-day busy event stands for.
    """

    all_day_busy_unavailable: bool = True
    busy_block_hours_unavailable: float | None = 4.0
    count_busy_hours: bool = True
    tentative_is_busy: bool = True
    working_hours: tuple[time, time] | None = None
    all_day_hours: float = 8.0


@dataclass(frozen=True)
class DayMark:
    """What a calendar says about one local day of the person.

    ``reason`` is short and title-free unless the blocks carried titles
    (``keep_titles``): "all-day: out of office", "busy 09:00–17:00",
    "busy 2.5 h".
    """

    day: date
    state: DayState
    busy_hours: float
    reason: str


@dataclass
class _Day:
    all_day: list[BusyBlock] = field(default_factory=list)
    pieces: list[tuple[datetime, datetime, BusyBlock]] = field(default_factory=list)


def marks_for_period(
    blocks: Iterable[BusyBlock],
    tz: str | tzinfo,
    first_day: date,
    last_day: date,
    rules: ImportRules | None = None,
) -> list[DayMark]:
    """Marks for the days ``first_day``..``last_day`` (inclusive), in order.

    Days the calendar says nothing about get no mark.
    """
    rules = rules or ImportRules()
    zone = zone_from_name(tz)
    days: dict[date, _Day] = defaultdict(_Day)
    for block in blocks:
        if block.transparent or (block.tentative and not rules.tentative_is_busy):
            continue
        if block.all_day and block.day_span is not None:
            span_start, span_end = block.day_span
            day = max(span_start, first_day)
            while day < span_end and day <= last_day:
                days[day].all_day.append(block)
                day += timedelta(days=1)
            continue
        start_local = block.start.astimezone(zone)
        end_local = block.end.astimezone(zone)
        day = max(start_local.date(), first_day)
        last = min(end_local.date(), last_day)
        while day <= last:
            lo, hi = _day_bounds(day, zone, rules.working_hours)
            piece_start, piece_end = max(block.start, lo), min(block.end, hi)
            if piece_end > piece_start:
                days[day].pieces.append((piece_start, piece_end, block))
            day += timedelta(days=1)
    marks = [_mark(day, days[day], zone, rules) for day in sorted(days)]
    return [m for m in marks if m is not None]


def _mark(day: date, info: _Day, zone: tzinfo, rules: ImportRules) -> DayMark | None:
    merged = _merge([(s, e) for s, e, _ in info.pieces])
    timed_hours = sum((e - s).total_seconds() for s, e in merged) / 3600.0
    hours = max(timed_hours, rules.all_day_hours if info.all_day else 0.0)
    if not rules.count_busy_hours:
        hours = 0.0
    hours = round(hours, 2)

    if info.all_day:
        oof = [b for b in info.all_day if b.out_of_office]
        if oof:
            return DayMark(day, "unavailable", hours, _with_titles("all-day: out of office", oof))
        if rules.all_day_busy_unavailable:
            return DayMark(day, "unavailable", hours, _with_titles("all-day: busy", info.all_day))

    threshold = rules.busy_block_hours_unavailable
    if merged and threshold is not None:
        longest = max(merged, key=lambda se: se[1] - se[0])
        if (longest[1] - longest[0]).total_seconds() >= threshold * 3600 - 1e-6:
            inside = [b for s, e, b in info.pieces if s < longest[1] and e > longest[0]]
            label = "out of office" if any(b.out_of_office for b in inside) else "busy"
            text = f"{label} {_span_text(day, longest, zone)}"
            return DayMark(day, "unavailable", hours, _with_titles(text, inside))

    if not rules.count_busy_hours:
        return None
    if info.all_day:  # all-day busy, but the rules say it is only busy time
        return DayMark(day, "busy", hours, _with_titles("all-day: busy", info.all_day))
    if not merged:
        return None
    if len(merged) == 1:
        text = f"busy {_span_text(day, merged[0], zone)}"
    else:
        text = f"busy {_hours_text(timed_hours)} in {len(merged)} blocks"
    return DayMark(day, "busy", hours, _with_titles(text, [b for _, _, b in info.pieces]))


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _day_bounds(day: date, zone: tzinfo, working_hours: tuple[time, time] | None) -> tuple[datetime, datetime]:
    """The UTC instants where local ``day`` (or its working hours) begins and ends."""
    if working_hours is None:
        begin = datetime.combine(day, time(), zone)
        end = datetime.combine(day + timedelta(days=1), time(), zone)
    else:
        begin = datetime.combine(day, working_hours[0], zone)
        end = datetime.combine(day, working_hours[1], zone)
    return begin.astimezone(UTC), end.astimezone(UTC)


def _span_text(day: date, span: tuple[datetime, datetime], zone: tzinfo) -> str:
    start = span[0].astimezone(zone)
    end = span[1].astimezone(zone)
    end_text = "24:00" if end.date() > day else end.strftime("%H:%M")
    return f"{start.strftime('%H:%M')}–{end_text}"


def _hours_text(hours: float) -> str:
    return f"{hours:.1f} h".replace(".0 h", " h")


def _with_titles(text: str, blocks: Iterable[BusyBlock]) -> str:
    titles: list[str] = []
    for block in blocks:
        if block.title and block.title not in titles:
            titles.append(block.title)
    if not titles:
        return text
    shown = ", ".join(titles[:_MAX_TITLES]) + (", …" if len(titles) > _MAX_TITLES else "")
    return f"{text} ({shown})"


def zone_from_name(tz: str | tzinfo) -> tzinfo:
    if not isinstance(tz, str):
        return tz
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None
