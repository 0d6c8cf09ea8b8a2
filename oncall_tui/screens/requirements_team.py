"""The manager's view of requirements: people x requirements, and the verification queue."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..core.domain_requirements import STATE_SYMBOLS, PendingVerification, TeamReadiness
from ..formatting import escape, plural, safe_text, when
from .base import AreaScreen
from .requirements import STATE_COLOURS
from .requirements_dialogs import NoteDialog, RequirementForm

ROLE_SHORT = {"primary": "P", "secondary": "S", "shadow": "sh"}
LEGEND = "✓ met ! expiring ✗ expired … waiting ⊘ rejected ~ waived · missing │ P S sh"


def pending_prompt(p: PendingVerification, tz: str) -> str:
    asked = when(p.requested_at, tz) if p.requested_at else "?"
    evidence = " ".join(x for x in (p.evidence, p.evidence_link) if x)
    evidence = evidence if len(evidence) <= 72 else evidence[:71] + "…"
    return (f"{escape(p.person.name)} · {escape(p.requirement.name)} · asked {asked}\n"
            f"  [dim]“{escape(evidence)}”[/]")


class TeamRequirementsScreen(AreaScreen):
    AREA_TITLE = "Requirements · team"
    DEFAULT_CSS = """
    TeamRequirementsScreen #team-head { height: 1; padding: 0 1; text-style: bold; }
    TeamRequirementsScreen #swaps-note { height: auto; padding: 0 1; color: $warning; }
    TeamRequirementsScreen #matrix { height: 1fr; min-height: 6; }
    TeamRequirementsScreen #legend { height: 1; padding: 0 1; color: $text-muted; }
    TeamRequirementsScreen .section { height: 1; padding: 0 1; text-style: bold; color: $text-muted; }
    TeamRequirementsScreen #queue { height: auto; max-height: 4; border: none; padding: 0; }
    """
    BINDINGS = [
        Binding("enter", "open_person", "Person", tooltip="Open this person's checklist"),
        Binding("a", "approve", "Approve", tooltip="Approve the highlighted verification request"),
        Binding("x", "reject", "Reject", tooltip="Reject the highlighted request, with a reason"),
        Binding("g", "grant", "Mark met", tooltip="Mark the highlighted requirement met for this person"),
        Binding("W", "waive", "Waive", tooltip="Waive the highlighted requirement for this person"),
        Binding("n", "new_requirement", "New", tooltip="Define a new requirement"),
        Binding("E", "edit_requirement", "Edit", tooltip="Edit the requirement of the highlighted column"),
        Binding("escape", "back", "Back", tooltip="Back to your own checklist"),
        Binding("f5", "refresh", "Refresh", show=False),
    ]

    def __init__(self, team: str, note: str = "") -> None:
        super().__init__()
        self.team = team
        self.note = note  # a line about what else waits for the manager (escalated swaps)
        self.data: TeamReadiness | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with Vertical():
            yield Static("Loading…", id="team-head")
            if self.note:
                yield Static(escape(self.note), id="swaps-note")
            yield DataTable(id="matrix", cursor_type="cell", zebra_stripes=True)
            yield Static(LEGEND, id="legend")
            yield Label("Waiting for verification (a approve · x reject)", classes="section")
            yield OptionList(id="queue")
        yield from self.compose_footer()

    def fetch(self, backend) -> TeamReadiness:
        return backend.team_readiness(self.team)

    def show(self, data: TeamReadiness) -> None:
        self.data = data
        self.query_one("#team-head", Static).update(
            f"{escape(data.team)} · {plural(len(data.rows), 'person', 'people')} · "
            f"{plural(len(data.requirements), 'requirement')} · "
            f"{len(data.pending)} waiting for verification")
        table = self.query_one("#matrix", DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column("Person", width=16, key="person")
        for req in data.requirements:
            table.add_column(req.slug[:9], width=max(3, min(9, len(req.slug))), key=req.slug)
        table.add_column("Eligible", key="eligible")
        for row in data.rows:
            cells = [Text(safe_text(row.person.name)[:16], style="" if row.on_rotation else "dim")]
            for state in row.states:
                cells.append(Text(STATE_SYMBOLS[state], style=STATE_COLOURS.get(state, ""), justify="center"))
            elig = " ".join(ROLE_SHORT.get(r, r) for r in row.eligible_roles) or "none"
            cells.append(Text(elig if row.on_rotation else "off rota", style="" if row.on_rotation else "dim"))
            table.add_row(*cells, key=row.person.login)
        if data.rows:
            table.cursor_coordinate = table.validate_cursor_coordinate(cursor)
        queue = self.query_one("#queue", OptionList)
        keep = queue.highlighted
        queue.clear_options()
        tz = self.app.me.tz if self.app.me else data.team_tz
        if data.pending:
            queue.add_options(Option(pending_prompt(p, tz), id=str(p.status_id)) for p in data.pending)
            queue.highlighted = min(keep or 0, len(data.pending) - 1)
        else:
            queue.add_option(Option("Nothing is waiting for verification.", disabled=True))

    # -- what is under the cursor ---------------------------------------------------------------
    def _cell(self):
        """(person login, requirement) under the matrix cursor, either may be None."""
        if not self.data or not self.data.rows:
            return None, None
        coord = self.query_one("#matrix", DataTable).cursor_coordinate
        row = self.data.rows[min(coord.row, len(self.data.rows) - 1)]
        col = coord.column - 1
        req = self.data.requirements[col] if 0 <= col < len(self.data.requirements) else None
        return row, req

    def _pending(self) -> PendingVerification | None:
        if not self.data or not self.data.pending:
            return None
        index = self.query_one("#queue", OptionList).highlighted
        if index is None or index >= len(self.data.pending):
            return None
        return self.data.pending[index]

    # -- acts ---------------------------------------------------------------------------------------
    @on(DataTable.CellSelected, "#matrix")
    def _cell_selected(self) -> None:
        self.action_open_person()

    def action_open_person(self) -> None:
        row, _req = self._cell()
        if row is not None:
            from .requirements import RequirementsScreen

            self.app.push_screen(RequirementsScreen(person=row.person.login, team=self.team))

    def action_approve(self) -> None:
        p = self._pending()
        if p is None:
            self.notify("Nothing is waiting for verification.")
            return
        self.act(lambda b: b.decide_verification(p.status_id, approve=True, expected_version=p.version),
                 done=lambda _r: self.reload(),
                 success=f"Approved {p.requirement.name} for {p.person.name}.")

    def action_reject(self) -> None:
        p = self._pending()
        if p is None:
            self.notify("Nothing is waiting for verification.")
            return

        self.app.push_screen(
            NoteDialog(f"Reject {p.requirement.name} for {p.person.name}", "Reason (the engineer sees it):",
                       call=lambda b, reason: b.decide_verification(p.status_id, approve=False, reason=reason,
                                                                    expected_version=p.version)),
            self._done(f"Rejected; {p.person.name} sees your reason."))

    def action_grant(self) -> None:
        self._grant(False)

    def action_waive(self) -> None:
        self._grant(True)

    def _grant(self, waive: bool) -> None:
        row, req = self._cell()
        if row is None or req is None:
            self.notify("Move the cursor onto a requirement column first.", severity="warning")
            return
        verb = "Waive" if waive else "Mark met"
        login, slug, team = row.person.login, req.slug, self.team

        self.app.push_screen(
            NoteDialog(f"{verb}: {req.name} for {row.person.name}", "Note (kept in the audit log):",
                       call=lambda b, note: b.grant(login, slug, team=team, waive=waive, note=note)),
            self._done(f"{verb}: {req.name} for {row.person.name}."))

    def _done(self, message: str):
        """Once a dialog's backend call went through: reload and say so."""
        def done(result) -> None:
            if result is not None:
                self.reload()
                self.notify(escape(message))
        return done

    def action_new_requirement(self) -> None:
        self.app.push_screen(RequirementForm(self.team, None), self._saved)

    def action_edit_requirement(self) -> None:
        _row, req = self._cell()
        if req is None:
            self.notify("Move the cursor onto a requirement column first.", severity="warning")
            return
        self.app.push_screen(RequirementForm(self.team, req), self._saved)

    def _saved(self, saved) -> None:
        if saved is not None:
            self.notify(escape(f"Saved {saved.name}."))
            self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.reload()
