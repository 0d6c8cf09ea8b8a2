"""Plain data of the availability area: a person's month, calendar sources, the team grid.

These cross the backend interface like `domain.py` (see `wire.py`).  States:

- set by hand: ``unavailable``, ``prefer_not``, ``preferred``, ``available`` (the last one
  overrides what a calendar says); ``clear`` removes hand-set marks;
- from a calendar: ``unavailable`` or ``busy`` (busy hours count towards utilisation only);
- shown when nothing is known: ``available``.

Where a state came from is ``source``: ``"hand"`` or ``"calendar:<label>"`` (``""`` when
nothing was set).  Hand-set wins over calendars when the effective state is worked out.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, TypeVar

from .domain import PersonRef, Recommendation

HAND_STATES = ("unavailable", "prefer_not", "preferred", "available")
SET_STATES = HAND_STATES + ("clear",)
CALENDAR_STATES = ("unavailable", "busy")
STATE_WORDS = {
    "available": "free",
    "unavailable": "off",
    "prefer_not": "avoid",
    "preferred": "want",
    "busy": "busy",
}
"""Short words that go with the grid symbols, so a state never relies on colour."""
SOURCE_KINDS = ("file", "url")
STATE_PRECEDENCE = ("unavailable", "busy", "prefer_not", "preferred", "available")
"""Among marks of one standing, the state that wins, strongest first."""
_RANK = {state: i for i, state in enumerate(STATE_PRECEDENCE)}


MARK_WORDS = {
    "unavailable": "unavailable",
    "prefer_not": "prefer not",
    "preferred": "preferred",
    "available": "available",
    "busy": "busy",
}
"""A state as a sentence says it ("marked prefer not by hand")."""


def calendar_label(source: str) -> str | None:
    """The calendar's label of a ``"calendar:<label>"`` source (None for anything else)."""
    return source.split(":", 1)[1] if source.startswith("calendar:") else None


def source_words(source: str) -> str:
    """Where a mark came from, in words: "set by hand", "from calendar 'Work'", "nothing set"
    (the one home: screens, CLI and the planner's explanations all say it this way)."""
    label = calendar_label(source)
    if label is not None:
        return f"from calendar '{label}'"
    if source == "swap":
        return "from a swap request"
    return "set by hand" if source == "hand" else "nothing set"


def mark_words(state: str, source: str, note: str = "") -> str:
    """One mark explained with its source: "marked prefer not by hand (dentist)",
    "busy in calendar 'Work' (busy 09:00–09:15)"; a calendar marks, a person sets."""
    word = MARK_WORDS.get(state, state)
    label = calendar_label(source)
    if source == "swap":  # the note names the swap and its hours: "asked for cover (swap 5, 14:00-16:00)"
        return f"{word}: {note}" if note else f"{word}: asked for cover"
    text = f"{word} in calendar '{label}'" if label is not None else (
        f"marked {word} by hand" if source == "hand" else f"{word} (nothing set)")
    return text + (f" ({note})" if note else "")


class _Marked(Protocol):
    @property
    def state(self) -> str: ...

    @property
    def shift_start(self) -> datetime | None: ...

    @property
    def until(self) -> datetime | None: ...


def marks_shift(mark: _Marked, start: datetime, end: datetime | None = None) -> bool:
    """Whether a mark on a shift or a stretch of time (`until`) is about the shift `start` to
    `end`: a shift mark names the shift by its start; a stretch touches every shift it overlaps
    (without `end`, the one running at `start`)."""
    if mark.shift_start is None:
        return False
    if mark.until is None:
        return mark.shift_start == start
    if end is None:
        return mark.shift_start <= start < mark.until
    return mark.shift_start < end and start < mark.until


M = TypeVar("M", bound=_Marked)


def deciding_mark(marks: Iterable[M], hand_set: Callable[[M], bool],
                  shift_start: datetime | None = None, shift_end: datetime | None = None) -> M | None:
    """Of one person's marks on one day, the one that decides: the one precedence the
    availability views and the planner share.

    For the shift starting `shift_start` (ending `shift_end`): a hand-set mark on that shift (or
    a stretch of time overlapping it, `marks_shift`), else a hand-set
    whole-day mark, else a calendar's mark on that shift, else a calendar's whole-day mark.
    For the day itself (`shift_start` None): a hand-set whole-day mark, else a hand-set mark on
    one of its shifts, else a calendar's mark.  Among marks of one standing the strongest state
    wins (`STATE_PRECEDENCE`), then the first given.  None when nothing is marked."""
    best: tuple[int, int, int] | None = None
    chosen = None
    for i, mk in enumerate(marks):
        hand, on_shift = hand_set(mk), mk.shift_start is not None
        if shift_start is None:
            standing = (1 if on_shift else 0) if hand else 2
        elif on_shift and not marks_shift(mk, shift_start, shift_end):
            continue  # another shift's mark
        else:
            standing = (0 if on_shift else 1) + (0 if hand else 2)
        key = (standing, _RANK.get(mk.state, len(_RANK)), i)
        if best is None or key < best:
            best, chosen = key, mk
    return chosen


