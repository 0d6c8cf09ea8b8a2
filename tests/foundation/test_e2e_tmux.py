"""The installed `oncall`, in a real terminal (tmux, 80x24), driven by keys as a person would."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ..conftest import DEMO_YOU, NOW

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

ONCALL = Path(sys.executable).with_name("oncall")


def _colours(styled: str) -> list[tuple]:
    """Every 256-colour or true-colour foreground/background in an SGR stream."""
    found = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", styled):
        parts = [int(p) if p else 0 for p in params.split(";")]
        i = 0
        while i < len(parts):
            if parts[i] in (38, 48) and i + 2 < len(parts) and parts[i + 1] == 5:
                found.append(("256", parts[i + 2]))
                i += 3
            elif parts[i] in (38, 48) and i + 4 < len(parts) and parts[i + 1] == 2:
                found.append(("rgb", tuple(parts[i + 2:i + 5])))
                i += 5
            else:
                if 30 <= parts[i] <= 37 or 40 <= parts[i] <= 47 or 90 <= parts[i] <= 107:
                    found.append(("16", parts[i]))
                i += 1
    return found


def _is_grey(colour: tuple) -> bool:
    kind, value = colour
    if kind == "256":
        return value in (0, 7, 8, 15, 16, 231) or 232 <= value <= 255
    if kind == "rgb":
        return max(value) - min(value) <= 8
    return value in (30, 37, 40, 47, 90, 97, 100, 107)


#: The environment tmux runs in: ours without COLUMNS/LINES. pytest imports readline, which writes
#: the size it sees (80x24 when not on a terminal) into the process's C environment (where
#: os.environ does not see it but a child does); the tmux server hands its environment to every
#: pane, and there COLUMNS/LINES outrank the terminal's real size (shutil.get_terminal_size, as
#: Textual asks it): the app would stay 80x24 through every resize. A person's terminal has no
#: such pin (ssh does not pass COLUMNS/LINES on; a shell keeps them unexported).
_SIZELESS_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


class Terminal:
    """One tmux server of our own (its own socket), one 80x24 window."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"oncall-test-{uuid.uuid4().hex[:8]}"
        self.tmp_path = tmp_path

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20,
                              env=_SIZELESS_ENV)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "80", "-y", "24", *env_args,
                  *command)
        self.tmux("set-option", "-t", "t", "remain-on-exit", "on")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, text: str, seconds: float = 20.0) -> str:
        deadline = time.monotonic() + seconds
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{shown}")
            time.sleep(0.05)

    def press(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "t", *keys)

    def exited(self) -> bool:
        return self.tmux("display-message", "-p", "-t", "t", "#{pane_dead}").strip() == "1"

    def stop(self) -> None:
        socket = self.tmux("display-message", "-p", "#{socket_path}").strip() if self._alive() else ""
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)
        if socket:
            Path(socket).unlink(missing_ok=True)

    def _alive(self) -> bool:
        return subprocess.run(["tmux", "-L", self.socket, "has-session"], capture_output=True,
                              timeout=20).returncode == 0


@pytest.fixture
def terminal(tmp_path):
    term = Terminal(tmp_path)
    yield term
    term.stop()


@pytest.fixture
def demo_file(demo_db, _isolated_home) -> tuple[Path, dict[str, str]]:
    """The demo database (built as `oncall demo` builds it) and the terminal's environment."""
    from .helpers import db_path

    assert ONCALL.exists(), f"the installed oncall is missing at {ONCALL}"
    env = {"ONCALL_HOME": str(_isolated_home), "ONCALL_NOW": NOW.isoformat(), "ONCALL_LOGIN": DEMO_YOU,
           "TEXTUAL_ANIMATIONS": "none", "TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    return db_path(demo_db), env


def test_installed_oncall_in_a_real_terminal(terminal, demo_file):
    path, env = demo_file
    terminal.start([str(ONCALL), "--db", str(path)], env)

    home = terminal.wait_for("1 swap request waiting")
    assert "Your next shifts" in home
    assert "SECONDARY" in home and "with Bogdan Ionescu (primary) +44 7700 900152" in home
    assert "On call now" in home and "Lena Brandt" in home
    assert "Escalate: 1. Maya Goldberg" in home
    lines = home.splitlines()
    assert len(lines) <= 24 and max(len(line) for line in lines) <= 80

    terminal.press("r")
    requirements = terminal.wait_for("oncall · Requirements")
    assert "Your next shifts" not in requirements

    terminal.press("h")
    terminal.wait_for("Your next shifts")

    terminal.press("C-p")
    palette = terminal.wait_for("Search for commands")
    from oncall_tui.screens import AREAS

    # the palette lists the areas too (by name: which fit on screen depends on the screen's own keys)
    assert any(f"{a.title} ({a.key})" in palette for a in AREAS), palette
    terminal.press("Escape")
    deadline = time.monotonic() + 10
    while "Search for commands" in terminal.screen() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Your next shifts" in terminal.screen()

    terminal.press("C-q")
    deadline = time.monotonic() + 10
    while not terminal.exited() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert terminal.exited(), "ctrl+q quits"


def test_monochrome_terminal_keeps_the_state_readable(terminal, demo_file):
    path, env = demo_file
    terminal.start([str(ONCALL), "--db", str(path), "--as", "lena"], {**env, "NO_COLOR": "1"})
    shown = terminal.wait_for("Swaps:")
    assert "▶ NOW" in shown and "PRIMARY (now)" in shown
    styled = terminal.tmux("capture-pane", "-p", "-e", "-t", "t")
    assert "\x1b[" in styled, "capture-pane -e shows the styles"
    hues = [c for c in _colours(styled) if not _is_grey(c)]
    assert not hues, f"NO_COLOR: only shades of grey, got {hues[:5]}"
    terminal.press("C-q")


#: Early in a month the demo has the whole month published: more shifts than 80x24 shows.
BUSY_NOW = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)
PHONE = re.compile(r"\+\d+(?: \d+)*")


