"""The list of my calendar sources; it hands back what to do with one (the month screen does it)."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from ..core.domain_availability import CalendarSourceInfo, SyncResult, decode_calendar
from ..formatting import escape, plural
from .availability_dialogs import DIALOG_CSS


def read_calendar_text(path: str) -> str:
    """A file calendar's text, read where oncall runs (a huge file is refused before reading)."""
    from ..calendars import read_calendar_file

    return decode_calendar(read_calendar_file(path))


def sync_words(s: CalendarSourceInfo, result: SyncResult | None = None) -> str:
    """What a calendar's last sync did, as it stands: 'synced 03 Dec 04:12 UTC for 2027-01:
    37 events, 5 days marked' (the events only when this session's sync counted them)."""
    if s.last_error:
        return f"failed: {s.last_error}"
    if not s.last_synced_at:
        return "not synced yet"
    events = f"{plural(result.event_count, 'event')}, " if result is not None and result.ok \
        and not result.not_modified else ""
    return (f"synced {s.last_synced_at:%d %b %H:%M} UTC for {s.synced_month or '?'}: "
            f"{events}{plural(s.marks, 'day')} marked")


def source_line(s: CalendarSourceInfo, result: SyncResult | None = None, importing: bool = False) -> str:
    status = "importing… (the list updates when it is done)" if importing else sync_words(s, result)
    titles = " · titles kept" if s.keep_titles else ""
    return escape(f"{s.label} ({s.kind}{titles})\n  {s.location[:66]}\n  {status[:74]}")


class CalendarsScreen(ModalScreen[tuple[str, int | None] | None]):
    DEFAULT_CSS = DIALOG_CSS.format(name="CalendarsScreen") + """
    CalendarsScreen OptionList { height: auto; max-height: 14; }
    CalendarsScreen #importing { height: 1; }
    CalendarsScreen LoadingIndicator { height: 1; }
    """
    BINDINGS = [
        Binding("n", "pick('add')", "New", tooltip="Connect a .ics file or a secret iCal URL"),
        Binding("y", "pick('sync')", "Sync", tooltip="Preview this calendar again, then apply it"),
        Binding("d", "pick('remove')", "Remove", tooltip="Disconnect it and drop what it marked"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, sources: tuple[CalendarSourceInfo, ...], month: str, *, importing: str = "",
                 importing_id: int | None = None, results: dict[int, SyncResult] | None = None) -> None:
        """`importing`: what is being imported now ('' for nothing; `importing_id` its source
        when it has one); `results`: this session's syncs by source, for what they counted."""
        super().__init__()
        self.sources = sources
        self.month = month
        self.importing = importing
        self.importing_id = importing_id
        self.results = results or {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]Your calendars[/b] (sync applies to {self.month})")
            if self.importing:
                yield LoadingIndicator()
                yield Static(escape(self.importing), id="importing")
            busy = self.importing_id if self.importing else None
            options = [Option(source_line(s, self.results.get(s.id), s.id == busy), id=str(s.id))
                       for s in self.sources]
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
