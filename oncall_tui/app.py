"""The Textual app: areas as modes, one key each, data from the backend in workers."""
from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .config import Target
from .core.clock import Clock, clock_from_env
from .core.errors import OncallError
from .messages import DataChanged
from .screens import AREAS, Area
from .screens.base import ReportsWorkerErrors, problem_text, report_problem
from .widgets.key_bar import screen_keys

if TYPE_CHECKING:
    from .launch import FirstLook

POLL_SECONDS = 2.0


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


class OncallApp(ReportsWorkerErrors, App):
    TITLE = "oncall"
    BINDINGS = [
        *(Binding(a.key, f"area('{a.mode}')", a.short, tooltip=f"{a.title}: {a.help}", show=False)
          for a in AREAS),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # Before any screen's own Escape: the palette's Keys panel closes first.
        Binding("escape", "hide_help_panel", "Close the keys panel", show=False, priority=True),
    ]
    MODES = {a.mode: _area_loader(a) for a in AREAS}
    # Without colour (NO_COLOR) a table's cursor, a block of colour, would be only bold on grey:
    # reversed, it is seen on any terminal (the availability grids draw theirs reversed too).
    CSS = """
    DataTable:nocolor > .datatable--cursor { text-style: bold reverse; background: $surface; color: $foreground; }
    """

    def __init__(self, backend=None, *, target: Target | None = None, clock: Clock | None = None,
                 act_as: str | None = None, welcome: str | None = None, first_home=None) -> None:
        # Home is the mode the app starts in, not one it switches to: a switch holds the first
        # frame back (Textual delays updates 50 ms to mask the change).  Without a backend the
        # app starts on the plain default screen, with the first-run screen over it.
        self.DEFAULT_MODE = "home" if backend is not None and not welcome else App.DEFAULT_MODE  # type: ignore[misc]  # per app, before App.__init__ reads it
        super().__init__()
        self.backend = backend
        self.target = target
        self.clock = clock or (getattr(backend, "clock", None) if backend else None) or clock_from_env()
        self.act_as = act_as
        self.welcome = welcome
        self.me = None
        self.change_seen: int | None = None  # the newest change cursor the poll has seen
        self._first_home = first_home  # (change cursor, HomeView) for the first frame, if read already
        self._poll_problem: str | None = None  # the last problem the poll reported

    def take_first_home(self):
        """(change cursor, HomeView) read before the app started (see launch.py), once; else None."""
        first, self._first_home = self._first_home, None
        return first

    #: The teams the user manages, once the home screen's data said so (None: not known yet).
    managed_teams: tuple[str, ...] | None = None
    _landed = False

    def seen_home(self, view) -> None:
        """The home screen's data arrived: remember who the user is, and on the first time
        start a manager who is on no rotation on what she acts on (the team's requirement
        matrix and verification queue) rather than on her own empty shifts."""
        self.me = view.me
        if self.managed_teams != view.managed_teams:
            self.managed_teams = view.managed_teams
            self.call_later(lambda: self.screen.refresh_bindings())
        if self._landed:
            return
        self._landed = True
        if view.managed_teams and not view.rostered_teams and self.current_mode == "home":
            # what waits for her among the swaps (escalated requests) goes on that screen too
            waiting = view.swaps_waiting or view.swaps_escalated
            note = f"{view.swaps_summary} · press s to see them" if waiting else ""
            self.call_later(self._land_on_team_requirements, view.managed_teams[0], note)

    def _land_on_team_requirements(self, team: str, note: str = "") -> None:
        from .screens.requirements_team import TeamRequirementsScreen

        self.switch_mode("requirements")
        self.push_screen(TeamRequirementsScreen(team, note=note))

    def manages(self) -> bool | None:
        """Whether the user manages a team (None: not known yet)."""
        return None if self.managed_teams is None else bool(self.managed_teams)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "hide_help_panel":
            return bool(self.screen.query("HelpPanel"))
        return True

    def warm_up(self) -> None:
        """After the first frame: make the backend and read the change cursor in a thread now,
        rather than when the user first presses a key (or at the first poll)."""
        self._poll_changes()

    def on_mount(self) -> None:
        if self.backend is None or self.welcome:
            from .screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen(self.welcome or "There is no database yet."))
            return
        self._watch_for_changes()

    # -- the terminal going away ---------------------------------------------------------
    def end_on_hang_up(self) -> None:
        """When the terminal goes away (ssh dropped, the tmux pane killed) end the app, rather
        than keep running with nobody to see it.  The kernel sends SIGHUP to the terminal's
        session leader only: when `oncall` runs under another program (`runuser`, `sudo -u`,
        a shell that does not pass the signal on) it gets none, and its input just ends.  So
        a thread also waits, blocked in poll() at no cost, for the input to hang up or end.
        Installed before the app runs (launch.run_app), so no moment of start-up is left
        uncovered."""
        import signal
        import threading

        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda signum, frame: self._hung_up())
        threading.Thread(target=self._wait_for_input_to_end, name="oncall-hang-up", daemon=True).start()

    def _wait_for_input_to_end(self, fd: int = 0) -> None:
        import select

        watch = select.poll()
        watch.register(fd, 0)  # no events asked for: poll reports only hang-up, error, closed
        while not watch.poll():  # blocks; Python retries it after a signal by itself
            pass
        self._hung_up()

    def _hung_up(self) -> None:
        import functools
        import os
        import threading

        # Leave within a second whatever happens: a write in flight is one transaction, which
        # the database commits or rolls back whole, so nothing is left half-written.
        stop = threading.Timer(0.8, os._exit, args=(129,))
        stop.daemon = True
        stop.start()
        loop = self._loop
        if loop is None or loop.is_closed():  # not running yet (or any more): nothing to close
            if threading.current_thread() is threading.main_thread():
                raise SystemExit(129)
            os._exit(129)
        loop.call_soon_threadsafe(functools.partial(self.exit, return_code=129))

    # -- areas -------------------------------------------------------------------
    def action_area(self, mode: str) -> None:
        if self.backend is None:
            return
        if self.current_mode != mode:
            self.switch_mode(mode)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette finds, by name, every key of the current screen this user may use
        (those the key bar shows, and the ones it has no room for), then every area."""
        yield from super().get_system_commands(screen)
        if self.backend is None:
            return
        for _key, shown, binding, node, enabled in screen_keys(screen):
            yield SystemCommand(f"{binding.description} ({shown})", binding.tooltip or binding.description,
                                partial(self._run_later, binding, node, enabled))
        for a in AREAS:
            if not (a.managers_only and self.manages() is False):
                yield SystemCommand(f"{a.title} ({a.key})", a.help, lambda m=a.mode: self.action_area(m))

    def _run_later(self, binding: Binding, node, enabled: bool) -> None:
        """Run a screen's action once the palette has closed (its screen is on top again); one
        that cannot run now says why, as its greyed key does."""
        if enabled or not hasattr(node, "not_now"):
            self.call_later(self.run_action, binding.action, node)
        else:
            self.call_later(node.not_now, binding)

    # -- other users' changes ----------------------------------------------------------
    def _watch_for_changes(self) -> None:
        self.set_interval(POLL_SECONDS, self._poll_changes)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll_changes(self) -> None:
        try:
            cursor = self.backend.change_cursor()
        except Exception as exc:  # a refusal, or a file that is damaged or not the team's any more
            # Said once, not every poll; said again if it comes back after working for a while.
            if problem_text(exc) != self._poll_problem:
                self._poll_problem = problem_text(exc)
                self.call_from_thread(report_problem, self, exc, "Cannot reach the database")
            return
        finally:
            self.backend.release_thread()
        self._poll_problem = None
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
        from .backend.local import open_demo
        from .config import demo_db_path

        try:
            backend, _built = open_demo(str(demo_db_path()), self.clock)
        except OncallError as exc:
            self.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.call_from_thread(self._switch_backend, backend)

    def _switch_backend(self, backend) -> None:
        self.backend = backend
        self.welcome = None
        self.notify(f"Opened the demo team at {getattr(backend, 'url', '')}", timeout=6)
        self.pop_screen()
        self.switch_mode("home")
        self._watch_for_changes()


def make_app(target: Target | None = None, *, backend=None, clock: Clock | None = None,
             act_as: str | None = None, look: FirstLook | None = None) -> OncallApp:
    """The one way the app is made: by `oncall` (launch.run_app), the tests and the benches.

    On a `target` (what `--db` / `--server` name) the app opens as `oncall` does: `look` is
    what launch.first_look found, taken while Textual loaded (without it, it is taken now,
    and the home screen loads its own data); a look whose backend stayed in the child that
    took it gets a backend made when first used.  Or on a `backend` already open (a test
    acting as someone)."""
    clock = clock or getattr(backend, "clock", None) or clock_from_env()
    if backend is None and target is not None:
        if look is None:
            from .launch import first_look

            look = first_look(target, act_as, clock, load_home=False)
        backend = look.backend
        if backend is None and look.welcome is None:
            from .launch import LazyBackend

            backend = LazyBackend(target, clock=clock, act_as=act_as)
    return OncallApp(backend, target=target, clock=clock, act_as=act_as,
                     welcome=look.welcome if look else None, first_home=look.home if look else None)
