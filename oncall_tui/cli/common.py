"""What every CLI command shares: getting a backend, printing JSON, turning errors into words."""
from __future__ import annotations

import functools
import json
import sys
from datetime import date
from typing import NoReturn, overload

import click

from ..core.errors import OncallError, StaleEdit, Unavailable
from ..formatting import CONTROL_CHARS, safe_text


class Ctx:
    def __init__(self, db: str | None, server: str | None, act_as: str | None) -> None:
        self.db = db
        self.server = server
        self.act_as = act_as
        self._backend = None

    @property
    def target(self):
        from ..config import resolve_target

        return resolve_target(self.db, self.server)

    def backend(self):
        if self._backend is None:
            from ..connect import database_missing, make_backend

            missing = database_missing(self.target)
            if missing is not None:
                raise click.ClickException(
                    f"no database at {missing}. Run `oncall demo` to try the product, "
                    f"`oncall team import team.toml` to set up a team, or point --db / ONCALL_DB "
                    f"at your team's shared file.")
            self._backend = make_backend(self.target, act_as=self.act_as)
        return self._backend


pass_ctx = click.make_pass_decorator(Ctx)


def fail(exc: OncallError, as_json: bool = False) -> NoReturn:
    """The backend's refusal as one line on stderr and the exit code the README documents:
    4 someone changed it first, 3 busy or unreachable, 2 refused (not allowed, not found,
    invalid input, unknown user).  Every command and the bare `oncall` end here.  A command
    run with `--json` also prints `{"error": {"code": ..., "message": ...}}` on stdout, so a
    script reading stdout gets the refusal in the shape it parses."""
    echo(f"oncall: {exc.message}", err=True)
    if as_json:
        echo_json({"error": exc.to_dict()})
    sys.exit(4 if isinstance(exc, StaleEdit) else 3 if isinstance(exc, Unavailable) else 2)


def handle_errors(fn):
    """Turn the backend's errors into one clear line and an exit code; change nothing."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except OncallError as exc:  # see README: exit codes
            fail(exc, as_json=bool(kwargs.get("as_json")))

    return wrapper


def invoked_as() -> str:
    """How the user ran `oncall`, to print commands they can paste: `.venv/bin/oncall` when
    they typed a path (it is not on PATH after a venv install), else `oncall`."""
    import os
    import shlex

    typed = sys.argv[0] if sys.argv else ""
    if os.sep in typed and os.path.basename(typed) == "oncall":
        return shlex.quote(typed)
    return "oncall"


def echo(text: object = "", **kwargs) -> None:
    """Print a line for a person: stored names, notes and labels may hold terminal control
    sequences, which are shown, never obeyed (`safe_text`).  Every CLI line goes through here."""
    click.echo(safe_text(text), **kwargs)


def echo_json(value) -> None:
    """JSON, exact: it escapes C0 controls itself; C1 controls and bidirectional overrides are
    escaped too (as \\u0085...), which JSON readers turn back into the same text."""
    from ..core.wire import to_builtins

    text = json.dumps(to_builtins(value), indent=2, ensure_ascii=False)
    click.echo(CONTROL_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


@overload
def parse_day(value: str, name: str) -> date: ...
@overload
def parse_day(value: str | None, name: str) -> date | None: ...
def parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-12-01", param_hint=name) from None


def table(rows: list[list[str]], headers: list[str]) -> str:
    rows = [[safe_text(c) for c in row] for row in rows]  # columns line up with what is shown
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)] if rows else [len(h) for h in headers]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)

