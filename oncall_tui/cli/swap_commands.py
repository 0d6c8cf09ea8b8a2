"""`oncall swap`: ask for cover, answer, and the managers' acts, for people and scripts."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click

from ..core.errors import InvalidInput
from ..core.shifts import wall_time
from ..core.swaps import took_it
from .common import Ctx, echo, echo_json, handle_errors, pass_ctx, table

#: How --from/--to are read (the help of every command that takes a part of a shift).
WHEN_HELP = ("Only part of the shift: {end} (ISO 8601, e.g. 2026-12-03T14:00). Without an offset it is "
             "your own zone's wall clock: a time the clocks skip is refused; in the hour the clocks "
             "go back, the first one (still summer time) is meant.")


def _moment(value: str | None, name: str, tz: str) -> datetime | None:
    """An ISO 8601 date and time; without an offset it is read in your own zone (a time that
    does not exist there is refused, an ambiguous one is its first occurrence: `wall_time`)."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--{name} must be a date and time like 2026-12-03T14:00, not {value!r}",
                           field=name) from None
    if at.tzinfo:
        return at
    try:
        return wall_time(at, ZoneInfo(tz))
    except ValueError as exc:
        raise InvalidInput(f"--{name}: {exc}", field=name) from None


def _in_return(s, tz: str) -> str:
    from ..formatting import span

    if not s.trade_uid:
        return ""
    if s.trade_start and s.trade_end:
        return f" · in return {s.requester.name} takes {span(s.trade_start, s.trade_end, tz)}"
    return f" · in return: shift {s.trade_uid}"


def _wrapped(first: str, rest: str = "", indent: str = "    ") -> str:
    """`first` then `rest` (a note, a reason: up to SWAP_TEXT_LIMIT characters), wrapped to the
    terminal (at most 100 columns), the lines after the first indented."""
    import shutil
    import textwrap

    width = min(100, shutil.get_terminal_size((100, 24)).columns)
    return textwrap.fill(first + rest, width=width, subsequent_indent=indent, break_long_words=True,
                         break_on_hyphens=False)


def _print_swap(s, tz: str) -> None:
    from ..formatting import span

    echo(f"swap {s.id} · {s.state_words or s.state} · {s.rotation} {s.role} · {span(s.start, s.end, tz)}")
    if s.mode == "assign":  # nobody asked: a manager gave it
        given = f"to {s.taken_by.name} ({s.taken_by.login})" if s.taken_by else "(undone since)"
        echo(f"  given by a manager ({s.acted_by or 'unknown'}) {given} · held before by {s.requester.name}")
    else:
        echo(f"  asked by {s.requester.name} ({s.requester.login})"
             + (f" · taken by {s.taken_by.name}" if s.taken_by else "")
             + _in_return(s, tz))
    if s.note:
        echo(_wrapped("  note: ", s.note))
    for a in s.asks:
        echo(_wrapped(f"  {a.position + 1}. {a.person.name} ({a.person.login}): {a.state.replace('_', ' ')}",
                      f" ({a.reason})" if a.reason else ""))
    if s.my_load:
        echo(f"  for you: {s.my_load}")


def _show(ctx: Ctx, value, as_json: bool) -> None:
    if as_json:
        echo_json(value)
    else:
        if getattr(value, "message", ""):
            echo(value.message)
        _print_swap(value, ctx.backend().whoami().tz)


@click.group()
def swap() -> None:
    """Ask someone to take your shift (or part of it), answer asks, and managers' acts."""


@swap.command("candidates")
@click.argument("uid")
@click.option("--from", "start", default=None, metavar="WHEN", help=WHEN_HELP.format(end="from"))
@click.option("--to", "end", default=None, metavar="WHEN", help=WHEN_HELP.format(end="to"))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def candidates(ctx: Ctx, uid: str, start, end, as_json: bool) -> None:
    """Who could take shift UID, fairest first, each with why."""
    backend = ctx.backend()
    tz = backend.whoami().tz
    found = backend.swap_candidates(uid, start=_moment(start, "from", tz), end=_moment(end, "to", tz))
    if as_json:
        echo_json(found)
        return
    if not found:
        echo("Nobody can take it: ask a manager (`oncall swap assign`).")
        return
    echo(table([[str(c.rank), c.person.login, c.person.name, c.reason] for c in found],
               ["RANK", "LOGIN", "NAME", "WHY"]))


