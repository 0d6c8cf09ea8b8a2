"""Opening the app on what it shows first.

`oncall` needs two slow things before its first frame: Textual (about 170 ms to import) and the
home screen's data (the storage modules, the database, the queries).  Done one after the other
the user waits for both.  Here a child process, forked before Textual is imported, opens the
backend and reads the first screen's data on another core while this process imports Textual;
the answer comes back through a pipe.  Where there is no fork, or the child dies without an
answer, the same look is taken in this process, so the outcome never depends on the child.

This module imports nothing heavy: it runs before the fork.
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import Target, database_missing
from .core.clock import Clock, clock_from_env
from .core.errors import OncallError, UnknownUser

if TYPE_CHECKING:
    from .core.domain import HomeView


@dataclass
class FirstLook:
    """What the app opens on: the first-run screen, or the home screen with its data."""

    welcome: str | None = None  # open on the first-run screen, saying this
    home: tuple[int, HomeView] | None = None  # (change cursor, data) for the home screen
    backend: Any = None  # the backend that looked; None once it has crossed from the child


def first_look(target: Target, act_as: str | None = None, clock: Clock | None = None,
               load_home: bool = True) -> FirstLook:
    """Decide what the app opens on.  Raises OncallError when the database cannot be used at
    all (a newer schema, a file it may not read, --as on a real database): the app does not open."""
    missing = database_missing(target)
    if missing is not None:
        return FirstLook(welcome=f"There is no database at {missing} yet.")
    from .connect import make_backend

    backend = make_backend(target, clock=clock, act_as=act_as)
    try:
        backend.whoami()
    except UnknownUser as exc:
        return FirstLook(welcome=exc.message)
    home = None
    if load_home:
        cursor = backend.change_cursor()  # before the data: a change made meanwhile is seen at the next poll
        home = (cursor, backend.home())
    return FirstLook(home=home, backend=backend)


class LookAhead:
    """A `first_look` running in a forked child process.  `result()` waits for its answer."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd

    @classmethod
    def start(cls, target: Target, act_as: str | None, clock: Clock) -> LookAhead | None:
        """Fork the child; None where this platform cannot, where other threads run (a fork
        copies none of them, and a lock one of them holds would stay held in the child), or
        where this process has a database open already (`oncall demo` just built one): a
        connection must not be used on both sides of a fork."""
        import sys
        import threading

        local = sys.modules.get("oncall_tui.backend.local")
        if not hasattr(os, "fork") or threading.active_count() > 1 or (local and local.databases_open()):
            return None
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:
            _child(read_fd, write_fd, target, act_as, clock)  # never returns
        os.close(write_fd)
        return cls(pid, read_fd)

    def result(self) -> FirstLook | None:
        """The child's look (raising its OncallError), or None if it died without answering."""
        chunks = []
        try:
            while chunk := os.read(self.fd, 1 << 16):
                chunks.append(chunk)
        finally:
            os.close(self.fd)
            os.waitpid(self.pid, 0)
        try:
            kind, value = pickle.loads(b"".join(chunks))
        except Exception:  # no answer (the child was killed) or one this process cannot read
            return None
        if kind == "error":
            raise value
        return value


def _child(read_fd: int, write_fd: int, target: Target, act_as: str | None, clock: Clock) -> None:
    """The child's whole life: look, send the answer (or the refusal), exit without cleanup."""
    status = 1
    try:
        os.close(read_fd)
        # The terminal belongs to the parent: nothing the child does may reach it.
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        try:
            look = first_look(target, act_as, clock)
            if look.backend is not None:
                look.backend.close()  # let go of the database as a client should, not by vanishing
            look.backend = None
            answer: tuple[str, FirstLook | OncallError] = ("look", look)
        except OncallError as exc:
            answer = ("error", exc)
        data = memoryview(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        while data:
            data = data[os.write(write_fd, data):]
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing the parent's buffers twice


class LazyBackend:
    """Stands in for the backend until it is first used, then makes it (once, whichever thread
    asks first) and passes every attribute through, so the app's first frame, drawn from the
    child's look, never waits for the storage modules to import."""

    def __init__(self, target: Target, clock: Clock, act_as: str | None) -> None:
        import threading

        self._args = (target, clock, act_as)
        self._lock = threading.Lock()
        self._backend = None

    def resolve(self):
        backend = self._backend
        if backend is None:
            with self._lock:
                if self._backend is None:
                    from .connect import make_backend

                    target, clock, act_as = self._args
                    self._backend = make_backend(target, clock=clock, act_as=act_as)
                backend = self._backend
        return backend

    def __getattr__(self, name: str):
        return getattr(self.resolve(), name)


def has_terminal() -> bool:
    """Whether keys can arrive and the screen be drawn (`ssh jumpbox oncall` without -t gives
    pipes, on which the app would draw to nobody and read an endless end of input)."""
    import sys

    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed or missing streams
        return False


def run_app(target: Target, act_as: str | None = None) -> None:
    """`oncall` with no command: open the app.  A refusal (OncallError) is the caller's to
    say (cli.common.fail: one line, the README's exit code)."""
    import click

    clock = clock_from_env()
    ahead = LookAhead.start(target, act_as, clock)
    from .app import make_app  # Textual loads here, while the child looks

    look = ahead.result() if ahead else None
    if look is None:
        look = first_look(target, act_as, clock)
    if not has_terminal():  # rather than draw to a pipe and spin on its end
        click.echo("oncall needs a terminal: use ssh -t", err=True)
        raise SystemExit(2)
    app = make_app(target, clock=clock, act_as=act_as, look=look)
    app.end_on_hang_up()
    app.run()
    if app.return_code:  # a hang-up (129) or a crash: the shell sees it
        raise SystemExit(app.return_code)
