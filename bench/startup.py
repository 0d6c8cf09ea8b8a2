"""Cold start to the first painted home screen, against a bare Textual app, in the same run.

Each start is a new process on its own pseudo-terminal (80x24, TERM=xterm-256color).
The clock starts just before the process is spawned and stops when the bytes the
app has written to the terminal, with escape sequences removed, first contain the
expected text; we read the terminal in a tight loop (select on the pty).  Nothing
in the product is told it is being measured.

    .venv/bin/python bench/startup.py --runs 15

Milestones for oncall (on the demo database, acting as the demo user):
  frame  the home screen's layout is painted ("Your next shifts")
  home   the whole home screen is there with its data: the title bar, the shifts heading,
         the "Swaps:" line (the last line of data) and the key bar, all at once
For the baseline: its one line of text.  The runs alternate hello / oncall so that
machine load affects both alike; medians are reported, and the ratio home / hello.
`--write` replaces the "### Start-up" section of bench/RESULTS.md with the result.
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
sys.path.insert(0, str(HERE.parent))
from bench.results import machine, write_section  # noqa: E402
PYTHON = Path(sys.executable)
ONCALL = PYTHON.with_name("oncall")
NOW = "2026-11-27T09:30:00+00:00"
TARGET_RATIO = 1.5
HELLO_MILESTONES = {"hello": ("Hello from a bare Textual app",)}
ONCALL_MILESTONES = {"frame": ("Your next shifts",),
                     "home": ("oncall · My on-call", "Your next shifts", "Swaps:", "^q Quit")}
ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]")


HOW_MEASURED = (
    f"Each start is a new process on its own 80x24 pty (TERM=xterm-256color); the clock runs from just "
    f"before the spawn until the bytes written to the terminal, escape sequences removed, contain the "
    f"milestone's texts. Runs alternate hello / oncall so load hits both alike; medians. \"Whole home "
    f"screen\" means all of: {', '.join(repr(t) for t in ONCALL_MILESTONES['home'])}.")
HOW_IT_STARTS = (
    "How `oncall` starts (`oncall_tui/launch.py`): after parsing its arguments it forks a child that "
    "opens the database and reads the home screen's data (storage imports, whoami, `home()`) on the "
    "other core while the app's own process imports Textual; the answer comes back pickled through a "
    "pipe, and the app's backend is made on first use, after the first frame. The app starts in its "
    "home mode (a mode switch would hold the first frame back 50 ms), the home widgets are built with "
    "their data (no second layout), and the key bar is one widget (Textual's Footer, a widget per key, "
    "cost about 40 ms here). Where fork is missing or other threads run, the same look is taken in "
    "process.")


def plain(data: bytes) -> str:
    return ESCAPES.sub(b"", data).decode("utf-8", "ignore")


def time_to_text(command: list[str], env: dict[str, str], milestones: dict[str, tuple[str, ...]],
                 timeout: float = 30.0) -> dict[str, float]:
    """Start `command` on a fresh 80x24 pty; seconds until all of each milestone's texts are on screen."""
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
                if name not in seen and all(part in text for part in expected):
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
import oncall_tui; mark("import oncall_tui (hides psycopg from peewee, as `oncall` does)")
import click; mark("import click")
import oncall_tui.cli; mark("import oncall_tui.cli (area command modules load only when run)")
import oncall_tui.launch; mark("import oncall_tui.launch")
from oncall_tui.core.clock import clock_from_env
from oncall_tui.config import Target
from oncall_tui.launch import LookAhead
ahead = LookAhead.start(Target(db_url=db), None, clock_from_env()); mark("fork the look-ahead child")
import oncall_tui.app; mark("import oncall_tui.app (Textual: the hello app pays most of this)")
look = ahead.result(); mark("wait for the child's answer + unpickle it (loads oncall_tui.core.domain)")
import oncall_tui.screens.home; mark("import oncall_tui.screens.home")
prev = t0
for name, at in marks:
    print("%8.1f ms  %s" % ((at - prev) * 1000, name)); prev = at