def strongest_mark(marks: Iterable[M]) -> M | None:
    """Of marks that each decide a part of one shift (one per local day it overlaps), the one
    that decides the shift: the strongest state (`STATE_PRECEDENCE`), then the first given."""
    return min(marks, key=lambda mk: _RANK.get(mk.state, len(_RANK)), default=None)


@dataclass(frozen=True, kw_only=True)
class CalendarRules:
    """What an imported calendar may mark (stored per calendar source).

    ``busy_block_hours``: a continuous busy stretch of at least this many hours makes the
    day unavailable (None: never).  ``working_hours`` "09:00-17:00" clips timed events before
    measuring; "" counts the whole day."""

    all_day_unavailable: bool = True
    busy_block_hours: float | None = 4.0
    count_busy_hours: bool = True
    tentative_is_busy: bool = True
    working_hours: str = ""


@dataclass(frozen=True, kw_only=True)
class CalendarSourceInfo:
    """One of a person's calendars.  ``location`` is the file path, or the secret iCal URL
    in full for its owner only (everybody else sees scheme and host)."""

    id: int
    owner: str
    label: str
    kind: str  # file | url
    location: str
    rules: CalendarRules
    keep_titles: bool
    last_synced_at: datetime | None
    synced_month: str
    last_error: str
    marks: int
    version: int


@dataclass(frozen=True, kw_only=True)
class ShiftAvailability:
    """One shift of the person's rotations that starts on a day, and their state for it."""

    rotation: str
    rotation_name: str
    start: datetime
    end: datetime
    state: str
    source: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Mark:
    """A stored availability row: hand-set (source "hand") or from a calendar."""

    day: date
    state: str
    source: str
    source_id: int | None = None
    shift_start: datetime | None = None
    busy_hours: float = 0.0
    note: str = ""
    reason: str = ""  # a calendar's words: "busy 09:00–17:00" (titles only if kept)
    until: datetime | None = None  # a stretch of time shift_start..until (a swap's "asked for cover")


@dataclass(frozen=True, kw_only=True)
class DayAvailability:
    day: date
    state: str
    source: str
    note: str = ""
    busy_hours: float = 0.0
    shifts: tuple[ShiftAvailability, ...] = ()
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True, kw_only=True)
class MonthAvailability:
    """Everything the "My availability" screen shows for one person and month."""

    person: PersonRef
    month: str
    days: tuple[DayAvailability, ...]
    editable: bool
    lock_reason: str
    deadline: date | None  # last day next month's availability may change (None: no deadline)
    busy_hours: float
    working_hours: float
    utilisation: float
    manual_pct: int | None
    sources: tuple[CalendarSourceInfo, ...] = ()
    version: int = 0  # of the hand-set marks: give it back to set_availability as expected_version


@dataclass(frozen=True, kw_only=True)
class PreviewMark:
    """A day an import would mark.  ``change``: new | same | changed | under-hand (a hand-set
    mark on that day wins, so the day will look the same)."""

    day: date
    state: str
    busy_hours: float
    reason: str
    change: str


@dataclass(frozen=True, kw_only=True)
class CalendarPreview:
    """What an import would mark, before anything changes."""

    label: str
    month: str
    marks: tuple[PreviewMark, ...]
    removed: tuple[date, ...]  # days this source marked before and would no longer mark
    warnings: tuple[str, ...]
    event_count: int
    unavailable_days: int
    busy_hours: float
    digest: str  # pass to sync_calendar(expected_digest=) to apply exactly this


@dataclass(frozen=True, kw_only=True)
class SyncResult:
    """The outcome of a sync: applied, unchanged (HTTP 304), or failed (nothing changed)."""

    ok: bool
    source: CalendarSourceInfo
    month: str
    message: str
    applied: int = 0
    removed: int = 0
    not_modified: bool = False
    warnings: tuple[str, ...] = ()
    event_count: int = 0  # events the calendar holds (an applied sync)
    unavailable_days: int = 0


@dataclass(frozen=True, kw_only=True)
class DayCell:
    state: str
    source: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class TeamMemberMonth:
    person: PersonRef
    cells: tuple[DayCell, ...]
    recommendation: Recommendation
    busy_hours: float = 0.0
    manual_pct: int | None = None


@dataclass(frozen=True, kw_only=True)
class RoleCoverage:
    """Per day, how many eligible people are available for a role."""

    role: str
    counts: tuple[int, ...]
    needed: int = 1


@dataclass(frozen=True, kw_only=True)
class TeamAvailability:
    team: str
    team_name: str
    month: str
    days: tuple[date, ...]
    members: tuple[TeamMemberMonth, ...]
    coverage: tuple[RoleCoverage, ...] = ()
    deadline: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def decode_calendar(data: bytes) -> str:
    """A calendar file's bytes as text to send over the backend (UTF-8, else Latin-1)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")
