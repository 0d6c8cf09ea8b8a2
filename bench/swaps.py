"""Swaps: candidates for a 50-person team, locally and over `oncall serve`; and the race.

    .venv/bin/python bench/swaps.py                 # 5 race rounds, writes nothing
    .venv/bin/python bench/swaps.py --part candidates --write             # timings: a quiet machine
    .venv/bin/python bench/swaps.py --part race --rounds 100 --postgres --write   # the issue's 100 rounds

Candidates: the median of --runs calls of `swap_candidates` for one December shift of the demo
team grown to 50 people, on the SQLite file (LocalBackend) and through `oncall serve` on loopback
(RemoteBackend, the read cache off); target 100 ms local and at most 1.5x that remotely.  Two
figures each: the first call after a change (each run preceded by a harmless write through the
same backend, root renaming themselves, so the month is gathered anew: what a user meets right
after something changed) and a call while nothing changes (the month kept).
The race: per round one shift's holder asks everyone; 32 processes agree to it at the same
moment (a barrier) on the one SQLite file: exactly one must win, 31 be told "already taken",
no other error, and the assignment must hold the winner.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.results import machine, write_section  # noqa: E402
from bench.server import NOW, build, start_server  # noqa: E402

SECTION = "## Swaps"
RACE_SECTION = "## Swaps: the race"


def publish(url: str) -> None:
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from tests.swaps.helpers import publish_month

    publish_month(url, FixedClock(datetime.fromisoformat(NOW)))
    LocalBackend(url, actor="root", clock=FixedClock(datetime.fromisoformat(NOW))).close()


def shifts(url: str) -> list:
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from tests.swaps.helpers import holders

    clock = FixedClock(datetime.fromisoformat(NOW))
    return holders(LocalBackend(url, actor="root", clock=clock), clock)


def timed(call, runs: int) -> float:
    call()  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return statistics.median(out) * 1000


def cold(call, bump, runs: int) -> float:
    """The median of `runs` calls, each the first after a change: `bump()` writes first (untimed)."""
    out = []
    for i in range(runs):
        bump(i)
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return statistics.median(out) * 1000


def renamer(backend):
    """A harmless write through `backend` that moves the change counter: the caller renames
    themselves, back and forth (their name ends as it began after an even number of runs)."""
    name = backend.whoami().name

    def bump(i: int) -> None:
        backend.update_profile(backend.whoami().version, name=name if i % 2 else f"{name} (bench)")
    return bump


def race(url: str, racers: int, rounds: int, served: tuple[str, dict[str, str]] | None = None) -> dict:
    """`rounds` rounds of `racers` processes agreeing at once; `served`: (base URL, login -> token)
    to agree through `oncall serve` instead of on the database directly."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from tests.swaps import race_workers

    clock = FixedClock(datetime.fromisoformat(NOW))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["oncall_tui.backend.local", "tests.swaps.race_workers"])
    tally = {"rounds": 0, "one_winner": 0, "taken": 0, "own": 0, "errors": 0, "assignment_ok": 0, "seconds": 0.0}
    root = LocalBackend(url, actor="root", clock=clock)
    for shift in _again_and_again(url):
        if tally["rounds"] == rounds:
            break
        holder = LocalBackend(url, actor=shift.person.login, clock=clock)
        try:
            swap = holder.swap_request(shift.uid, everyone=True)
        except Exception:  # noqa: BLE001 - nobody can take this one
            continue
        asked = [a.person.login for a in swap.asks]
        logins = [asked[i % len(asked)] for i in range(racers)]
        barrier, results = ctx.Barrier(racers), ctx.Queue()
        if served is None:
            procs = [ctx.Process(target=race_workers.agree, args=(url, login, swap.id, NOW, barrier, results))
                     for login in logins]
        else:
            procs = [ctx.Process(target=race_workers.agree_remote,
                                 args=(served[0], served[1][login], login, swap.id, barrier, results))
                     for login in logins]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        got = [results.get(timeout=300) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        tally["seconds"] += time.perf_counter() - t0
        winners = [g for g in got if g[1] == "won"]
        tally["rounds"] += 1
        tally["one_winner"] += len(winners) == 1
        tally["taken"] += sum(g[1] == "taken" and "already taken by" in g[2] for g in got)
        # the winner's own other processes (one person agreeing twice): told it is theirs already
        tally["own"] += sum(bool(winners) and g[0] == winners[0][0] and g[1] == "taken" and "already agreed" in g[2]
                            for g in got)
        tally["errors"] += sum(g[1] == "error" for g in got)
        for g in got:
            if g[1] == "error" or (g[1] == "taken" and "already taken by" not in g[2]
                                   and "already agreed" not in g[2]):
                tally.setdefault("odd", Counter())[f"{g[1]}: {g[2][:120]}"] += 1
        held = {a.uid: a.person.login for a in shifts(url)}
        tally["assignment_ok"] += len(winners) == 1 and held.get(shift.uid) == winners[0][0] \
            and root.swap(swap.id).taken_by.login == winners[0][0]
    return tally


def pg_race(team_size: int, racers: int, rounds: int, tmp: Path) -> dict:
    """The race on a real PostgreSQL server (started here, as the tests do) behind 2 workers."""
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.services.admin import create_token
    from oncall_tui.store import models as m
    from tests.conftest_backends import free_port, start_postgres

    server = start_postgres()
    try:
        url = server.create_db("bench_swaps")
        build(url, team_size)  # type: ignore[arg-type]
        publish(url)
        from oncall_tui.backend.local import LocalBackend, forget_database

        clock = FixedClock(datetime.fromisoformat(NOW))
        root = LocalBackend(url, actor="root", clock=clock)

        def tokens() -> dict[str, str]:
            return {p.login: create_token(p, clock.now(), None, "bench race")[0]
                    for p in m.Person.select().where(m.Person.active == True)}  # noqa: E712
        issued = root._write(tokens)
        port = free_port()
        proc = start_server(url, port, 2, tmp, cache=False)  # type: ignore[arg-type]
        try:
            return race(url, racers, rounds, served=(f"http://127.0.0.1:{port}", issued))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            forget_database(url)
    finally:
        server.stop()


def _again_and_again(url: str):
    """December's primary shifts, pass after pass (a shift taken in one round is asked again by
    its new holder in a later pass), until a whole pass finds nobody to ask."""
    while True:
        before = {a.uid: a.person.login for a in shifts(url)}
        yield from shifts(url)
        if {a.uid: a.person.login for a in shifts(url)} == before:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--team-size", type=int, default=50)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--racers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--pg-rounds", type=int, default=None, help="Rounds on PostgreSQL (default: --rounds).")
    parser.add_argument("--postgres", action="store_true",
                        help="Also race on PostgreSQL behind `oncall serve --workers 2` (starts a server).")
    parser.add_argument("--part", choices=("all", "candidates", "race"), default="all",
                        help="Only the timings (run them on a quiet machine) or only the races (their "
                             "outcome does not depend on the load); each writes its own section.")
    args = parser.parse_args()
    import os

    tmp = Path(tempfile.mkdtemp(prefix="oncall-bench-swaps-"))
    os.environ["ONCALL_HOME"] = str(tmp)
    path = tmp / "bench.db"
    tokens = build(path, args.team_size)
    url = f"sqlite:///{path}"
    publish(url)
    if args.part in ("all", "candidates"):
        body = candidates_section(path, url, tokens, args, tmp)
        print(body)
        if args.write:
            write_section(SECTION, body)
    if args.part in ("all", "race"):
        body = race_section(url, args, tmp)
        print(body)
        if args.write:
            write_section(RACE_SECTION, body)


