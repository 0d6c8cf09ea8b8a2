"""Cold start to the first painted home screen, against a bare Textual app, in the same run.

Each start is a new process on its own pseudo-terminal (80x24, TERM=xterm-256color).
The clock starts just before the process is spawned and stops when the bytes the
app has written to the terminal, with escape sequences removed, first contain the
expected text; we read the terminal in a tight loop (select on the pty).  Nothing
in the product is told it is being measured.

    .venv/bin/python bench/startup.py --runs 15

Milestones for oncall (on the demo database, acting as the demo user):
  frame  the home screen's layout is painted ("Your next shifts")
  home   the home screen shows its data (the "Swaps:" line, painted after the load)
For the baseline: its one line of text.  The runs alternate hello / oncall so that
machine load affects both alike; medians are reported, and the ratio home / hello.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = Path(sys.executable)
ONCALL = PYTHON.with_name("oncall")
NOW = "2026-11-27T09:30:00+00:00"
TARGET_RATIO = 1.5
ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]")


def plain(data: bytes) -> str:
    return ESCAPES.sub(b"", data).decode("utf-8", "ignore")


def time_to_text(command: list[str], env: dict[str, str], milestones: dict[str, str],
                 timeout: float = 30.0) -> dict[str, float]:
    """Start `command` on a fresh 80x24 pty; seconds until each milestone's text is on screen."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    seen: dict[str, float] = {}
    buffer = b""
    try:
        while len(seen) < len(milestones):
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{command[-1]}: {sorted(set(milestones) - set(seen))} never appeared; "
                                   f"screen text so far: {plain(buffer)[-400:]!r}")
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            text = plain(buffer)
            now = time.perf_counter() - started
            for name, expected in milestones.items():
                if name not in seen and expected in text:
                    seen[name] = now
    finally:
        try:
            os.write(master, b"\x11")  # ctrl+q
            deadline = time.monotonic() + 5
            while proc.poll() is None and time.monotonic() < deadline:
                if select.select([master], [], [], 0.05)[0]:
                    try:
                        os.read(master, 65536)
                    except OSError:
                        break
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            os.close(master)
    missing = set(milestones) - set(seen)
    if missing:
        raise RuntimeError(f"{command}: exited before {sorted(missing)} appeared: {plain(buffer)[-400:]!r}")
    return seen


PHASES = """
import sys, time
db = sys.argv[1]
t0 = time.perf_counter(); marks = []
def mark(name): marks.append((name, time.perf_counter()))
import oncall_tui; mark("import oncall_tui (the package: hides psycopg from peewee, as `oncall` does)")
import textual.app; mark("import textual.app (the hello app pays this too)")
import click; mark("import click")
import oncall_tui.cli; mark("import oncall_tui.cli (area command modules load only when run)")
import oncall_tui.app; mark("import oncall_tui.app")
import peewee; mark("import peewee")
mark("  of which psycopg: %s" % ("loaded" if "psycopg" in sys.modules else "not loaded"))
import oncall_tui.connect; mark("import oncall_tui.connect (store, models, backend interface)")
import oncall_tui.backend.local; mark("import oncall_tui.backend.local (the services)")
import oncall_tui.screens.home; mark("import oncall_tui.screens.home")
from oncall_tui.backend.local import LocalBackend
backend = LocalBackend(db, actor="root"); mark("open the database + migrate check")
backend.whoami(); mark("whoami (make_app)")
before_home = set(sys.modules)
backend.home(); mark("home() (the first data)")
areas = sorted(m for m in before_home if m.startswith("oncall_tui.domain_") or m in (
    "oncall_tui.readiness", "oncall_tui.recommend", "oncall_tui.planning_problem", "oncall_tui.scheduler"))
by_home = sorted(m for m in set(sys.modules) - before_home if m.startswith("oncall_tui"))
prev = t0
for name, at in marks:
    print("%8.1f ms  %s" % ((at - prev) * 1000, name)); prev = at
print("%8.1f ms  total" % ((prev - t0) * 1000))
print("area modules loaded before home(): %s" % (", ".join(areas) or "none"))
print("modules home() loaded: %s" % (", ".join(by_home) or "none"))
"""


def phases(db: Path, env: dict[str, str]) -> str:
    """Where a start-up's time goes, phase by phase, in one fresh process."""
    done = subprocess.run([str(PYTHON), "-c", PHASES, str(db)], env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--phases", type=int, default=0, metavar="N",
                        help="also print N phase-by-phase breakdowns of oncall's start-up")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="oncall-startup-"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(work)),
        "TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8",
        "TEXTUAL_ANIMATIONS": "none", "ONCALL_HOME": str(work / "home"), "ONCALL_NOW": NOW,
        "ONCALL_LOGIN": "root",
    }
    db = work / "demo.db"
    subprocess.run([str(ONCALL), "--db", str(db), "demo", "--no-open"], env=env, check=True,
                   capture_output=True)
    hello_cmd = [str(PYTHON), str(HERE / "hello_app.py")]
    oncall_cmd = [str(ONCALL), "--db", str(db)]

    # One warm-up of each (file cache, .pyc files), not counted.
    time_to_text(hello_cmd, env, {"hello": "Hello from a bare Textual app"})
    time_to_text(oncall_cmd, env, {"frame": "Your next shifts", "home": "Swaps:"})

    hello, frame, home = [], [], []
    for _ in range(args.runs):
        hello.append(time_to_text(hello_cmd, env, {"hello": "Hello from a bare Textual app"})["hello"])
        seen = time_to_text(oncall_cmd, env, {"frame": "Your next shifts", "home": "Swaps:"})
        frame.append(seen["frame"])
        home.append(seen["home"])
    breakdowns = [phases(db, env) for _ in range(args.phases)]
    shutil.rmtree(work, ignore_errors=True)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"

    h = statistics.median(hello)
    ratio = statistics.median(home) / h
    print(f"runs: {args.runs} each, 80x24 pty, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"bare Textual hello, first paint        : {ms(hello)}")
    print(f"oncall, home layout painted ('frame')  : {ms(frame)}  ratio {statistics.median(frame) / h:.2f}x")
    print(f"oncall, home with data ('home')        : {ms(home)}  ratio {ratio:.2f}x")
    print(f"target: home <= {TARGET_RATIO}x hello -> {'meets' if ratio <= TARGET_RATIO else 'MISSES'}")
    for text in breakdowns:
        print("\nphases of one oncall start-up (in-process timer):\n" + text, end="")


if __name__ == "__main__":
    main()
