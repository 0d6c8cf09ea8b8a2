"""Team availability (managers): people x days, coverage per role, recommendation levels.

Reloads when anybody changes the database; rows that changed are redrawn with
`update_row`, the coverage with `update_coverage`; the grid is rebuilt only when the
people or the days are different.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ..core.domain_availability import STATE_WORDS, TeamAvailability, TeamMemberMonth, source_words
from ..core.errors import InvalidInput, OncallError
from ..core.months import add_months
from ..formatting import escape
from ..widgets.availability_grid import (
    STATE_SYMBOLS,
    AvailabilityGrid,
    CoverageRow,
    GridCell,
    GridRow,
    state_legend,
)
from .availability_dialogs import AskScreen
from .base import AreaScreen

LEGEND = (f"{state_legend()} * note\n"
          "Counts: people free per role (9: 9 or more), ! short · Lvl 1 spare … 5 lean on")


def grid_row(member: TeamMemberMonth) -> GridRow:
    cells: list[GridCell | None] = [GridCell(c.state, c.source or None, c.note or None) for c in member.cells]
    return GridRow(member.person.login, member.person.name, member.recommendation.level, cells)


def coverage_rows(data: TeamAvailability) -> list[CoverageRow]:
    return [CoverageRow(c.role.capitalize(), list(c.counts), c.needed) for c in data.coverage]


class TeamAvailabilityScreen(AreaScreen):
    AREA_TITLE = "Team availability"
    DEFAULT_CSS = """
    TeamAvailabilityScreen { layout: vertical; }
    TeamAvailabilityScreen #team-status { height: 1; padding: 0 1; }
    TeamAvailabilityScreen #team-legend { height: 2; padding: 0 1; color: $text-muted; }
    TeamAvailabilityScreen AvailabilityGrid { height: 1fr; }
    TeamAvailabilityScreen #team-explain { height: 3; padding: 0 1; }
    """
    BINDINGS = [
        Binding("left_square_bracket,pageup", "month(-1)", "Prev", key_display="[", tooltip="The month before"),
        Binding("right_square_bracket,pagedown", "month(1)", "Next", key_display="]", tooltip="The month after"),
        Binding("percent_sign,l", "load", "Project %", key_display="%",
                tooltip="Set the selected person's project load"),
        Binding("d", "delivery", "Delivery", tooltip="Everyone's calendar delivery: state, retry, mail server"),
        Binding("f5", "refresh", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(name="team")
        self.month: str | None = None
        self.data: TeamAvailability | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield Static("Loading…", id="team-status")
        yield AvailabilityGrid(id="team-grid", label_width=12, level_width=4)
        yield Static(LEGEND, id="team-legend")
        yield Static("", id="team-explain")
        yield from self.compose_footer()

    def fetch(self, backend) -> TeamAvailability:
        return backend.team_availability(month=self.month)

    def show_error(self, exc: OncallError) -> None:
        if self.data is None:
            self.query_one("#team-status", Static).update(escape(exc.message))
        super().show_error(exc)

    def show(self, data: TeamAvailability) -> None:
        old, self.data, self.month = self.data, data, data.month
        grid = self.query_one(AvailabilityGrid)
        same_shape = (old is not None and old.days == data.days
                      and [m.person.login for m in old.members] == [m.person.login for m in data.members])
        if old is not None and same_shape:
            for i, (before, after) in enumerate(zip(old.members, data.members)):
                if before != after:
                    grid.update_row(i, grid_row(after))
            if old.coverage != data.coverage:
                grid.update_coverage(coverage_rows(data))
        else:
            grid.set_rows([grid_row(m) for m in data.members], list(data.days), coverage_rows(data))
            grid.focus()
        first = data.days[0]
        deadline = f" · availability closes {data.deadline:%-d %b}" if data.deadline else ""
        self.query_one("#team-status", Static).update(escape(
            f"{data.team_name} · {first:%B %Y}{deadline}"))
        self._explain()

    def _member(self) -> TeamMemberMonth | None:
        if not self.data or not self.data.members:
            return None
        grid = self.query_one(AvailabilityGrid)
        return self.data.members[min(grid.cursor_row, len(self.data.members) - 1)]

    def _explain(self) -> None:
        member, data = self._member(), self.data
        if member is None or data is None:
            self.query_one("#team-explain", Static).update("Nobody on the rotation.")
            return
        grid = self.query_one(AvailabilityGrid)
        col = min(grid.cursor_col, len(data.days) - 1)
        cell = member.cells[col]
        where = source_words(cell.source) + (f": {cell.note}" if cell.note else "")
        line = (f"{member.person.name} · {data.days[col]:%a %d %b}: {STATE_SYMBOLS.get(cell.state, '?')} "
                f"{STATE_WORDS.get(cell.state, cell.state)} ({where})")
        self.query_one("#team-explain", Static).update(
            escape(f"{line}\n{member.recommendation.explanation}"))

    @on(AvailabilityGrid.CursorMoved)
    def _moved(self) -> None:
        self._explain()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "refresh":
            return True
        return self.app.manages() is not False  # a team manager's keys: hidden from everyone else

    def action_month(self, delta: int) -> None:
        if self.data is not None:
            self.month = add_months(self.data.month, delta)
            self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def action_delivery(self) -> None:
        from .delivery import DeliveryScreen

        self.app.push_screen(DeliveryScreen())

    def action_load(self) -> None:
        member = self._member()
        if member is None or self.data is None:
            return
        month, login = self.data.month, member.person.login
        current = "" if member.manual_pct is None else str(member.manual_pct)

        def save(backend, text: str):
            text = text.strip().rstrip("%")
            if text and not text.isdigit():
                raise InvalidInput(f"{text[:20]!r} is not a percentage", field="pct")
            pct = int(text) if text else None
            backend.set_utilisation(login, month, pct)
            return "cleared" if pct is None else f"{pct} %"

        def saved(now: str | None) -> None:
            if now is not None:
                self.notify(escape(f"Project load for {login} in {month}: {now}"))
                self.reload()
        self.app.push_screen(AskScreen(f"Project load of {member.person.name} in {month} (%)", current,
                                       "0 to 100; empty clears it", call=save), saved)
