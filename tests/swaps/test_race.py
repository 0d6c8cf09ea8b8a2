"""Several people agree to the same broadcast ask at the same moment, from separate OS processes,
on one SQLite file and on a real PostgreSQL server: exactly one wins, every other is told who took
it, and the assignment holds the winner."""
from __future__ import annotations

import multiprocessing

import pytest

from oncall_tui.backend.local import LocalBackend

from ..conftest import DEMO_YOU, NOW
from .helpers import holders, publish_month

RACERS = 8
ROUNDS = 2


@pytest.fixture(params=["sqlite", "postgres"])
def race_db(request, clock) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("demo_db")
    url = request.getfixturevalue("fresh_pg_demo")
    publish_month(url, clock)
    return url


def _race(url: str, logins: list[str], swap_id: int) -> list[tuple]:
    from . import race_workers

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["oncall_tui.backend.local", "tests.swaps.race_workers"])
    barrier, results = ctx.Barrier(len(logins)), ctx.Queue()
    procs = [ctx.Process(target=race_workers.agree, args=(url, login, swap_id, NOW.isoformat(), barrier, results))
             for login in logins]
    for p in procs:
        p.start()
    got = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return got


def test_exactly_one_of_many_agreements_at_once_wins(race_db, clock):
    root = LocalBackend(race_db, actor=DEMO_YOU, clock=clock)
    rounds = 0
    for shift in holders(root, clock):
        if rounds == ROUNDS:
            break
        holder = LocalBackend(race_db, actor=shift.person.login, clock=clock)
        try:
            swap = holder.swap_request(shift.uid, everyone=True)
        except Exception:  # noqa: BLE001 - nobody can take this one: try the next shift
            continue
        asked = [a.person.login for a in swap.asks]
        if len(asked) < 2:
            holder.swap_cancel(swap.id)
            continue
        logins = [asked[i % len(asked)] for i in range(RACERS)]
        got = _race(race_db, logins, swap.id)
        errors = [g for g in got if g[1] == "error"]
        assert not errors, errors[0]
        winners = [g for g in got if g[1] == "won"]
        assert len(winners) == 1, got
        final = root.swap(swap.id)
        assert final.state == "agreed" and final.taken_by.login == winners[0][0]
        taken = [g for g in got if g[1] == "taken"]
        assert len(taken) == RACERS - 1
        assert all(f"already taken by {final.taken_by.name}" in g[2]
                   or (g[0] == final.taken_by.login and g[2] == "You already agreed; the shift is yours.")
                   for g in taken)
        held = {a.uid: a.person.login for a in holders(root, clock)}
        assert held[shift.uid] == winners[0][0]
        rounds += 1
    assert rounds == ROUNDS
