"""Turn a rotation into its shifts, in the rotation's own time zone.

A daily 09:00 handoff stays at 09:00 local across daylight saving, so that
shift is 23 or 25 hours long.  A follow-the-sun rotation has several handoffs
a day, each window staffed from its own region.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .domain import Rotation, ShiftSlot, Window


def parse_hhmm(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValueError(f"{text!r} is not a time of day like 09:00") from None


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Wall-clock time in `tz` to UTC.  A time skipped by a DST jump moves forward to the
    first valid time after the gap (01:30 on a 01:00-02:00 gap starts at 02:00); an ambiguous
    one takes its first occurrence."""
    naive = datetime.combine(day, at)
    early = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if early.astimezone(tz).replace(tzinfo=None) == naive:
        return early
    # In a spring-forward gap: fold=0 reads it with the offset before the jump (later in UTC),
    # fold=1 with the one after (earlier); the jump lies between them.  Find it to the minute.
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = early
    after = high.astimezone(tz).utcoffset()
    while high - low > timedelta(minutes=1):
        mid = low + (high - low) / 2
        if mid.astimezone(tz).utcoffset() == after:
            high = mid
        else:
            low = mid
    return high.replace(second=0, microsecond=0)


def wall_time(naive: datetime, tz: ZoneInfo | str) -> datetime:
    """A wall-clock time someone typed in zone `tz`, as a UTC moment.  A time the clocks skip
    (the spring-forward gap) does not exist: ValueError with one line saying so.  A time the
    clocks pass twice (the fall-back hour) is its first occurrence (fold=0: the one still on
    summer time).  (`local_to_utc` is for handoffs, which move past a gap instead.)"""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    naive = naive.replace(tzinfo=None)
    at = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if at.astimezone(zone).replace(tzinfo=None) != naive:
        raise ValueError(f"{naive:%H:%M} does not exist on {naive:%a %d %b %Y} in {zone.key}: "
                         f"the clocks go forward")
    return at


def piece_id(uid: str, start: datetime) -> str:
    """One piece of a shift, told apart from the other pieces of the same slot: after a partial
    cover a slot's uid is shared by every piece (09:00-12:00 mine, 12:00-13:00 theirs, 13:00-09:00
    mine again), so a list showing pieces keys each by uid and start."""
    return f"{uid}@{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


#: How a moment is typed and prefilled in a form, in the reader's own zone ("2026-12-03 14:00").
MOMENT_FORMAT = "%Y-%m-%d %H:%M"


def moment_text(dt: datetime, tz: str) -> str:
    """`dt` as a form shows it for typing over, in zone `tz`."""
    return dt.astimezone(ZoneInfo(tz)).strftime(MOMENT_FORMAT)


def part_of_shift(text_from: str, text_to: str, start: datetime, end: datetime,
                  tz: str) -> tuple[datetime, datetime]:
    """The part of the shift [start, end) that a person typed, in their zone `tz`: each end
    "YYYY-MM-DD HH:MM", or just "HH:MM" (the first such time in the shift; for the end, the
    first after the start typed).  Empty means the shift's own edge.  Raises ValueError with
    one line for anything that is not a part of the shift."""
    zone = ZoneInfo(tz)

    def moment(text: str, name: str, after: datetime, edge: datetime) -> datetime:
        text = " ".join(text.split())
        if not text:
            return edge
        if " " not in text and ":" in text:
            at = parse_hhmm(text)
            day = after.astimezone(zone).date()
            for offset in range(0, 9):
                found = local_to_utc(day + timedelta(days=offset), at, zone)
                if found > after or (found == after and name == "from"):
                    return wall_time(datetime.combine(day + timedelta(days=offset), at), zone)
            raise ValueError(f"{name} {text} is not inside the shift")
        try:
            naive = datetime.strptime(text, MOMENT_FORMAT)
        except ValueError:
            raise ValueError(f"{name} {text!r} is not a time like 14:00 or 2026-12-03 14:00") from None
        return wall_time(naive, zone)

    first = moment(text_from, "from", start, start)
    last = moment(text_to, "to", first, end)
    if not (start <= first < end) or not (start < last <= end):
        span = f"{moment_text(start, tz)} to {moment_text(end, tz)}"
        raise ValueError(f"the part must lie inside the shift, {span} ({tz})")
    if last <= first:
        raise ValueError("the part must end after it starts")
    return first, last


