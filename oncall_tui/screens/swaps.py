"""Swaps (`s`): the asks waiting for my answer, my own requests and whom they asked, a
manager's view of the team's open requests, and what happened to each.  One key agrees,
declines, cancels; a manager can give a shift, undo a swap, or answer for someone."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from ..core.domain_swaps import OPEN_STATES, STATE_WORDS
from ..core.errors import OncallError
from ..core.swaps import after_decline
from ..formatting import escape, local, relative, safe_text
from .base import AreaScreen, report_problem
from .shift_text import FitsItsWidth, Line, content, pack, text_lines

if TYPE_CHECKING:
    from ..core.domain import Person
    from ..core.domain_swaps import Swap, SwapAsk

ASK_WORDS = {"waiting": "not asked yet", "asked": "asked", "agreed": "agreed", "declined": "declined",
             "timed_out": "did not answer", "skipped": "skipped", "withdrawn": "withdrawn"}
SECTIONS = (("incoming", "Asked of you"), ("outgoing", "Your requests"),
            ("team", "Your team's open requests"), ("closed", "Closed"))


@dataclass(frozen=True)
class SwapsView:
    me: Person
    managed: frozenset[str]  # the slugs of the teams I manage
    swaps: tuple[Swap, ...]
    laid_out: LaidOut | None = field(default=None, compare=False)  # the list's rows, laid out in the worker


def section_of(swap: Swap, me: str) -> str:
    if swap.state not in OPEN_STATES:
        return "closed"
    if swap.my_part == "incoming":
        mine = my_ask(swap, me)
        return "incoming" if mine is not None and mine.state == "asked" else "closed"
    return swap.my_part if swap.my_part in ("outgoing", "team") else "closed"


def my_ask(swap: Swap, me: str) -> SwapAsk | None:
    return next((a for a in swap.asks if a.person.login == me), None)


def asked_now(swap: Swap) -> list[SwapAsk]:
    return [a for a in swap.asks if a.state == "asked"]


def _moment(dt: datetime, tz: str, weekday: bool = True) -> str:
    return local(dt, tz).strftime("%a %d %b %H:%M" if weekday else "%d %b %H:%M")


def _until(start: datetime, end: datetime, tz: str) -> str:
    s, e = local(start, tz), local(end, tz)
    return e.strftime("%H:%M") if s.date() == e.date() else e.strftime("%a %d %b %H:%M")


def _is_part(swap: Swap) -> bool:
    return (swap.start, swap.end) != (swap.shift_start, swap.shift_end)


def swap_heading(swap: Swap, tz: str, me: str) -> list[list[tuple[str, str]]]:
    """The units of a request's first line: when (the part to cover), zone, role, state."""
    units: list[list[tuple[str, str]]] = [
        [(_moment(swap.start, tz), "")], [(f"→ {_until(swap.start, swap.end, tz)}", "")],
        [(local(swap.end, tz).strftime("%Z"), "")],
    ]
    if _is_part(swap):
        units.append([("(part)", "")])
    units.append([("· ", ""), (safe_text(swap.role.upper()), "bold")])
    state = closed_words(swap, me) if section_of(swap, me) == "closed" else swap.state.replace("_", " ").upper()
    units.extend([[("· ", ""), (word, "bold")] for word in state.split(" · ")[:1]])
    units.extend([[(f"· {glue(more)}", "")] for more in state.split(" · ")[1:]])
    return units


#: What became of an ask of mine that no longer waits for my answer.
MY_ASK_WORDS = {"declined": "you declined", "timed_out": "you did not answer", "withdrawn": "no longer asked of you",
                "skipped": "no longer asked of you", "agreed": "you agreed"}


