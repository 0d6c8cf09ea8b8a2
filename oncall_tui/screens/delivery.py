"""Calendar delivery in the app: the manager's view of everyone's entries (up to date,
pending, failing with the server's reason) with retry and the team's mail server, and the
forms for a team's mail server and a person's CalDAV calendar.  Passwords are typed into a
masked field, sent once, and never shown again (only whether one is stored)."""
from __future__ import annotations

import re
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from ..core.domain_delivery import FAILING, NOT_SET_UP, PENDING, CalDAVInfo, DeliveryState, MailServerInfo
from ..core.errors import InvalidInput
from ..formatting import escape, safe_text
from .base import BackendWorkers, SubmittingDialog
from .requirements_dialogs import DIALOG_CSS

STATE_MARKS = {"up to date": "✓ up to date", PENDING: "… pending", FAILING: "✗ failing",
               "off": "subscribed feed: nothing to send", NOT_SET_UP: "✗ not set up"}


def state_text(s: DeliveryState) -> str:
    """One line: the state in words (and a mark), how many messages, the server's reason."""
    text = STATE_MARKS.get(s.state, s.state)
    if s.state == FAILING:
        text += f" ({s.failing}): {s.last_error}"
    elif s.state == PENDING:
        text += f" ({s.pending})"
    elif s.delivered:
        text += f" ({s.delivered} sent)"
    return text


def my_delivery_text(state: DeliveryState, caldav: CalDAVInfo) -> str:
    """The profile's delivery lines."""
    lines = ["[b]Calendar delivery[/b]",
             f"  State:    {escape(state_text(state))}" + (": press c" if state.state == NOT_SET_UP else ""),
             "  CalDAV:   " + (escape(caldav.url) + (" (password stored)" if caldav.has_password else "")
                              if caldav.configured else "[dim]not set[/dim] (press c)")]
    if state.state == FAILING:
        lines.append("  [dim]Fix what the reason says, then press y to try again now.[/dim]")
    return "\n".join(lines)


