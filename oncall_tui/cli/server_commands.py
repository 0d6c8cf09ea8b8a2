"""`oncall serve`, `oncall login` and `oncall token issue|list|revoke`."""
from __future__ import annotations

import os
import sys

import click

from .common import Ctx, echo, echo_json, handle_errors, pass_ctx, table


@click.command()
@click.option("--db", "db", default=None, metavar="PATH_OR_URL",
              help="The database to serve: a file path, sqlite:///PATH or postgresql://… (default: --db "
                   "before the command, ONCALL_DB, or the default file).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--base-url", default=None, metavar="URL",
              help="The public URL people reach this server at (used in links it sends).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes to run (each with its own database connections).")
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option("--socket", "unix_socket", default=None, metavar="PATH",
              help="Listen on a Unix socket instead of TCP: each user is the login the kernel names for the "
                   "connecting process, no tokens (see README: The stronger mode).")
@click.option("--socket-group", default=None, metavar="GROUP",
              help="Only this group may connect to the socket (mode 0660; default: every user, 0666).")
@click.option("--allow-calendar-host", "calendar_hosts", multiple=True, metavar="HOST",
              help="An intranet calendar host (name, address or network such as 10.1.0.0/16) the server may "
                   "fetch calendar URLs from; repeat for more (also ONCALL_CALENDAR_ALLOW_HOSTS).  Other "
                   "private, loopback and link-local addresses are refused.")
@click.option("--admin", "admins", multiple=True, metavar="LOGIN",
              help="An organisation administrator (may create teams and move people between them); "
                   "repeat for more.  Adds to those the database and the system configuration name.")
@pass_ctx
@handle_errors
def serve(ctx: Ctx, db: str | None, host: str, port: int, base_url: str | None, workers: int,
          access_log: bool, unix_socket: str | None, socket_group: str | None,
          calendar_hosts: tuple[str, ...], admins: tuple[str, ...]) -> None:
    """Serve the database over HTTP for `oncall --server URL` (see README: Running for a whole organisation)."""
    from ..calendars.fetch import ALLOW_HOSTS_ENV

    if calendar_hosts:  # the environment carries it to every worker process
        os.environ[ALLOW_HOSTS_ENV] = " ".join([os.environ.get(ALLOW_HOSTS_ENV, ""), *calendar_hosts]).strip()
    from ..backend.local import LocalBackend
    from ..config import default_db_path
    from ..server.run import serve as run_server

    click_ctx = click.get_current_context()
    given = [f"--{name}" for name in ("host", "port")
             if click_ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
    if unix_socket and given:
        raise click.UsageError(f"--socket listens on a Unix socket, not TCP: leave out {' and '.join(given)}")
    from ..store.db import is_sqlite, normalise_url

    url = normalise_url(db or ctx.db or os.environ.get("ONCALL_DB") or str(default_db_path()))
    from ..server.app import SERVE_ADMINS_ENV

    os.environ[SERVE_ADMINS_ENV] = " ".join(admins)  # for the worker processes, which inherit it
    backend = LocalBackend(url, actor="-")  # opens and migrates now, so a bad URL fails here, clearly
    backend.close()
    shown = url if is_sqlite(url) else _without_password(url)
    processes = f"{workers} process{'es' if workers > 1 else ''}"
    if unix_socket:
        echo(f"oncall serve: {shown} on the Unix socket {unix_socket} ({processes}); each user who "
             f"connects acts as their own login, no tokens.")
    else:
        echo(f"oncall serve: {shown} on http://{host}:{port} ({processes}). "
             f"Issue tokens with `oncall --db {shown} token issue LOGIN`.")
    try:
        run_server(url, host, port, workers=workers, base_url=base_url, access_log=access_log,
                   unix_socket=unix_socket, socket_group=socket_group)
    except OSError as exc:
        where = unix_socket or f"{host}:{port}"
        raise click.ClickException(f"cannot listen on {where}: {exc.strerror or exc}") from None


def _without_password(url: str) -> str:
    from urllib.parse import urlparse

    parts = urlparse(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


@click.command()
@click.argument("url")
@click.option("--token", default=None, help="The token (default: read from stdin, or asked for).")
@click.option("--no-default", is_flag=True, help="Do not make this server the default.")
@handle_errors
def login(url: str, token: str | None, no_default: bool) -> None:
    """Save a personal token for the server at URL (ask a manager for one)."""
    from urllib.parse import urlparse

    from ..backend.remote import RemoteBackend
    from ..config import load_credentials, save_credentials

    url = url.rstrip("/")
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    if token is None:
        if sys.stdin.isatty():
            token = click.prompt("Token (from `oncall token issue`)", hide_input=True)
        else:
            token = sys.stdin.readline()
    token = (token or "").strip()
    if not token:
        raise click.ClickException("no token given")
    backend = RemoteBackend(url, token=token)
    try:
        me = backend.whoami()
    finally:
        backend.close()
    creds = load_credentials()
    creds.setdefault("servers", {})[url] = {"token": token, "login": me.login}
    if not no_default:
        creds["default_server"] = url
    path = save_credentials(creds)
    echo(f"Logged in to {url} as {me.name} ({me.login}); the token is saved in {path} "
               f"(readable only by you).")
    if not no_default:
        echo("`oncall` now uses this server; `oncall --db PATH` still opens a file.")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        echo("Warning: this server is plain http, so the token travels unencrypted; "
                   "ask for an https URL.", err=True)


@click.group()
def token() -> None:
    """Personal tokens for `oncall serve` (issued by managers)."""


@token.command("issue")
@click.argument("login")
@click.option("--expires-days", default=90, show_default=True, type=click.IntRange(1, 730))
@click.option("--label", default="", help="A note to recognise it by, e.g. 'alice laptop'.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def token_issue(ctx: Ctx, login: str, expires_days: int, label: str, as_json: bool) -> None:
    """Issue a token for LOGIN (shown once; only its hash is kept)."""
    issued = ctx.backend().issue_token(login, expires_days=expires_days, label=label)
    if as_json:
        echo_json(issued)
        return
    info = issued.info
    echo(f"Token for {info.login} (id {info.id}), expires {info.expires_at:%Y-%m-%d}:\n")
    echo(f"    {issued.token}\n")
    echo(f"It is shown only this once. {info.login} runs `oncall login URL` and pastes it; "
               f"`oncall token revoke {info.id}` stops it.")


@token.command("list")
@click.option("--login", default=None, help="Only this person's tokens.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def token_list(ctx: Ctx, login: str | None, as_json: bool) -> None:
    """Tokens you may see: yours, and those of people you manage."""
    rows = ctx.backend().tokens(login=login)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        echo("No tokens.")
        return

    def day(value) -> str:
        return f"{value:%Y-%m-%d}" if value else "-"

    echo(table([[str(t.id), t.login, t.hint + "…", t.status, day(t.expires_at), day(t.last_used_at),
                       t.issued_by or "-", t.label] for t in rows],
                     ["ID", "LOGIN", "TOKEN", "STATUS", "EXPIRES", "LAST USED", "ISSUED BY", "LABEL"]))


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_ctx
@handle_errors
def token_revoke(ctx: Ctx, token_id: int) -> None:
    """Stop token ID working at once."""
    info = ctx.backend().revoke_token(token_id)
    echo(f"Token {info.id} of {info.login} ({info.hint}…) is revoked.")


COMMANDS = [serve, login, token]