def candidates_section(path: Path, url: str, tokens: dict[str, str], args, tmp: Path) -> str:
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.backend.remote import RemoteBackend
    from oncall_tui.core.clock import FixedClock
    from tests.conftest_backends import free_port

    target = shifts(url)[0]
    local = LocalBackend(url, actor="root", clock=FixedClock(datetime.fromisoformat(NOW)))
    count = len(local.swap_candidates(target.uid))
    local_cold = cold(lambda: local.swap_candidates(target.uid), renamer(local), args.runs)
    local_ms = timed(lambda: local.swap_candidates(target.uid), args.runs)
    grid_ms = timed(lambda: local.team_availability(team="platform", month="2026-12"), args.runs)
    port = free_port()
    proc = start_server(path, port, 1, tmp, cache=False)
    try:
        remote = RemoteBackend(f"http://127.0.0.1:{port}", token=tokens["root"])
        remote.swap_candidates(target.uid)  # the connection and the server's imports
        remote_cold = cold(lambda: remote.swap_candidates(target.uid), renamer(remote), args.runs)
        remote_ms = timed(lambda: remote.swap_candidates(target.uid), args.runs)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return (f"Measured on {machine()}; `.venv/bin/python bench/swaps.py --part candidates --write`.\n\n"
            f"- Candidates for one shift of a {args.team_size}-person team ({count} offered, each with its "
            f"reason), the first call after a change (the month gathered anew; median of {args.runs}, each "
            f"after a harmless write through the same backend): {local_cold:.0f} ms local (target 100), "
            f"{remote_cold:.0f} ms over `oncall serve` (ratio {remote_cold / local_cold:.2f}, target at most "
            f"1.5).\n"
            f"- The same while nothing changes (the month kept; median of {args.runs}): {local_ms:.0f} ms "
            f"local, {remote_ms:.0f} ms over `oncall serve` (ratio {remote_ms / local_ms:.2f}); the baseline, "
            f"the team grid of the same month read locally in the same run: {grid_ms:.0f} ms (candidates "
            f"after a change {local_cold / grid_ms:.2f}x of it, while nothing changes {local_ms / grid_ms:.2f}x)."
            f"\n")


