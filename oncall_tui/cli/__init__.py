"""`oncall`: the TUI when run bare, and commands for scripts."""
from __future__ import annotations

import click

from .common import Ctx


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar=None, default=None, metavar="PATH_OR_URL",
              help="The shared database: a file path, sqlite:///PATH or postgresql://… (or ONCALL_DB).")
@click.option("--server", default=None, metavar="URL", help="Use an `oncall serve` endpoint instead.")
@click.option("--as", "act_as", default=None, metavar="LOGIN", help="Act as another member (demo databases only).")
@click.version_option(package_name="oncall-tui")
@click.pass_context
def main(click_ctx: click.Context, db: str | None, server: str | None, act_as: str | None) -> None:
    """oncall: your team's on-call rota in a terminal.  Run bare to open the app."""
    click_ctx.obj = Ctx(db, server, act_as)
    if click_ctx.invoked_subcommand is None:
        from ..app import run_app

        run_app(click_ctx.obj.target, act_as=act_as)


def _register() -> None:
    from . import core_commands

    for module in (core_commands,):
        for command in module.COMMANDS:
            main.add_command(command)
    # Each area registers its commands here (one line each).
    for name in ("requirements_commands", "availability_commands", "planning_commands", "server_commands"):
        try:
            module = __import__(f"{__name__}.{name}", fromlist=["COMMANDS"])
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        for command in module.COMMANDS:
            main.add_command(command)


_register()
