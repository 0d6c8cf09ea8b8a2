"""The list of my calendar sources; it hands back what to do with one (the month screen does it)."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ..core.domain_availability import CalendarSourceInfo, decode_calendar
from ..formatting import escape
from .availability_dialogs import DIALOG_CSS


def read_calendar_text(path: str) -> str:
    """A file calendar's text, read where oncall runs (a huge file is refused before reading)."""
    from ..calendars import read_calendar_file

    return decode_calendar(read_calendar_file(path))


def source_line(s: CalendarSourceInfo) -> str:
    if s.last_error:
        status = f"failed: {s.last_error}"
    elif s.last_synced_at:
        status = f"synced {s.last_synced_at:%d %b %H:%M}Z for {s.synced_month}, {s.marks} marks"
    else:
        status = "not synced yet"
    titles = " · titles kept" if s.keep_titles else ""
    return escape(f"{s.label} ({s.kind}{titles})\n  {s.location[:66]}\n  {status[:70]}")


class CalendarsScreen(ModalScreen[tuple[str, int | None] | None]):
    DEFAULT_CSS = DIALOG_CSS.format(name="CalendarsScreen") + """
    CalendarsScreen OptionList { height: auto; max-height: 14; }
    """
    BINDINGS = [
        Binding("n", "pick('add')", "New", tooltip="Connect a .ics file or a secret iCal URL"),
        Binding("y", "pick('sync')", "Sync", tooltip="Preview this calendar again, then apply it"),
        Binding("d", "pick('remove')", "Remove", tooltip="Disconnect it and drop what it marked"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, sources: tuple[CalendarSourceInfo, ...], month: str) -> None:
        super().__init__()
        self.sources = sources
        self.month = month

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]Your calendars[/b] (sync applies to {self.month})")
            options = [Option(source_line(s), id=str(s.id)) for s in self.sources]
            if not options:
                options = [Option("No calendars yet: press n to connect one.", disabled=True)]
            yield OptionList(*options, id="sources")
            yield Static("n: new · y: sync (preview first) · d: remove · escape: close", classes="hint")

    def _selected(self) -> int | None:
        index = self.query_one("#sources", OptionList).highlighted
        if index is None or index >= len(self.sources):
            return None
        return self.sources[index].id

    def action_pick(self, what: str) -> None:
        if what == "add":
            self.dismiss(("add", None))
            return
        chosen = self._selected()
        if chosen is None:
            self.notify("No calendar selected", severity="warning")
            return
        self.dismiss((what, chosen))

    def action_close(self) -> None:
        self.dismiss(None)
