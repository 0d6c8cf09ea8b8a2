"""A people x days availability grid drawn with Textual's Line API.

`AvailabilityGrid` is a `ScrollView` that renders one `Strip` per line, with a fixed
header (day labels, weekday letters), a fixed name column on the left, a fixed
level column on the right and fixed coverage rows at the bottom.  Only the day
cells scroll.  Updating one cell repaints one cell region, not the viewport
(`DataTable` re-renders its whole viewport on every `update_cell`).

Every state has a symbol as well as a colour, so the grid reads in a monochrome
terminal; the cursor is drawn reversed and a range selection underlined.

The widget shows and reports; it does not decide what keys mark states. A screen
listens for `CursorMoved` / `RangeSelected` and calls the update API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..formatting import safe_text

__all__ = ["AvailabilityGrid", "CoverageRow", "GridCell", "GridRow", "STATE_SYMBOLS"]


@dataclass(frozen=True, slots=True)
class GridCell:
    """One person's state on one day."""

    state: str
    """"available", "unavailable", "prefer_not", "preferred", "busy", "assigned", …"""
    source: str | None = None
    """Where the state came from: "manual", "calendar:Work", …"""
    note: str | None = None


@dataclass(slots=True)
class GridRow:
    """One person: a key for messages, a label, a recommendation level, a cell per day."""

    key: str
    label: str
    level: str | int | None = None
    cells: list[GridCell | None] = field(default_factory=list)


@dataclass(slots=True)
class CoverageRow:
    """Per-day count of eligible, available people for one role."""

    label: str
    counts: list[int]
    needed: int = 1


STATE_SYMBOLS: dict[str, str] = {
    "available": "·",
    "unavailable": "✗",
    "prefer_not": "~",
    "preferred": "+",
    "busy": "b",
    "assigned": "●",
}
"""Symbol per state: the grid must read without colour."""
UNKNOWN_STATE_SYMBOL = "?"
NOTE_MARK = "*"
WEEKDAY_LETTERS = "MTWTFSS"
HEADER_HEIGHT = 2


def _fit(text: str, width: int, align: str = "<") -> str:
    """Pad or cut `text` to exactly `width` cells (ellipsis when cut); stored names reach the
    terminal as raw segments here, so their control characters are shown, not obeyed."""
    text = safe_text(text)
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: width - 1] + "…" if width > 1 else text[:1]
    return f"{text:{align}{width}}"


