"""Team availability grid: AvailabilityGrid vs DataTable, 200 people x 31 days, 80x24.

Measured headless with `App.run_test(size=(80, 24))`, both widgets in the same run:

- first paint: from building the widget with already-loaded data (plain lists) and
  mounting it, to the first screen update that contains it;
- cell change: from `update_cell` / `update_cell_at` on a visible cell to the screen
  update that shows it ("latency", includes Textual's frame scheduling), and the
  paint work alone (compositor render + terminal bytes, "paint");

"Terminal bytes" are produced as for a real terminal (`render_segments`), which the
headless driver would otherwise skip.

    .venv/bin/python bench/grid.py [--repeat 5] [--updates 30] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from textual.app import App
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from oncall_tui.widgets.availability_grid import (
    STATE_SYMBOLS,
    AvailabilityGrid,
    CoverageRow,
    GridCell,
    GridRow,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.results import machine, write_section  # noqa: E402

PEOPLE, DAYS, SIZE = 200, 31, (80, 24)
FIRST_PAINT_TARGET, CELL_CHANGE_TARGET = 0.300, 0.050
SECTION = "## Team grid"


def make_data(seed: int = 7) -> tuple[list[GridRow], list[date], list[CoverageRow]]:
    rnd = random.Random(seed)
    days = [date(2025, 3, 1) + timedelta(days=i) for i in range(DAYS)]
    states = ["available"] * 6 + ["unavailable", "prefer_not", "preferred", "busy", "assigned"]
    rows = [
        GridRow(
            f"p{i}",
            f"Person {i:03d}",
            f"▲{rnd.randint(0, 5)}",
            [GridCell(rnd.choice(states), "manual") for _ in days],
        )
        for i in range(PEOPLE)
    ]
    coverage = [
        CoverageRow(role, [rnd.randint(0, 12) for _ in days], needed) for role, needed in (("P", 3), ("S", 2))
    ]
    return rows, days, coverage


class CountingGrid(AvailabilityGrid):
    lines_rendered = 0

    def render_line(self, y: int):
        self.lines_rendered += 1
        return super().render_line(y)


class CountingTable(DataTable):
    lines_rendered = 0

    def render_line(self, y: int):
        self.lines_rendered += 1
        return super().render_line(y)


class BenchApp(App):
    """Timestamps every screen update that carried lines of the widget under test."""

    def __init__(self) -> None:
        super().__init__()
        self.watched: CountingGrid | CountingTable | None = None
        self.painted = asyncio.Event()
        self.painted_at = 0.0
        self.paint_work = 0.0
        self._seen_lines = 0

    def _display(self, screen, renderable) -> None:
        if renderable is not None and self.watched is not None:
            started = time.perf_counter()
            renderable.render_segments(self.console)  # what a real terminal would be sent
            self.paint_work += time.perf_counter() - started
            if self.watched.lines_rendered != self._seen_lines:
                self._seen_lines = self.watched.lines_rendered
                self.painted_at = time.perf_counter()
                self.painted.set()
        super()._display(screen, renderable)


def instrument_compositor(app: BenchApp) -> None:
    """Add the compositor's render time of each screen update to `app.paint_work`."""
    screen = app.screen
    original = screen._compositor_refresh

    def timed() -> None:
        started = time.perf_counter()
        original()
        app.paint_work += time.perf_counter() - started

    screen._compositor_refresh = timed  # bench only: wrap the instance attribute


def build_grid(rows, days, coverage) -> CountingGrid:
    return CountingGrid(rows, days, coverage)


def build_table(rows, days, coverage) -> CountingTable:
    table = CountingTable(fixed_columns=1, cursor_type="cell", zebra_stripes=False)
    table.add_column("Name", key="name")
    for day in days:
        table.add_column(f"{day.day}", key=day.isoformat())
    table.add_column("Lvl", key="level")
    table.add_rows(
        [row.label, *(STATE_SYMBOLS[cell.state] for cell in row.cells), row.level] for row in rows
    )
    table.add_rows([cov.label, *(str(count) for count in cov.counts), f">={cov.needed}"] for cov in coverage)
    return table


