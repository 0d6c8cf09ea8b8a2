"""Small modal screens of the availability area: ask for a line, add a calendar, preview an import."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from ..core.domain_availability import CalendarPreview
from ..formatting import escape, plural, safe_text
from .base import SubmittingDialog

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 76; height: auto; max-height: 22; border: round $accent; padding: 0 1;
                    background: $surface; }}
{name} .hint {{ color: $text-muted; }}
{name} .error {{ color: $error; }}
"""


class AskScreen(SubmittingDialog):
    """One line of text: enter to keep it, escape to cancel.  With `call(backend, text)` the
    dialog saves it and closes only once saved: a refusal shows here, the text still typed."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AskScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", hint: str = "",
                 call: Callable[[Any, str], Any] | None = None) -> None:
        super().__init__(call)
        self.title_text, self.value, self.placeholder, self.hint = title, value, placeholder, hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.title_text)}[/b]")
            yield Input(safe_text(self.value), placeholder=self.placeholder, id="answer")
            yield self.error_widget()
            yield Static(escape(self.hint or "enter: keep · escape: cancel"), classes="hint")

    @on(Input.Submitted, "#answer")
    def _submitted(self, event: Input.Submitted) -> None:
        self.submit(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddCalendarScreen(ModalScreen[tuple[str, str, bool] | None]):
    """Label, file path or secret URL, and whether to keep event titles."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AddCalendarScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Connect a calendar[/b]")
            yield Input(placeholder="Label, e.g. Work", id="label")
            yield Input(placeholder="A .ics file path, or a secret iCal URL (https://…)", id="location")
            yield Checkbox("Keep event titles (off: only busy time is stored)", False, id="keep")
            yield Static("enter: preview what it would mark (nothing changes yet) · escape: cancel",
                         classes="hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        label = self.query_one("#label", Input).value.strip()
        location = self.query_one("#location", Input).value.strip()
        if event.input.id == "label" and not location:
            self.query_one("#location", Input).focus()
            return
        if not location:
            self.notify("Give a file path or a URL", severity="warning")
            return
        if not label:
            label = location.rstrip("/").rsplit("/", 1)[-1][:40] or "Calendar"
        self.dismiss((label, location, self.query_one("#keep", Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


def preview_text(preview: CalendarPreview) -> str:
    lines = [f"[b]{escape(preview.label)}[/b]: {plural(preview.event_count, 'event')}; "
             f"in {preview.month} it would mark "
             f"{plural(preview.unavailable_days, 'day')} unavailable and {plural(preview.busy_hours, 'busy hour')}."]
    for x in preview.marks:
        word = {"new": "new", "same": "unchanged", "changed": "changed",
                "under-hand": "hand-set wins"}.get(x.change, x.change)
        symbol = "✗" if x.state == "unavailable" else "b"
        lines.append(escape(f" {symbol} {x.day:%a %d %b}  {x.state:<11} {x.busy_hours:>5g} h  {word:<13} "
                            f"{x.reason[:28]}"))
    if not preview.marks:
        lines.append(" Nothing to mark in that month.")
    if preview.removed:
        lines.append(escape(" No longer marked: " + ", ".join(f"{d:%d %b}" for d in preview.removed)))
    lines += [escape(f" warning: {w}") for w in preview.warnings[:5]]
    return "\n".join(lines)


class PreviewScreen(ModalScreen[bool]):
    """What an import would mark.  enter applies it, escape leaves everything as it is."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PreviewScreen") + """
    PreviewScreen VerticalScroll { height: auto; max-height: 16; }
    """
    BINDINGS = [
        Binding("enter", "apply", "Apply", tooltip="Store these marks (replacing only this calendar's)"),
        Binding("escape", "cancel", "Cancel", tooltip="Change nothing"),
    ]

    def __init__(self, preview: CalendarPreview) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Static(preview_text(self.preview), id="preview")
            yield Static("enter: apply · escape: cancel (nothing changes)", classes="hint")

    def action_apply(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
