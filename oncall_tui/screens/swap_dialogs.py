"""The dialogs of swaps: "can't make it" (which part, whom to ask, how), picking one of
someone's shifts for a trade or a person for a manager, and declining with a reason.
Keyboard only: Enter sends, Tab moves, Escape closes without doing anything."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..core.checks import SWAP_TEXT_LIMIT
from ..core.domain import ShiftDetail
from ..core.errors import OncallError
from ..core.shifts import moment_text, part_of_shift, piece_id
from ..formatting import escape, plural, safe_text, span
from .base import BackendWorkers, SubmittingDialog
from .shift_text import Group, content, pack, text_lines

if TYPE_CHECKING:
    from ..core.domain_swaps import SwapCandidate

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 100%; max-width: 96; height: auto; max-height: 100%; border: round $accent;
                   background: $surface; padding: 0 1; }}
{name} .title {{ text-style: bold; }}
{name} .hint {{ color: $text-muted; }}
{name} .section {{ color: $text-muted; text-style: bold; }}
{name} .error {{ color: $error; height: auto; }}
{name} Input {{ height: 1; border: none; padding: 0 1; background: $boost; }}
{name} Input:focus {{ border: none; background: $primary 30%; }}
{name} OptionList, {name} OptionList:focus {{ border: none; padding: 0; }}
"""

#: How many of the best candidates a request asks in order, unless the asker says otherwise.
DEFAULT_TOP = 3
#: The ways to ask, in the order the dialog offers them (the first is the default).
HOW = ("top", "everyone", "one", "trade")


def candidate_prompt(c: SwapCandidate, width: int) -> Content:
    """One candidate as the list shows it, at most `width` cells a line: rank, name, level and
    this month's load, then the reason; a name or a figure is never broken across lines."""
    units: list[Group] = [[[(f"{c.rank}.", "")], [(safe_text(c.person.name), "bold")]],
                          [[(f"· level {c.level}", "")]],
                          [[(f"· {c.points_month:g} of {c.share_month:g} points"
                             + (f", +{c.points_part:g} for this" if c.points_part else ""), "")]]]
    return content(pack(units, width, hanging=3) + text_lines("", c.reason, width, indent=3))


def say(widget: Static, text: str) -> None:
    """A one-line message that takes no room while there is nothing to say."""
    widget.update(escape(text))
    widget.display = bool(text)


def names_groups(people: list[str]) -> list[Group]:
    """'Bob', 'Bob then Carol', 'Bob, then Carol, then Dan', each name one unit (kept on a line)."""
    sep = " then" if len(people) <= 2 else ", then"
    return [[[(safe_text(p) + (sep if i < len(people) - 1 else ""), "")]] for i, p in enumerate(people)]


#: The ask dialog's keys: Enter sends wherever the focus is (what it sends, the line above says).
HINT = "enter: send · tab: next · o: ask only them · +/-: more/fewer · esc: cancel"


