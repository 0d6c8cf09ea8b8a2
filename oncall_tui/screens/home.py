"""My on-call: my next shifts, who I am on call with, who to escalate to, who is on call now."""
from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ..core.domain import HomeView, ShiftDetail
from ..core.shifts import outside, piece_id
from ..formatting import escape, span
from .base import AreaScreen
from .shift_text import FitsItsWidth, Line, content, escalation_lines, now_lines, shift_lines, text_lines


class ShiftList(FitsItsWidth, OptionList):
    """My next shifts, each laid out by `shift_lines` at this list's own width, and laid out
    again whenever that width changes: no line is ever wider than the list, so nothing wraps
    and every option's height is its number of lines, whatever the terminal's width, however
    often the list is filled (a vertical scrollbar has its place kept, so it never narrows
    the text after it was measured)."""

    DEFAULT_CSS = """
    ShiftList { text-wrap: nowrap; text-overflow: ellipsis; scrollbar-gutter: stable;
                scrollbar-size-vertical: 1; }
    """

    BINDINGS = [Binding("enter", "screen.open_shift", "Shift details",
                        tooltip="Partners, escalation and handover notes")]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.details: tuple[ShiftDetail, ...] = ()
        self.tz = "UTC"
        self.now: datetime | None = None
        self.empty_text = ""
        self.laid_out_at = 0  # the width the options were laid out for

    def show(self, details: tuple[ShiftDetail, ...], tz: str, now: datetime, empty_text: str) -> None:
        highlighted = self.highlighted
        self.details, self.tz, self.now, self.empty_text = details, tz, now, empty_text
        self.clear_options()
        self.add_options(self._options_at(self.text_width()))
        if details:
            self.highlighted = min(highlighted or 0, len(details) - 1)

    def _options_at(self, width: int) -> list[Option]:
        self.laid_out_at = width
        if not self.details or self.now is None:
            return [Option(self.empty_text, disabled=True)]
        return [Option(content(lines), id=piece_id(d.assignment.uid, d.assignment.start))
                for d, lines in zip(self.details, shift_lines(self.details, self.tz, self.now, width))]

    def has_options(self) -> bool:
        return bool(self.details)


