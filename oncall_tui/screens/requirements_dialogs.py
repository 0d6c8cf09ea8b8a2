"""Small dialogs of the requirements area: evidence, a reason or note, picking a shift to shadow,
and a manager's requirement form.  Keyboard only: Enter accepts, Escape cancels."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..core.domain_requirements import AutoRule, RequirementDef, ShadowOption
from ..core.errors import OncallError
from ..formatting import escape, safe_text, span
from .base import SubmittingDialog

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 74; height: auto; max-height: 22; border: round $accent; background: $surface;
                   padding: 0 1; }}
{name} .title {{ text-style: bold; }}
{name} .hint {{ color: $text-muted; }}
{name} .error {{ color: $error; }}
{name} Input {{ height: 1; border: none; padding: 0 1; background: $boost; }}
{name} Input:focus {{ border: none; background: $primary 30%; }}
"""


class EvidenceDialog(SubmittingDialog):
    """An evidence note and/or an http(s) link; `call(backend, note, link)` saves them."""

    DEFAULT_CSS = DIALOG_CSS.format(name="EvidenceDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without saving")]

    def __init__(self, title: str, hint: str, call=None) -> None:
        super().__init__(call)
        self.title_text, self.hint = title, hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(escape(self.title_text), classes="title")
            yield Static(escape(self.hint), classes="hint")
            yield Label("Evidence note (what you did, when):")
            yield Input(id="note", max_length=2000, placeholder="e.g. Took the course on 3 Nov")
            yield Label("Link (optional, http:// or https://):")
            yield Input(id="link", max_length=500, placeholder="https://…")
            yield self.error_widget()
            yield Static("Enter: save · Tab: next field · Escape: cancel", classes="hint")

    @on(Input.Submitted)
    def _submit(self) -> None:
        note = self.query_one("#note", Input).value.strip()
        link = self.query_one("#link", Input).value.strip()
        if not note and not link:
            self.notify("Give an evidence note or a link.", severity="warning")
            return
        self.submit(note, link)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteDialog(SubmittingDialog):
    """One line of text: a rejection reason, or a grant/waiver note; `call(backend, text)` acts on it."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NoteDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without doing it")]

    def __init__(self, title: str, prompt: str, required: bool = True, call=None) -> None:
        super().__init__(call)
        self.title_text, self.prompt, self.required = title, prompt, required

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(escape(self.title_text), classes="title")
            yield Label(escape(self.prompt))
            yield Input(id="text", max_length=2000)
            yield self.error_widget()
            yield Static("Enter: confirm · Escape: cancel", classes="hint")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            self.notify("This needs a few words.", severity="warning")
            return
        self.submit(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ShadowDialog(ModalScreen["str | None"]):
    """Pick an upcoming shift to shadow; returns its assignment uid."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ShadowDialog") + """
    ShadowDialog OptionList, ShadowDialog OptionList:focus { height: auto; max-height: 14; border: none; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without signing up")]

    def __init__(self, options: list[ShadowOption], tz: str) -> None:
        super().__init__()
        self.options, self.tz = options, tz

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Shadow an upcoming shift", classes="title")
            yield Static("You sit beside the people on call; they see you as their shadow.", classes="hint")
            items = []
            for o in self.options:
                who = ", ".join(p.name for p in o.on_call)
                taken = " · [b]you[/b]" if o.mine else (f" · taken ({escape(o.shadow.name)})" if o.shadow else "")
                items.append(Option(f"{span(o.start, o.end, self.tz)}{taken}\n  with {escape(who)}",
                                    id=o.assignment_uid, disabled=o.shadow is not None))
            if not items:
                items.append(Option("No upcoming published shifts to shadow.", disabled=True))
            yield OptionList(*items, id="shadow-options")
            yield Static("Enter: sign up · Escape: cancel", classes="hint")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


FORM_FIELDS = [
    ("slug", "Slug"), ("name", "Name"), ("why", "Why it matters"), ("how", "How to obtain it"),
    ("link", "Link"), ("command", "Command"), ("roles", "Roles"), ("method", "Method"),
    ("auto", "Auto rule"), ("min", "At least"), ("months", "In months"), ("valid_days", "Valid days"),
    ("active", "Active"),
]


class RequirementForm(SubmittingDialog):
    """Create or edit a requirement; saves itself and stays open while the backend says no."""

    DEFAULT_CSS = DIALOG_CSS.format(name="RequirementForm") + """
    RequirementForm Grid { grid-size: 2; grid-columns: 16 1fr; grid-rows: 1; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without saving"),
                Binding("ctrl+s", "save", "Save", tooltip="Save the requirement")]

    def __init__(self, team: str, current: RequirementDef | None) -> None:
        version = current.version if current else None
        super().__init__(lambda backend, spec: backend.save_requirement(team, spec, version))
        self.team, self.current = team, current

    def compose(self) -> ComposeResult:
        c = self.current or RequirementDef(slug="", name="")
        values = {
            "slug": c.slug, "name": c.name, "why": c.why, "how": c.how, "link": c.link, "command": c.command,
            "roles": ",".join(c.roles), "method": c.method, "auto": c.auto.kind if c.auto else "",
            "min": str(c.auto.min) if c.auto else "", "months": str(c.auto.months) if c.auto else "",
            "valid_days": "" if c.valid_days is None else str(c.valid_days), "active": "yes" if c.active else "no",
        }
        with Vertical():
            yield Label(("Edit " + escape(c.name)) if self.current else "New requirement", classes="title")
            with Grid():
                for key, label in FORM_FIELDS:
                    yield Label(label)
                    locked = key == "slug" and self.current is not None
                    yield Input(safe_text(values[key]), id=f"f-{key}", disabled=locked)
            yield Static("method: self | manager | auto · auto rule: shadow_shifts, oncall_device, "
                         "calendar_connected, served_shifts · valid days empty: never expires", classes="hint")
            yield Static("", id="form-error", classes="error")
            yield Static("Enter or Ctrl+S: save · Tab: next field · Escape: cancel", classes="hint")

    def _value(self, key: str) -> str:
        return self.query_one(f"#f-{key}", Input).value.strip()

    def _spec(self) -> RequirementDef | None:
        def number(key: str, default: int | None) -> int | None:
            text = self._value(key)
            if not text:
                return default
            if not text.isdigit():
                raise ValueError(f"{dict(FORM_FIELDS)[key]} must be a whole number")
            return int(text)

        try:
            method = self._value("method")
            auto = None
            if method == "auto":
                auto = AutoRule(kind=self._value("auto"), min=number("min", 1) or 0, months=number("months", 6) or 0)
            return RequirementDef(
                slug=self._value("slug"), name=self._value("name"), why=self._value("why"),
                how=self._value("how"), link=self._value("link"), command=self._value("command"),
                roles=tuple(r.strip() for r in self._value("roles").split(",") if r.strip()),
                method=method, auto=auto, valid_days=number("valid_days", None),
                active=self._value("active").lower() not in ("no", "n", "false", "0"),
            )
        except ValueError as exc:
            self.query_one("#form-error", Static).update(escape(str(exc)))
            return None

    @on(Input.Submitted)
    def action_save(self) -> None:
        spec = self._spec()
        if spec is not None:
            self.submit(spec)

    def refused(self, exc: OncallError) -> None:
        """Say why next to the form and put the cursor on the field at fault."""
        field = getattr(exc, "field", None)
        self.query_one("#form-error", Static).update(escape(exc.message))
        key = (field or "").split(".")[-1]
        key = {"valid_days": "valid_days", "auto": "auto", "min": "min", "months": "months"}.get(key, key)
        try:
            self.query_one(f"#f-{key}", Input).focus()
        except Exception:
            pass

    def action_cancel(self) -> None:
        self.dismiss(None)
