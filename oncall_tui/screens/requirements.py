"""Requirements: my checklist, whether I may go on call in each role, and how to get there.

A manager presses m for the team view (people x requirements, the verification
queue); from there Enter opens one person's checklist, where g and W mark a
requirement met or waive it.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..core.domain_requirements import PersonReadiness, ReqItem
from ..formatting import escape, plural
from .base import AreaScreen
from .requirements_dialogs import EvidenceDialog, NoteDialog, ShadowDialog

STATE_COLOURS = {
    "met": "green", "expiring": "yellow", "expired": "red", "pending": "cyan",
    "rejected": "red", "waived": "magenta", "missing": "bright_black",
}
METHOD_WORDS = {"self": "you record it", "manager": "a manager verifies it", "auto": "computed automatically"}
#: Where an automatic requirement is counted from, per rule kind (core.domain.AUTO_RULE_KINDS).
AUTO_SOURCES = {"shadow_shifts": "shadow shifts", "oncall_device": "your on-call device and phone",
                "calendar_connected": "your connected calendars", "served_shifts": "the shifts you served"}


def waiting_for(item: ReqItem, r: PersonReadiness) -> str:
    """One line for a key pressed on an automatic requirement: what it is counted from,
    how far along it is, and what to do next."""
    kind = item.requirement.auto.kind if item.requirement.auto else ""
    line = f"Counted automatically from {AUTO_SOURCES.get(kind, 'what the app knows')}: {item.detail}."
    keys = next_keys(item, r)
    return f"{line} Next: {keys}." if keys else line


def state_badge(item: ReqItem, width: int = 9) -> str:
    colour = STATE_COLOURS.get(item.state, "white")
    words = {"expiring": "expiring", "pending": "waiting"}.get(item.state, item.state)
    return f"[{colour}]{item.symbol} {words:<{width}}[/]"


def item_prompt(item: ReqItem) -> str:
    name = item.requirement.name
    name = name if len(name) <= 30 else name[:29] + "…"
    detail = item.detail if len(item.detail) <= 34 else item.detail[:33] + "…"
    return f"{state_badge(item)} {escape(name):<30} [dim]{escape(detail)}[/]"


def roles_text(r: PersonReadiness) -> str:
    lines = []
    for role in r.roles:
        if role.eligible:
            lines.append(f"[green]✓ {role.role:<10}[/] eligible")
        else:
            if len(role.blockers) == 1:
                why = role.blockers[0]
            else:
                why = f"needs {len(role.blockers)}: " + ", ".join(b.split(": ")[0] for b in role.blockers)
            why = why if len(why) <= 58 else why[:57] + "…"
            lines.append(f"[red]✗ {role.role:<10}[/] {escape(why)}")
    return "\n".join(lines) or "No roles to check."


def item_detail(item: ReqItem, r: PersonReadiness) -> str:
    req = item.requirement
    lines = [f"[b]{escape(req.name)}[/b] · {', '.join(req.roles)} · {METHOD_WORDS.get(req.method, req.method)}"
             + (f" · valid {plural(req.valid_days, 'day')}" if req.valid_days else "")]
    if req.why:
        lines.append(f"[b]Why:[/b] {escape(req.why)}")
    if req.how:
        lines.append(f"[b]How:[/b] {escape(req.how)}")
    if req.link:
        lines.append(f"[b]Link:[/b] {escape(req.link)}  (press l to copy)")
    if req.command:
        lines.append(f"[b]Run:[/b] {escape(req.command)}")
    # "expired on 23 Oct", not "expired: expired on 23 Oct": the state's word is said once
    now = item.detail if item.detail.startswith(item.words) else f"{item.words}: {item.detail}"
    lines.append(f"[b]Now:[/b] {escape(now)}")
    evidence = " ".join(x for x in (item.evidence, item.evidence_link) if x)
    if evidence:
        lines.append(f"[b]Evidence:[/b] {escape(evidence)}")
    keys = next_keys(item, r)
    if keys:
        lines.append(f"[b]Next:[/b] {keys}")
    return "\n".join(lines)


def next_keys(item: ReqItem, r: PersonReadiness) -> str:
    req = item.requirement
    if not r.is_me:
        return "g mark met · W waive" if r.viewer_manages else ""
    if item.state in ("met", "waived"):
        return "e record again" if req.method == "self" else ""
    if req.method == "self":
        return "e record your evidence"
    if req.method == "manager":
        return "" if item.state == "pending" else "v ask a manager to verify it"
    if req.auto and req.auto.kind == "shadow_shifts":
        return "w sign up to shadow a shift"
    if req.auto and req.auto.kind == "oncall_device":
        return "i  set your on-call device and phone in My profile"
    if req.auto and req.auto.kind == "calendar_connected":
        return "a  connect a calendar in My availability"
    return ""


class RequirementsScreen(AreaScreen):
    AREA_TITLE = "Requirements"
    DEFAULT_CSS = """
    RequirementsScreen #who { height: 1; padding: 0 1; text-style: bold; }
    RequirementsScreen #roles { height: auto; max-height: 3; padding: 0 1; }
    RequirementsScreen #items { height: auto; max-height: 8; border: none; padding: 0; margin-top: 1; }
    RequirementsScreen #detail { height: 1fr; padding: 0 1; border-top: solid $primary-darken-2; }
    """
    BINDINGS = [
        Binding("e", "attest", "Record", tooltip="Record evidence for a requirement you attest yourself"),
        Binding("v", "request", "Verify", tooltip="Ask a manager to verify this requirement"),
        Binding("w", "shadow", "Shadow", tooltip="Sign up to shadow an upcoming shift"),
        Binding("l", "link", "Link", tooltip="Show and copy the link for this requirement"),
        Binding("m", "team_view", "Team", tooltip="People x requirements and the verification queue"),
        Binding("g", "grant", "Mark met", tooltip="Mark this requirement met for them, with a note"),
        Binding("W", "waive", "Waive", tooltip="Waive this requirement for them, with a note"),
        Binding("escape", "back", "Back", tooltip="Back to the team view"),
        Binding("f5", "refresh", "Refresh", show=False, tooltip="Load everything again"),
    ]

    def __init__(self, person: str | None = None, team: str | None = None) -> None:
        super().__init__(name=None if person else "requirements")
        self.person, self.team = person, team
        self.data: PersonReadiness | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with Vertical():
            yield Static("Loading…", id="who")
            yield Static("", id="roles")
            yield OptionList(id="items")
            yield Static("", id="detail")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        if self.person:
            self.AREA_TITLE = f"Requirements · {self.person}"
        super().on_mount()

    # -- data -------------------------------------------------------------------------------
    def fetch(self, backend) -> PersonReadiness:
        return backend.requirements(person=self.person, team=self.team)

    def show(self, data: PersonReadiness) -> None:
        self.data = data
        self.team = data.team
        self.set_title(self.AREA_TITLE)
        self.query_one("#who", Static).update(
            f"{escape(data.person.name)} · {escape(data.team)} · {escape(data.summary)}")
        self.query_one("#roles", Static).update(roles_text(data))
        items = self.query_one("#items", OptionList)
        keep = items.highlighted
        items.clear_options()
        if data.items:
            items.add_options(Option(item_prompt(i), id=i.requirement.slug) for i in data.items)
            items.highlighted = min(keep or 0, len(data.items) - 1)
        else:
            items.add_option(Option("This team has no requirements: anyone may go on call.", disabled=True))
        self._show_detail()
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted, "#items")
    def _highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        item = self.selected()
        self.query_one("#detail", Static).update(item_detail(item, self.data) if item and self.data else "")

    def selected(self) -> ReqItem | None:
        if not self.data or not self.data.items:
            return None
        index = self.query_one("#items", OptionList).highlighted
        if index is None or index >= len(self.data.items):
            return None
        return self.data.items[index]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        d, item = self.data, self.selected()
        mine = d is None or d.is_me
        if action == "team_view":
            return bool(d and d.viewer_manages and mine)
        if action in ("grant", "waive"):
            return bool(d and d.viewer_manages and not d.is_me)
        if action == "back":
            return self.person is not None
        if action in ("attest", "request", "shadow"):
            if not mine:
                return False
            # e and v work on every requirement: on one recorded another way they say how it is met.
        if action == "link":
            return None if item is None or not item.requirement.link else True
        return True

    def why_not(self, action: str) -> str | None:
        if action == "link":
            return "This requirement has no link."
        return None

    # -- an engineer's acts ------------------------------------------------------------------
    def _recorded_another_way(self, item: ReqItem, method: str) -> bool:
        """Say how `item` is met when it is not by `method` (e records, v asks to verify)."""
        if item.requirement.method == method:
            return False
        if item.requirement.method == "auto" and self.data is not None:
            self.notify(escape(waiting_for(item, self.data)), title=escape(item.requirement.name), timeout=10)
        elif item.requirement.method == "manager":
            self.notify("A manager verifies this one: press v to ask.", severity="warning")
        else:
            self.notify("You record this one yourself: press e.", severity="warning")
        return True

    def action_attest(self) -> None:
        item = self.selected()
        if item is None:
            return
        if self._recorded_another_way(item, "self"):
            return
        slug, team = item.requirement.slug, self.team

        self.app.push_screen(
            EvidenceDialog(f"Record: {item.requirement.name}", item.requirement.how,
                           call=lambda b, note, link: b.attest(slug, team=team, evidence=note, link=link)),
            self._saved("Recorded."))

    def action_request(self) -> None:
        item = self.selected()
        if item is None:
            return
        if self._recorded_another_way(item, "manager"):
            return
        slug, team = item.requirement.slug, self.team

        self.app.push_screen(
            EvidenceDialog(f"Ask to verify: {item.requirement.name}",
                           "A manager of the team sees your evidence and approves or rejects it.",
                           call=lambda b, note, link: b.request_verification(slug, team=team, evidence=note,
                                                                             link=link)),
            self._saved("Asked a manager to verify it."))

    def action_shadow(self) -> None:
        team = self.team
        self.act(lambda b: b.shadow_options(team=team), done=self._pick_shadow)

    def _pick_shadow(self, options) -> None:
        tz = self.app.me.tz if self.app.me else (self.data.person.tz if self.data else "UTC")

        def done(uid) -> None:
            if uid:
                self.act(lambda b: b.sign_up_shadow(uid), done=lambda _o: self.reload(),
                         success="Signed up to shadow that shift; the people on call see you with them.")

        self.app.push_screen(ShadowDialog(options, tz), done)

    def action_link(self) -> None:
        item = self.selected()
        if item is None or not item.requirement.link:
            return
        self.app.copy_to_clipboard(item.requirement.link)
        self.notify(escape(item.requirement.link), title="Link (copied to the clipboard)", timeout=10)

    # -- a manager's acts ---------------------------------------------------------------------
    def action_team_view(self) -> None:
        from .requirements_team import TeamRequirementsScreen

        if self.data and self.data.viewer_manages:
            self.app.push_screen(TeamRequirementsScreen(self.data.team))

    def action_grant(self) -> None:
        self._grant(waive=False)

    def action_waive(self) -> None:
        self._grant(waive=True)

    def _grant(self, waive: bool) -> None:
        item, d = self.selected(), self.data
        if item is None or d is None or d.is_me:
            return
        login, slug, team = d.person.login, item.requirement.slug, d.team
        verb = "Waive" if waive else "Mark met"

        self.app.push_screen(
            NoteDialog(f"{verb}: {item.requirement.name} for {d.person.name}", "Note (kept in the audit log):",
                       call=lambda b, note: b.grant(login, slug, team=team, waive=waive, note=note)),
            self._saved(f"{verb}: {item.requirement.name} for {d.person.name}."))

    def _saved(self, message: str):
        """What to do once a dialog's backend call went through: show the fresh state and say so."""
        def done(result) -> None:
            if result is not None:
                self.show(result)
                self.notify(escape(message))
        return done

    def action_back(self) -> None:
        if self.person is not None:
            self.app.pop_screen()

    def action_refresh(self) -> None:
        self.reload()
