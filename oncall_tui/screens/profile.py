"""Profile: who I am to the team and how I am reached on call.

The screen is a list of sections, each a title and its lines, drawn from `SECTIONS`; a later
section (notification and calendar choices) is one more entry there.  `e` opens the form of the
details I can change; the backend checks them (core/checks.check_person, the one home of the
rules) and saves them only if nobody changed my profile since I read it: a stale edit keeps
everything I typed in the form and says so in one line.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, Static

from ..core.domain import Person
from ..core.errors import OncallError, StaleEdit
from ..formatting import escape
from .base import AreaScreen, SubmittingDialog
from .requirements_dialogs import DIALOG_CSS


@dataclass(frozen=True)
class Field:
    """One detail of my profile: how it is shown, and how the form reads it back."""

    key: str  # the keyword of backend.update_profile
    label: str
    shown: Callable[[Person], str]
    placeholder: str = ""
    many: bool = False  # a list, typed comma-separated
    number: bool = False  # whole minutes, or "none" (0)

    def text(self, person: Person) -> str:
        return self.shown(person)

    def value(self, typed: str):
        if self.many:
            return [part.strip() for part in typed.split(",") if part.strip()]
        if self.number:  # what is no number goes as typed: the backend's check says what is wrong
            typed = typed.strip()
            return int(typed) if typed.isdigit() else 0 if typed.lower() in ("", "none", "off") else typed
        return typed.strip()


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]
    hint: Callable[[Person], str] = lambda person: ""


def _oncall_hint(p: Person) -> str:
    if p.oncall_device and p.oncall_phone:
        return "The team's \"On-call device set up\" requirement is met by these two."
    return "[b]Not set:[/b] set both to meet \"On-call device set up\" (press e)."


def _calendar_hint(p: Person) -> str:
    ways = {"feed": "Subscribe to the address `oncall calendar feed-url` gives.",
            "email": "Invitations come to your email address and update themselves.",
            "caldav": "Entries are written into your CalDAV calendar.",
            "none": "No entries: `oncall calendar export -o FILE` writes them when you want them."}
    return ways.get(p.calendar_delivery, "")


SECTIONS: tuple[Section, ...] = (
    Section("About you", (
        Field("name", "Name", lambda p: p.name, "how the team sees you"),
        Field("email", "Email", lambda p: p.email, "you@example.com"),
        Field("phones", "Phones", lambda p: ", ".join(p.phones), "+44 7700 900123, +44 20 7946 0000",
              many=True),
        Field("tz", "Time zone", lambda p: p.tz, "e.g. Europe/London or America/New_York"),
    )),
    Section("On call", (
        Field("oncall_device", "On-call device", lambda p: p.oncall_device, "e.g. work phone"),
        Field("oncall_phone", "On-call phone", lambda p: p.oncall_phone, "the number that rings when on call"),
    ), hint=_oncall_hint),
    Section("Calendar entries", (
        Field("calendar_delivery", "Calendar", lambda p: p.calendar_delivery, "feed, email, caldav or none"),
        Field("alarm_minutes", "Reminder (min)", lambda p: str(p.alarm_minutes) if p.alarm_minutes else "none",
              "minutes before a shift, or none", number=True),
    ), hint=_calendar_hint),
)

#: A refusal's `field` (as core/checks names it) -> the form's field.
REFUSED_FIELD = {"name": "name", "email": "email", "tz": "tz", "phone": "phones",
                 "on-call device": "oncall_device", "on-call phone": "oncall_phone",
                 "calendar": "calendar_delivery", "alarm_minutes": "alarm_minutes"}
FIELDS: tuple[Field, ...] = tuple(f for s in SECTIONS for f in s.fields)
LABEL_WIDTH = max(len(f.label) for f in FIELDS) + 1


def section_text(section: Section, person: Person) -> str:
    lines = [f"[b]{escape(section.title)}[/b]"]
    for f in section.fields:
        shown = f.text(person)
        lines.append(f"  {f.label + ':':<{LABEL_WIDTH}} " + (escape(shown) if shown else "[dim]not set[/dim]"))
    hint = section.hint(person)
    if hint:
        lines.append(f"  [dim]{hint}[/dim]")
    return "\n".join(lines)


class ProfileScreen(AreaScreen):
    AREA_TITLE = "My profile"
    DEFAULT_CSS = """
    ProfileScreen #sections { height: 1fr; padding: 0 1; }
    ProfileScreen .section { height: auto; margin-bottom: 1; }
    ProfileScreen #reach { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("e", "edit", "Edit", tooltip="Change your name, email, phones, time zone, on-call device and "
                                             "phone, and how your calendar entries reach you"),
        Binding("c", "caldav", "CalDAV", tooltip="Set the CalDAV calendar your entries are written into"),
        Binding("y", "retry", "Retry", tooltip="Try delivering your calendar entries again now"),
        Binding("f5", "refresh", "Refresh", tooltip="Load your profile again"),
    ]

    def __init__(self) -> None:
        super().__init__(name="profile")
        self.person: Person | None = None
        self.caldav: Any = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(id="sections"):
            yield Static("Loading…", id="who", classes="section")
            for i, _section in enumerate(SECTIONS):
                yield Static("", id=f"section-{i}", classes="section")
            yield Static("", id="delivery", classes="section")
        yield from self.compose_footer()

    def fetch(self, backend) -> tuple[Person, Any, Any]:
        return backend.whoami(), backend.my_delivery(), backend.caldav_account()

    def show(self, data: tuple[Person, Any, Any] | Person) -> None:
        from .delivery import my_delivery_text

        if isinstance(data, Person):  # a saved form answers with the person alone
            person = data
        else:
            person, delivery, self.caldav = data
            self.query_one("#delivery", Static).update(my_delivery_text(delivery, self.caldav))
        self.person = person
        self.app.me = person
        contact = person.contact or "nobody can reach you: add a phone"
        self.query_one("#who", Static).update(
            f"[b]{escape(person.name)}[/b] ({escape(person.login)}) · on call the team reaches you on "
            f"{escape(contact)}")
        for i, section in enumerate(SECTIONS):
            self.query_one(f"#section-{i}", Static).update(section_text(section, person))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "edit":
            return self.person is not None
        return True

    def action_edit(self) -> None:
        if self.person is None:
            return

        def saved(person: Person | None) -> None:
            if person is not None:
                self.show(person)
                self.notify("Profile saved.")

        self.app.push_screen(ProfileDialog(self.person), saved)

    def action_refresh(self) -> None:
        self.reload()

    def action_caldav(self) -> None:
        from ..core.domain_delivery import CalDAVInfo
        from .delivery import CalDAVDialog

        def saved(info) -> None:
            if info is not None:
                self.notify("CalDAV calendar saved." if info.configured else "CalDAV calendar removed.")
                self.reload()
        login = self.person.login if self.person else ""
        self.app.push_screen(CalDAVDialog(self.caldav or CalDAVInfo(login=login)), saved)

    def action_retry(self) -> None:
        def retried(count: int) -> None:
            self.notify(f"{count} message{'s' if count != 1 else ''} will be tried again now" if count
                        else "Nothing is waiting to be delivered.")
            self.reload()
        self.run_backend(lambda backend: backend.retry_delivery(), retried, group="retry")