@pytest.fixture
def busy_demo(db_url, _isolated_home) -> tuple[str, Path, dict[str, str]]:
    """The demo database as `oncall demo` builds it on 3 December, and the terminal's environment."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.services.demo import build_demo

    from .helpers import db_path

    clock = FixedClock(BUSY_NOW)
    build_demo(LocalBackend(db_url, actor=DEMO_YOU, clock=clock), clock)
    env = {"ONCALL_HOME": str(_isolated_home), "ONCALL_NOW": BUSY_NOW.isoformat(), "ONCALL_LOGIN": DEMO_YOU,
           "TEXTUAL_ANIMATIONS": "none", "TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    return db_url, db_path(db_url), env


def _assert_pane_whole(pane: str, backend) -> None:
    """Every partner line under its shift as the backend has it, and every phone number on the
    screen one the backend knows, whole (a number cut at a line's end is not one of them)."""
    from .helpers import assert_shifts_whole

    view = backend.home()
    assert_shifts_whole(pane, view)
    known = {m.person.contact for m in backend.members("platform")}
    known |= {c.contact for d in view.next_shifts for c in d.escalation}
    shown = PHONE.findall(pane)
    assert len(shown) >= 8, pane
    assert [n for n in shown if n not in known] == [], pane


def test_f5_on_the_home_screen_keeps_every_partner_and_number_whole(terminal, busy_demo):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock

    url, path, env = busy_demo
    backend = LocalBackend(url, actor=DEMO_YOU, clock=FixedClock(BUSY_NOW))
    terminal.start([str(ONCALL), "--db", str(path)], env)
    _assert_pane_whole(terminal.wait_for("1 swap request waiting"), backend)

    # F5 after a partner changed their on-call phone: the list is filled again, at its width.
    partner = backend.home().next_shifts[0].partners[0].person
    theirs = LocalBackend(url, actor=partner.login, clock=FixedClock(BUSY_NOW))
    theirs.update_profile(theirs.whoami().version, oncall_phone="+44 7700 123456")
    terminal.press("F5")
    _assert_pane_whole(terminal.wait_for("+44 7700 123456"), backend)
    at_80x24 = terminal.screen()

    # and after the terminal is resized, wider and back, once the app has laid the screen out
    # again: at 100 columns its widest line is 99 long (no scrollbar); back at 80x24 it shows
    # what it showed at 80x24 before (the list's scrollbar fills the 80th column, so the width
    # alone cannot tell the new layout from the old one cut by tmux)
    def laid_out(width: str) -> bool:
        shown = terminal.screen()
        return shown == at_80x24 if width == "80" else max(map(len, shown.splitlines())) == int(width) - 1

    for width, height in (("100", "30"), ("80", "24")):
        terminal.tmux("resize-window", "-t", "t", "-x", width, "-y", height)
        deadline = time.monotonic() + 20
        while not laid_out(width) and time.monotonic() < deadline:
            time.sleep(0.05)
        size = terminal.tmux("display-message", "-p", "-t", "t", "#{pane_width}x#{pane_height}").strip()
        assert laid_out(width), (f"the app did not lay the screen out again at {width}x{height} "
                                 f"(tmux's pane is {size}); it still shows:\n{terminal.screen()}")
        _assert_pane_whole(terminal.wait_for("1 swap request waiting"), backend)
    terminal.press("F5")
    _assert_pane_whole(terminal.wait_for("+44 7700 123456"), backend)
    terminal.press("C-q")


def test_oncall_demo_builds_the_team_opens_the_app_and_says_where_it_is_once_quit(terminal, demo_file, tmp_path):
    """The README's first command: `oncall demo` builds a demo database and opens the app there.
    The full-screen app hides whatever was printed before it: the demo's path and the command
    for an engineer's side are printed after it quits, as they run (the installed path, which a
    venv does not put on PATH), and that command opens the same demo as alice."""
    import shlex

    _, env = demo_file
    fresh = tmp_path / "fresh-demo.db"
    terminal.start([str(ONCALL), "--db", str(fresh), "demo"], env)
    home = terminal.wait_for("1 swap request waiting", seconds=60)
    assert "oncall · My on-call" in home and "Your next shifts" in home
    assert fresh.exists()
    terminal.press("r")
    terminal.wait_for("oncall · Requirements")
    terminal.press("C-q")
    deadline = time.monotonic() + 10
    while not terminal.exited() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert terminal.exited()
    after = terminal.tmux("capture-pane", "-p", "-J", "-t", "t")  # -J: lines the 80 columns wrapped, whole
    assert f"The demo database is {fresh}" in after
    line = next(x for x in after.splitlines() if x.startswith("To see an engineer's side: "))
    command = line.removeprefix("To see an engineer's side: ")
    assert command == f"{ONCALL} --db {fresh} --as alice"

    engineer = Terminal(tmp_path)
    try:
        engineer.start(shlex.split(command), env)
        shown = engineer.wait_for("Swaps:", seconds=60)
        assert "oncall · My on-call" in shown and "alice" in shown.lower()
    finally:
        engineer.stop()
