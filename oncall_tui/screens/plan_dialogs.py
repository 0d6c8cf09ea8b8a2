"""Modal screens of the plan area: pick a person for a cell, read a text, confirm publishing,
open another plan."""
from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ..formatting import escape

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 76; height: auto; max-height: 22; border: round $accent; padding: 0 1;
                    background: $surface; }}
{name} .hint {{ color: $text-muted; }}
{name} OptionList {{ height: auto; max-height: 16; border: none; padding: 0; }}
{name} VerticalScroll {{ height: auto; max-height: 18; }}
"""


@dataclass(frozen=True)
class Candidate:
    login: str
    label: str  # "Alice Moreau · 18/18 points"
    ok: bool
    why: str = ""  # the hard rule it would break


class PickPersonScreen(ModalScreen[str | None]):
    """Who should hold a cell: every person, each marked allowed (✓) or not (✗, and why).
    Returns a login, "" to leave the cell empty, or None (cancelled)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PickPersonScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything")]

    def __init__(self, title: str, candidates: list[Candidate], current: str | None) -> None:
        super().__init__()
        self.title_text, self.candidates, self.current = title, candidates, current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.title_text)}[/b]")
            options = []
            for c in self.candidates:
                mark = "✓" if c.ok else "✗"
                now = " (now)" if c.login == self.current else ""
                why = f" — {c.why}" if c.why else ""
                options.append(Option(escape(f"{mark} {c.label}{now}{why}"), id=c.login))
            options.append(Option("∅ leave this cell empty (a gap)", id="-"))
            yield OptionList(*options, id="people")
            yield Static("enter: put them in (✗ is refused by the hard rules) · escape: cancel",
                         classes="hint")

    @on(OptionList.OptionSelected, "#people")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id or ""
        self.dismiss("" if chosen == "-" else chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextScreen(ModalScreen[None]):
    """A page of text (why someone got their shifts, the diff, every warning)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TextScreen")
    BINDINGS = [Binding("escape", "close", "Close", tooltip="Back to the plan"),
                Binding("q", "close", "Close", show=False)]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.title_text)}[/b]")
            with VerticalScroll(id="page"):
                yield Static(escape(self.text), id="text")
            yield Static("↑↓ scroll · escape: close", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#page").focus()

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no, with what will happen spelled out."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n", "answer(False)", "No"),
                Binding("escape", "answer(False)", "Cancel")]

    def __init__(self, title: str, text: str, yes: str = "publish", no: str = "cancel") -> None:
        super().__init__()
        self.title_text, self.text, self.yes, self.no = title, text, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.title_text)}[/b]")
            yield Static(escape(self.text))
            yield Static(f"y: {escape(self.yes)} · n or escape: {escape(self.no)}", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class PickPlanScreen(ModalScreen[str | None]):
    """Open another plan (or a rotation with no plan yet).  Returns the chosen option id."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PickPlanScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text, self.options = title, options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.title_text)}[/b]")
            yield OptionList(*(Option(escape(text), id=key) for key, text in self.options), id="plans")
            yield Static("enter: open · escape: cancel", classes="hint")

    @on(OptionList.OptionSelected, "#plans")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
