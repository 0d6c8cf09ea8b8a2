"""Many processes making small writes to one shared SQLite file: transactions per second.

    .venv/bin/python bench/writes.py --processes 32 --seconds 5 --op profile
    .venv/bin/python bench/writes.py --op note          # everybody appends to the same row
    .venv/bin/python bench/writes.py --op availability  # each marks one of their own days
    .venv/bin/python bench/writes.py --op raw           # baseline: bare sqlite3, same file, same pragmas

Each process opens the demo database through LocalBackend as its own login (a
manager of the demo team, so it may write every row used here), waits at a
barrier, then writes for --seconds.  A write is one backend call (one
transaction with its permission check and audit record).  Throughput is all
successful writes over the window from the first start to the last finish.
Errors are any exception that reached the caller.  Start-up (imports, opening)
is outside the window.  --profile NAME writes cProfile stats of process 0.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import date, datetime, timedelta
from pathlib import Path

NOW = "2026-11-27T09:30:00+00:00"
TARGET_TPS = 2000


def _backend(url: str, login: str):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.clock import FixedClock

    return LocalBackend(url, actor=login, clock=FixedClock(datetime.fromisoformat(NOW)))


class _LeanProfileWrite:
    """An experiment for the suggested fix, not product code: the same profile write
    (versioned update of my row + audit record, one transaction) with every query built
    before the write lock is taken, so the lock is held only while SQLite executes.
    With flock=True writers also queue on a lock file (the kernel wakes the next one at
    once) instead of SQLite's sleeping busy handler."""

    def __init__(self, backend, url: str, flock: bool) -> None:
        from oncall_tui.store import models as m

        self.m = m
        self.db = backend.db
        self.me = backend._me()
        self.login = backend.actor_login
        self.clock = backend.clock
        self.lock = open(url.removeprefix("sqlite:///") + "-writers.lock", "a+") if flock else None

    def write(self, version: int, phone: str) -> int:
        import fcntl

        m = self.m
        update_sql = (m.Person.update(oncall_phone=phone, version=m.Person.version + 1)
                      .where((m.Person.id == self.me.id) & (m.Person.version == version)).sql())
        audit_sql = m.AuditLog.insert(at=self.clock.now(), actor=self.login, action="profile.update",
                                      entity="person", entity_id=self.login, team=None,
                                      detail={"after": {"oncall_phone": phone}}).sql()
        if self.lock is not None:
            fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            with self.db.atomic(lock_type="IMMEDIATE"):
                if self.db.execute_sql(*update_sql).rowcount != 1:
                    raise RuntimeError("stale")
                self.db.execute_sql(*audit_sql)
        finally:
            if self.lock is not None:
                fcntl.flock(self.lock, fcntl.LOCK_UN)
        return version + 1


def worker(url: str, login: str, index: int, op: str, uid: str, seconds: float, barrier, results,
           profile: str | None) -> None:
    import sqlite3

    from oncall_tui.errors import StaleEdit

    done = errors = stale = 0
    first_error = ""
    try:
        if op == "raw":
            con = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30, isolation_level=None)
            for pragma in ("journal_mode=wal", "busy_timeout=30000", "foreign_keys=1", "synchronous=normal"):
                con.execute(f"PRAGMA {pragma}")
        else:
            backend = _backend(url, login)
            version = backend.whoami().version
        if op.startswith("lean"):
            lean = _LeanProfileWrite(backend, url, flock=(op == "lean-flock"))
        next_month = date(2026, 12, 1)
        barrier.wait(timeout=300)
        prof = None
        if profile and index == 0:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        started = time.perf_counter()
        end = started + seconds
        n = 0
        latencies = []
        while time.perf_counter() < end:
            n += 1
            t0 = time.perf_counter()
            try:
                if op == "raw":
                    con.execute("BEGIN IMMEDIATE")
                    con.execute("UPDATE person SET oncall_phone = ?, version = version + 1 WHERE login = ?",
                                (f"+1 555 {n}", login))
                    con.execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) "
                                "VALUES (?, ?, 'bench', 'person', ?, '{}')", (NOW, login, login))
                    con.execute("COMMIT")
                elif op == "profile":
                    try:
                        version = backend.update_profile(version, oncall_phone=f"+1 555 {n}").version
                    except StaleEdit as exc:
                        stale += 1
                        version = exc.fresh.version
                        continue
                elif op.startswith("lean"):
                    version = lean.write(version, f"+1 555 {n}")
                elif op == "note":
                    backend.add_handover_note(uid, f"{login} {n}")
                elif op == "availability":
                    day = next_month + timedelta(days=n % 28)
                    backend.set_availability([day], "prefer_not" if n % 2 else "available")
                done += 1
                latencies.append(time.perf_counter() - t0)
            except Exception:  # noqa: BLE001 - anything that reached the caller
                errors += 1
                first_error = first_error or traceback.format_exc()
        finished = time.perf_counter()
        if prof is not None:
            prof.disable()
            prof.dump_stats(profile)
        results.put((login, done, errors, stale, started, finished, first_error, latencies))
    except BaseException:  # noqa: BLE001
        results.put((login, done, errors + 1, stale, 0.0, 0.0, traceback.format_exc(), []))