def closed_words(swap: Swap, me: str) -> str:
    """A closed item in words, for me: what happened on my side ("you declined"), then what
    became of the request ("taken by Alice Moreau", "cancelled", "still open for others")."""
    mine = my_ask(swap, me) if swap.requester.login != me else None
    said = [MY_ASK_WORDS[mine.state]] if mine is not None and mine.state in MY_ASK_WORDS else []
    if swap.taken_by is not None and swap.state in ("agreed", "overridden"):
        if swap.taken_by.login == me:
            return "you took it"
        outcome = f"taken by {swap.taken_by.name}"
    elif swap.state in OPEN_STATES:
        others = any(a.state in ("asked", "waiting") for a in swap.asks)
        outcome = "still open for others" if said and others else STATE_WORDS.get(swap.state, swap.state)
    else:
        outcome = STATE_WORDS.get(swap.state, swap.state.replace("_", " "))
    return " · ".join(said + [outcome])


def glue(text: object) -> str:
    """A name, a date or a figure made one unit: `text_lines` never breaks it across lines."""
    return safe_text(text).replace(" ", "\u00a0")


def _when(dt: datetime, tz: str, weekday: bool = True) -> str:
    return glue(_moment(dt, tz, weekday))


def swap_summary(swap: Swap, me: str, now: datetime) -> str:
    """A request's second line, for the viewer's side of it (names and dates glued whole)."""
    parts: list[str] = []
    if swap.my_part == "incoming":
        parts.append(f"from {glue(swap.requester.name)}")
        mine = my_ask(swap, me)
        if mine is not None and mine.state == "asked" and swap.answer_by is not None:
            parts.append(f"answer {glue(relative(swap.answer_by, now))}")
        if swap.my_load:
            parts.append(safe_text(swap.my_load))
    elif swap.my_part == "team":
        parts.append(f"{glue(swap.requester.name)} asks" if swap.mode != "assign" else "given by a manager")
    if swap.taken_by is not None:
        parts.append(f"taken by {glue(swap.taken_by.name)}")
    elif swap.my_part != "incoming" and swap.asks:
        asked = ", ".join(f"{glue(a.person.name)} ({ASK_WORDS.get(a.state, a.state)})"
                          for a in swap.asks if a.state in ("asked", "agreed"))
        said_no = sum(a.state in ("declined", "timed_out") for a in swap.asks)
        waiting = sum(a.state == "waiting" for a in swap.asks)
        text = f"asking {asked}" if asked else "nobody asked now"
        if said_no:
            text += f"; {said_no} said no"
        if waiting:
            text += f"; {waiting} next"
        parts.append(text)
    if swap.mode == "trade":
        parts.append("a trade")
    return " · ".join(parts)


def swap_lines(swap: Swap, tz: str, me: str, now: datetime, width: int) -> list[Line]:
    """A request in the list: its first line (when, role, state), then who and what, wrapped
    between words, never inside a name, a date or a figure."""
    heading = pack([[u] for u in swap_heading(swap, tz, me)], width, hanging=3)
    rest = swap_summary(swap, me, now)
    return heading + (text_lines("", rest, width, indent=3) if rest else [])