class AvailabilityGrid(ScrollView, can_focus=True):
    """People x days availability with fixed header, name column and coverage rows."""

    BINDINGS = [
        Binding("up", "cursor(-1, 0)", "Up", show=False),
        Binding("down", "cursor(1, 0)", "Down", show=False),
        Binding("left", "cursor(0, -1)", "Left", show=False),
        Binding("right", "cursor(0, 1)", "Right", show=False),
        Binding("home", "cursor_home", "First day", show=False),
        Binding("end", "cursor_end", "Last day", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("shift+left", "extend(-1)", "Select", show=False),
        Binding("shift+right", "extend(1)", "Select", show=False),
        Binding("shift+home", "extend_home", "Select to first day", show=False),
        Binding("shift+end", "extend_end", "Select to last day", show=False),
    ]

    COMPONENT_CLASSES = {
        "availability-grid--header",
        "availability-grid--weekend-header",
        "availability-grid--label",
        "availability-grid--cursor-label",
        "availability-grid--level",
        "availability-grid--weekend",
        "availability-grid--cursor",
        "availability-grid--selection",
        "availability-grid--coverage",
        "availability-grid--coverage-short",
        "availability-grid--state-available",
        "availability-grid--state-unavailable",
        "availability-grid--state-prefer-not",
        "availability-grid--state-preferred",
        "availability-grid--state-busy",
        "availability-grid--state-assigned",
        "availability-grid--state-unknown",
    }

    # Only opaque theme colours: partial component styles drop alpha.
    DEFAULT_CSS = """
    AvailabilityGrid {
        height: 1fr;
        background: $surface;
        & > .availability-grid--header { text-style: bold; }
        & > .availability-grid--weekend-header { text-style: bold underline; background: $panel; }
        & > .availability-grid--label { }
        & > .availability-grid--cursor-label { text-style: bold; }
        & > .availability-grid--level { text-style: bold; color: $accent; }
        & > .availability-grid--weekend { background: $panel; }
        & > .availability-grid--cursor { text-style: reverse bold; }
        & > .availability-grid--selection { text-style: underline; background: $primary-darken-3; }
        & > .availability-grid--coverage { text-style: bold; }
        & > .availability-grid--coverage-short { color: $error; text-style: bold; }
        & > .availability-grid--state-available { color: $success; }
        & > .availability-grid--state-unavailable { color: $error; text-style: bold; }
        & > .availability-grid--state-prefer-not { color: $warning; }
        & > .availability-grid--state-preferred { color: $accent; text-style: bold; }
        & > .availability-grid--state-busy { color: $foreground-darken-2; }
        & > .availability-grid--state-assigned { color: $primary; text-style: bold; }
        & > .availability-grid--state-unknown { color: $warning; }
    }
    """

    @dataclass
    class CursorMoved(Message):
        """The cursor moved to another person or day."""

        grid: AvailabilityGrid
        row_key: str
        day: date
        row_index: int
        col_index: int

        @property
        def control(self) -> AvailabilityGrid:
            return self.grid

    @dataclass
    class RangeSelected(Message):
        """The range selection on the cursor row changed (days in order)."""

        grid: AvailabilityGrid
        row_key: str
        days: list[date]
        row_index: int

        @property
        def control(self) -> AvailabilityGrid:
            return self.grid

    def __init__(
        self,
        rows: Iterable[GridRow] = (),
        days: Iterable[date] = (),
        coverage: Iterable[CoverageRow] = (),
        *,
        cell_width: int = 2,
        label_width: int = 12,
        level_width: int = 4,
        weekend_days: frozenset[int] = frozenset({5, 6}),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if cell_width not in (2, 3):
            raise ValueError("cell_width must be 2 or 3")
        self.cell_width = cell_width
        self.label_width = label_width
        self.level_width = level_width
        self.weekend_days = weekend_days
        self.rows: list[GridRow] = []
        self.days: list[date] = []
        self.coverage: list[CoverageRow] = []
        self.cursor_row = 0
        self.cursor_col = 0
        self._anchor_col: int | None = None
        self._row_versions: list[int] = []
        self._coverage_version = 0
        self._strip_cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self._style_cache: dict[tuple, Style] = {}
        self.set_rows(list(rows), list(days), list(coverage))

    # ----------------------------------------------------------------- data API

    def set_rows(
        self, rows: list[GridRow], days: list[date], coverage: list[CoverageRow] | None = None
    ) -> None:
        """Replace everything shown. Keeps the cursor where it still fits."""
        self.rows = list(rows)
        self.days = list(days)
        if coverage is not None:
            self.coverage = list(coverage)
        self._row_versions = [0] * len(self.rows)
        self._coverage_version += 1
        self._strip_cache.clear()
        self.cursor_row = min(self.cursor_row, max(0, len(self.rows) - 1))
        self.cursor_col = min(self.cursor_col, max(0, len(self.days) - 1))
        self._anchor_col = None
        self.virtual_size = Size(
            self.label_width + len(self.days) * self.cell_width + self.level_width,
            HEADER_HEIGHT + len(self.rows) + len(self.coverage),
        )
        self.refresh()

    def update_cell(self, row_index: int, col_index: int, cell: GridCell | None) -> None:
        """Change one cell and repaint only that cell's region."""
        row = self.rows[row_index]
        if col_index >= len(row.cells):
            row.cells.extend([None] * (col_index + 1 - len(row.cells)))
        row.cells[col_index] = cell
        self._row_versions[row_index] += 1
        region = self._cell_region(row_index, col_index)
        if region is not None:
            self.refresh(region)

    def update_row(self, row_index: int, row: GridRow) -> None:
        """Replace one person's row (label, level and cells) and repaint that line."""
        self.rows[row_index] = row
        self._row_versions[row_index] += 1
        self._refresh_body_row(row_index)

    def update_coverage(self, coverage: list[CoverageRow]) -> None:
        """Replace the coverage rows; repaints only the footer unless their number changed."""
        if len(coverage) != len(self.coverage):
            self.set_rows(self.rows, self.days, coverage)
            return
        self.coverage = list(coverage)
        self._coverage_version += 1
        top = self._footer_top()
        self.refresh(Region(0, top, self._viewport().width, len(self.coverage)))

    # --------------------------------------------------------------- cursor API

    @property
    def cursor_key(self) -> str | None:
        return self.rows[self.cursor_row].key if self.rows else None

    @property
    def cursor_day(self) -> date | None:
        return self.days[self.cursor_col] if self.days else None

    @property
    def selection(self) -> tuple[int, int, int] | None:
        """(row_index, first_col, last_col) of the range selection, or None."""
        if self._anchor_col is None:
            return None
        first, last = sorted((self._anchor_col, self.cursor_col))
        return (self.cursor_row, first, last)

    @property
    def selected_days(self) -> list[date]:
        """Days of the range selection, or just the cursor's day."""
        if not self.days:
            return []
        selection = self.selection
        if selection is None:
            return [self.days[self.cursor_col]]
        return self.days[selection[1] : selection[2] + 1]

    def move_cursor(self, row: int | None = None, col: int | None = None, *, extend: bool = False) -> None:
        """Move the cursor (clamped); `extend` grows the range selection on the same row."""
        if not self.rows or not self.days:
            return
        old_row, old_col, old_selection = self.cursor_row, self.cursor_col, self.selection
        new_row = old_row if row is None else max(0, min(row, len(self.rows) - 1))
        new_col = old_col if col is None else max(0, min(col, len(self.days) - 1))
        if extend and new_row == old_row:
            if self._anchor_col is None:
                self._anchor_col = old_col
        else:
            self._anchor_col = None
        self.cursor_row, self.cursor_col = new_row, new_col
        self._scroll_cursor_into_view()
        if (new_row, new_col) != (old_row, old_col):
            self._refresh_body_row(old_row)
            self._refresh_body_row(new_row)
            if new_col != old_col:
                self.refresh(Region(0, 0, self._viewport().width, HEADER_HEIGHT))
            self.post_message(
                self.CursorMoved(self, self.rows[new_row].key, self.days[new_col], new_row, new_col)
            )
        elif old_selection != self.selection:
            self._refresh_body_row(new_row)
        if extend and self.selection != old_selection and self.selection is not None:
            self.post_message(
                self.RangeSelected(self, self.rows[new_row].key, self.selected_days, new_row)
            )

    def action_cursor(self, d_row: int, d_col: int) -> None:
        self.move_cursor(self.cursor_row + d_row, self.cursor_col + d_col)

    def action_cursor_home(self) -> None:
        self.move_cursor(col=0)

    def action_cursor_end(self) -> None:
        self.move_cursor(col=len(self.days) - 1)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self._body_height()))

    def action_extend(self, d_col: int) -> None:
        self.move_cursor(col=self.cursor_col + d_col, extend=True)

    def action_extend_home(self) -> None:
        self.move_cursor(col=0, extend=True)

    def action_extend_end(self) -> None:
        self.move_cursor(col=len(self.days) - 1, extend=True)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset
        days_width = self._days_width()
        if not (HEADER_HEIGHT <= y < self._footer_top()):
            return
        if not (self.label_width <= x < self.label_width + days_width):
            return
        row = y - HEADER_HEIGHT + round(self.scroll_y)
        col = (x - self.label_width + round(self.scroll_x)) // self.cell_width
        self.move_cursor(row, col, extend=event.shift)

    # ------------------------------------------------------------------ layout

    def _viewport(self) -> Size:
        return self.scrollable_content_region.size

    def _days_width(self) -> int:
        """Visible width of the scrolling day area."""
        free = self._viewport().width - self.label_width - self.level_width
        return max(0, min(len(self.days) * self.cell_width, free))

    def _body_height(self) -> int:
        return max(0, self._viewport().height - HEADER_HEIGHT - len(self.coverage))

    def _footer_top(self) -> int:
        return HEADER_HEIGHT + min(len(self.rows), self._body_height())

    def _cell_region(self, row_index: int, col_index: int) -> Region | None:
        """Viewport region of a body cell, clipped to the day area; None if hidden."""
        y = HEADER_HEIGHT + row_index - round(self.scroll_y)
        if not (HEADER_HEIGHT <= y < self._footer_top()):
            return None
        left = self.label_width
        x0 = left + col_index * self.cell_width - round(self.scroll_x)
        region = Region(x0, y, self.cell_width, 1).intersection(
            Region(left, y, self._days_width(), 1)
        )
        return region if region.area else None

    def _refresh_body_row(self, row_index: int) -> None:
        y = HEADER_HEIGHT + row_index - round(self.scroll_y)
        if HEADER_HEIGHT <= y < self._footer_top():
            self.refresh(Region(0, y, self._viewport().width, 1))

    def _scroll_cursor_into_view(self) -> None:
        scroll_x, scroll_y = round(self.scroll_x), round(self.scroll_y)
        body_height = self._body_height()
        if self.cursor_row < scroll_y:
            scroll_y = self.cursor_row
        elif body_height and self.cursor_row >= scroll_y + body_height:
            scroll_y = self.cursor_row - body_height + 1
        days_width = self._days_width()
        x0 = self.cursor_col * self.cell_width
        if x0 < scroll_x:
            scroll_x = x0
        elif days_width and x0 + self.cell_width > scroll_x + days_width:
            scroll_x = x0 + self.cell_width - days_width
        if (scroll_x, scroll_y) != (round(self.scroll_x), round(self.scroll_y)):
            self.scroll_to(scroll_x, scroll_y, animate=False, force=True)

    # --------------------------------------------------------------- rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache.clear()
        self._strip_cache.clear()

    def _style(self, *names: str) -> Style:
        """Widget style plus the partial component styles `names`, cached until restyle."""
        style = self._style_cache.get(names)
        if style is None:
            style = self.rich_style
            for name in names:
                style += self.get_component_rich_style(f"availability-grid--{name}", partial=True)
            self._style_cache[names] = style
        return style

    def _is_weekend(self, col: int) -> bool:
        return self.days[col].weekday() in self.weekend_days

    def render_line(self, y: int) -> Strip:
        width = self._viewport().width
        days_width = self._days_width()
        scroll_x = round(self.scroll_x)
        footer_top = self._footer_top()
        if y < HEADER_HEIGHT:
            left, mid, right = self._header_parts(y)
        elif y < footer_top:
            row_index = y - HEADER_HEIGHT + round(self.scroll_y)
            if row_index >= len(self.rows):
                return Strip.blank(width, self.rich_style)
            left, mid, right = self._body_parts(row_index)
        elif y < footer_top + len(self.coverage):
            left, mid, right = self._coverage_parts(y - footer_top)
        else:
            return Strip.blank(width, self.rich_style)
        mid = mid.crop(scroll_x, scroll_x + days_width)
        return Strip.join([left, mid, right]).adjust_cell_length(width, self.rich_style)

    def _label_strip(self, text: str, style: Style) -> Strip:
        return Strip([Segment(_fit(text, self.label_width - 1) + " ", style)], self.label_width)

    def _right_strip(self, text: str, style: Style) -> Strip:
        return Strip([Segment(" " + _fit(text, self.level_width - 1, ">"), style)], self.level_width)

    def _header_parts(self, line: int) -> tuple[Strip, Strip, Strip]:
        header = self._style("header")
        if line == 0:
            title = f"{self.days[0]:%b %Y}" if self.days else ""
            left, right = self._label_strip(title, header), self._right_strip("Lvl", header)
        else:
            left, right = self._label_strip("", header), self._right_strip("", header)
        key = ("header", line, self.cursor_col)
        mid = self._strip_cache.get(key)
        if mid is None:
            mid = self._header_mid(line)
            self._strip_cache[key] = mid
        return left, mid, right

    def _header_mid(self, line: int) -> Strip:
        width = self.cell_width
        if line == 1 or width >= 3:
            segments = []
            for col, day in enumerate(self.days):
                if line == 1:
                    text = _fit(WEEKDAY_LETTERS[day.weekday()], width)
                else:
                    text = f"{day.day:^{width}}"
                names = ["header"]
                if self._is_weekend(col):
                    names.append("weekend-header")
                if line == 1 and col == self.cursor_col:
                    names.append("cursor")
                segments.append(Segment(text, self._style(*names)))
            return Strip(segments, len(self.days) * width)
        # Narrow cells: a day number at the first column, every Monday and every 1st,
        # running over the following columns (which carry no label).
        starts = [
            col
            for col, day in enumerate(self.days)
            if col == 0 or day.weekday() == 0 or day.day == 1
        ]
        segments = []
        for index, col in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(self.days)
            span = (end - col) * width
            segments.append(Segment(_fit(str(self.days[col].day), span), self._style("header")))
        return Strip(segments, len(self.days) * width)

    def _body_parts(self, row_index: int) -> tuple[Strip, Strip, Strip]:
        row = self.rows[row_index]
        on_cursor = row_index == self.cursor_row
        label_style = self._style("label", "cursor-label") if on_cursor else self._style("label")
        left = self._label_strip(row.label, label_style)
        right = self._right_strip("" if row.level is None else str(row.level), self._style("level"))
        selection = self.selection if on_cursor else None
        key = (
            "row",
            row_index,
            self._row_versions[row_index],
            self.cursor_col if on_cursor else -1,
            selection,
        )
        mid = self._strip_cache.get(key)
        if mid is None:
            mid = self._row_mid(row, self.cursor_col if on_cursor else -1, selection)
            self._strip_cache[key] = mid
        return left, mid, right

    def _row_mid(self, row: GridRow, cursor_col: int, selection: tuple[int, int, int] | None) -> Strip:
        width = self.cell_width
        cells = row.cells
        segments = []
        for col in range(len(self.days)):
            cell = cells[col] if col < len(cells) else None
            if cell is None:
                symbol, state_name = " ", None
            else:
                symbol = STATE_SYMBOLS.get(cell.state, UNKNOWN_STATE_SYMBOL)
                state_name = "state-" + (
                    cell.state.replace("_", "-") if cell.state in STATE_SYMBOLS else "unknown"
                )
            mark = NOTE_MARK if cell is not None and cell.note else " "
            text = symbol + mark if width == 2 else " " + symbol + mark
            names: list[str] = []
            if self._is_weekend(col):
                names.append("weekend")
            if state_name:
                names.append(state_name)
            if selection is not None and selection[1] <= col <= selection[2]:
                names.append("selection")
            if col == cursor_col:
                names.append("cursor")
            segments.append(Segment(text, self._style(*names)))
        return Strip(segments, len(self.days) * width)

    def _coverage_parts(self, index: int) -> tuple[Strip, Strip, Strip]:
        row = self.coverage[index]
        style = self._style("coverage")
        left = self._label_strip(row.label, style)
        needed = f">={row.needed}"
        right = self._right_strip(needed if len(needed) < self.level_width else str(row.needed), style)
        key = ("coverage", index, self._coverage_version)
        mid = self._strip_cache.get(key)
        if mid is None:
            mid = self._coverage_mid(row)
            self._strip_cache[key] = mid
        return left, mid, right

    def _coverage_mid(self, row: CoverageRow) -> Strip:
        width = self.cell_width
        segments = []
        for col in range(len(self.days)):
            count = row.counts[col] if col < len(row.counts) else 0
            short = count < row.needed
            segments.append(Segment(_coverage_text(count, short, width), self._style(
                *(["weekend"] if self._is_weekend(col) else []),
                "coverage-short" if short else "coverage",
            )))
        return Strip(segments, len(self.days) * width)


def _coverage_text(count: int, short: bool, width: int) -> str:
    """A count whose last digit lines up with the cell symbols, then "!" when short.

    A count too wide for the cell shows as its largest: "9" in a 2-wide cell ("9 or more", as
    the legend says; never "+", which is the "want" mark), "99" in a 3-wide one.
    """
    digits = str(min(count, 10 ** (width - 1) - 1))
    return f"{digits:>{width - 1}}" + ("!" if short else " ")


def state_legend(states: tuple[str, ...] = ("unavailable", "prefer_not", "preferred", "busy", "available")) -> str:
    """'✗ off ~ avoid + want b busy · free': the grid's symbols, from the one table of each."""
    from ..core.domain_availability import STATE_WORDS

    return " ".join(f"{STATE_SYMBOLS[s]} {STATE_WORDS[s]}" for s in states)
