"""AvailabilityGrid: cursor, range selection, cell updates, monochrome reading, scrolling.

Plain `def` tests driving `App.run_test()` through `asyncio.run` (no async plugin needed).
"""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta

from textual.app import App, ComposeResult

from oncall_tui.widgets.availability_grid import (
    STATE_SYMBOLS,
    AvailabilityGrid,
    CoverageRow,
    GridCell,
    GridRow,
)

MARCH = [date(2025, 3, 1) + timedelta(days=i) for i in range(31)]
NAMES = [
    "Ada Lovelace", "Alan Turing", "Barbara Liskov", "Dennis Ritchie", "Donald Knuth",
    "Edsger Dijkstra", "Frances Allen", "Grace Hopper", "Ken Thompson", "Leslie Lamport",
    "Margaret Hamilton", "Radia Perlman",
]


def make_rows(count: int, seed: int = 4) -> list[GridRow]:
    rnd = random.Random(seed)
    states = ["available"] * 5 + ["unavailable", "prefer_not", "preferred", "busy"]
    rows = []
    for index in range(count):
        cells = [GridCell(rnd.choice(states), "manual") for _ in MARCH]
        label = NAMES[index] if index < len(NAMES) else f"Person {index:03d}"
        rows.append(GridRow(f"p{index}", label, f"▲{rnd.randint(0, 5)}", cells))
    return rows


def coverage_for(rows: list[GridRow], needed: int = 3) -> list[CoverageRow]:
    counts = [
        sum(row.cells[col].state in ("available", "preferred") for row in rows)
        for col in range(len(MARCH))
    ]
    return [CoverageRow("Primary", counts, needed), CoverageRow("Backup", [1] * len(MARCH), 1)]


class GridApp(App):
    def __init__(self, rows: list[GridRow], needed: int = 3, **grid_options) -> None:
        super().__init__()
        self.grid_rows = rows
        self.needed = needed
        self.grid_options = grid_options
        self.cursor_messages: list[AvailabilityGrid.CursorMoved] = []
        self.range_messages: list[AvailabilityGrid.RangeSelected] = []

    def compose(self) -> ComposeResult:
        yield AvailabilityGrid(
            self.grid_rows, MARCH, coverage_for(self.grid_rows, self.needed), **self.grid_options
        )

    def on_availability_grid_cursor_moved(self, message: AvailabilityGrid.CursorMoved) -> None:
        self.cursor_messages.append(message)

    def on_availability_grid_range_selected(self, message: AvailabilityGrid.RangeSelected) -> None:
        self.range_messages.append(message)


def run(app: App, scenario, size=(80, 24)):
    async def main():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            return await scenario(pilot, app.screen.query_one(AvailabilityGrid))

    return asyncio.run(main())


def screen_lines(grid: AvailabilityGrid) -> list[str]:
    return [grid.render_line(y).text for y in range(grid.scrollable_content_region.height)]


def cell_text(grid: AvailabilityGrid, row_index: int, col_index: int) -> str:
    """What the user sees in one body cell (assumes no scrolling)."""
    line = grid.render_line(2 + row_index).text
    start = grid.label_width + col_index * grid.cell_width
    return line[start : start + grid.cell_width]


def test_arrow_keys_move_the_cursor_and_report_person_and_day():
    app = GridApp(make_rows(12))

    async def scenario(pilot, grid):
        await pilot.press("right", "right", "down")
        await pilot.pause()
        assert (grid.cursor_row, grid.cursor_col) == (1, 2)
        last = app.cursor_messages[-1]
        assert (last.row_key, last.day) == ("p1", date(2025, 3, 3))
        await pilot.press("end")
        await pilot.pause()
        assert app.cursor_messages[-1].day == date(2025, 3, 31)
        await pilot.press("home", "up", "up")  # clamps at the first person
        await pilot.pause()
        assert (grid.cursor_row, grid.cursor_col) == (0, 0)
        assert app.cursor_messages[-1].row_key == "p0"
        await pilot.press("pagedown")
        await pilot.pause()
        assert grid.cursor_row == 11  # 12 people fit in a page: the last one
        await pilot.press("pageup")
        await pilot.pause()
        assert grid.cursor_row == 0

    run(app, scenario)


def test_shift_arrows_select_a_range_of_days_on_one_row():
    app = GridApp(make_rows(12))

    async def scenario(pilot, grid):
        await pilot.press("down", "right", "shift+right", "shift+right", "shift+right")
        await pilot.pause()
        message = app.range_messages[-1]
        assert message.row_key == "p1"
        assert message.days == [date(2025, 3, 2), date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)]
        assert grid.selected_days == message.days
        await pilot.press("shift+left")
        await pilot.pause()
        assert app.range_messages[-1].days == MARCH[1:4]
        # A plain move drops the selection.
        await pilot.press("right")
        await pilot.pause()
        assert grid.selection is None
        assert grid.selected_days == [MARCH[4]]

    run(app, scenario)


