"""The Textual app: areas as modes, one key each, data from the backend in workers."""
from __future__ import annotations

import importlib
from typing import Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .clock import Clock, clock_from_env
from .config import Target
from .errors import OncallError, UnknownUser
from .messages import DataChanged
from .screens import AREAS, Area

POLL_SECONDS = 2.0
#: How long the home screen waits, before its first paint, for data loading since start-up.
FIRST_HOME_WAIT = 0.3


def _area_loader(area: Area):
    def load() -> Screen:
        try:
            module = importlib.import_module(f"oncall_tui.screens.{area.module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"oncall_tui.screens.{area.module}":
                raise
            from .screens.placeholder import PlaceholderScreen

            return PlaceholderScreen(area)
        return getattr(module, area.cls)()

    return load


class OncallApp(App):
    TITLE = "oncall"
    BINDINGS = [
        *(Binding(a.key, f"area('{a.mode}')", a.short, tooltip=f"{a.title}: {a.help}", show=False)
          for a in AREAS),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    MODES = {a.mode: _area_loader(a) for a in AREAS}

    def __init__(self, backend=None, *, target: Target | None = None, clock: Clock | None = None,
                 act_as: str | None = None, welcome: str | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.target = target
        self.clock = clock or (getattr(backend, "clock", None) if backend else None) or clock_from_env()
        self.act_as = act_as
        self.welcome = welcome
        self.me = None
        self.change_seen: int | None = None  # the newest change cursor the poll has seen
        self._first_home = None  # a Future of (change cursor, HomeView) started by preload_home()

    # -- the first screen's data, loaded while the app starts ----------------------------
    def preload_home(self) -> None:
        """Start loading the home screen's data now, in a thread, while Textual starts up,
        so that the first frame can already show it (see `take_preloaded_home`)."""
        if self.backend is None or self.welcome or self._first_home is not None:
            return
        import threading
        from concurrent.futures import Future

        future: Future = Future()
        backend = self.backend

        def load() -> None:
            try:
                cursor = backend.change_cursor()  # before the data, as AreaScreen does
                future.set_result((cursor, backend.home()))
            except BaseException as exc:  # handed to whoever takes it
                future.set_exception(exc)
            finally:
                backend.release_thread()

        self._first_home = future
        threading.Thread(target=load, name="oncall-preload-home", daemon=True).start()

    def take_preloaded_home(self, wait: float = FIRST_HOME_WAIT):
        """(cursor, HomeView) loaded by `preload_home`, once; None if there is none, it failed
        (the screen's own load then reports why) or it is not there within `wait` seconds."""
        future, self._first_home = self._first_home, None
        if future is None:
            return None
        try:
            return future.result(timeout=wait)
        except Exception:
            return None

    def on_mount(self) -> None:
        if self.backend is None or self.welcome:
            from .screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen(self.welcome or "There is no database yet."))
            return
        self._start()

    def _start(self) -> None:
        self.switch_mode("home")
        self.set_interval(POLL_SECONDS, self._poll_changes)

    # -- areas -------------------------------------------------------------------
    def action_area(self, mode: str) -> None:
        if self.backend is None:
            return
        if self.current_mode != mode:
            self.switch_mode(mode)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.backend is not None:
            for a in AREAS:
                yield SystemCommand(f"{a.title} ({a.key})", a.help, lambda m=a.mode: self.action_area(m))

    # -- other users' changes ----------------------------------------------------------
    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll_changes(self) -> None:
        try:
            cursor = self.backend.change_cursor()
        except OncallError:
            return
        finally:
            self.backend.release_thread()
        if cursor != self.change_seen:
            self.change_seen = cursor
            # Each screen compares this with the cursor it loaded its data at and
            # reloads only if it is behind (so the first poll costs nothing extra).
            self.call_from_thread(self._changed, cursor)

    def _changed(self, cursor: int) -> None:
        self.screen.post_message(DataChanged(cursor))

    # -- first run -----------------------------------------------------------------------
    def action_open_demo(self) -> None:
        self._open_demo()

    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def _open_demo(self) -> None:
        from .backend.local import LocalBackend
        from .config import demo_db_path
        from .services.demo import build_demo

        path = demo_db_path()
        try:
            backend = LocalBackend(str(path), clock=self.clock)
            if not path.exists() or backend.change_cursor() == 0:
                build_demo(backend, self.clock)
        except OncallError as exc:
            self.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.call_from_thread(self._switch_backend, backend)

    def _switch_backend(self, backend) -> None:
        self.backend = backend
        self.welcome = None
        self.notify(f"Opened the demo team at {getattr(backend, 'url', '')}", timeout=6)
        self.pop_screen()
        self._start()


def make_app(target: Target, act_as: str | None = None, clock: Clock | None = None) -> OncallApp:
    """The one app factory: the CLI and the tests both use it."""
    from .connect import database_missing, make_backend

    clock = clock or clock_from_env()
    missing = database_missing(target)
    if missing is not None:
        return OncallApp(None, target=target, clock=clock, act_as=act_as,
                         welcome=f"There is no database at {missing} yet.")
    backend = make_backend(target, clock=clock, act_as=act_as)
    try:
        backend.whoami()
    except UnknownUser as exc:
        return OncallApp(None, target=target, clock=clock, act_as=act_as, welcome=exc.message)
    return OncallApp(backend, target=target, clock=clock, act_as=act_as)


def run_app(target: Target, act_as: str | None = None) -> None:
    import click

    try:
        app = make_app(target, act_as=act_as)
    except OncallError as exc:
        raise click.ClickException(exc.message) from None
    app.preload_home()
    app.run()
