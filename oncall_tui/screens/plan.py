"""Team plan: draft a fair schedule with live progress, review it, edit it, publish it.

A draft is the backend's `draft_plan`, the call `oncall plan` makes, from a thread worker
(screens/plan_solve.py): with a local database the solver runs in that worker, progress
arrives as messages and `x` stops the search and keeps the best plan; `oncall serve` solves
on the server.  Edits are checked at once with the scheduler's validator
(each person in the picker shows ✓ or ✗ and why) and again by the backend."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..core.domain_planning import CellEdit, PlanDiff, PlanProblem, PlanSummary, PlanView
from ..core.months import add_months
from ..core.planning import day_label
from ..formatting import escape, plural, safe_text
from ..widgets.plan_loads import HEAD as LOADS_HEAD
from ..widgets.plan_loads import load_line, load_scale, short_names
from .base import AreaScreen
from .plan_dialogs import ConfirmScreen, PickPersonScreen, PickPlanScreen, TextScreen
from .plan_solve import SolveMixin
from .plan_text import candidates, diff_text, several_a_day, warnings_text

PUBLISH_EFFECT = ("Everyone sees their shifts in oncall at once (My on-call, oncall shifts); "
                  "no message or calendar entry is sent.")
"""What publishing does for the people on the plan: only what happens."""


@dataclass
class PlanData:
    team: str | None
    rotations: list = field(default_factory=list)  # domain.Rotation
    rotation: str | None = None
    month: str = ""
    plans: list[PlanSummary] = field(default_factory=list)  # this rotation and month
    view: PlanView | None = None
    diff: PlanDiff | None = None
    problem: PlanProblem | None = None


class PlanScreen(SolveMixin, AreaScreen):
    AREA_TITLE = "Team plan"
    DEFAULT_CSS = """
    PlanScreen { layout: vertical; }
    PlanScreen #head { height: 1; padding: 0 1; text-style: bold; }
    PlanScreen #progress { height: 1; padding: 0 1; color: $text-muted; }
    PlanScreen #progress.solving { color: $warning; text-style: bold; }
    PlanScreen #main { height: 1fr; }
    PlanScreen #grid { width: 46; height: 1fr; }
    PlanScreen #side { width: 1fr; height: 1fr; }
    PlanScreen #loads-head { height: 1; color: $text-muted; padding: 0 1; }
    PlanScreen #loads { height: 1fr; border: none; padding: 0; }
    PlanScreen #warnings { height: 3; padding: 0 1; color: $warning; }
    """
    BINDINGS = [
        Binding("g", "generate('cpsat')", "Generate", tooltip="Draft a plan with CP-SAT, showing live progress"),
        Binding("b", "generate('greedy')", "Greedy", show=False,
                tooltip="Draft a plan with the greedy baseline (least recently on call)"),
        Binding("x", "stop", "Stop", tooltip="Stop the search and keep the best plan found so far"),
        Binding("l", "time_limit", "Limit", show=False, tooltip="Change the solver's time limit"),
        Binding("e", "edit", "Edit", tooltip="Put someone else in this cell (checked against the hard rules)"),
        Binding("m", "mark", "Swap", tooltip="Mark this cell; mark a second one to swap the two"),
        Binding("y", "why", "Why", tooltip="Why this person got the shifts they got"),
        Binding("d", "diff", "Diff", tooltip="What changes against the published plan"),
        Binding("w", "warnings", "Warnings", show=False, tooltip="Every gap and warning of this plan"),
        Binding("P", "publish", "Publish", tooltip="Publish this draft (asks first)"),
        Binding("o", "open", "Open", show=False, tooltip="Open another plan or rotation"),
        Binding("left_square_bracket", "month(-1)", "Prev month", show=False),
        Binding("right_square_bracket", "month(1)", "Next month", show=False),
        Binding("escape", "unmark", "Unmark", show=False),
        Binding("f5", "refresh", "Refresh", show=False, tooltip="Load everything again"),
    ]

    def __init__(self) -> None:
        super().__init__(name="plan")
        self.data: PlanData | None = None
        self.rotation: str | None = None
        self.month: str | None = None
        self.plan_id: int | None = None
        self.time_limit = 10.0
        self.marked: str | None = None  # uid of a cell marked for a swap
        self._stop: threading.Event | None = None
        self._solving: dict | None = None
        self._names: dict[str, str] = {}
        self._full_names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield Static("Loading…", id="head")
        yield Static("", id="progress")
        with Horizontal(id="main"):
            table: DataTable = DataTable(id="grid", cursor_type="cell", zebra_stripes=True)
            yield table
            with Vertical(id="side"):
                yield Label(LOADS_HEAD, id="loads-head")
                yield OptionList(id="loads")
        yield Static("", id="warnings")
        yield from self.compose_footer()

    # -- loading -------------------------------------------------------------------------
    def fetch(self, backend) -> PlanData:
        from ..core.months import next_month

        me = backend.whoami()
        teams = [t for t in backend.teams() if any(m.login == me.login for m in t.managers)]
        if not teams:
            return PlanData(team=None)
        team = teams[0]
        rotations = backend.rotations(team.slug)
        rot = next((r for r in rotations if r.slug == self.rotation), rotations[0] if rotations else None)
        if rot is None:
            return PlanData(team=team.slug)
        from zoneinfo import ZoneInfo

        month = self.month or next_month(self.app.clock.now().astimezone(ZoneInfo(rot.tz)).date())
        plans = [p for p in backend.plans(rotation=rot.slug, team=team.slug) if p.month == month]
        chosen = next((p for p in plans if p.id == self.plan_id), None)
        chosen = chosen or next((p for p in plans if p.status == "draft"), None) \
            or next((p for p in plans if p.status == "published"), None)
        data = PlanData(team.slug, rotations, rot.slug, month, plans)
        if chosen is not None:
            data.view = backend.plan(chosen.id)
            data.diff = backend.plan_diff(chosen.id)
        data.problem = backend.plan_problem(rot.slug, month, team=team.slug)
        return data

    def show(self, data: PlanData) -> None:
        self.data = data
        self.rotation, self.month = data.rotation, data.month
        if data.view is not None:
            self.plan_id = data.view.summary.id
        problem_people = data.problem.data.get("people", []) if data.problem else []
        names = [(p["id"], p["id"]) for p in problem_people]
        if data.view:
            names = [(p.login, p.name) for p in data.view.people] or names
            names += [(c.login, c.name) for c in data.view.cells if c.login]
        self._full_names = {login: safe_text(name) for login, name in names}  # shown as Text, never obeyed
        self._names = short_names(list(self._full_names.items()))
        self._render_view()
        self.refresh_bindings()  # the keys depend on whether this user plans for a team

    def _render_view(self) -> None:
        data, view = self.data, self.data.view if self.data else None
        head = self.query_one("#head", Static)
        if data is None or data.team is None:
            head.update("Planning is for a team's managers; you manage no team.")
            return
        if data.rotation is None:
            head.update("This team has no rotation to plan yet (add one to the team file).")
            return
        rot_name = next((r.name for r in data.rotations if r.slug == data.rotation), data.rotation)
        year, mon = (int(x) for x in data.month.split("-"))
        month_name = date(year, mon, 1).strftime("%B %Y")
        if view is None:
            head.update(escape(f"{rot_name} · {month_name} · no plan yet"))
            self._set_progress(f"Press g to draft a plan (CP-SAT, {self.time_limit:g} s), b for greedy, "
                               f"[ ] another month.")
        else:
            s = view.summary
            bound = f" (bound {s.bound})" if s.bound is not None and s.status == "draft" else ""
            head.update(escape(f"{rot_name} · {month_name} · {s.label} v{s.version} · score {s.score}{bound}"))
            if not self._solving:
                self._set_progress(self._status_line(view))
        self._fill_grid(view)
        self._fill_loads(view)
        self._fill_warnings(view)

    def _status_line(self, view: PlanView) -> str:
        parts = [plural(len(view.gaps), "gap"), plural(len(view.warnings), "warning"), view.solve_note]
        diff = self.data.diff if self.data else None
        if diff is not None and view.summary.status == "draft":
            if diff.against_id is None:
                parts.append("nothing published yet")
            else:
                parts.append(f"{plural(len(diff.changes), 'change')} vs published #{diff.against_number}")
        if self.marked:
            parts.insert(0, "◆ marked: move and press m to swap")
        return " · ".join(p for p in parts if p)

    def _set_progress(self, text: str, solving: bool = False) -> None:
        widget = self.query_one("#progress", Static)
        widget.update(escape(text))
        widget.set_class(solving, "solving")

    def _fill_grid(self, view: PlanView | None) -> None:
        table = self.query_one("#grid", DataTable)
        where = table.cursor_coordinate
        table.clear(columns=True)
        if view is None:
            return
        several = several_a_day(view)
        rows: dict = {}
        for c in view.cells:
            rows.setdefault(c.start, {})[c.role] = c
        labels = {start: day_label(start, view.tz, several) for start in rows}
        # The width from the labels themselves: an auto width is measured when the column is
        # added, before any row, and a table cleared and refilled can keep it ("Shift", 5 wide).
        table.add_column("Shift", key="shift", width=max([5, *map(len, labels.values())]))
        for role in view.roles:
            table.add_column(role.capitalize(), key=role, width=max(8, len(role)))
        for start, cells in sorted(rows.items()):
            row: list[str | Text] = [labels[start]]
            for role in view.roles:
                row.append(self._cell_text(cells.get(role), role, view))
            table.add_row(*row, key=start.isoformat())
        if table.row_count:
            table.move_cursor(row=min(where.row, table.row_count - 1),
                              column=max(1, min(where.column, len(view.roles))), animate=False)

    def _cell_text(self, cell, role: str, view: PlanView) -> Text:
        if cell is None:
            return Text("")
        if cell.login is None:
            required = role not in ("shadow",)
            return Text("✗ GAP", style="bold red") if required else Text("·", style="dim")
        name = self._names.get(cell.login, cell.login)
        text = Text(("◆" if cell.uid == self.marked else "") + name[:8])
        if cell.source == "manual":
            text.append("✎", style="italic")
        return text

    def _fill_loads(self, view: PlanView | None) -> None:
        loads = self.query_one("#loads", OptionList)
        highlighted = loads.highlighted
        loads.clear_options()
        if view is None:
            return
        scale = load_scale(view.people)
        loads.add_options(Option(load_line(p, self._names.get(p.login, p.login), scale), id=p.login)
                          for p in view.people)
        if view.people:
            loads.highlighted = min(highlighted or 0, len(view.people) - 1)

    def _fill_warnings(self, view: PlanView | None) -> None:
        lines = []
        if view is not None:
            several = several_a_day(view)
            for g in view.gaps:
                first = g.reasons[0] if g.reasons else "nobody fits"
                lines.append(f"✗ GAP {day_label(g.start, view.tz, several)} {g.role}: {first}")
            lines += [f"! {w}" for w in view.warnings]
            if len(lines) > 3:
                lines = lines[:2] + [f"… {len(lines) - 2} more: press w for all gaps and warnings"]
            if not lines:
                lines = ["✓ every shift covered, every soft goal met"]
        self.query_one("#warnings", Static).update(escape("\n".join(line[:78] for line in lines)))

    # -- the cell under the cursor ---------------------------------------------------------
    def _cursor_cell(self):
        view = self.data.view if self.data else None
        table = self.query_one("#grid", DataTable)
        if view is None or not table.row_count:
            return None
        row_key, col_key = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((c for c in view.cells if c.start.isoformat() == row_key.value and c.role == col_key.value),
                    None)

    def _draft(self) -> PlanView | None:
        view = self.data.view if self.data else None
        if view is None:
            self.notify("No plan yet: press g to draft one", severity="warning")
            return None
        if view.summary.status != "draft":
            self.notify(f"This plan is {view.summary.status}; draft a new one (g) to change it",
                        severity="warning")
            return None
        return view

    # -- editing -----------------------------------------------------------------------------
    def action_edit(self) -> None:
        view = self._draft()
        cell = self._cursor_cell()
        problem = self.data.problem if self.data else None
        if view is None or cell is None or problem is None:
            return
        people = candidates(view, problem, cell.uid, self._full_names)
        title = f"{day_label(cell.start, view.tz, several_a_day(view))} · {cell.role}: who takes it?"

        def chosen(login: str | None) -> None:
            if login is None or login == (cell.login or ""):
                return
            self._edit(view, [CellEdit(uid=cell.uid, login=login or None)])

        self.app.push_screen(PickPersonScreen(title, people, cell.login), chosen)

    @on(DataTable.CellSelected, "#grid")
    def _cell_selected(self) -> None:
        self.action_edit()

    def action_mark(self) -> None:
        view = self._draft()
        cell = self._cursor_cell()
        if view is None or cell is None:
            return
        if self.marked is None or self.marked == cell.uid:
            self.marked = None if self.marked == cell.uid else cell.uid
            self._render_view()
            return
        first, self.marked = self.marked, None
        self._edit(view, [CellEdit(uid=first, swap_with=cell.uid)])

    def action_unmark(self) -> None:
        if self.marked:
            self.marked = None
            self._render_view()

    def _edit(self, view: PlanView, changes: list[CellEdit]) -> None:
        before = view.summary.score

        def done(edited: tuple[PlanView, PlanDiff]) -> None:
            new, diff = edited
            self.notify(f"Score {before} → {new.summary.score}", title="Changed")
            if self.data is not None:
                self.data.view, self.data.diff = new, diff  # the header's changes count with it
                self._render_view()

        plan_id, version = view.summary.id, view.summary.version
        self.act(lambda b: (b.edit_plan(plan_id, version, changes), b.plan_diff(plan_id)), done=done)

    # -- reading -----------------------------------------------------------------------------
    def _person_for_why(self) -> str | None:
        if self.focused is self.query_one("#loads", OptionList):
            loads = self.query_one("#loads", OptionList)
            if loads.highlighted is not None:
                return loads.get_option_at_index(loads.highlighted).id
        cell = self._cursor_cell()
        return cell.login if cell else None

    def action_why(self) -> None:
        view = self.data.view if self.data else None
        login = self._person_for_why()
        if view is None or not login:
            self.notify("Put the cursor on a person (grid or load list) first", severity="warning")
            return
        self._read_text(lambda b: b.explain_person(view.summary.id, login),
                        f"Why {self._full_names.get(login, login)} got these shifts")

    def action_diff(self) -> None:
        view = self.data.view if self.data else None
        if view is None:
            self.notify("No plan to compare yet: press g to draft one.", timeout=4)
            return
        several = several_a_day(view)
        self._read_text(lambda b: diff_text(b.plan_diff(view.summary.id), self._full_names, several),
                        f"{view.summary.label}: changes")

    def action_warnings(self) -> None:
        view = self.data.view if self.data else None
        if view is not None:
            self.app.push_screen(TextScreen(f"{view.summary.label}: gaps and warnings",
                                            warnings_text(view, several_a_day(view))))

    def _read_text(self, call, title: str) -> None:
        self.run_backend(call, lambda text: self.app.push_screen(TextScreen(title, text)), group="read")

    # -- publishing and moving around -----------------------------------------------------------
    def action_publish(self) -> None:
        view = self._draft()
        if view is None:
            return
        s, diff = view.summary, self.data.diff if self.data else None
        if diff is None or diff.against_id is None:
            what = "Nothing is published for this month yet."
        else:
            what = (f"It replaces published #{diff.against_number} (kept as superseded): "
                    f"{plural(len(diff.changes), 'cell')} change for {plural(len(diff.people), 'person', 'people')}.")
        gaps = (f"{plural(len(view.gaps), 'gap')} {'stays' if len(view.gaps) == 1 else 'stay'} open."
                if view.gaps else "Every shift is covered.")
        text = (f"{what}\n{gaps}\n{PUBLISH_EFFECT}")

        def answer(yes: bool | None) -> None:
            if yes:
                self.act(lambda b: b.publish_plan(s.id, s.version),
                         done=lambda summary: self.reload(),
                         success=f"Published {s.rotation_name} {s.month} as #{(diff.against_number or 0) + 1}"
                         if diff else "Published")

        self.app.push_screen(ConfirmScreen(f"Publish draft {s.id} for {s.rotation_name}, {s.month}?", text),
                             answer)

    def action_open(self) -> None:
        if not self.data or not self.data.team:
            return
        options = [(f"plan:{p.id}", f"{p.label} · score {p.score} · {plural(p.gaps, 'gap')} · by {p.created_by}")
                   for p in self.data.plans]
        options += [(f"rot:{r.slug}", f"rotation {r.name} ({r.slug})") for r in self.data.rotations
                    if r.slug != self.data.rotation]

        def chosen(key: str | None) -> None:
            if not key:
                return
            kind, _, value = key.partition(":")
            if kind == "plan":
                self.plan_id = int(value)
            else:
                self.rotation, self.plan_id = value, None
            self.marked = None
            self.reload()

        self.app.push_screen(PickPlanScreen(f"Plans for {self.data.month}", options), chosen)

    def action_month(self, step: int) -> None:
        if self.month:
            self.month, self.plan_id, self.marked = add_months(self.month, step), None, None
            self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "refresh":
            return True
        if self.app.manages() is False or (self.data is not None and self.data.team is None):
            return False  # planning keys are a team manager's: hidden from everyone else
        if action == "stop":
            return True if self._solving else None
        return True

    def why_not(self, action: str) -> str | None:
        if action == "stop":
            return "Nothing is being drafted: press g to draft a plan."
        return None
