"""Calendar delivery: `oncall deliver` (what is queued, sent now: for cron), and `oncall calendar
status|retry|mail-server|caldav`, added to the `calendar` group of calendar_commands.py (feed-url,
export); the command table names this module for `calendar`, so the group is whole when loaded."""
from __future__ import annotations

import sys

import click

from ..formatting import plural
from .common import Ctx, echo, echo_json, handle_errors, pass_ctx, table


@click.command()
@click.option("--quiet", is_flag=True, help="Print nothing (for cron); the delivery state keeps the errors.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: sent, failed, errors.")
@pass_ctx
@handle_errors
def deliver(ctx: Ctx, quiet: bool, as_json: bool) -> None:
    """Send what is waiting in the outbox (invitations, CalDAV writes, mail), then stop.
    Swap requests the clock has moved on (an ask timed out, the swap deadline reached) are
    stored first, so the person asked next and the managers get their mail.

    For a team on a shared file without a server, `oncall` already starts this after each
    change; a cron line (README: Calendar delivery) catches retries falling due.  Any number may
    run at once: each message goes out once."""
    from ..backend.local import LocalBackend
    from ..services.outbox import Delivery

    target = ctx.target
    if target.server or target.socket:
        raise click.ClickException("this database is behind `oncall serve`, which delivers by itself")
    backend = LocalBackend(target.db_url, actor="-")
    moved = backend.services.swaps.advance_due()  # asks timed out, deadlines reached: their mail
    done = Delivery(backend.context).run_once()
    if as_json:
        echo_json({"sent": done.sent, "failed": done.failed, "lost": done.lost, "errors": done.errors,
                   "swaps_moved": moved})
    elif not quiet and (done.sent or done.failed or moved):
        echo(f"sent {done.sent}, failed {done.failed}" + (f": {done.errors[0]}" if done.errors else "")
             + (f"; {moved} swap request{'s' if moved != 1 else ''} moved on by the clock" if moved else ""))


from .calendar_commands import calendar  # noqa: E402  (the group these commands join)


def _state_line(s) -> str:
    text = s.state
    if s.state == "failing":
        text += f" ({plural(s.failing, 'message')}): {s.last_error}"
    elif s.state == "pending":
        text += f" ({plural(s.pending, 'message')})"
    return text


@calendar.command("status")
@click.option("--team", default=None, help="Everyone of this team (managers).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
@handle_errors
def calendar_status(ctx: Ctx, team: str | None, as_json: bool) -> None:
    """Where your calendar entries have got; with --team (or as a manager) everyone's:
    up to date, pending, or failing with the server's reason."""
    from ..core.errors import NotAllowed

    backend = ctx.backend()
    try:
        states = backend.delivery_status(team)
    except NotAllowed:
        if team is not None:
            raise
        states = []
    if not states:
        states = [backend.my_delivery()]
    if as_json:
        echo_json(states)
        return
    echo(table([[s.name, s.login, ", ".join(s.channels) or "-", _state_line(s)] for s in states],
               ["Name", "Login", "Delivery", "State"]))


@calendar.command("retry")
@click.option("--team", default=None, help="Everyone of this team (its managers).")
@click.option("--person", default=None, metavar="LOGIN", help="Someone you manage (default: you).")
@pass_ctx
@handle_errors
def calendar_retry(ctx: Ctx, team: str | None, person: str | None) -> None:
    """Try again now what is waiting or failing (after fixing a password, a server…)."""
    count = ctx.backend().retry_delivery(person=person, team=team)
    echo(f"{plural(count, 'message')} will be tried again now" if count else "nothing is waiting to be delivered")


def _password(from_stdin: bool, ask: bool, remove: bool) -> str | None:
    if remove:
        return ""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if ask:
        return click.prompt("Password", hide_input=True, default="", show_default=False)
    return None


@calendar.command("mail-server")
@click.option("--team", default=None, help="The team (default: the one you manage).")
@click.option("--host", default=None, help="SMTP host; '' removes the mail server.")
@click.option("--port", type=int, default=None, help="587 for starttls (default), 465 for tls, 25 for none.")
@click.option("--security", type=click.Choice(["starttls", "tls", "none"]), default=None)
@click.option("--user", "username", default=None, help="Login name on the mail server.")
@click.option("--from", "from_address", default=None, help="The address invitations come from (the organizer).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--ask-password", is_flag=True, help="Ask for the password (not echoed).")
@click.option("--no-password", is_flag=True, help="Remove the stored password.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
@handle_errors
def calendar_mail_server(ctx: Ctx, team: str | None, host: str | None, port: int | None, security: str | None,
                         username: str | None, from_address: str | None, password_stdin: bool, ask_password: bool,
                         no_password: bool, as_json: bool) -> None:
    """Show or set the SMTP server the team's invitations leave through (managers).  The
    password is stored encrypted and never shown; it is never an argument (ps would show it)."""
    backend = ctx.backend()
    current = backend.mail_server(team)
    password = _password(password_stdin, ask_password, no_password)
    if any(v is not None for v in (host, port, security, username, from_address, password)):
        security = security or (current.security if current.configured else "starttls")
        default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
        current = backend.set_mail_server(
            current.team, current.host if host is None else host,
            port if port is not None else (current.port if current.configured else default_port), security,
            current.username if username is None else username,
            current.from_address if from_address is None else from_address, password)
    if as_json:
        echo_json(current)
    elif not current.configured:
        echo(f"team {current.team} has no mail server: oncall calendar mail-server --team {current.team} "
             f"--host smtp.example.com --user USER --from oncall@example.com --ask-password")
    else:
        echo(f"{current.team}: {current.host}:{current.port} ({current.security}), user "
             f"{current.username or '-'}, from {current.from_address}, password "
             f"{'set (encrypted)' if current.has_password else 'none'}")


@calendar.command("caldav")
@click.option("--url", default=None, help="Your calendar's CalDAV URL; '' removes it.")
@click.option("--user", "username", default=None, help="Your login on the CalDAV server.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--ask-password", is_flag=True, help="Ask for the password (an app password; not echoed).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
@handle_errors
def calendar_caldav(ctx: Ctx, url: str | None, username: str | None, password_stdin: bool, ask_password: bool,
                    as_json: bool) -> None:
    """Show or set the CalDAV calendar your shifts are written into (Fastmail, Nextcloud,
    iCloud with an app password).  The password is stored encrypted and never shown."""
    backend = ctx.backend()
    current = backend.caldav_account()
    password = _password(password_stdin, ask_password, False)
    if url is not None or username is not None or password is not None:
        current = backend.set_caldav(current.url if url is None else url,
                                     current.username if username is None else username, password)
    if as_json:
        echo_json(current)
    elif not current.configured:
        echo("no CalDAV calendar: oncall calendar caldav --url https://… --user you --ask-password")
    else:
        echo(f"{current.url} as {current.username or '-'}, password "
             f"{'set (encrypted)' if current.has_password else 'none'}")


COMMANDS = [deliver, calendar]