@swap.command("request")
@click.argument("uid")
@click.option("--from", "start", default=None, metavar="WHEN", help=WHEN_HELP.format(end="from"))
@click.option("--to", "end", default=None, metavar="WHEN", help=WHEN_HELP.format(end="to"))
@click.option("--ask", multiple=True, metavar="LOGIN", help="Ask this person (repeat: in this order).")
@click.option("--top", type=int, default=None, metavar="N", help="Ask the best N candidates in order.")
@click.option("--everyone", is_flag=True, help="Ask everyone who can: the first to agree takes it.")
@click.option("--trade", "trade_uid", default=None, metavar="UID", help="Their shift you take in return.")
@click.option("--note", default="", metavar="TEXT")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def request(ctx: Ctx, uid: str, start, end, ask, top, everyone, trade_uid, note, as_json: bool) -> None:
    """Ask for cover for shift UID (default: the best 3 candidates, in order)."""
    backend = ctx.backend()
    tz = backend.whoami().tz
    s = backend.swap_request(uid, start=_moment(start, "from", tz), end=_moment(end, "to", tz),
                             ask=list(ask) or None, top=top, everyone=everyone, note=note, trade_uid=trade_uid)
    _show(ctx, s, as_json)


@swap.command("list")
@click.option("--team", default=None, metavar="SLUG")
@click.option("--all", "include_closed", is_flag=True, help="Closed requests too.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def list_(ctx: Ctx, team, include_closed: bool, as_json: bool) -> None:
    """Asks waiting for you, your requests, and (managers) the team's open ones."""
    backend = ctx.backend()
    found = backend.swaps(team=team, include_closed=include_closed)
    if as_json:
        echo_json(found)
        return
    if not found:
        echo("No swap requests.")
    tz = backend.whoami().tz
    for s in found:
        _print_swap(s, tz)


def _answer_command(name: str, agree: bool):
    @swap.command(name)
    @click.argument("swap_id", type=int)
    @click.option("--as", "as_login", default=None, metavar="LOGIN", help="Managers: answer for LOGIN.")
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handle_errors
    def answer(ctx: Ctx, swap_id: int, as_login, as_json: bool, reason: str = "") -> None:
        backend = ctx.backend()
        s = (backend.swap_agree(swap_id, as_login=as_login) if agree
             else backend.swap_decline(swap_id, reason=reason, as_login=as_login))
        if agree and not as_json and not s.message and s.state == "agreed":
            echo(took_it(s, taker_is_viewer=not as_login or as_login == backend.whoami().login))
        _show(ctx, s, as_json)

    answer.help = "Take swap SWAP_ID's shift." if agree else "Say no to swap SWAP_ID (the next person is asked)."
    if not agree:
        answer.params.append(click.Option(["--reason"], default="", metavar="TEXT"))
    return answer


agree = _answer_command("agree", True)
decline = _answer_command("decline", False)


@swap.command("cancel")
@click.argument("swap_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def cancel(ctx: Ctx, swap_id: int, as_json: bool) -> None:
    """Withdraw your request SWAP_ID (managers: anyone's)."""
    _show(ctx, ctx.backend().swap_cancel(swap_id), as_json)


@swap.command("assign")
@click.argument("uid")
@click.argument("login")
@click.option("--from", "start", default=None, metavar="WHEN", help=WHEN_HELP.format(end="from"))
@click.option("--to", "end", default=None, metavar="WHEN", help=WHEN_HELP.format(end="to"))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def assign(ctx: Ctx, uid: str, login: str, start, end, as_json: bool) -> None:
    """Managers: give shift UID (or part of it) to LOGIN directly."""
    backend = ctx.backend()
    tz = backend.whoami().tz
    _show(ctx, backend.swap_assign(uid, login, start=_moment(start, "from", tz), end=_moment(end, "to", tz)),
          as_json)


@swap.command("undo")
@click.argument("swap_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def undo(ctx: Ctx, swap_id: int, as_json: bool) -> None:
    """Managers: undo swap SWAP_ID; the earlier holder is back."""
    _show(ctx, ctx.backend().swap_undo(swap_id), as_json)


COMMANDS = [swap]