class AskDialog(BackendWorkers, ModalScreen):
    """Can't make it: the whole shift (default) or a part of it, typed in the viewer's zone;
    the ranked candidates with their reasons; and how to ask: the top N in order (default),
    everyone at once, one chosen person (`o` on the highlighted one), or a trade.  Enter sends
    from any field or list, as the summary line says; the dialog closes with the request the
    backend made, or stays open saying why not, with everything typed kept."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AskDialog") + """
    AskDialog > Vertical { height: 100%; }
    AskDialog #part { height: 1; }
    AskDialog #part Label { padding: 0 1 0 0; }
    AskDialog #from, AskDialog #to { width: 20; }
    AskDialog #candidates { height: 1fr; min-height: 3; scrollbar-gutter: stable; scrollbar-size-vertical: 1; }
    AskDialog #how { height: 4; }
    AskDialog #summary { height: auto; color: $accent; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without asking anybody"),
        Binding("plus,equals_sign", "top(1)", "One more", show=False, tooltip="Ask one more person in order"),
        Binding("minus", "top(-1)", "One fewer", show=False, tooltip="Ask one fewer person in order"),
        Binding("o", "only", "Only them", show=False, tooltip="Ask only the person highlighted in the list"),
    ]

    def __init__(self, detail: ShiftDetail, tz: str, top: int = DEFAULT_TOP) -> None:
        super().__init__()
        self.detail, self.tz, self.top = detail, tz, top
        self.candidates: list[SwapCandidate] | None = None  # None: still loading
        self.sending = False
        self.send_when_found = False  # Enter came before the candidates: send when they do

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        a = self.detail.assignment
        with Vertical():
            yield Label(f"Can't make it · {escape(a.rotation_name)} · {escape(a.role.upper())}", classes="title")
            yield Static(escape(span(a.start, a.end, self.tz)), id="when")
            with Horizontal(id="part"):
                yield Label("Part: from")
                yield Input(moment_text(a.start, self.tz), id="from", max_length=40)
                yield Label(" to")
                yield Input(moment_text(a.end, self.tz), id="to", max_length=40)
                yield Label(f" {escape(self.tz)}", classes="hint")
            yield Static("", id="part-error", classes="error")
            yield Label("Who could take it, best first", classes="section")
            yield OptionList(Option("Finding who could take it…", disabled=True), id="candidates")
            yield OptionList(*self._how_options(), id="how")
            yield Input(placeholder="A note for them (optional)", id="note", max_length=SWAP_TEXT_LIMIT)
            yield Static("", id="summary")
            yield self._error()
            yield Static(HINT, classes="hint")

    @staticmethod
    def _error() -> Static:
        return Static("", id="dialog-error", classes="error")

    def on_mount(self) -> None:
        for quiet in self.query(".error"):
            quiet.display = False
        self.query_one("#how", OptionList).highlighted = 0
        self.query_one("#how", OptionList).focus()
        self._update_summary()
        self._fetch_candidates((self.detail.assignment.start, self.detail.assignment.end))

    #: The part the candidates shown (or being found) are for: the hours shown (the whole shift,
    #: or the piece of it the viewer holds) unless another part was typed.
    candidates_for: tuple[Any, Any] | None = None
    _refetch: Any = None  # the timer of a pending refetch after typing

    def _fetch_candidates(self, part: tuple[Any, Any]) -> None:
        """Who could take `part`, found in a worker; a newer request replaces one still running."""
        uid = self.detail.assignment.uid
        start, end = part
        self.candidates_for = part
        if self.candidates is not None:
            _ = self.chosen_login  # kept for when the list comes back
            self.candidates = None
            self._update_summary()
        self.run_backend(lambda backend: backend.swap_candidates(uid, start, end), self._show_candidates,
                         group="candidates", exclusive=True, failed=self._candidates_failed)

    @on(Input.Changed, "#from, #to")
    def _part_changed(self) -> None:
        """Typing in the part: once the fields stop changing for a moment, the candidates are
        found again for the part typed (and a stale "Not sent" about the part goes)."""
        if self._refetch is not None:
            self._refetch.stop()
        self._refetch = self.set_timer(0.3, self._part_settled)

    def _part_settled(self) -> None:
        self._refetch = None
        a = self.detail.assignment
        try:
            start, end = part_of_shift(self.query_one("#from", Input).value, self.query_one("#to", Input).value,
                                       a.start, a.end, self.tz)
        except ValueError:
            return  # said when Enter is pressed; the list stays for the last part that made sense
        say(self.query_one("#part-error", Static), "")
        part = (start, end)
        if part != self.candidates_for:
            self._fetch_candidates(part)

    def _show_candidates(self, found: list[SwapCandidate]) -> None:
        previous = self.chosen_login
        self.candidates = list(found)
        options = self.query_one("#candidates", OptionList)
        options.clear_options()
        if self.candidates:
            width = options.scrollable_content_region.width or max(1, self.app.size.width - 7)
            options.add_options([Option(candidate_prompt(c, width), id=c.person.login) for c in self.candidates])
            logins = [c.person.login for c in self.candidates]
            options.highlighted = logins.index(previous) if previous in logins else 0
        else:
            options.add_options([Option("Nobody can take it now: asking goes to your managers.", disabled=True)])
        self._refresh_how()
        if self.send_when_found:
            self.send_when_found = False
            self.action_send()

    def _candidates_failed(self, exc: OncallError) -> None:
        self.candidates = []
        options = self.query_one("#candidates", OptionList)
        options.clear_options()
        options.add_options([Option(escape(exc.message), disabled=True)])
        self._refresh_how()

    # -- what Enter will do ----------------------------------------------------------------
    def chosen(self) -> SwapCandidate | None:
        if not self.candidates:
            return None
        index = self.query_one("#candidates", OptionList).highlighted
        return self.candidates[index] if index is not None and index < len(self.candidates) else None

    @property
    def chosen_login(self) -> str | None:
        """Who is highlighted (kept across a refetch while the list is being found again)."""
        person = self.chosen()
        if person is not None:
            self._chosen_login = person.person.login
        return self._chosen_login

    _chosen_login: str | None = None

    def _how_options(self) -> list[Option]:
        person = self.chosen() if self.is_mounted else None
        who = escape(person.person.name) if person else "the highlighted person"
        count = min(self.top, len(self.candidates)) if self.candidates else self.top
        return [
            Option(f"Ask the top {count} in order (the next when one says no or does not answer)", id="top"),
            Option("Ask everyone who can, at once (the first to agree takes it)", id="everyone"),
            Option(f"Ask only {who}", id="one", disabled=person is None and self.candidates is not None),
            Option(f"Trade with {who}: you take one of their shifts", id="trade",
                   disabled=person is None and self.candidates is not None),
        ]

    def _refresh_how(self) -> None:
        how = self.query_one("#how", OptionList)
        for index, option in enumerate(self._how_options()):
            how.replace_option_prompt_at_index(index, option.prompt)
            if option.disabled:
                how.disable_option_at_index(index)
            else:
                how.enable_option_at_index(index)
        self._update_summary()

    def how(self) -> str:
        index = self.query_one("#how", OptionList).highlighted
        return HOW[index] if index is not None else HOW[0]

    def _update_summary(self) -> None:
        summary = self.query_one("#summary", Static)
        width = summary.content_region.width or max(1, self.app.size.width - 6)
        summary.update(content(pack(self.summary(), width)))

    def summary(self) -> list[Group]:
        """What Enter does now, as groups of words (a name is one unit, never split)."""
        def words(text: str) -> list[Group]:
            return [[[(w, "")]] for w in text.split()]

        how = self.how()
        if self.candidates is None:
            if self.send_when_found:
                return words("Finding who could take it; the request goes as soon as they are found.")
            return words("Finding who could take it…")
        person = self.chosen()
        if how == "top":
            if not self.candidates:
                return words("Enter sends the request: nobody can take it, so your managers are told.")
            asked = names_groups([c.person.name for c in self.candidates[:self.top]])
            asked[-1][0][-1] = (asked[-1][0][-1][0] + ".", "")
            return words("Enter asks") + asked
        if how == "everyone":
            return words(f"Enter asks all {plural(len(self.candidates), 'person', 'people')} at once.")
        if person is None:
            return words("Pick a person in the list first (tab, then up/down).")
        name = safe_text(person.person.name)
        if how == "one":
            return words("Enter asks only") + [[[(name + ".", "")]]]
        return words("Enter picks which of") + [[[(name + "'s", "")]]] + words("shifts you take in return.")

    @on(OptionList.OptionHighlighted, "#candidates")
    def _candidate_moved(self) -> None:
        self._refresh_how()

    @on(OptionList.OptionHighlighted, "#how")
    def _how_moved(self) -> None:
        self._update_summary()

    def action_only(self) -> None:
        """`o`: ask only the person highlighted in the list (Enter then sends; the line above
        the keys says so).  Nothing to do before the list has someone in it."""
        if self.chosen() is None:
            say(self.query_one("#dialog-error", Static), "Pick a person in the list first (tab, then up/down).")
            return
        say(self.query_one("#dialog-error", Static), "")
        self.query_one("#how", OptionList).highlighted = HOW.index("one")

    def action_top(self, step: int) -> None:
        most = max(1, len(self.candidates)) if self.candidates else 20
        self.top = max(1, min(most, self.top + step))
        self._refresh_how()

    # -- sending ------------------------------------------------------------------------------
    def part(self) -> tuple[Any, Any]:
        """(start, end) of the part to cover (the hours shown unless others were typed); on a
        mistake, says it in one line and returns False."""
        a = self.detail.assignment
        error = self.query_one("#part-error", Static)
        try:
            start, end = part_of_shift(self.query_one("#from", Input).value, self.query_one("#to", Input).value,
                                       a.start, a.end, self.tz)
        except ValueError as exc:
            say(error, f"Not sent: {exc}")
            return False  # type: ignore[return-value]
        say(error, "")
        return start, end

    @on(OptionList.OptionSelected, "#how, #candidates")
    @on(Input.Submitted, "#from, #to, #note")
    def action_send(self) -> None:
        """Enter, wherever the focus is: send what the line above the keys says."""
        if self.sending:
            return
        part = self.part()
        if part is False:
            self.query_one("#from", Input).focus()
            return
        if part != self.candidates_for:  # typed and sent at once: the list follows the part first
            if self._refetch is not None:
                self._refetch.stop()
                self._refetch = None
            self._fetch_candidates(part)
        if self.candidates is None:  # pressed before the list came: sent as soon as it does
            self.send_when_found = True
            self._update_summary()
            return
        start, end = part
        note = self.query_one("#note", Input).value.strip()
        uid = self.detail.assignment.uid
        how, person = self.how(), self.chosen()
        if how in ("one", "trade") and person is None:
            say(self.query_one("#dialog-error", Static), "Not sent: pick a person in the list first.")
            return
        if how == "trade":
            assert person is not None
            self.app.push_screen(TradeDialog(uid, person.person.login, person.person.name, self.tz),
                                 lambda trade_uid: self._send_trade(trade_uid, start, end, note))
            return
        kwargs: dict[str, Any] = {"start": start, "end": end, "note": note}
        if how == "top":
            kwargs["top"] = self.top
        elif how == "everyone":
            kwargs["everyone"] = True
        else:
            assert person is not None
            kwargs["ask"] = [person.person.login]
        self._send(uid, kwargs)

    def _send_trade(self, trade_uid: str | None, start, end, note: str) -> None:
        person = self.chosen()
        if trade_uid is None or person is None:
            return
        self._send(self.detail.assignment.uid, {"start": start, "end": end, "note": note,
                                                 "ask": [person.person.login], "trade_uid": trade_uid})

    def _send(self, uid: str, kwargs: dict[str, Any]) -> None:
        self.sending = True
        say(self.query_one("#dialog-error", Static), "")

        def done(swap) -> None:
            self.dismiss(swap)

        def failed(exc: OncallError) -> None:
            say(self.query_one("#dialog-error", Static), f"Not sent: {exc.message}")

        def finished() -> None:
            self.sending = False

        self.run_backend(lambda backend: backend.swap_request(uid, **kwargs), done, group="send",
                         exclusive=True, failed=failed, finished=finished)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TradeDialog(BackendWorkers, ModalScreen["str | None"]):
    """Which of someone's upcoming shifts I would take in return; returns its uid."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TradeDialog") + """
    TradeDialog OptionList { height: auto; max-height: 16; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Back without a trade")]

    def __init__(self, shift_uid: str, login: str, name: str, tz: str) -> None:
        super().__init__()
        self.shift_uid, self.login, self.name_, self.tz = shift_uid, login, name, tz

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Trade with {escape(self.name_)}: which of their shifts do you take?", classes="title")
            yield OptionList(Option("Loading their shifts…", disabled=True), id="theirs")
            yield Static("enter: choose · escape: back", classes="hint")

    def on_mount(self) -> None:
        uid, login = self.shift_uid, self.login
        # only the shifts I may take in return, and with which they may take mine
        self.run_backend(lambda backend: backend.swap_trade_options(uid, login), self._show,
                         group="theirs", exclusive=True)
        self.query_one("#theirs", OptionList).focus()

    def _show(self, details: list[ShiftDetail]) -> None:
        now = self.app.clock.now()
        options = self.query_one("#theirs", OptionList)
        options.clear_options()
        upcoming = [d for d in details if d.assignment.start > now]
        if not upcoming:
            options.add_options([Option(f"{escape(self.name_)} has no shift you could take in return.",
                                        disabled=True)])
            return
        options.add_options([
            Option(f"{escape(span(d.assignment.start, d.assignment.end, self.tz))} · "
                   f"{escape(d.assignment.rotation_name)} · {escape(d.assignment.role.upper())}",
                   id=piece_id(d.assignment.uid, d.assignment.start)) for d in upcoming])
        self._uids = {piece_id(d.assignment.uid, d.assignment.start): d.assignment.uid for d in upcoming}
        options.highlighted = 0

    _uids: dict[str, str] = {}  # option id (one piece of a shift) -> the shift's uid

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._uids.get(event.option.id or ""))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickDialog(ModalScreen["str | None"]):
    """Choose one of a few things (a person to give a shift to, whom to answer for); returns its id."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PickDialog") + """
    PickDialog OptionList { height: auto; max-height: 16; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without choosing")]

    def __init__(self, title: str, hint: str, choices: list[tuple[str, str]],
                 empty: str = "Nothing to choose.") -> None:
        super().__init__()
        self.title_text, self.hint, self.choices, self.empty = title, hint, choices, empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(escape(self.title_text), classes="title")
            if self.hint:
                yield Static(escape(self.hint), classes="hint")
            items = [Option(escape(text), id=key) for key, text in self.choices] or \
                [Option(escape(self.empty), disabled=True)]
            yield OptionList(*items, id="choices")
            yield Static("enter: choose · escape: cancel", classes="hint")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DeclineDialog(SubmittingDialog):
    """Decline an ask, with an optional reason the requester sees; `call(backend, reason)`
    declines.  A refusal (the ask closed meanwhile) is shown here."""

    DEFAULT_CSS = DIALOG_CSS.format(name="DeclineDialog") + """
    DeclineDialog > Vertical { max-width: 80; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without declining")]

    def __init__(self, title: str, what: str, call=None) -> None:
        super().__init__(call)
        self.title_text, self.what = title, what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(escape(self.title_text), classes="title")
            yield Static(escape(self.what))
            yield Label("A reason (optional; they see it):")
            yield Input(id="reason", max_length=SWAP_TEXT_LIMIT, placeholder="e.g. I am away that week")
            yield self.error_widget()
            yield Static("enter: decline · escape: cancel", classes="hint")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.submit(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