def outside(spans: list[tuple[datetime, datetime]],
            taken: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The hours of `spans` outside every span of `taken`, in order."""
    out = []
    for s, e in spans:
        for ts, te in sorted(taken):
            if ts < e and te > s:
                if ts > s:
                    out.append((s, ts))
                s = max(s, te)
        if s < e:
            out.append((s, e))
    return out


@lru_cache(maxsize=4096)
def local_day_span(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A local day in `tz`, 00:00 to the next 00:00, as a UTC range [start, end).  Kept once
    worked out: a month's problem asks it for every shift, person zone and day touched."""
    return local_to_utc(day, time(0), tz), local_to_utc(day + timedelta(days=1), time(0), tz)


def days_overlapped(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    """The local days in `tz` (each 00:00 to the next 00:00) that the UTC range [start, end)
    overlaps: the one rule for which day marks (unavailable, prefer not, preferred) touch a
    shift, used by the planner, its candidate lists and the availability views."""
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    days = []
    day = first
    while day <= last:
        day_start, day_end = local_day_span(day, tz)
        if day_start < end and start < day_end:
            days.append(day)
        day += timedelta(days=1)
    return days


def daily_windows(rotation: Rotation) -> list[Window]:
    """The handoffs of one day, in order of local time."""
    if rotation.windows:
        return sorted(rotation.windows, key=lambda w: parse_hhmm(w.start))
    if rotation.shift_kind == "hours":
        hours = rotation.shift_hours
        if hours <= 0 or 24 % hours:
            raise ValueError("custom shift hours must divide a day (1, 2, 3, 4, 6, 8, 12)")
        first = parse_hhmm(rotation.handoff)
        starts = [(first.hour + i * hours) % 24 for i in range(24 // hours)]
        return sorted((Window(start=f"{h:02d}:{first.minute:02d}") for h in starts),
                      key=lambda w: parse_hhmm(w.start))
    return [Window(start=rotation.handoff)]


def generate_shifts(rotation: Rotation, first_day: date, last_day: date) -> list[ShiftSlot]:
    """Every shift of `rotation` that starts on a local day in [first_day, last_day]."""
    if last_day < first_day:
        return []
    tz = ZoneInfo(rotation.tz)
    if rotation.shift_kind == "weekly":
        return _weekly(rotation, tz, first_day, last_day)
    windows = daily_windows(rotation)
    starts: list[tuple[datetime, str]] = []
    day = first_day
    while day <= last_day + timedelta(days=1):
        for w in windows:
            starts.append((local_to_utc(day, parse_hhmm(w.start), tz), w.region))
        day += timedelta(days=1)
    slots = []
    for (start, region), (end, _) in zip(starts, starts[1:]):
        # a handoff inside a spring-forward gap moves to the gap's end, where the next one may
        # already be (02:00 after 01:00 on an hourly rotation): that window has no time that day
        if start < end and start.astimezone(tz).date() <= last_day:
            slots.append(ShiftSlot(rotation=rotation.slug, start=start, end=end, region=region))
    return slots


def _weekly(rotation: Rotation, tz: ZoneInfo, first_day: date, last_day: date) -> list[ShiftSlot]:
    at = parse_hhmm(rotation.handoff)
    day = first_day + timedelta(days=(rotation.handoff_weekday - first_day.weekday()) % 7)
    slots = []
    while day <= last_day:
        start = local_to_utc(day, at, tz)
        end = local_to_utc(day + timedelta(days=7), at, tz)
        slots.append(ShiftSlot(rotation=rotation.slug, start=start, end=end, region=""))
        day += timedelta(days=7)
    return slots

