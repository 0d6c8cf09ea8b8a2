"""Run every benchmark in turn; each writes its own section of bench/RESULTS.md.

    .venv/bin/python bench/run_all.py            # the set the README quotes (~15 minutes)
    .venv/bin/python bench/run_all.py --long     # adds the 60 s and 1,000-person scheduler runs

Run it on a quiet machine: each benchmark compares against a baseline measured
in the same run and quotes the ratio, but a busy machine still widens the spread.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def benches(long: bool) -> list[list[str]]:
    py = sys.executable
    runs = [
        [py, "bench/startup.py", "--runs", "15"],
        [py, "bench/writes.py", "--seconds", "5", "--op", "raw", "--op", "profile", "--op", "note",
         "--op", "availability"],
        [py, "bench/grid.py"],
        [py, "bench/calendar_import.py"],
        [py, "bench/availability_import.py"],
        [py, "bench/requirements_checker.py"],
        [py, "-m", "bench.scheduler.run"] + (["--long", "--thousand"] if long else []),
        [py, "-m", "bench.fairness"],
        [py, "bench/plan_screen.py"],
        [py, "bench/plan_time_limit.py"],
        [py, "bench/server.py", "--write"],
        [py, "bench/swaps.py", "--write"],
        [py, "bench/swap_inbox.py"],
        [py, "bench/calendar_feed.py", "--write"],
        [py, "bench/delivery.py"],
    ]
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--long", action="store_true")
    args = parser.parse_args()
    failed = []
    for cmd in benches(args.long):
        started = time.monotonic()
        print(f"\n=== {' '.join(cmd[1:])}", flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            failed.append(" ".join(cmd[1:]))
        print(f"=== {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print("failed: " + "; ".join(failed))
    print(f"results: {HERE / 'RESULTS.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
