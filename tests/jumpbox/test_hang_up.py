"""The terminal going away ends the app: a hang-up (ssh dropped, the tmux pane killed) and a
start without a terminal (`ssh jumpbox oncall` without -t)."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.foundation.test_e2e_tmux import ONCALL, Terminal, demo_file, terminal  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.tmux, pytest.mark.slow]


def running(pid: int) -> bool:
    """Whether `pid` is still a live process (a zombie waiting to be reaped has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _app_pid(terminal) -> int:
    return int(terminal.tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip())


def test_a_hang_up_ends_the_app_by_its_own_exit(terminal, demo_file, tmp_path):
    """SIGHUP is answered by the app leaving as it does on ctrl+q (exit status 129), not by the
    process being killed in the middle of whatever it was doing.  A parent in the pane records
    how the app ended (tmux itself sometimes leaves an exited pane process unreaped): its own
    exit status, or minus the signal that killed it."""
    import sys

    path, env = demo_file
    ended = tmp_path / "ended"
    record = "import subprocess, sys; status = subprocess.call(sys.argv[2:]); open(sys.argv[1], 'w').write(str(status))"
    terminal.start([sys.executable, "-c", record, str(ended), str(ONCALL), "--db", str(path)], env)
    terminal.wait_for("Your next shifts")
    shell = _app_pid(terminal)
    children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
    assert len(children) == 1, children
    os.kill(int(children[0]), signal.SIGHUP)
    assert wait_until(lambda: ended.exists() and ended.read_text().strip() != "", 10), \
        "the app is still running after SIGHUP"
    assert ended.read_text().strip() == "129", f"ended by the signal, not by the app: {ended.read_text()}"


def test_killing_the_terminal_ends_the_app(terminal, demo_file):
    path, env = demo_file
    terminal.start([str(ONCALL), "--db", str(path)], env)
    terminal.wait_for("Your next shifts")
    pid = _app_pid(terminal)
    assert running(pid)
    terminal.tmux("kill-session", "-t", "t")
    assert wait_until(lambda: not running(pid), 10), "oncall outlived its terminal"


# A session leader that keeps the hang-up to itself, as `runuser -u alice -- oncall` in a pane
# does: the kernel signals only the leader, so oncall gets no SIGHUP and its input just ends.
QUIET_LEADER = ("import signal, subprocess, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
                "sys.exit(subprocess.call(sys.argv[1:]))")


def test_the_app_ends_when_its_input_hangs_up_without_a_signal(terminal, demo_file):
    import sys

    path, env = demo_file
    terminal.start([sys.executable, "-c", QUIET_LEADER, str(ONCALL), "--db", str(path)], env)
    terminal.wait_for("Your next shifts")
    leader = _app_pid(terminal)
    children = Path(f"/proc/{leader}/task/{leader}/children").read_text().split()
    assert len(children) == 1, children
    app = int(children[0])
    terminal.tmux("kill-session", "-t", "t")
    try:
        assert wait_until(lambda: not running(app), 10), "oncall kept running on a terminal that hung up"
    finally:
        if running(app):  # never leave it spinning on the dead terminal
            os.kill(app, signal.SIGKILL)


def test_without_a_terminal_oncall_says_so_and_ends(demo_file):
    """`ssh jumpbox oncall` (no -t): pipes, not a terminal.  One line and exit status 2 instead of
    an app drawing to nobody and spinning on the end of its input."""
    path, env = demo_file
    proc = subprocess.Popen([str(ONCALL), "--db", str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, **env})
    proc.stdin.close()  # the end of input: the local ssh was stopped
    proc.stdin = None
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("oncall kept running on a closed, terminal-less input")
    assert proc.returncode == 2
    assert err.decode().strip() == "oncall needs a terminal: use ssh -t"
    assert out == b""