def test_clicking_a_cell_moves_the_cursor_there():
    app = GridApp(make_rows(12))

    async def scenario(pilot, grid):
        await pilot.click(AvailabilityGrid, offset=(grid.label_width + 5 * grid.cell_width, 2 + 3))
        await pilot.pause()
        assert (grid.cursor_row, grid.cursor_col) == (3, 5)
        assert app.cursor_messages[-1].day == date(2025, 3, 6)

    run(app, scenario)


class CountingGrid(AvailabilityGrid):
    """Counts the lines the compositor asks for."""

    rendered_lines = 0

    def render_line(self, y: int):
        self.rendered_lines += 1
        return super().render_line(y)


class CountingApp(GridApp):
    def compose(self) -> ComposeResult:
        yield CountingGrid(self.grid_rows, MARCH, coverage_for(self.grid_rows))


def test_update_cell_changes_that_cell_and_repaints_only_its_line():
    rows = make_rows(12)
    rows[4].cells[6] = GridCell("available")
    app = CountingApp(rows)

    async def scenario(pilot, grid):
        before = screen_lines(grid)
        assert cell_text(grid, 4, 6).startswith(STATE_SYMBOLS["available"])
        grid.rendered_lines = 0
        grid.update_cell(4, 6, GridCell("unavailable", "calendar:Work", "dentist"))
        await pilot.pause()
        assert grid.rendered_lines == 1
        assert cell_text(grid, 4, 6) == STATE_SYMBOLS["unavailable"] + "*"  # "*": has a note
        after = screen_lines(grid)
        changed = [y for y, (old, new) in enumerate(zip(before, after)) if old != new]
        assert changed == [2 + 4]
        assert grid.rows[4].cells[6].source == "calendar:Work"

    run(app, scenario)


def test_update_row_and_coverage_show_new_level_and_shortfall():
    app = GridApp(make_rows(12))

    async def scenario(pilot, grid):
        row = grid.rows[2]
        grid.update_row(2, GridRow(row.key, row.label, "▼1", row.cells))
        counts = [5] * 31
        counts[9] = 1
        grid.update_coverage([CoverageRow("Primary", counts, 2), CoverageRow("Backup", [1] * 31, 1)])
        await pilot.pause()
        lines = screen_lines(grid)
        assert lines[2 + 2].rstrip().endswith("▼1")
        primary = next(line for line in lines if line.startswith("Primary"))
        assert primary[grid.label_width + 9 * 2 : grid.label_width + 10 * 2] == "1!"
        assert primary.count("!") == 1
        assert primary.rstrip().endswith(">=2")

    run(app, scenario)


def test_states_read_without_colour():
    rows = make_rows(1)
    states = list(STATE_SYMBOLS)
    for col, state in enumerate(states):
        rows[0].cells[col] = GridCell(state)
    app = GridApp(rows)

    async def scenario(pilot, grid):
        shown = [cell_text(grid, 0, col)[0] for col in range(len(states))]
        assert shown == [STATE_SYMBOLS[state] for state in states]
        assert len(set(shown)) == len(states)  # every state has its own symbol
        # The cursor is drawn reversed, which survives a monochrome terminal.
        strip = grid.render_line(2)
        cursor_segment = strip.crop(grid.label_width, grid.label_width + 2)._segments[0]
        assert cursor_segment.style.reverse
        header = screen_lines(grid)[1]
        assert header[grid.label_width : grid.label_width + 14] == "S S M T W T F "

    run(app, scenario)


def test_cursor_stays_visible_in_200_people_by_31_days():
    app = GridApp(make_rows(200), cell_width=3)

    async def scenario(pilot, grid):
        await pilot.press("end")
        for _ in range(15):
            await pilot.press("pagedown")
        await pilot.pause()
        assert grid.cursor_row == 199
        assert grid.scroll_y > 0 and grid.scroll_x > 0
        lines = screen_lines(grid)
        assert any(line.startswith("Person 199") for line in lines)
        assert "31" in lines[0]  # the last day's header scrolled into view
        assert lines[-2].startswith("Primary") and lines[-1].startswith("Backup")  # footer stays put
        await pilot.press("home", "up")
        await pilot.pause()
        lines = screen_lines(grid)
        assert any(line.startswith("Person 198") for line in lines)
        assert lines[0][grid.label_width : grid.label_width + 3] == " 1 "
        assert lines[0].startswith("Mar 2025")  # the header stays put

    run(app, scenario)


class TwelvePeopleApp(GridApp):
    CSS = "Screen { background: $background; }"


def test_grid_of_twelve_people_at_80x24(snap_compare):
    app = TwelvePeopleApp(make_rows(12), needed=7)  # some days short: "!"
    assert snap_compare(app, press=["down", "right", "right", "shift+right", "shift+right"])