async def measure(kind: str, updates: int) -> dict[str, object]:
    rows, days, coverage = make_data()
    app = BenchApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        instrument_compositor(app)
        app.painted.clear()
        started = time.perf_counter()
        widget = build_grid(rows, days, coverage) if kind == "grid" else build_table(rows, days, coverage)
        app.watched = widget
        await app.screen.mount(widget)
        await asyncio.wait_for(app.painted.wait(), 10)
        first_paint = app.painted_at - started
        await pilot.pause()

        rnd = random.Random(11)
        latencies, paints, lines = [], [], []
        for index in range(updates):
            row, col = rnd.randrange(15), rnd.randrange(25)  # visible at 80x24 for both
            state = ("unavailable", "preferred")[index % 2]
            await pilot.pause()
            app.painted.clear()
            app.paint_work = 0.0
            before = widget.lines_rendered
            started = time.perf_counter()
            if kind == "grid":
                widget.update_cell(row, col, GridCell(state, "manual"))
            else:
                widget.update_cell_at(Coordinate(row, col + 1), STATE_SYMBOLS[state])
            await asyncio.wait_for(app.painted.wait(), 10)
            latencies.append(app.painted_at - started)
            paints.append(app.paint_work)
            lines.append(widget.lines_rendered - before)
    return {
        "first_paint": first_paint,
        "latency": statistics.median(latencies),
        "latency_max": max(latencies),
        "paint": statistics.median(paints),
        "lines": statistics.median(lines),
    }


def run(repeat: int, updates: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, list[float]]] = {"grid": {}, "table": {}}
    for _ in range(repeat):
        for kind in ("grid", "table"):  # interleaved so both see the same machine state
            for name, value in asyncio.run(measure(kind, updates)).items():
                results[kind].setdefault(name, []).append(value)
    return {
        kind: {name: statistics.median(values) if name != "latency_max" else max(values)
               for name, values in measured.items()}
        for kind, measured in results.items()
    }


def report(summary: dict[str, dict[str, float]], repeat: int, updates: int) -> str:
    """The body of the "## Team grid" section (the heading is not part of it)."""
    grid, table = summary["grid"], summary["table"]

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f} ms"

    def ratio(name: str) -> str:
        return f"{table[name] / grid[name]:.1f}x" if grid[name] else "-"

    ok_paint = "meets" if grid["first_paint"] <= FIRST_PAINT_TARGET else "MISSES"
    ok_cell = "meets" if grid["latency_max"] <= CELL_CHANGE_TARGET else "MISSES"
    return "\n".join([
        f"`.venv/bin/python bench/grid.py --repeat {repeat} --updates {updates}` — {PEOPLE} people x {DAYS} days,"
        f" headless `run_test(size={SIZE})`, machine: {machine()}. Medians over {repeat} runs"
        f" ({updates} cell changes each); \"worst\" is the slowest single change seen.",
        "",
        "| measure | AvailabilityGrid | DataTable | DataTable / grid |",
        "|---|---|---|---|",
        f"| first paint (build with loaded data, mount, painted) | {ms(grid['first_paint'])} | {ms(table['first_paint'])} | {ratio('first_paint')} |",
        f"| cell change: call to painted, median | {ms(grid['latency'])} | {ms(table['latency'])} | {ratio('latency')} |",
        f"| cell change: call to painted, worst | {ms(grid['latency_max'])} | {ms(table['latency_max'])} | {ratio('latency_max')} |",
        f"| cell change: paint work (compositor + terminal bytes) | {ms(grid['paint'])} | {ms(table['paint'])} | {ratio('paint')} |",
        f"| cell change: lines re-rendered | {grid['lines']:.0f} | {table['lines']:.0f} | |",
        "",
        f"Targets: first paint ≤ {ms(FIRST_PAINT_TARGET)} ({ok_paint}), single cell change ≤"
        f" {ms(CELL_CHANGE_TARGET)} ({ok_cell}, judged on the worst change).",
        "\"Call to painted\" includes Textual's wait for the next screen refresh, the same for both widgets;",
        "\"paint work\" is the CPU spent rendering that update.",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--updates", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    body = report(run(args.repeat, args.updates), args.repeat, args.updates)
    print(f"{SECTION}\n\n{body}")
    if not args.no_write:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