def swap_detail_lines(swap: Swap, tz: str, me: str, now: datetime, width: int) -> list[Line]:
    """Everything about the highlighted request: the shift, the part, who asked and why, whom
    I would be with and what it does to my month, each ask's state and answer, the outcome."""
    lines: list[Line] = []

    def put(label: str, value: str) -> None:
        lines.extend(text_lines(label, value, width))

    ends = _until(swap.shift_start, swap.shift_end, tz)
    put("Shift:", f"{_when(swap.shift_start, tz)} → {glue(ends)} {local(swap.shift_end, tz).strftime('%Z')} · "
                  f"{glue(swap.rotation)} · {safe_text(swap.role)}")
    if _is_part(swap):
        put("To cover:", f"{_when(swap.start, tz)} → {glue(_until(swap.start, swap.end, tz))}")
    if swap.mode == "assign":  # nobody asked: a manager gave it, from its holder then
        put("Held by:", glue(swap.requester.name) + " before a manager gave it")
    else:
        put("Asked by:", glue(swap.requester.name) + (f": “{safe_text(swap.note)}”" if swap.note else ""))
    if swap.partners:
        put("With:", ", ".join(f"{glue(p.name)} {glue(p.contact)}".strip() for p in swap.partners))
    if swap.my_part == "incoming" and swap.my_load:
        put("Your month:", safe_text(swap.my_load))
    if swap.asks:
        asks = []
        for number, a in enumerate(sorted(swap.asks, key=lambda a: a.position), start=1):
            text = f"{number}. {glue(a.person.name)} {ASK_WORDS.get(a.state, a.state)}"
            if a.state == "declined" and a.reason:
                text += f" (“{safe_text(a.reason)}”)"
            if a.answered_at is not None:
                text += f" {_when(a.answered_at, tz, weekday=False)}"
            elif a.state == "asked" and swap.answer_by is not None and swap.mode != "everyone":
                text += f", answer by {_when(swap.answer_by, tz, weekday=False)}"
            asks.append(text)
        put("Asked:", " · ".join(asks))
    outcome = safe_text(swap.state_words) if swap.state_words else STATE_WORDS.get(swap.state, swap.state)
    if swap.taken_by is not None and swap.taken_by.name not in outcome and outcome != "taken by you":
        outcome += f": {glue(swap.taken_by.name)} takes it"
    if swap.acted_by:
        outcome += f" (done by {glue(swap.acted_by)} for them)"
    if swap.state in OPEN_STATES and swap.escalate_at is not None and swap.state != "escalated":
        outcome += f"; to the managers {_when(swap.escalate_at, tz, weekday=False)} if nobody takes it"
    if swap.trade_uid:
        traded = (f" {_when(swap.trade_start, tz)} → {glue(_until(swap.trade_start, swap.trade_end, tz))}"
                  if swap.trade_start and swap.trade_end else "")
        whose = "your" if swap.my_part == "incoming" else "the taker's"
        outcome += f"; a trade: in return {glue(swap.requester.name)} takes {whose} shift{traded}"
    put("State:", outcome)
    return lines


#: One row of the list: its request (None: a heading or an empty section's line), its laid-out
#: lines, and those lines ready to show.
Row = tuple["Swap | None", list[Line], Content]

EMPTY = {"incoming": "Nobody is asking you to take a shift.",
         "outgoing": "None. On My on-call (h), c on a shift asks someone to take it."}


def list_rows(view: SwapsView, now: datetime, width: int) -> list[Row]:
    """The list's rows at `width`: each section's heading, then its requests (nearest shift
    first, as the backend gives them).  Plain data: the screen's worker lays a refresh out
    here, so the UI thread only puts the rows in."""
    tz, me = view.me.tz, view.me.login
    by_section: dict[str, list[Swap]] = {key: [] for key, _ in SECTIONS}
    for swap in view.swaps:
        by_section[section_of(swap, me)].append(swap)
    rows: list[Row] = []

    def put(swap: Swap | None, lines: list[Line]) -> None:
        rows.append((swap, lines, content(lines)))

    for key, title in SECTIONS:
        swaps = by_section[key]
        if not swaps and key in ("team", "closed"):
            continue
        put(None, [[(f"{title} ({len(swaps)})", "bold underline")]])
        if not swaps:
            put(None, [[(f"  {EMPTY[key]}", "")]])
        for swap in swaps:
            put(swap, swap_lines(swap, tz, me, now, width))
    return rows


@dataclass(frozen=True)
class LaidOut:
    """The list's rows as a refresh read them, laid out in the worker for `width` at `now`."""
    width: int
    now: datetime
    rows: list[Row]


def _reads(rows: list[Row]) -> list[tuple[int | None, list[Line]]]:
    """What the rows say, and of which request: the same, and the options need not change."""
    return [(swap.id if swap is not None else None, lines) for swap, lines, _ in rows]


def _options(rows: list[Row]) -> list[Option]:
    return [Option(shown, disabled=swap is None, id=None if swap is None else f"swap-{swap.id}")
            for swap, _, shown in rows]