def race_section(url: str, args, tmp: Path) -> str:
    tally = race(url, args.racers, args.rounds)
    for line, n in tally.get("odd", Counter()).most_common(5):
        print(f"  SQLite, {n}x: {line}")
    pg_line = ("- PostgreSQL behind 2 `oncall serve` workers: not run (`--postgres`); tests/swaps/test_race.py "
               "races 8 processes on a real PostgreSQL server.\n")
    if args.postgres:
        pg = pg_race(args.team_size, args.racers, args.pg_rounds or args.rounds, tmp)
        for line, n in pg.get("odd", Counter()).most_common(5):
            print(f"  PostgreSQL, {n}x: {line}")
        pg_line = (f"- The race on PostgreSQL behind `oncall serve --workers 2`, each process agreeing over HTTP "
                   f"with its own token: {pg['rounds']} rounds: exactly one winner in {pg['one_winner']}, "
                   f"{pg['taken']} told \"already taken by\" and {pg['own']} of the winner's own other "
                   f"processes \"you already agreed\" (of {pg['rounds'] * (args.racers - 1)} losers), "
                   f"{pg['errors']} other errors, assignment matching the winner in {pg['assignment_ok']}; "
                   f"{pg['seconds'] / max(pg['rounds'], 1):.1f} s a round.\n")
    flags = f"--rounds {args.rounds}" + (f" --postgres --pg-rounds {args.pg_rounds or args.rounds}"
                                         if args.postgres else "")
    return (f"Measured on {machine()}; `.venv/bin/python bench/swaps.py --part race {flags} --write`. "
            f"The outcome of a race does not depend on the machine's load; the seconds a round do.\n\n"
            f"- The race on one SQLite file: {args.racers} processes agree to the same broadcast ask at once, "
            f"{tally['rounds']} rounds: exactly one winner in {tally['one_winner']}, "
            f"{tally['taken']} told \"already taken by\" and {tally['own']} of the winner's own other "
            f"processes \"you already agreed\" (of {tally['rounds'] * (args.racers - 1)} losers), "
            f"{tally['errors']} other errors, assignment matching the winner in {tally['assignment_ok']}; "
            f"{tally['seconds'] / max(tally['rounds'], 1):.1f} s a round (starting {args.racers} processes "
            f"included).\n" + pg_line)


if __name__ == "__main__":
    main()
