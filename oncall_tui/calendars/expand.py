"""Expand a calendar's events into busy blocks for a time window.

All recurrence work (RRULE, RDATE, EXDATE, moved and cancelled occurrences,
RANGE=THISANDFUTURE) is done by recurring-ical-events; this module only reads
each occurrence's times and a few properties. Work is per occurrence in the
window, never per event in the file.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from oncall_tui.calendars.errors import CalendarError

if TYPE_CHECKING:
    from icalendar import Calendar

UTC = UTC

# The work one expansion may do (module constants; tests lower them).  A calendar that needs
# more is refused with one line naming it: a 220-byte calendar repeating every second must not
# cost minutes and gigabytes.
#: Occurrences in the window, all series together (a busy month has a few hundred).
MAX_OCCURRENCES = 20_000
#: Seconds of expansion after parsing.
MAX_SECONDS = 15.0
#: Steps the recurrence engine would walk, from each series' start to the window's end (it walks
#: every step before the window too): what FREQ=SECONDLY from years ago costs before it yields.
MAX_STEPS = 2_000_000
#: Days each month can have (February 29 in leap years): a rule asking only for days no month it
#: allows has (February 30, April 31) never matches, and the engine walks to the year 9999 looking.
_MONTH_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_FREQ_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 604800,
                 "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}

# Outlook/Exchange free/busy status → our reading.
_FREE_STATUSES = {"FREE", "WORKINGELSEWHERE"}
# Titles that mean "away" even when an export marks the event free (Google
# exports all-day events as TRANSPARENT by default). The hint must be the whole
# title or be followed by a separator: "Vacation", "OOO - dentist",
# "PTO (half day)" yes; "Vacation planning", "Discuss out of office policy" no.
_OOO_HINTS = (
    "out of office", "out-of-office", "ooo", "vacation", "holidays", "pto",
    "annual leave", "on leave", "parental leave", "sick leave", "sick day",
    "urlaub", "congé", "congés",
)
_OOO_RE = re.compile(
    r"^\W*(?:" + "|".join(re.escape(h) for h in _OOO_HINTS) + r")\s*(?:[-–—:(/|,]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BusyBlock:
    """One occurrence of an event, reduced to what availability needs.

    ``start``/``end`` are aware UTC datetimes. For all-day events ``day_span``
    holds the floating dates ``(first_day, day_after_last)`` – use it, not
    start/end, which are only the local midnights in the zone used for
    floating times. ``title`` is None unless titles were asked for.
    ``transparent`` blocks are free time (TRANSP:TRANSPARENT or an Outlook
    FREE status) and count as nothing; they are listed so a preview can say so.
    """

    start: datetime
    end: datetime
    all_day: bool
    day_span: tuple[date, date] | None
    transparent: bool
    out_of_office: bool
    tentative: bool
    title: str | None = None

    @property
    def busy(self) -> bool:
        return not self.transparent


def is_out_of_office_title(title: str) -> bool:
    """Whether an event title says its owner is away (OOO, vacation, PTO…)."""
    return bool(_OOO_RE.match(title.strip()))


def busy_blocks(
    cal: Calendar,
    start: datetime,
    end: datetime,
    *,
    keep_titles: bool = False,
    floating_tz: tzinfo | None = None,
    warnings: list[str] | None = None,
    name: str = "calendar",
) -> list[BusyBlock]:
    """Occurrences of ``cal``'s events overlapping ``[start, end)``, sorted by start.

    ``start``/``end`` must be aware. Floating times and all-day dates are read
    in ``floating_tz`` (default: ``start``'s zone) – pass the person's zone.
    Cancelled occurrences are left out; free (transparent) ones are kept with
    ``transparent=True``. A series the library cannot expand is skipped and a
    line is appended to ``warnings``. Raises CalendarError only when nothing
    at all can be expanded.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("busy_blocks needs aware datetimes for start and end")
    import time as clock

    import recurring_ical_events

    _install_metering()
    zone = floating_tz or start.tzinfo
    notes = warnings if warnings is not None else []
    steps = sum(_recurrence_steps(c, end) for c in cal.subcomponents if c.name == "VEVENT")
    if steps > MAX_STEPS:
        raise CalendarError(f"{name}: its repeating events are too much work to expand (over {MAX_STEPS:,} "
                            f"steps; does an event repeat every second or minute?)")
    for component in cal.subcomponents:
        if component.name == "VEVENT" and _never_matches(component):
            raise CalendarError(f"{name}: an event repeats only on a day that does not exist (such as "
                                f"February 30), which cannot be expanded")
    give_up_at = clock.monotonic() + MAX_SECONDS
    _meter.current = _Meter(name, give_up_at)
    try:
        return _expand(cal, start, end, name, notes, zone, keep_titles, give_up_at, recurring_ical_events)
    finally:
        _meter.current = None


def _expand(cal: Calendar, start: datetime, end: datetime, name: str, notes: list[str], zone: tzinfo,
            keep_titles: bool, give_up_at: float, recurring_ical_events: Any) -> list[BusyBlock]:
    import time as clock

    query = _query(cal, name, notes, recurring_ical_events)
    _note_series_the_library_skipped(cal, query, name, notes)
    blocks: list[BusyBlock] = []
    skipped_series = 0
    first_series_error = ""
    unknown_zones: set[str] = set()
    count = 0
    for series in query.series:
        occurrences = []
        try:
            for occurrence in series.between(start, end):
                count += 1
                if count > MAX_OCCURRENCES:
                    raise CalendarError(f"{name}: more than {MAX_OCCURRENCES:,} events in the period, too many "
                                        f"to import")
                if clock.monotonic() > give_up_at:
                    raise CalendarError(f"{name}: expanding its events took more than {MAX_SECONDS:g} s, "
                                        f"too much work to import")
                occurrences.append(occurrence)
        except CalendarError:
            raise
        except Exception as error:  # one malformed series must not sink the import
            skipped_series += 1
            first_series_error = first_series_error or f"{series.uid}: {_short(error)}"
            continue
        for occurrence in occurrences:
            component = occurrence.as_component(False)
            try:
                block = _block_from(component, zone, keep_titles, unknown_zones)
            except Exception as error:  # e.g. a DTSTART of an impossible type
                skipped_series += 1
                first_series_error = first_series_error or f"{series.uid}: {_short(error)}"
                continue
            if block is not None:
                blocks.append(block)
    if skipped_series:
        notes.append(
            f"{name}: skipped {skipped_series} event(s) that could not be read (first: {first_series_error})"
        )
    for zone_name in sorted(unknown_zones):
        notes.append(f"{name}: unknown time zone {zone_name!r}; its times were read as local time")
    blocks.sort(key=lambda b: (b.start, b.end))
    return blocks


class _Meter:
    """The recurrence engine's own steps for one expansion, counted as it walks: a rule that
    matches nothing walks step after step towards the year 9999 without yielding anything, so
    the step budget and the deadline must hold inside the walk, not only between occurrences."""

    __slots__ = ("name", "give_up_at", "steps")

    def __init__(self, name: str, give_up_at: float) -> None:
        self.name, self.give_up_at, self.steps = name, give_up_at, 0

    def step(self) -> None:
        import time as clock

        self.steps += 1
        if self.steps > MAX_STEPS:
            raise CalendarError(f"{self.name}: its repeating events are too much work to expand (over "
                                f"{MAX_STEPS:,} steps; does an event repeat on a day that rarely or never comes?)")
        if self.steps % 256 == 0 and clock.monotonic() > self.give_up_at:
            raise CalendarError(f"{self.name}: expanding its events took more than {MAX_SECONDS:g} s, "
                                f"too much work to import")


_meter = threading.local()  # .current: the _Meter of the expansion running in this thread, if any
_metering_installed = False


def _install_metering() -> None:
    """Make dateutil's rrule walk count each period it considers (one call per day, week, month
    or year it looks at) against the running expansion's meter.  Other rrule users in the
    process (none meter anything) pay one attribute look-up per period."""
    global _metering_installed
    if _metering_installed:
        return
    from dateutil import rrule as dateutil_rrule

    base = dateutil_rrule._iterinfo

    def metered(method_name: str):
        plain = getattr(base, method_name)

        def method(self, year, month, day):
            meter = getattr(_meter, "current", None)
            if meter is not None:
                meter.step()
            return plain(self, year, month, day)
        method.__name__ = method_name
        return method

    # No __slots__ of its own: the base's __init__ fills the slots named by self.__slots__.
    metered_class = type("_MeteredIterinfo", (base,), {m: metered(m) for m in ("ydayset", "mdayset",
                                                                                 "wdayset", "ddayset")})
    dateutil_rrule._iterinfo = metered_class
    _metering_installed = True


def _never_matches(component: Any) -> bool:
    """Whether one of the event's rules asks only for month days none of its months has."""
    rules = component.get("RRULE")
    for rule in (rules if isinstance(rules, list) else [rules]) if rules is not None else []:
        try:
            months = [int(m) for m in rule.get("BYMONTH") or []]
            days = [int(d) for d in rule.get("BYMONTHDAY") or []]
        except (TypeError, ValueError):
            continue  # the engine will say what is wrong with it
        if not months or not days or any(not 1 <= m <= 12 for m in months):
            continue
        longest = max(_MONTH_DAYS[m] for m in months)
        if all(abs(d) > longest for d in days):
            return True
    return False


def _recurrence_steps(component: Any, end: datetime) -> float:
    """Roughly how many steps the recurrence engine walks for this event up to ``end``: its
    RRULEs' periods from DTSTART (or to UNTIL, or COUNT), times the BY* lists each step expands."""
    rules = component.get("RRULE")
    if rules is None or "DTSTART" not in component:
        return 0
    try:
        first = _naive(component["DTSTART"].dt)
    except Exception:  # an impossible DTSTART is the expansion's to report
        return 0
    stop = _naive(end)
    total = 0.0
    for rule in rules if isinstance(rules, list) else [rules]:
        try:
            period = _FREQ_SECONDS.get(str((rule.get("FREQ") or ["DAILY"])[0]).upper(), 86400)
            period *= max(1, int((rule.get("INTERVAL") or [1])[0]))
            until = rule.get("UNTIL")
            last = min(stop, _naive(until[0])) if until else stop
            n = max(0.0, (last - first).total_seconds()) / period + 1
            if rule.get("COUNT"):
                n = min(n, int(rule["COUNT"][0]))
            for key, values in rule.items():
                if key.upper().startswith("BY") and key.upper() != "BYSETPOS":
                    n *= max(1, len(values))
        except (TypeError, ValueError, OverflowError):
            continue  # a rule the engine cannot read; it will say so
        total += n
    return total


def _naive(value: Any) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _query(cal: Calendar, name: str, notes: list[str], rie: Any) -> Any:
    try:
        return rie.of(cal, skip_bad_series=True)
    except Exception as first_error:
        # Components without DTSTART make the library fail for the whole
        # calendar (KeyError 'DTSTART'); drop them and try once more.
        kept = [c for c in cal.subcomponents if not (c.name == "VEVENT" and "DTSTART" not in c)]
        dropped = len(cal.subcomponents) - len(kept)
        if dropped:
            clean = cal.copy()
            clean.subcomponents = kept
            try:
                query = rie.of(clean, skip_bad_series=True)
            except Exception as error:
                raise CalendarError(f"{name}: its events cannot be expanded ({_short(error)})") from None
            notes.append(f"{name}: skipped {dropped} event(s) without a start time")
            return query
        raise CalendarError(f"{name}: its events cannot be expanded ({_short(first_error)})") from None


def _note_series_the_library_skipped(cal: Calendar, query: Any, name: str, notes: list[str]) -> None:
    """skip_bad_series drops malformed series silently; say which ones."""
    wanted = {str(c["UID"]) for c in cal.subcomponents if c.name == "VEVENT" and "DTSTART" in c and "UID" in c}
    got = {str(series.uid) for series in query.series}
    missing = sorted(wanted - got)
    if missing:
        shown = ", ".join(missing[:3]) + (", …" if len(missing) > 3 else "")
        notes.append(f"{name}: skipped {len(missing)} event series that could not be read ({shown})")


def _block_from(component: Any, zone: tzinfo, keep_titles: bool, unknown_zones: set[str]) -> BusyBlock | None:
    status = str(component.get("STATUS", "")).upper()
    if status == "CANCELLED":
        return None
    dtstart = component["DTSTART"]
    begin = dtstart.dt
    dtend = component.get("DTEND")
    finish = dtend.dt if dtend is not None else begin
    title = str(component.get("SUMMARY", "")).strip()
    busy_status = str(component.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper()
    out_of_office = busy_status == "OOF" or (bool(title) and is_out_of_office_title(title))
    transparent = (
        str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT" or busy_status in _FREE_STATUSES
    ) and not out_of_office
    tentative = status == "TENTATIVE" or busy_status == "TENTATIVE"
    shown_title = (title or None) if keep_titles else None

    begin_is_day = not isinstance(begin, datetime)
    finish_is_day = not isinstance(finish, datetime)
    if begin_is_day and finish_is_day:
        last = finish if finish > begin else begin + timedelta(days=1)
        return BusyBlock(
            start=datetime.combine(begin, time(), zone).astimezone(UTC),
            end=datetime.combine(last, time(), zone).astimezone(UTC),
            all_day=True,
            day_span=(begin, last),
            transparent=transparent,
            out_of_office=out_of_office,
            tentative=tentative,
            title=shown_title,
        )
    begin_utc = _to_utc(begin, zone, dtstart, unknown_zones)
    finish_utc = _to_utc(finish, zone, dtend, unknown_zones)
    if finish_utc < begin_utc:
        begin_utc, finish_utc = finish_utc, begin_utc
    return BusyBlock(
        start=begin_utc,
        end=finish_utc,
        all_day=False,
        day_span=None,
        transparent=transparent,
        out_of_office=out_of_office,
        tentative=tentative,
        title=shown_title,
    )


def _to_utc(value: date | datetime, zone: tzinfo, prop: Any, unknown_zones: set[str]) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), zone).astimezone(UTC)
    if value.tzinfo is None:
        tzid = prop.params.get("TZID") if prop is not None else None
        if tzid:
            unknown_zones.add(str(tzid))
        return value.replace(tzinfo=zone).astimezone(UTC)
    return value.astimezone(UTC)


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    if len(text) > 100:
        text = text[:99] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