def prepare(work: Path, processes: int) -> tuple[str, str, list[str]]:
    """The demo database with `processes` extra managers; returns (url, a shift uid, logins)."""
    env = {**os.environ, "ONCALL_HOME": str(work / "home"), "ONCALL_NOW": NOW, "ONCALL_LOGIN": "root"}
    db = work / "shared.db"
    subprocess.run([str(Path(sys.executable).with_name("oncall")), "--db", str(db), "demo", "--no-open"],
                   env=env, check=True, capture_output=True)
    url = f"sqlite:///{db}"
    root = _backend(url, "root")
    logins = [f"bench{i:02d}" for i in range(processes)]
    text = root.export_team("platform") + "".join(
        f'\n[[people]]\nlogin = "{login}"\nname = "Bench {login}"\ntz = "Europe/London"\n'
        f'role = "manager"\non_rotation = false\n' for login in logins)
    root.import_team(text, "bench.toml")
    uid = root.home().next_shifts[0].assignment.uid
    root.close()
    return url, uid, logins


def run(op: str, processes: int, seconds: float, profile: str | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="oncall-writes-"))
    url, uid, logins = prepare(work, processes)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(url, login, i, op, uid, seconds, barrier, results, profile))
             for i, login in enumerate(logins)]
    for p in procs:
        p.start()
    rows = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    shutil.rmtree(work, ignore_errors=True)
    ok = [r for r in rows if r[4]]
    window = max(r[5] for r in ok) - min(r[4] for r in ok) if ok else float("nan")
    total = sum(r[1] for r in rows)
    errors = sum(r[2] for r in rows)
    first_error = next((r[6] for r in rows if r[6]), "")
    per_process = [r[1] / (r[5] - r[4]) for r in ok if r[5] > r[4]]
    latencies = sorted(x for r in rows for x in r[7])
    return {
        "op": op, "processes": processes, "writes": total, "errors": errors,
        "stale_retries": sum(r[3] for r in rows), "window": window, "tps": total / window,
        "per_process_median": statistics.median(per_process) if per_process else 0.0,
        "first_error": first_error,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        "max_ms": latencies[-1] * 1000 if latencies else 0.0,
        "starved": sum(1 for r in rows if r[1] == 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--op", action="append", choices=["profile", "note", "availability", "raw", "lean", "lean-flock"])
    parser.add_argument("--profile", metavar="FILE", help="cProfile stats of process 0 (with one --op)")
    args = parser.parse_args()
    ops = args.op or ["raw", "profile", "note"]
    print(f"{args.processes} processes, {args.seconds:g} s each, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load average before {os.getloadavg()[0]:.1f}")
    for op in ops:
        r = run(op, args.processes, args.seconds, args.profile)
        verdict = "meets" if r["tps"] >= TARGET_TPS and r["errors"] == 0 else "MISSES"
        print(f"{op:<13} {r['tps']:8.0f} tx/s total ({r['writes']} writes in {r['window']:.2f} s; "
              f"median {r['per_process_median']:.0f} tx/s per process), errors {r['errors']}, "
              f"stale retries {r['stale_retries']}  -> {verdict} (>= {TARGET_TPS} tx/s, 0 errors)")
        print(f"{'':<13} one write, call to return: median {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.0f} ms, "
              f"worst {r['max_ms']:.0f} ms; processes with no write done: {r['starved']}")
        if r["first_error"]:
            print("  first error:", r["first_error"].strip().splitlines()[-1])


if __name__ == "__main__":
    main()
