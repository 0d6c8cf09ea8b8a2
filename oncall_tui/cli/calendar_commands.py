"""`oncall calendar feed-url` and `oncall calendar export`: shifts in the calendar people use."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import Ctx, echo, echo_json, handle_errors, pass_ctx


@click.group()
def calendar() -> None:
    """Your shifts as calendar entries: a subscription feed, or an .ics file."""


def _server_base(backend) -> str:
    """The server a remote backend talks to (its feed addresses are on it); "" for a file."""
    url = getattr(backend, "url", "")
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else ""


@calendar.command("feed-url")
@click.option("--rotate", is_flag=True, help="Make a new address; the old one stops at once (404).")
@click.option("--team", default=None, metavar="TEAM", help="A manager's feed of everyone's shifts in TEAM.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON output).")
@pass_ctx
@handle_errors
def feed_url(ctx: Ctx, rotate: bool, team: str | None, as_json: bool) -> None:
    """Show (making it the first time) or rotate your calendar feed's secret address.

    The address is shown only when it is made or rotated: the server keeps only its hash.
    Lost it?  Rotate: calendars subscribed to the old address stop getting updates."""
    from dataclasses import replace

    backend = ctx.backend()
    info = backend.team_feed_url(team, rotate=rotate) if team else backend.feed_url(rotate=rotate)
    base = _server_base(backend)
    if info.created and not info.url and base:
        info = replace(info, url=base + info.path)
    if as_json:
        echo_json(info)
        return
    whose = f"team {info.team}'s shifts (everyone)" if info.team else "your shifts"
    if not info.created:
        echo(f"Your calendar feed of {whose} exists since {info.created_at:%Y-%m-%d %H:%M} UTC "
             f"(its address starts …/links/feed/{info.hint}).")
        echo("Its address was shown once, when it was made, and is stored only hashed. "
             "`oncall calendar feed-url --rotate" + (f" --team {info.team}" if info.team else "") +
             "` makes a new one (the old one stops at once).")
        return
    if info.rotated:
        echo("The old address stopped working just now; subscribe again with the new one.")
    if info.url:
        echo(f"Your calendar feed of {whose}:")
        echo(f"  {info.url}")
        if info.url.startswith("https://"):
            echo(f"  {'webcal://' + info.url.removeprefix('https://')}   (opens in Apple Calendar / Outlook)")
        elif info.url.startswith("http://"):
            echo(f"  {'webcal://' + info.url.removeprefix('http://')}   (plain http: serve it over https for "
                 f"anything but a test)")
    else:
        echo(f"Your calendar feed of {whose}, served by the team's `oncall serve` at:")
        echo(f"  https://<your server>{info.path}")
        echo("  (a manager can set server_url under [team.settings] in team.toml to show the whole address)")
    echo("Keep it secret: anyone with the address sees these shifts. It is shown only now.")
    echo("Subscribe in Google Calendar (Other calendars > From URL), Outlook (Add calendar > "
         "Subscribe from web) or Apple Calendar (File > New Calendar Subscription). Subscribed "
         "calendars refresh every few hours (Google: up to a day).")


@calendar.command("export")
@click.option("--person", "login", default=None, metavar="LOGIN",
              help="Someone you manage (default: you).")
@click.option("--team", default=None, metavar="TEAM", help="Everyone's shifts in TEAM (managers).")
@click.option("-o", "--output", "output", required=True, metavar="FILE",
              help="The .ics file to write ('-' for standard output).")
@pass_ctx
@handle_errors
def export(ctx: Ctx, login: str | None, team: str | None, output: str) -> None:
    """Write the same .ics the feed serves, without a server (for a calendar app's import)."""
    if login and team:
        raise click.UsageError("give --person or --team, not both")
    backend = ctx.backend()
    made = backend.export_team_calendar(team) if team else backend.export_calendar(login)
    data = made.ics.encode("utf-8")
    if output == "-":
        sys.stdout.buffer.write(data)
        return
    path = Path(output)
    try:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    from ..core.text import plural

    echo(f"Wrote {plural(made.entries, 'shift')} to {output}.")


COMMANDS = [calendar]
