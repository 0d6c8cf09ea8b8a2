"""`oncall`: the TUI when run bare, and commands for scripts."""
from __future__ import annotations

import importlib
import time

import click

from .common import Ctx

#: When this process began its own work: `oncall plan --time-limit` counts from here.
STARTED = time.perf_counter()

#: Which module holds each command (each module lists its commands in `COMMANDS`).  A module is
#: imported only when one of its commands runs or the help lists them, so the bare `oncall` (the
#: TUI) does not pay for them.  tests/foundation/test_import_hygiene.py checks this table against the modules.
COMMAND_MODULES: dict[str, str] = {
    "demo": "core_commands", "now": "core_commands", "shifts": "core_commands", "team": "core_commands",
    "backup": "core_commands", "profile": "core_commands",
    "requirements": "requirements_commands",
    "availability": "availability_commands",
    "plan": "planning_commands", "publish": "planning_commands", "plans": "planning_commands",
    "serve": "server_commands", "login": "server_commands", "token": "server_commands",
    "doctor": "doctor_commands",
    "swap": "swap_commands",
    "calendar": "delivery_commands", "deliver": "delivery_commands",  # delivery_commands extends the group
}


def _commands_of(module_name: str) -> list[click.Command]:
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{module_name}":
            raise
        return []  # an area whose commands are not there yet
    return list(module.COMMANDS)


class LazyGroup(click.Group):
    """A group whose commands are imported from their modules when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            module = COMMAND_MODULES.get(cmd_name)
            # A name missing from the table: look in every module (only on this rare path).
            for name in [module] if module else sorted(set(COMMAND_MODULES.values())):
                for command in _commands_of(name):
                    if command.name:
                        self.commands.setdefault(command.name, command)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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
        from ..core.errors import OncallError
        from ..launch import run_app
        from .common import fail

        try:  # a refusal (--as on a real database, a broken system configuration) is one line,
            run_app(click_ctx.obj.target, act_as=act_as)  # exit 2, as every command says it
        except OncallError as exc:
            fail(exc)
