"""One shift in full (enter on a shift of the home screen): whom I am on call with and how to
reach them, whom to escalate to in order, the handover notes, and a line to add one."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ..core.domain import ShiftDetail
from ..core.errors import OncallError
from ..formatting import escape, relative, safe_text, span
from .base import BackendWorkers, report_problem
from .shift_text import Line, content, escalation_lines, pack, text_lines


class ShiftDetailScreen(BackendWorkers, ModalScreen):
    """The shift's detail over the home screen; escape closes it.  A note typed into the line
    at the bottom is added with enter (anyone on the shift, or a manager) and shown at once;
    a refusal is shown here, the note still typed."""

    DEFAULT_CSS = """
    ShiftDetailScreen { align: center middle; }
    ShiftDetailScreen > Vertical { width: 100%; max-width: 100; height: auto; max-height: 100%;
                                   border: round $accent; padding: 0 1; background: $surface; }
    ShiftDetailScreen #detail-body { height: auto; scrollbar-gutter: stable; }
    ShiftDetailScreen #detail-body > Static, ShiftDetailScreen #detail-when { text-wrap: nowrap; }
    ShiftDetailScreen .section { color: $text-muted; text-style: bold; margin-top: 1; }
    ShiftDetailScreen .hint { color: $text-muted; }
    ShiftDetailScreen .error { color: $error; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", tooltip="Back to my on-call"),
        Binding("pageup", "scroll_body(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_body(1)", "Scroll down", show=False),
    ]

    def __init__(self, detail: ShiftDetail, tz: str) -> None:
        super().__init__()
        self.detail = detail
        self.tz = tz

    def compose(self) -> ComposeResult:
        a = self.detail.assignment
        with Vertical():
            yield Label(f"[b]{escape(a.rotation_name)} · {escape(a.role.upper())}[/b]", id="detail-title")
            yield Static(id="detail-when")
            with VerticalScroll(id="detail-body"):
                yield Label("On call with", classes="section")
                yield Static(id="detail-partners")
                yield Label("Escalate, in this order", classes="section")
                yield Static(id="detail-escalation")
                yield Label("Handover notes", classes="section")
                yield Static(id="detail-notes")
            yield Input(placeholder="Add a handover note…", id="note")
            yield Static("", id="note-error", classes="error")
            yield Static("enter: add the note · pgup/pgdn: scroll · escape: close", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()
        self._fill()
        self.call_after_refresh(self._fill)  # again at the width the layout gave

    def on_resize(self) -> None:
        self._fill()

    def _when(self, width: int) -> list[Line]:
        a = self.detail.assignment
        units = [[(span(a.start, a.end, self.tz), "")], [(f"({relative(a.start, self.app.clock.now())})", "")],
                 [(f"· times in {self.tz}", "")]]
        return pack([units], width, hanging=3)

    def _width(self) -> int:
        body = self.query_one("#detail-body", VerticalScroll)
        # before the first layout: the screen's width, less the border, the padding and the
        # scrollbar's gutter (kept whether or not the notes overflow, so the width never changes)
        return max(20, (body.scrollable_content_region.width or min(self.app.size.width, 100) - 6) - 1)

    def _fill(self) -> None:
        width = self._width()
        d = self.detail
        partners: list[Line] = []
        for p in d.partners:
            ref = p.person
            units = [[(safe_text(ref.name), "bold")], [(f"({safe_text(p.role)})", "")]]
            units.append([(safe_text(ref.contact) or "no contact set", "")])
            if ref.tz and ref.tz != self.tz:
                units.append([(f"· {safe_text(ref.tz)}", "")])
            partners += pack([units], width, hanging=3)
        self.query_one("#detail-partners", Static).update(
            content(partners) if partners else "Nobody else is on this shift yet.")
        self.query_one("#detail-escalation", Static).update(
            content(escalation_lines("", d.escalation, width)) if d.escalation else
            "No escalation contacts set for this team.")
        notes: list[Line] = []
        for note in d.handover.splitlines():
            notes += text_lines("", note, width)
        self.query_one("#detail-notes", Static).update(content(notes) if notes else "No notes yet.")
        when = self._when(width)
        self.query_one("#detail-when", Static).update(content(when))
        # The notes scroll; the line to add one stays in view: the border, title, time, note line,
        # its error and the hint take the rest of the terminal's height.
        self.query_one("#detail-body", VerticalScroll).styles.max_height = max(3, self.app.size.height - 9 - len(when))

    @on(Input.Submitted, "#note")
    def _submitted(self, event: Input.Submitted) -> None:
        uid = self.detail.assignment.uid
        text = event.value
        self.run_backend(lambda backend: backend.add_handover_note(uid, text), self._noted, group="note",
                         exclusive=True, failed=self._refused)

    def _noted(self, detail: ShiftDetail) -> None:
        self.detail = detail
        self.query_one("#note", Input).value = ""
        self.query_one("#note-error", Static).update("")
        self._fill()
        self.query_one("#detail-body", VerticalScroll).scroll_end(animate=False)
        self.notify("Handover note added.")

    def _refused(self, exc: OncallError) -> None:
        """Said here, under the line, the note still typed to correct."""
        try:
            self.query_one("#note-error", Static).update(escape(f"Not added: {exc.message}"))
        except Exception:
            report_problem(self, exc, title="Not added")

    def action_scroll_body(self, direction: int) -> None:
        body = self.query_one("#detail-body", VerticalScroll)
        body.scroll_page_down(animate=False) if direction > 0 else body.scroll_page_up(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
