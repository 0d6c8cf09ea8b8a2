"""One person's month as a calendar: weeks down, Monday..Sunday across, two lines a day.

Line one of a cell: the day number, the state's symbol and a short word; line two: where the
state came from ("hand", or the calendar's label), with "*" when there is a note and "@"
when a single shift is marked.  Every state reads without colour.  The widget moves a
cursor and a range selection and reports them; the screen decides what keys mark.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from ..core.months import month_of, month_range
from .availability_grid import STATE_SYMBOLS

CELL = 11
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WORDS = {"available": "", "unavailable": "off", "prefer_not": "avoid", "preferred": "want", "busy": "busy"}
STYLES = {
    "unavailable": Style(color="red", bold=True),
    "prefer_not": Style(color="yellow"),
    "preferred": Style(color="cyan", bold=True),
    "busy": Style(color="bright_black"),
    "available": Style(color="green"),
}


@dataclass(frozen=True)
class MonthCell:
    day: date
    state: str = "available"
    source: str = ""  # "hand", "calendar:Work", ""
    note: bool = False
    shift_mark: bool = False


def source_text(source: str) -> str:
    if source.startswith("calendar:"):
        return source.split(":", 1)[1]
    return source


class MonthCalendar(Widget, can_focus=True):
    DEFAULT_CSS = """
    MonthCalendar { height: auto; width: 79; padding: 0 1; }
    MonthCalendar:focus { background-tint: $foreground 3%; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", "Previous day", show=False),
        Binding("right", "move(1)", "Next day", show=False),
        Binding("up", "move(-7)", "Week before", show=False),
        Binding("down", "move(7)", "Week after", show=False),
        Binding("home", "edge(0)", "First day", show=False),
        Binding("end", "edge(1)", "Last day", show=False),
        Binding("shift+left", "move(-1, True)", "Select", show=False),
        Binding("shift+right", "move(1, True)", "Select", show=False),
        Binding("shift+up", "move(-7, True)", "Select", show=False),
        Binding("shift+down", "move(7, True)", "Select", show=False),
    ]

    @dataclass
    class CursorMoved(Message):
        calendar: MonthCalendar
        day: date

    def __init__(self, first: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.first = first
        self.cells: dict[date, MonthCell] = {}
        self.cursor = first
        self.range_from: date | None = None
        self.locked = False

    # -- data ------------------------------------------------------------------------------
    @property
    def last(self) -> date:
        return month_range(month_of(self.first))[1]

    def set_month(self, first: date, cells: list[MonthCell], locked: bool = False) -> None:
        """Show a month; the cursor keeps its day number when the month changes."""
        if first != self.first:
            day = min(self.cursor.day, month_range(month_of(first))[1].day)
            self.first, self.cursor, self.range_from = first, first.replace(day=day), None
        self.cells = {c.day: c for c in cells}
        self.locked = locked
        self.refresh(layout=True)

    def update_cells(self, cells: list[MonthCell]) -> None:
        for c in cells:
            self.cells[c.day] = c
        self.refresh()

    @property
    def selected_days(self) -> list[date]:
        """The range selection, or the cursor's day."""
        if self.range_from is None:
            return [self.cursor]
        lo, hi = sorted((self.range_from, self.cursor))
        return [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]

    def toggle_range(self) -> None:
        self.range_from = None if self.range_from is not None else self.cursor
        self.refresh()

    def clear_range(self) -> None:
        if self.range_from is not None:
            self.range_from = None
            self.refresh()

    # -- keys ------------------------------------------------------------------------------
    def move_to(self, day: date, extend: bool = False) -> None:
        day = max(self.first, min(self.last, day))
        if extend and self.range_from is None:
            self.range_from = self.cursor
        if day != self.cursor:
            self.cursor = day
            self.post_message(self.CursorMoved(self, day))
        self.refresh()

    def action_move(self, delta: int, extend: bool = False) -> None:
        self.move_to(self.cursor + timedelta(days=delta), extend)

    def action_edge(self, end: int) -> None:
        self.move_to(self.last if end else self.first)

    # -- drawing ---------------------------------------------------------------------------
    def _weeks(self) -> int:
        lead = self.first.weekday()
        return (lead + self.last.day + 6) // 7

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1 + 2 * self._weeks()

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        for i, name in enumerate(WEEKDAYS):
            text.append(f"{name:<{CELL}}", Style(bold=True, underline=i >= 5))
        selected = set(self.selected_days) if self.range_from is not None else set()
        start = self.first - timedelta(days=self.first.weekday())
        for week in range(self._weeks()):
            days = [start + timedelta(days=week * 7 + i) for i in range(7)]
            for line in (0, 1):
                text.append("\n")
                for d in days:
                    body, style = self._cell(d, line, selected)
                    text.append(body[:-1], style)
                    text.append(body[-1:])
        return text

    def _cell(self, day: date, line: int, selected: set[date]) -> tuple[str, Style]:
        if not (self.first <= day <= self.last):
            return " " * CELL, Style()
        cell = self.cells.get(day, MonthCell(day))
        if line == 0:
            symbol = STATE_SYMBOLS.get(cell.state, "?")
            body = f"{day.day:>2} {symbol} {WORDS.get(cell.state, cell.state)[:5]}"
            style = STYLES.get(cell.state, Style())
        else:
            marks = ("*" if cell.note else "") + ("@" if cell.shift_mark else "")
            body = f"   {source_text(cell.source)[:6 - len(marks)]}{marks}"
            style = Style(dim=True)
        body = f"{body:<{CELL - 1}.{CELL - 1}} "
        if day.weekday() >= 5:
            style += Style(bgcolor="grey15")
        if day in selected:
            style += Style(underline=True, bgcolor="grey30")
        if day == self.cursor:
            style += Style(reverse=True, bold=True)
        return body, style
