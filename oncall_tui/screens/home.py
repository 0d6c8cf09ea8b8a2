"""My on-call: my next shifts, who I am on call with, who to escalate to, who is on call now."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ..core.domain import HomeView, ShiftDetail
from ..formatting import escape, local, relative, safe_text, span
from .base import AreaScreen


def shift_prompt(detail: ShiftDetail, tz: str, now) -> str:
    a = detail.assignment
    marker = "▶ NOW " if a.start <= now < a.end else ""
    with_ = ", ".join(f"{p.person.name} ({p.role}) {p.person.contact}" for p in detail.partners) or "nobody yet"
    return (f"{marker}{span(a.start, a.end, tz)} · {escape(a.rotation_name)} · [b]{a.role.upper()}[/b]"
            f" ({relative(a.start, now)})\n   with {escape(with_)}")


def detail_text(detail: ShiftDetail) -> str:
    esc = escape("  ".join(f"{e.position}. {e.name} {e.contact}" for e in detail.escalation) or "none set")
    lines = [f"[b]Escalate:[/b] {esc}"]
    if detail.handover:
        lines.append(f"[b]Handover:[/b] {escape(detail.handover.splitlines()[-1])}")
    return "\n".join(lines)


class HomeScreen(AreaScreen):
    AREA_TITLE = "My on-call"
    DEFAULT_CSS = """
    HomeScreen { layout: vertical; }
    HomeScreen .section { height: 1; color: $text-muted; text-style: bold; padding: 0 1; }
    HomeScreen #shifts { height: 1fr; min-height: 5; border: none; padding: 0 0; }
    HomeScreen #shift-detail { height: auto; max-height: 4; padding: 0 1; }
    HomeScreen #now { height: auto; max-height: 6; padding: 0 1; }
    HomeScreen #status { height: auto; padding: 0 1; }
    HomeScreen #hints { height: auto; padding: 0 1; color: $warning; }
    """
    BINDINGS = [
        Binding("enter", "open_shift", "Shift", show=False),
        Binding("f5", "refresh", "Refresh", tooltip="Load everything again"),
    ]

    def __init__(self) -> None:
        super().__init__(name="home")
        self.view: HomeView | None = None

    def compose(self) -> ComposeResult:
        # Data read while the app started (launch.py) goes into the widgets as they are made,
        # so the first frame's layout already holds it: filling them after mounting would
        # need a second layout and a later frame.
        first = self.app.take_first_home() if hasattr(self.app, "take_first_home") else None
        view = None
        if first is not None:
            self._loaded_cursor, view = first
            self._preloaded = True
            self.view = view
            self.app.seen_home(view)
            if view.next_shifts:
                self._detail_shown = detail_text(view.next_shifts[0])
        texts = self._texts(view)
        yield from self.compose_title()
        with Vertical():
            yield Label(texts["heading"], classes="section", id="shifts-label")
            shifts = OptionList(*texts["shifts"], id="shifts")
            if view is not None and view.next_shifts:
                shifts.highlighted = 0
            yield shifts
            yield Static(self._detail_shown, id="shift-detail")
            yield Label("On call now", classes="section")
            yield Static(texts["now"], id="now")
            yield Static(texts["status"], id="status")
            yield Static(texts["hints"], id="hints")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        if self._preloaded:
            self.set_timer(0.25, self.app.warm_up)

    #: The first data was read while the app started: the mount's own load is not needed.
    _preloaded = False

    def reload(self) -> None:
        if self._preloaded:
            self._preloaded = False
            return
        super().reload()

    def fetch(self, backend) -> HomeView:
        return backend.home()

    def _texts(self, view: HomeView | None) -> dict:
        """What each widget shows for `view` (None: not loaded yet)."""
        if view is None:
            return {"heading": "Your next shifts", "shifts": [], "now": "Loading…", "status": "", "hints": ""}
        tz = view.me.tz
        now = self.app.clock.now()
        if view.next_shifts:
            shifts = [Option(shift_prompt(d, tz, now), id=d.assignment.uid) for d in view.next_shifts]
        else:
            shifts = [Option("No shifts for you in the next six weeks.", disabled=True)]
        swaps = view.swaps_summary + ("  (press s)" if view.swaps_waiting else "")
        return {
            "heading": f"Your next shifts · {escape(view.me.name)} · times in {tz}",
            "shifts": shifts,
            "now": self._now_text(view, tz),
            "status": escape(f"{view.requirements_summary}\n{swaps}"),
            "hints": escape("\n".join(view.hints)),
        }

    def show(self, view: HomeView) -> None:
        self.view = view
        self.app.seen_home(view)
        self.set_title(self.AREA_TITLE)
        texts = self._texts(view)
        self.query_one("#shifts-label", Label).update(texts["heading"])
        shifts = self.query_one("#shifts", OptionList)
        highlighted = shifts.highlighted
        shifts.clear_options()
        shifts.add_options(texts["shifts"])
        if view.next_shifts:
            shifts.highlighted = min(highlighted or 0, len(view.next_shifts) - 1)
        self._show_detail()
        for name in ("now", "status", "hints"):
            self.query_one(f"#{name}", Static).update(texts[name])

    def _now_text(self, view: HomeView, tz: str) -> str:
        if not view.now:
            return "Nobody is on call right now in your teams."
        lines = []
        for n in view.now:
            rot = n.rotation_name
            until = local(n.end, tz).strftime("%a %H:%M")
            lines.append(f"{rot:<15.15} {n.role:<9} {n.person.name:<17.17} {n.person.contact:<16.16} to {until}")
        return escape("\n".join(lines))

    @on(OptionList.OptionHighlighted, "#shifts")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.selected_shift()
        text = detail_text(detail) if detail else ""
        if text != self._detail_shown:  # an unchanged update would still cost a layout pass
            self._detail_shown = text
            self.query_one("#shift-detail", Static).update(text)

    _detail_shown = ""

    def selected_shift(self) -> ShiftDetail | None:
        if not self.view or not self.view.next_shifts:
            return None
        index = self.query_one("#shifts", OptionList).highlighted
        if index is None or index >= len(self.view.next_shifts):
            return None
        return self.view.next_shifts[index]

    def action_open_shift(self) -> None:
        detail = self.selected_shift()
        if detail:
            self.notify(detail_text(detail), title=safe_text(detail.assignment.rotation_name), timeout=8)

    def action_refresh(self) -> None:
        self.reload()
