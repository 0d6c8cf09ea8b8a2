"""My availability: a month of days to mark by hand, and the calendars that mark them for me."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ..core.domain_availability import (
    STATE_WORDS,
    DayAvailability,
    MonthAvailability,
    SyncResult,
    calendar_label,
    source_words,
)
from ..core.months import add_months
from ..core.recommend import utilisation_words
from ..formatting import escape, local, plural
from ..widgets.availability_grid import STATE_SYMBOLS, state_legend
from ..widgets.month_calendar import MonthCalendar, MonthCell
from .availability_calendars import CalendarsScreen, read_calendar_text, sync_words
from .availability_dialogs import AddCalendarScreen, AskScreen, PreviewScreen
from .base import AreaScreen

LEGEND = f"{state_legend()} * note @ shift · space range · [ ] month"


def cell_of(d: DayAvailability) -> MonthCell:
    shift_mark = any(mk.shift_start is not None and (mk.source == "hand" or mk.until is not None) for mk in d.marks)
    return MonthCell(d.day, d.state, d.source, bool(d.note) and d.source == "hand", shift_mark)


class MyAvailabilityScreen(AreaScreen):
    AREA_TITLE = "My availability"
    DEFAULT_CSS = """
    MyAvailabilityScreen { layout: vertical; }
    MyAvailabilityScreen #av-status { height: auto; max-height: 4; padding: 0 1; }
    MyAvailabilityScreen #av-status.locked { color: $warning; }
    MyAvailabilityScreen #av-legend { height: 1; padding: 0 1; color: $text-muted; }
    MyAvailabilityScreen #av-detail { height: 3; padding: 0 1; }
    """
    BINDINGS = [
        Binding("u", "mark('unavailable')", "Off", tooltip="Mark the day, range or shift unavailable"),
        Binding("n", "mark('prefer_not')", "Avoid", tooltip="Mark it 'prefer not'"),
        Binding("y", "mark('preferred')", "Want", tooltip="Mark it preferred"),
        Binding("o", "mark('available')", "Free", show=False, tooltip="Available, whatever a calendar says"),
        Binding("x", "mark('clear')", "Clear", tooltip="Remove what you set by hand (calendars stay)"),
        Binding("space", "range", "Range", show=False, tooltip="Start or drop a range selection"),
        Binding("w", "target", "Day/shift", tooltip="Mark the whole day or a single shift of it"),
        Binding("e", "note", "Note", tooltip="A note on the day you set by hand"),
        Binding("c", "calendars", "Calendars", tooltip="Connect, preview, sync or remove calendars"),
        Binding("left_square_bracket,pageup", "month(-1)", "Prev", key_display="[", show=False,
                tooltip="The month before"),
        Binding("right_square_bracket,pagedown", "month(1)", "Next", key_display="]", show=False,
                tooltip="The month after"),
        Binding("f5", "refresh", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(name="availability")
        self.month: str | None = None
        self.view: MonthAvailability | None = None
        self.target = 0  # 0: the whole day; i: the i-th shift starting that day
        self.importing = ""  # what a calendar import is doing now ("" for nothing)
        self.importing_id: int | None = None
        self.import_note = ""  # how the last import ended, until the month changes
        self.sync_results: dict[int, SyncResult] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield Static("Loading…", id="av-status")
        yield MonthCalendar(date.today().replace(day=1), id="av-month")
        yield Static(LEGEND, id="av-legend")
        yield Static("", id="av-detail")
        yield from self.compose_footer()

    # -- loading -----------------------------------------------------------------------
    def fetch(self, backend) -> MonthAvailability:
        return backend.availability(month=self.month)

    def show(self, view: MonthAvailability) -> None:
        self.view, self.month = view, view.month
        cal = self.query_one(MonthCalendar)
        first = view.days[0].day
        cal.set_month(first, [cell_of(d) for d in view.days], locked=not view.editable)
        if self.focused is None:
            cal.focus()
        util = (f"{first:%B %Y} · "
                + utilisation_words(view.utilisation, view.busy_hours, view.working_hours, view.manual_pct))
        calendars = f"{plural(len(view.sources), 'calendar')} (c)"
        self._status_text = f"{util}\n{calendars}" + (" · " + view.lock_reason if view.lock_reason else "")
        self.query_one("#av-status", Static).set_class(not view.editable, "locked")
        self._show_status()
        self._show_detail()

    _status_text = ""

    def _show_status(self) -> None:
        """The month's figures, then what a calendar import is doing or how it ended."""
        extra = self.importing or self.import_note
        self.query_one("#av-status", Static).update(escape(self._status_text + ("\n" + extra if extra else "")))

    def _import_state(self, text: str, source_id: int | None = None) -> None:
        self.importing, self.importing_id = text, source_id
        if text:
            self.import_note = ""
        self._show_status()

    def _day(self) -> DayAvailability | None:
        if self.view is None:
            return None
        cursor = self.query_one(MonthCalendar).cursor
        for d in self.view.days:
            if d.day == cursor:
                return d
        return None

    def _show_detail(self) -> None:
        d, view = self._day(), self.view
        if d is None or view is None:
            return
        tz = view.person.tz
        symbol = STATE_SYMBOLS.get(d.state, "?")
        first = f"{d.day:%a %d %b} · {symbol} {STATE_WORDS.get(d.state, d.state)} · {source_words(d.source)}"
        if d.note:
            first += f": {d.note}"
        cal_marks = [mk for mk in d.marks if calendar_label(mk.source) is not None]
        if d.source == "hand" and cal_marks:
            first += (f" (calendar '{calendar_label(cal_marks[0].source)}' says "
                      f"{STATE_WORDS.get(cal_marks[0].state, cal_marks[0].state)})")
        for mk in d.marks:
            if mk.until is not None:  # a swap's hours: "asked for cover (swap 2, 21:00-23:00)"
                first += f" · {mk.note}"
        shifts = " · ".join(
            f"{local(s.start, tz):%H:%M} {s.rotation_name[:14]}: {STATE_WORDS.get(s.state, s.state)}"
            for s in d.shifts[:3]) or "no shift of yours starts this day"
        cal = self.query_one(MonthCalendar)
        chosen = self._target_shift()
        target = ("Marking: whole day" if chosen is None
                  else f"Marking: shift {local(chosen.start, tz):%a %H:%M}–{local(chosen.end, tz):%a %H:%M}")
        if cal.range_from is not None:
            target = f"Marking: {plural(len(cal.selected_days), 'day')} (range; space drops it)"
        self.query_one("#av-detail", Static).update(escape(f"{first}\nShifts: {shifts}\n{target}"
                                                           f" · w: day/shift · c: calendars"))

    def _target_shift(self):
        d = self._day()
        if d is None or self.target == 0 or self.target > len(d.shifts):
            return None
        return d.shifts[self.target - 1]

    @on(MonthCalendar.CursorMoved)
    def _moved(self) -> None:
        self.target = 0
        self._show_detail()

    # -- marking -----------------------------------------------------------------------
    def _refuse_if_closed(self) -> bool:
        if self.view is not None and not self.view.editable:
            self.notify(escape(self.view.lock_reason), title="Closed", severity="warning", timeout=8)
            return True
        return self.view is None

    def action_mark(self, state: str) -> None:
        if self._refuse_if_closed():
            return
        cal = self.query_one(MonthCalendar)
        days = cal.selected_days
        shift = self._target_shift() if len(days) == 1 else None
        d = self._day()
        note = d.note if d is not None and d.source == "hand" and len(days) == 1 and state != "clear" else ""
        start = shift.start if shift else None
        if self.view is None:
            return
        seen = self.view.version  # what the user sees: someone else's change since makes this stale
        self.act(lambda b: b.set_availability(days, state, note=note, shift_start=start, expected_version=seen),
                 done=self._applied)

    def _applied(self, view: MonthAvailability) -> None:
        self.query_one(MonthCalendar).clear_range()
        self.show(view)

    def action_range(self) -> None:
        self.query_one(MonthCalendar).toggle_range()
        self._show_detail()

    def action_target(self) -> None:
        d = self._day()
        if d is None or not d.shifts:
            self.notify("No shift of yours starts this day", severity="warning")
            return
        self.target = (self.target + 1) % (len(d.shifts) + 1)
        self._show_detail()

    def action_note(self) -> None:
        if self._refuse_if_closed():
            return
        d = self._day()
        if d is None or d.source != "hand":
            self.notify("Mark the day first (u, n, y or o), then add a note to it", severity="warning")
            return
        if self.view is None:
            return
        seen = self.view.version

        def kept(view: MonthAvailability | None) -> None:
            if view is not None:
                self._applied(view)
                self.notify("Note kept")
        self.app.push_screen(AskScreen(
            f"Note for {d.day:%a %d %b}", d.note, "why, or anything to know",
            call=lambda b, text: b.set_availability([d.day], d.state, note=text, expected_version=seen)), kept)

    def action_month(self, delta: int) -> None:
        if self.view is not None:
            self.month = add_months(self.view.month, delta)
            self.import_note = ""
            self.reload()

    def action_refresh(self) -> None:
        self.reload()

    # -- calendars -----------------------------------------------------------------------
    def action_calendars(self) -> None:
        if self.view is not None:
            self.app.push_screen(CalendarsScreen(self.view.sources, self.view.month, importing=self.importing,
                                                 importing_id=self.importing_id, results=self.sync_results),
                                 self._calendar_choice)

    def _calendar_choice(self, choice) -> None:
        if not choice:
            return
        what, source_id = choice
        if what == "add":
            if not self._refuse_if_closed():
                self.app.push_screen(AddCalendarScreen(), self._add_chosen)
        elif what == "sync":
            if self.view is not None and not self._refuse_if_closed():
                src = next(s for s in self.view.sources if s.id == source_id)
                self._preview(source_id=source_id, kind=src.kind, location=src.location)
        elif what == "remove":
            self.act(lambda b: b.remove_calendar_source(source_id), done=lambda _: self.reload(),
                     success="Calendar removed, with what it marked")

    def _add_chosen(self, chosen) -> None:
        if chosen:
            label, location, keep = chosen
            kind = "url" if location.lower().split(":", 1)[0] in ("http", "https", "webcal", "webcals") else "file"
            self._preview(label=label, location=location, kind=kind, keep=keep)

    def _preview(self, source_id: int | None = None, label: str = "", location: str = "", kind: str = "",
                 keep: bool = False) -> None:
        if self.view is None:
            return
        if self.importing:
            self.notify(escape(self.importing), title="One import at a time", severity="warning")
            return
        month = self.view.month
        name = label or next((s.label for s in self.view.sources if s.id == source_id), location)
        calendar = self.query_one(MonthCalendar)
        self._import_state(f"Importing '{name}': reading the calendar…", source_id)

        def look(backend):
            from ..calendars import CalendarError

            try:
                content = read_calendar_text(location) if kind == "file" else None
                if source_id is not None:
                    return content, backend.preview_calendar(source_id=source_id, month=month, content=content)
                return content, backend.preview_calendar(location=location, kind=kind, month=month,
                                                         keep_titles=keep, content=content, label=label)
            except CalendarError as exc:  # the calendar itself is refused: said as such, not a failure
                return None, exc

        def looked(answer) -> None:
            from ..calendars import CalendarError

            content, preview = answer
            if isinstance(preview, CalendarError):
                self.notify(escape(str(preview)), title="Not imported", severity="error", timeout=10)
                return

            def apply(b):
                sid = source_id if source_id is not None else b.add_calendar_source(
                    label, location, kind=kind, keep_titles=keep).id
                return b.sync_calendar(sid, month=month, content=content, expected_digest=preview.digest)

            def decided(go: bool | None) -> None:
                if go:
                    self._import_state(f"Importing '{name}': marking {plural(len(preview.marks), 'day')}…",
                                       source_id)
                    self.act(apply, done=self._synced, finished=lambda: self._import_state(""),
                             loading=calendar)
            self.app.push_screen(PreviewScreen(preview), decided)

        def read() -> None:  # the preview is on screen (or refused): nothing is importing now
            self._import_state("")
        self.run_backend(look, looked, group="calendar", finished=read, loading=calendar)

    def _synced(self, result: SyncResult) -> None:
        self.notify(escape(result.message), title="Calendar" if result.ok else "Not imported",
                    severity="information" if result.ok else "error", timeout=8)
        self.sync_results[result.source.id] = result
        if self.view is not None:  # the list says what is true now, before the reload comes back
            others = tuple(s for s in self.view.sources if s.id != result.source.id)
            self.view = replace(self.view, sources=tuple(sorted(others + (result.source,), key=lambda s: s.id)))
        self.import_note = f"'{result.source.label}' {sync_words(result.source, result)}"
        self.reload()