print("%8.1f ms  total before the app runs" % ((prev - t0) * 1000))
storage = sorted(m for m in ("peewee", "sqlite3", "oncall_tui.store", "oncall_tui.backend.local") if m in sys.modules)
print("storage modules in this process: %s" % (", ".join(storage) or "none (the child read the data)"))
"""

CHILD = """
import sys, time
db = sys.argv[1]
t0 = time.perf_counter()
import oncall_tui
from oncall_tui.core.clock import clock_from_env
from oncall_tui.config import Target
from oncall_tui.launch import first_look
t1 = time.perf_counter()
look = first_look(Target(db_url=db), None, clock_from_env())
t2 = time.perf_counter()
print("%8.1f ms  the child's first_look (storage imports, open, whoami, home) -- on the other core" % ((t2 - t1) * 1000))
"""


def phases(db: Path, env: dict[str, str]) -> str:
    """Where a start-up's time goes, phase by phase: the app's own process up to `App.run`,
    then (in another fresh process) the work its look-ahead child does meanwhile."""
    out = []
    for code in (PHASES, CHILD):
        done = subprocess.run([str(PYTHON), "-c", code, str(db)], env=env, capture_output=True, text=True,
                              check=True)
        out.append(done.stdout)
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--phases", type=int, default=0, metavar="N",
                        help="also print N phase-by-phase breakdowns of oncall's start-up")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
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
    time_to_text(hello_cmd, env, HELLO_MILESTONES)
    time_to_text(oncall_cmd, env, ONCALL_MILESTONES)

    hello, frame, home = [], [], []
    for _ in range(args.runs):
        hello.append(time_to_text(hello_cmd, env, HELLO_MILESTONES)["hello"])
        seen = time_to_text(oncall_cmd, env, ONCALL_MILESTONES)
        frame.append(seen["frame"])
        home.append(seen["home"])
    breakdowns = [phases(db, env) for _ in range(args.phases)]
    shutil.rmtree(work, ignore_errors=True)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"

    h = statistics.median(hello)
    ratio = statistics.median(home) / h
    print(f"runs: {args.runs} each, 80x24 pty, {machine()}")
    print(f"bare Textual hello, first paint        : {ms(hello)}")
    print(f"oncall, home layout painted ('frame')  : {ms(frame)}  ratio {statistics.median(frame) / h:.2f}x")
    print(f"oncall, whole home with data ('home')  : {ms(home)}  ratio {ratio:.2f}x")
    print(f"target: home <= {TARGET_RATIO}x hello -> {'meets' if ratio <= TARGET_RATIO else 'MISSES'}")
    for text in breakdowns:
        print("\nphases of one oncall start-up (in-process timer):\n" + text, end="")
    if args.write:
        command = " ".join(["bench/startup.py", "--runs", str(args.runs)]
                           + (["--phases", str(args.phases)] if args.phases else []) + ["--write"])
        rows = [
            "| measure | median | min | max | ratio to hello |",
            "|---|---|---|---|---|",
            f"| bare Textual app (`bench/hello_app.py`), first paint | {statistics.median(hello) * 1000:.0f} ms "
            f"| {min(hello) * 1000:.0f} | {max(hello) * 1000:.0f} | 1.00x |",
            f"| `oncall`: home layout painted (\"Your next shifts\") | {statistics.median(frame) * 1000:.0f} ms "
            f"| {min(frame) * 1000:.0f} | {max(frame) * 1000:.0f} | {statistics.median(frame) / h:.2f}x |",
            f"| `oncall`: whole home screen with its data | {statistics.median(home) * 1000:.0f} ms "
            f"| {min(home) * 1000:.0f} | {max(home) * 1000:.0f} | **{ratio:.2f}x** |",
        ]
        body = [f"`.venv/bin/python {command}` on {machine()}.", "", HOW_MEASURED, "", *rows, "",
                f"Target: whole home screen ≤ {TARGET_RATIO}x the bare app: "
                f"**{'meets' if ratio <= TARGET_RATIO else 'misses'}**.", "", HOW_IT_STARTS]
        for text in breakdowns:
            body += ["", "Phases of one start (in-process timer):", "", "```text", text.rstrip("\n"), "```"]
        write_section("### Start-up", "\n".join(body), parent="## Foundation")
        print("wrote the Start-up section of bench/RESULTS.md")


if __name__ == "__main__":
    main()