class SwapList(FitsItsWidth, OptionList):
    """The requests under section headings, each laid out at the list's own width (like the
    home screen's shifts), laid out again when that width changes."""

    DEFAULT_CSS = """
    SwapList { text-wrap: nowrap; text-overflow: ellipsis; scrollbar-gutter: stable; scrollbar-size-vertical: 1;
               border: none; padding: 0; height: 1fr; min-height: 4; }
    SwapList:focus { border: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view: SwapsView | None = None
        self.now: datetime | None = None
        self.rows: list[Swap | None] = []  # per option: its request (None: a heading)
        self.wanted: int | None = None  # the request to put the cursor on when next shown
        self.laid_out_at = 0

    def show(self, view: SwapsView, now: datetime, laid_out: LaidOut | None = None) -> None:
        """The requests of `view`, the cursor kept on the request it was on.  `laid_out`: the
        rows already laid out (in the worker), used when made for the list's width.  Rows that
        read as they do already are left as they are: a refresh that changed nothing costs
        the UI thread nothing but the comparison."""
        current = self.current()
        keep = current.id if current is not None else None
        if self.wanted is not None:
            keep, self.wanted = self.wanted, None
        width = self.text_width()
        if laid_out is not None and laid_out.width == width:
            now, rows = laid_out.now, laid_out.rows
        else:
            rows = list_rows(view, now, width)
        self.view, self.now, self.laid_out_at = view, now, width
        same = self._shown is not None and _reads(rows) == _reads(self._shown)
        self._shown = rows
        self.rows = [swap for swap, _, _ in rows]
        if not same:
            self.clear_options()
            self.add_options(_options(rows))
        ids = [s.id if s is not None else None for s in self.rows]
        index: int | None = ids.index(keep) if keep is not None and keep in ids else \
            next((i for i, s in enumerate(self.rows) if s is not None), None)
        if index is not None and index != self.highlighted:
            self.highlighted = index

    #: The rows the options show now (None: none shown yet).
    _shown: list[Row] | None = None

    def _options_at(self, width: int) -> list[Option]:
        self.laid_out_at = width
        view, now = self.view, self.now
        if view is None or now is None:
            self.rows, self._shown = [], None
            return []
        rows = list_rows(view, now, width)
        self.rows, self._shown = [swap for swap, _, _ in rows], rows
        return _options(rows)

    def current(self) -> Swap | None:
        index = self.highlighted
        if index is None or index >= len(self.rows):
            return None
        return self.rows[index]

    def has_options(self) -> bool:
        return self.view is not None


class SwapsScreen(AreaScreen):
    AREA_TITLE = "Swaps"
    DEFAULT_CSS = """
    SwapsScreen { layout: vertical; }
    SwapsScreen .section { height: 1; color: $text-muted; text-style: bold; padding: 0 1; }
    SwapsScreen #swap-detail { height: auto; max-height: 9; padding: 0 1; text-wrap: nowrap;
                               border-top: solid $primary 50%; }
    SwapsScreen #outcome { height: auto; padding: 0 1; color: $warning; display: none; }
    """
    BINDINGS = [
        Binding("y", "agree", "Agree", tooltip="Take this shift: it becomes yours at once"),
        Binding("n", "decline", "Decline", tooltip="Say no (with a reason if you like); the next person is asked"),
        Binding("x", "cancel_request", "Cancel", tooltip="Withdraw this request; everyone asked is told"),
        Binding("g", "give", "Give", tooltip="Managers: give this shift straight to someone"),
        Binding("u", "undo", "Undo", tooltip="Managers: undo this swap; the earlier holder has the shift back"),
        Binding("Y", "agree_for", "Yes for",
                tooltip="Managers: agree for someone who was asked (ill, away)"),
        Binding("N", "decline_for", "No for",
                tooltip="Managers: decline for someone who was asked (ill, away)"),
        Binding("f5", "refresh", "Refresh", tooltip="Load the requests again"),
    ]

    def __init__(self) -> None:
        super().__init__(name="swaps")
        self.view: SwapsView | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with Vertical():
            yield Label("Swap requests", classes="section", id="swaps-label")
            yield SwapList(id="swaps")
            yield Static("Loading…", id="swap-detail")
            yield Static("", id="outcome")
        yield from self.compose_footer()

    # -- data ---------------------------------------------------------------------------------
    def fetch(self, backend) -> SwapsView:  # runs in the worker's thread
        me = backend.whoami()
        managed = frozenset(t.slug for t in backend.teams() if any(m.login == me.login for m in t.managers))
        view = SwapsView(me=me, managed=managed, swaps=tuple(backend.swaps(include_closed=True)))
        now = self.app.clock.now()
        return replace(view, laid_out=LaidOut(self._width, now, list_rows(view, now, self._width)))

    #: The list's width when the read was asked for: the worker lays the rows out for it.
    _width = 1
    #: The read under way or last made, and whether another was asked for while it ran.
    _reading: Worker | None = None
    _again = False

    def reload(self) -> None:
        """Read the requests again.  One read at a time: asked for while one runs (the refresh
        key pressed again, other people's changes arriving faster than a read takes), one more
        read follows it, so reads never pile up on the CPU the keys need, and what is shown is
        never older than the last change seen."""
        if self._reading is not None and not self._reading.is_finished:
            self._again = True
            return
        self._again = False
        self._width = self.query_one("#swaps", SwapList).text_width()
        self._reading = self._load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # (ReportsWorkerErrors' handler runs too: Textual calls each class's own.)
        if event.worker is self._reading and event.worker.is_finished and self._again:
            self.reload()

    def show(self, view: SwapsView) -> None:
        self.view = view
        label = f"Swap requests · {escape(view.me.name)} · times in {escape(view.me.tz)}"
        if label != self._label:
            self._label = label
            self.query_one("#swaps-label", Label).update(label)
        self.query_one("#swaps", SwapList).show(view, self.app.clock.now(), view.laid_out)
        self._show_detail()
        self.refresh_bindings()

    _label = ""

    def current(self) -> Swap | None:
        return self.query_one("#swaps", SwapList).current()

    def highlight(self, swap_id: int) -> None:
        """Put the cursor on request `swap_id` (now, or once the list is read)."""
        swaps = self.query_one("#swaps", SwapList)
        swaps.wanted = swap_id
        if self.view is not None:
            swaps.show(self.view, self.app.clock.now(), self.view.laid_out)
            self._show_detail()

    @on(OptionList.OptionHighlighted, "#swaps")
    def _moved(self) -> None:
        self._show_detail()
        self.refresh_bindings()
        swap = self.current()
        if self._said_of is not None and (swap is None or swap.id != self._said_of):
            self._say("")  # the line was about another request

    #: The request the outcome line speaks of (None: it says nothing).
    _said_of: int | None = None

    def _say(self, text: str, swap_id: int | None = None) -> None:
        from .swap_dialogs import say

        say(self.query_one("#outcome", Static), text)
        self._said_of = swap_id if text else None

    def on_resize(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#swap-detail", Static)
        swap = self.current()
        if self.view is None:
            return
        width = max(1, self.app.size.width - 2)
        if swap is None:
            lines = text_lines("", "Highlight a request to see who was asked and what each said."
                               if self.view.swaps else "No swap requests, open or closed.", width)
        else:
            lines = swap_detail_lines(swap, self.view.me.tz, self.view.me.login, self.app.clock.now(), width)
        if lines != self._detail_shown:  # an unchanged update would still cost a layout pass
            self._detail_shown = lines
            detail.update(content(lines))

    _detail_shown: list[Line] | None = None

    # -- which keys work now --------------------------------------------------------------------
    def manages(self, swap: Swap | None = None) -> bool:
        if self.view is None:
            return bool(self.app.manages())
        if swap is None:
            return bool(self.view.managed)
        return swap.team in self.view.managed

    def why_not(self, action: str) -> str | None:
        swap = self.current()
        if swap is None:
            return "Highlight a request first."
        me = self.view.me.login if self.view else ""
        if action in ("agree", "decline"):
            return "Only an ask waiting for your answer can be agreed to or declined."
        if action == "cancel_request":
            return "Only an open request can be cancelled: by whoever asked, or a manager."
        if action == "undo":
            return "Only an agreed or given swap can be undone."
        if action == "give":
            return "Only an open request of your team's can be given to someone."
        if action in ("agree_for", "decline_for"):
            return "Nobody is being asked on this request now." if not asked_now(swap) or \
                all(a.person.login == me for a in asked_now(swap)) else None
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        swap = self.current()
        me = self.view.me.login if self.view else ""
        if action in ("give", "undo", "agree_for", "decline_for"):
            if not self.manages():
                return False  # another role's keys: not shown
            if swap is None or not self.manages(swap):
                return None
            if action == "undo":
                return True if swap.state in ("agreed", "overridden") else None
            if swap.state not in OPEN_STATES:
                return None
            if action == "give":
                return True
            return True if any(a.person.login != me for a in asked_now(swap)) else None
        if action in ("agree", "decline"):
            if swap is None or swap.state not in OPEN_STATES:
                return None
            mine = my_ask(swap, me)
            return True if mine is not None and mine.state == "asked" else None
        if action == "cancel_request":
            if not self.manages() and not (self.view and any(
                    s.requester.login == me and s.state in OPEN_STATES for s in self.view.swaps)):
                return False  # nothing of mine to withdraw: the key is not shown
            if swap is None or swap.state not in OPEN_STATES:
                return None
            return True if swap.requester.login == me or self.manages(swap) else None
        return True

    # -- acting -----------------------------------------------------------------------------------
    def _describe(self, swap: Swap) -> str:
        tz = self.view.me.tz if self.view else "UTC"
        return (f"{_moment(swap.start, tz)} → {_until(swap.start, swap.end, tz)} "
                f"{local(swap.end, tz).strftime('%Z')} · {swap.role} · asked by {swap.requester.name}")

    def _act(self, call, success: str) -> None:
        """One write; then the list as it is now.  A refusal (the shift was taken, the request
        closed meanwhile) is one line under that request and on a notice, beside its current
        state; the line goes when the cursor moves to another request."""
        current = self.current()
        swap_id = current.id if current is not None else None
        self.run_backend(call, lambda result: self._acted(success, swap_id), group="act",
                         failed=lambda exc: self._refused(exc, swap_id))

    def _acted(self, success: str, swap_id: int | None = None) -> None:
        self.notify(escape(success))
        self._say(success, swap_id)
        self.reload()

    def _refused(self, exc: OncallError, swap_id: int | None = None) -> None:
        report_problem(self, exc)
        if swap_id is None:
            current = self.current()
            swap_id = current.id if current is not None else None
        self._say(f"Not done: {exc.message}", swap_id)
        self.reload()

    def action_agree(self) -> None:
        swap = self.current()
        if swap is None:
            return
        swap_id = swap.id
        self._act(lambda backend: backend.swap_agree(swap_id),
                  f"You agreed: the shift is yours ({self._describe(swap)}).")

    def action_decline(self) -> None:
        swap = self.current()
        if swap is None:
            return
        self._decline(swap, None)

    def _decline(self, swap: Swap, as_login: str | None) -> None:
        from .swap_dialogs import DeclineDialog

        swap_id = swap.id
        who = next((a.person.name for a in swap.asks if a.person.login == as_login), as_login)
        title = "Decline" if as_login is None else f"Decline for {who} ({as_login})"
        dialog = DeclineDialog(title, self._describe(swap),
                               call=lambda backend, reason: backend.swap_decline(swap_id, reason, as_login=as_login))

        def closed(result: Any) -> None:
            if result is not None:
                self._acted(f"Declined. {after_decline(result)}", swap_id)

        self.app.push_screen(dialog, closed)

    def action_cancel_request(self) -> None:
        swap = self.current()
        if swap is None:
            return
        swap_id = swap.id
        self._confirmed(swap, f"Cancel {swap.requester.name}'s request?",
                        f"{self._describe(swap)}. {swap.requester.name} and everyone asked are told.",
                        "cancel the request",
                        lambda: self._act(lambda backend: backend.swap_cancel(swap_id),
                                          "Request cancelled; everyone asked is told."), no="keep it")

    def _mine(self, swap: Swap) -> bool:
        return self.view is not None and swap.requester.login == self.view.me.login

    def _confirmed(self, swap: Swap | None, title: str, text: str, yes: str, then, always: bool = False,
                   no: str = "back, nothing done") -> None:
        """`then()` at once on my own request; on someone else's (a manager acting for them), after
        one small dialog naming whom it affects says yes."""
        if swap is not None and self._mine(swap) and not always:
            then()
            return
        from .plan_dialogs import ConfirmScreen

        def answered(yes_: bool | None) -> None:
            if yes_:
                then()

        self.app.push_screen(ConfirmScreen(title, text, yes=yes, no=no), answered)

    def action_undo(self) -> None:
        swap = self.current()
        if swap is None:
            return
        swap_id = swap.id
        taker = f" and {swap.taken_by.name} no longer holds it" if swap.taken_by is not None else ""
        self._confirmed(swap, f"Undo the swap of {swap.requester.name}'s shift?",
                        f"{self._describe(swap)}. {swap.requester.name} has the shift back{taker}; "
                        "both are told.", "undo it",
                        lambda: self._act(lambda backend: backend.swap_undo(swap_id),
                                          f"Undone: {swap.requester.name} has the shift back."), always=True)

    def action_give(self) -> None:
        swap = self.current()
        if swap is None:
            return
        uid, start, end = swap.shift_uid, swap.start, swap.end
        part = (start, end) if _is_part(swap) else (None, None)

        def pick(found) -> None:
            from .swap_dialogs import PickDialog

            names.update((c.person.login, c.person.name) for c in found)
            choices = [(c.person.login, f"{c.rank}. {c.person.name} · level {c.level} · {c.reason}") for c in found]
            self.app.push_screen(PickDialog("Give this shift to…", self._describe(swap), choices,
                                            empty="Nobody can take this shift now."), given)

        def given(login: str | None) -> None:
            if login is None:
                return
            name = names.get(login, login)
            self._confirmed(swap, f"Give {swap.requester.name}'s shift to {name}?",
                            f"{self._describe(swap)}. {name} holds it at once; the request is closed and "
                            "everyone asked is told.", f"give it to {name}",
                            lambda: self._act(lambda backend: backend.swap_assign(uid, login, part[0], part[1]),
                                              f"Given to {name}; the request is closed."))

        names: dict[str, str] = {}

        self.run_backend(lambda backend: backend.swap_candidates(uid, part[0], part[1]), pick, group="candidates",
                         exclusive=True, failed=self._refused)

    def _answer_for(self, agree: bool) -> None:
        swap = self.current()
        if swap is None:
            return
        me = self.view.me.login if self.view else ""
        asked = [a for a in asked_now(swap) if a.person.login != me]
        swap_id = swap.id

        names = {a.person.login: a.person.name for a in asked}

        def chosen(login: str | None) -> None:
            if login is None:
                return
            if not agree:
                self._decline(swap, login)  # its dialog names them and asks for the reason
                return
            name = names.get(login, login)
            self._confirmed(swap, f"Agree for {name}?",
                            f"{self._describe(swap)}. {name} takes it at once; {name} and "
                            f"{swap.requester.name} are told it was done for them.", f"agree for {name}",
                            lambda: self._act(lambda backend: backend.swap_agree(swap_id, as_login=login),
                                              f"Agreed for {login}: the shift is theirs."), always=True)

        if len(asked) == 1:
            chosen(asked[0].person.login)
            return
        from .swap_dialogs import PickDialog

        word = "Agree" if agree else "Decline"
        self.app.push_screen(PickDialog(f"{word} for…", self._describe(swap),
                                        [(a.person.login, a.person.name) for a in asked]), chosen)

    def action_agree_for(self) -> None:
        self._answer_for(True)

    def action_decline_for(self) -> None:
        self._answer_for(False)

    def action_refresh(self) -> None:
        self.reload()