class ProfileDialog(SubmittingDialog):
    """The form of every field in `SECTIONS`, filled with what is stored.  Enter saves them all
    (with the version they were read at); Escape closes without saving."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ProfileDialog") + """
    ProfileDialog .row { height: 1; }
    ProfileDialog .row Label { width: 17; }
    ProfileDialog .row Input { width: 1fr; }
    ProfileDialog .section-title { text-style: bold; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without saving")]

    def __init__(self, person: Person) -> None:
        super().__init__(self._save)
        self.person = person
        self.version = person.version

    def compose(self) -> ComposeResult:
        from textual.containers import Horizontal

        with Vertical():
            yield Label("Your profile", classes="title")
            for section in SECTIONS:
                yield Label(escape(section.title), classes="section-title")
                for f in section.fields:
                    with Horizontal(classes="row"):
                        yield Label(f"{f.label}:")
                        yield Input(f.text(self.person), id=f"field-{f.key}", placeholder=f.placeholder,
                                    max_length=300)
            yield self.error_widget()
            yield Static("Enter save · Tab next field · Escape cancel · phones comma-separated",
                         classes="hint")

    def typed(self) -> dict:
        return {f.key: f.value(self.query_one(f"#field-{f.key}", Input).value) for f in FIELDS}

    def _save(self, backend, changes: dict) -> Person:
        return backend.update_profile(self.version, **changes)

    @on(Input.Submitted)
    def _submit(self) -> None:
        self.submit(self.typed())

    def refused(self, exc: OncallError) -> None:
        if isinstance(exc, StaleEdit) and isinstance(exc.fresh, Person):
            # What the user typed stays; a field they did not touch shows the change made
            # meanwhile; the next Enter saves the form as it now stands.
            fresh = exc.fresh
            for f in FIELDS:
                field = self.query_one(f"#field-{f.key}", Input)
                if field.value == f.text(self.person):
                    field.value = f.text(fresh)
            self.person, self.version = fresh, fresh.version
            self.query_one(f"#{self.ERROR_ID}", Static).update(
                "Not saved, changed meanwhile: your typing is kept; Enter saves it.")
            return
        super().refused(exc)
        key = REFUSED_FIELD.get(str(exc.extra.get("field", "")))
        if key:  # the cursor goes to what to correct
            self.query_one(f"#field-{key}", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