class DeliveryScreen(BackendWorkers, ModalScreen[None]):
    """Managers: everyone's calendar delivery, retry, and the team's mail server."""

    DEFAULT_CSS = DIALOG_CSS.format(name="DeliveryScreen") + """
    DeliveryScreen > Vertical { width: 100%; height: 100%; }
    DeliveryScreen DataTable { height: 1fr; }
    DeliveryScreen #mail { height: auto; }
    """
    BINDINGS = [
        Binding("y", "retry", "Retry", tooltip="Try the selected person's entries again now"),
        Binding("Y", "retry_all", "Retry all", key_display="Y", tooltip="Try everyone's waiting entries again now"),
        Binding("m", "mail", "Mail server", tooltip="Set the team's mail server for invitations"),
        Binding("f5", "refresh", "Refresh"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, team: str | None = None) -> None:
        super().__init__()
        self.team = team
        self.states: list[DeliveryState] = []
        self.mail: MailServerInfo | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Calendar delivery[/b]")
            yield Static("Loading…", id="mail")
            yield DataTable(id="people", cursor_type="row", zebra_stripes=False)
            yield Static("y retry · Y retry all · m mail server · f5 refresh · escape close", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Login", "By", "State")
        table.focus()
        self.action_refresh()

    def _fetch(self, backend) -> tuple[list[DeliveryState], MailServerInfo | None]:
        states = backend.delivery_status(self.team)
        try:
            mail = backend.mail_server(self.team)
        except InvalidInput:  # several teams managed: the mail server is per team (CLI: --team)
            mail = None
        return states, mail

    def _show(self, data: tuple[list[DeliveryState], MailServerInfo | None]) -> None:
        self.states, self.mail = data
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for s in self.states:
            table.add_row(safe_text(s.name), safe_text(s.login), ", ".join(s.channels) or "-",
                          safe_text(state_text(s)), key=s.login)
        if self.states:
            table.move_cursor(row=min(row, len(self.states) - 1))
        m = self.mail
        if m is None:
            line = "Mail server: per team (oncall calendar mail-server --team TEAM)"
        elif not m.configured:
            line = f"Mail server of {m.team}: [b]not set[/b]: invitations wait until one is (press m)"
        else:
            line = (f"Mail server of {escape(m.team)}: {escape(m.host)}:{m.port} ({m.security}), from "
                    f"{escape(m.from_address)}, password {'stored' if m.has_password else 'none'}")
        self.query_one("#mail", Static).update(line)

    def _selected(self) -> DeliveryState | None:
        table = self.query_one(DataTable)
        if not self.states or table.cursor_row is None or table.cursor_row >= len(self.states):
            return None
        return self.states[table.cursor_row]

    def action_refresh(self) -> None:
        self.run_backend(self._fetch, self._show, group="load", exclusive=True)

    def _retried(self, count: int) -> None:
        self.notify(f"{count} message{'s' if count != 1 else ''} will be tried again now" if count
                    else "Nothing is waiting to be delivered.")
        self.action_refresh()

    def action_retry(self) -> None:
        s = self._selected()
        if s is not None:
            self.run_backend(lambda b: b.retry_delivery(person=s.login), self._retried, group="retry")

    def action_retry_all(self) -> None:
        team = self.team or (self.mail.team if self.mail is not None else None)
        if team is None:
            self.notify("Say which team: oncall calendar retry --team TEAM", severity="warning")
            return
        self.run_backend(lambda b: b.retry_delivery(team=team), self._retried, group="retry")

    def action_mail(self) -> None:
        if self.mail is None:
            self.notify("You manage several teams: oncall calendar mail-server --team TEAM", severity="warning")
            return

        def saved(info: MailServerInfo | None) -> None:
            if info is not None:
                self.notify("Mail server saved.")
                self.action_refresh()
        self.app.push_screen(MailServerDialog(self.mail), saved)

    def action_close(self) -> None:
        self.dismiss(None)


def _row(label: str, widget: Input) -> Horizontal:
    return Horizontal(Label(label), widget, classes="row")


FORM_CSS = """
{name} .row {{ height: 1; }}
{name} .row Label {{ width: 12; }}
{name} .row Input {{ width: 1fr; }}
"""


class MailServerDialog(SubmittingDialog):
    """The team's SMTP server; the password field stays empty (empty keeps the stored one)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="MailServerDialog") + FORM_CSS.format(name="MailServerDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without saving")]

    def __init__(self, info: MailServerInfo) -> None:
        super().__init__(self._save)
        self.info = info

    def compose(self) -> ComposeResult:
        i = self.info
        with Vertical():
            yield Label(f"[b]Mail server of {escape(i.team)}[/b]")
            yield _row("Host:", Input(i.host, id="host", placeholder="smtp.example.com (empty removes it)"))
            yield _row("Port:", Input(str(i.port), id="port", placeholder="587 starttls, 465 tls, 25 none"))
            yield _row("Security:", Input(i.security, id="security", placeholder="starttls, tls or none"))
            yield _row("User:", Input(i.username, id="user", placeholder="login on the mail server"))
            yield _row("From:", Input(i.from_address, id="from", placeholder="e.g. oncall@example.com"))
            yield _row("Password:", Input("", id="password", password=True,
                                          placeholder="stored: leave empty to keep" if i.has_password else ""))
            yield self.error_widget()
            yield Static("enter: save · escape: cancel · the password is stored encrypted, never shown",
                         classes="hint")

    def _value(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value

    def _save(self, backend, values: dict[str, Any]) -> MailServerInfo:
        port = values["port"].strip()
        if not port.isdigit():
            raise InvalidInput(f"the port must be a number, not {port[:10]!r}", field="port")
        try:
            return backend.set_mail_server(self.info.team, values["host"], int(port), values["security"].strip(),
                                           values["user"], values["from"], values["password"] or None)
        except InvalidInput as exc:  # said in the form's words (its fields), not the command line's flags
            label = self.FIELD_LABELS.get(exc.field or "")
            message = re.sub(r"\s*\(--[a-z-]+\)", "", exc.message)
            raise InvalidInput(f"{label}: {message}" if label else message, field=exc.field) from exc

    #: The backend's field names -> this form's labels.
    FIELD_LABELS = {"host": "Host", "port": "Port", "security": "Security", "username": "User",
                    "from_address": "From", "password": "Password"}

    @on(Input.Submitted)
    def _submit(self) -> None:
        self.submit({k: self._value(k) for k in ("host", "port", "security", "user", "from", "password")})

    def action_cancel(self) -> None:
        self.dismiss(None)


class CalDAVDialog(SubmittingDialog):
    """My CalDAV calendar: its URL, my login, and an app password (empty keeps the stored one)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="CalDAVDialog") + FORM_CSS.format(name="CalDAVDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without saving")]

    def __init__(self, info: CalDAVInfo) -> None:
        super().__init__(lambda backend, v: backend.set_caldav(v[0], v[1], v[2] or None))
        self.info = info

    def compose(self) -> ComposeResult:
        i = self.info
        with Vertical():
            yield Label("[b]Your CalDAV calendar[/b]")
            yield _row("URL:", Input(i.url, id="url", placeholder="https://… the calendar's address (empty removes)"))
            yield _row("User:", Input(i.username, id="user", placeholder="your login there"))
            yield _row("Password:", Input("", id="password", password=True,
                                          placeholder="stored: leave empty to keep" if i.has_password
                                          else "an app password"))
            yield self.error_widget()
            yield Static("enter: save · escape: cancel · choose caldav as your calendar (e) to use it",
                         classes="hint")

    @on(Input.Submitted)
    def _submit(self) -> None:
        self.submit(tuple(self.query_one(f"#{k}", Input).value for k in ("url", "user", "password")))

    def action_cancel(self) -> None:
        self.dismiss(None)