class HomeScreen(AreaScreen):
    AREA_TITLE = "My on-call"
    DEFAULT_CSS = """
    HomeScreen { layout: vertical; }
    HomeScreen .section { height: 1; color: $text-muted; text-style: bold; padding: 0 1; }
    HomeScreen #shifts { height: 1fr; min-height: 5; border: none; padding: 0 0; }
    HomeScreen #shift-detail { height: auto; max-height: 8; padding: 0 1; text-wrap: nowrap; }
    HomeScreen #now { height: auto; max-height: 6; padding: 0 1; text-wrap: nowrap; }
    HomeScreen #status { height: auto; padding: 0 1; }
    HomeScreen #hints { height: auto; padding: 0 1; color: $warning; }
    """
    BINDINGS = [
        Binding("enter", "open_shift", "Shift details", tooltip="Partners, escalation and handover notes"),
        Binding("c", "cant_make_it", "Can't make it",
                tooltip="Ask someone to take the highlighted shift, all of it or a part"),
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
        texts = self._texts(view)
        yield from self.compose_title()
        with Vertical():
            yield Label(texts["heading"], classes="section", id="shifts-label")
            shifts = ShiftList(id="shifts")
            if view is not None:
                shifts.show(view.next_shifts, view.me.tz, self.app.clock.now(), texts["empty"])
            yield shifts
            self._detail_shown = self._detail_text(view, 0 if view is not None and view.next_shifts else None)
            detail = Static(self._detail_shown, id="shift-detail")
            detail.styles.height = self._detail_height(self._detail_shown)
            yield detail
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
            return {"heading": "Your next shifts", "empty": "", "now": "Loading…", "status": "", "hints": ""}
        tz = view.me.tz
        swaps = view.swaps_summary + ("  (press s)" if view.swaps_waiting else "")
        return {
            "heading": f"Your next shifts · {escape(view.me.name)} · times in {tz}",
            "empty": "No shifts for you in the next six weeks.",
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
        self.query_one("#shifts", ShiftList).show(view.next_shifts, view.me.tz, self.app.clock.now(),
                                                  texts["empty"])
        self._show_detail()
        for name in ("now", "status", "hints"):
            self.query_one(f"#{name}", Static).update(texts[name])
        self.refresh_bindings()  # "can't make it" needs a shift

    def _now_text(self, view: HomeView, tz: str) -> Content | str:
        if not view.now:
            return "Nobody is on call right now in your teams."
        return content(now_lines(view.now, tz, max(1, self.app.size.width - 2)))

    @on(OptionList.OptionHighlighted, "#shifts")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(OptionList.OptionSelected, "#shifts")
    def _selected(self) -> None:
        self.action_open_shift()

    def on_resize(self) -> None:
        self._detail_shown = None  # laid out again at the new width
        self._show_detail()
        if self.view is not None:
            self.query_one("#now", Static).update(self._now_text(self.view, self.view.me.tz))

    def _detail_text(self, view: HomeView | None, index: int | None) -> Content | str:
        """The highlighted shift's escalation list and newest handover note; without one, every
        team's escalation list (who to call does not depend on having a shift)."""
        if view is None:
            return ""
        width = max(1, self.app.size.width - 2)
        lines: list[Line] = []
        if index is not None and index < len(view.next_shifts):
            detail = view.next_shifts[index]
            lines += escalation_lines("Escalate:", detail.escalation, width)
            if detail.handover:
                lines += text_lines("Handover:", detail.handover.splitlines()[-1], width)
        else:
            several = len(view.escalation) > 1
            for team in view.escalation:
                label = f"Escalate ({team.team_name}):" if several else "Escalate:"
                lines += escalation_lines(label, team.contacts, width)
        return content(lines) if lines else ""

    def _show_detail(self) -> None:
        shifts = self.query_one("#shifts", ShiftList)
        text = self._detail_text(self.view, shifts.highlighted)
        if text != self._detail_shown:  # an unchanged update would still cost a layout pass
            self._detail_shown = text
            detail = self.query_one("#shift-detail", Static)
            detail.update(text)
            # Its lines are laid out here, so their number is known: said outright, the height
            # does not depend on a measurement made before the update took effect.
            detail.styles.height = self._detail_height(text)

    @staticmethod
    def _detail_height(text: Content | str | None) -> int:
        return len(text.plain.split("\n")) if isinstance(text, Content) else (1 if text else 0)

    _detail_shown: Content | str | None = ""

    def selected_shift(self) -> ShiftDetail | None:
        if not self.view or not self.view.next_shifts:
            return None
        index = self.query_one("#shifts", OptionList).highlighted
        if index is None or index >= len(self.view.next_shifts):
            return None
        return self.view.next_shifts[index]

    def action_open_shift(self) -> None:
        detail = self.selected_shift()
        if detail is None:
            self.notify("No shift to open: you have none in the next six weeks.",
                        severity="warning")
            return
        from .shift_detail import ShiftDetailScreen

        self.app.push_screen(ShiftDetailScreen(detail, self.view.me.tz if self.view else "UTC"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cant_make_it":
            return True if self.selected_shift() is not None else None
        return True

    def why_not(self, action: str) -> str | None:
        if action == "cant_make_it":
            return "You have no shift in the next six weeks to ask someone to take."
        return None

    def action_cant_make_it(self) -> None:
        """The highlighted shift: ask someone to take it (all of it or a part)."""
        detail = self.selected_shift()
        if detail is None:
            return
        a = detail.assignment

        def open_requests(backend) -> list:
            return [s for s in backend.swaps() if s.my_part == "outgoing" and s.state in ("open", "escalated")
                    and s.shift_uid == a.uid and s.start < a.end and s.end > a.start]

        def checked(found: list) -> None:
            from dataclasses import replace

            free = outside([(a.start, a.end)], [(s.start, s.end) for s in found])
            if not free:
                self._already_asked(found[0])
            elif found:  # some of its hours are asked for already: ask for the first hours that are not
                tz = self.view.me.tz if self.view else "UTC"
                asked = ", ".join(span(s.start, s.end, tz) for s in found)
                self.notify(escape(f"Asked for already: {asked}. Asking for other hours of it."), timeout=8)
                self._ask(replace(detail, assignment=replace(a, start=free[0][0], end=free[0][1])))
            else:
                self._ask(detail)

        self.run_backend(open_requests, checked, group="cant-make-it", exclusive=True)

    def _already_asked(self, swap) -> None:
        """A request for this shift is open already: said at once, with the way to it."""
        from .plan_dialogs import ConfirmScreen
        from .swaps import SwapsScreen

        tz = self.view.me.tz if self.view else "UTC"
        asked = [a.person.name for a in swap.asks if a.state == "asked"]
        who = f"asking {', '.join(asked)}" if asked else swap.state_words or swap.state

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            await self.app.switch_mode("swaps")
            if isinstance(self.app.screen, SwapsScreen):
                self.app.screen.highlight(swap.id)

        self.app.push_screen(ConfirmScreen("You have asked for cover on this shift already",
                                           f"{span(swap.start, swap.end, tz)}: {who}.",
                                           yes="open it in the swap inbox", no="back"), answered)

    def _ask(self, detail: ShiftDetail) -> None:
        from .swap_dialogs import AskDialog

        def sent(swap) -> None:
            if swap is None:
                return
            asked = [a.person.name for a in swap.asks if a.state == "asked"]
            who = ", ".join(asked) if asked else "your managers (nobody else can take it)"
            self.notify(escape(f"Request sent: asking {who}. Swaps (s) shows its answers."), timeout=8)
            self.reload()

        self.app.push_screen(AskDialog(detail, self.view.me.tz if self.view else "UTC"), sent)

    def action_refresh(self) -> None:
        self.reload()
