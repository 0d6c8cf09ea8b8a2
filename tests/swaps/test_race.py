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


def test_requests_for_overlapping_hours_of_one_shift_made_at_once_leave_one_open(race_db, clock):
    """Six processes of the shift's holder ask at the same moment: three for overlapping hours
    (one of them is made, the others are told it is open), three for hours apart (all made)."""
    from datetime import timedelta

    from . import race_workers

    root = LocalBackend(race_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    h = timedelta(hours=1)
    overlapping = [(shift.start + i * h, shift.start + (i + 3) * h) for i in (1, 2, 3)]
    apart = [(shift.start + i * h, shift.start + (i + 2) * h) for i in (10, 14, 18)]
    parts = overlapping + apart
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["oncall_tui.backend.local", "tests.swaps.race_workers"])
    barrier, results = ctx.Barrier(len(parts)), ctx.Queue()
    procs = [ctx.Process(target=race_workers.ask, args=(race_db, shift.person.login, shift.uid, s.isoformat(),
                                                        e.isoformat(), NOW.isoformat(), barrier, results))
             for s, e in parts]
    for p in procs:
        p.start()
    got = {start: (what, detail) for start, what, detail in (results.get(timeout=300) for _ in procs)}
    for p in procs:
        p.join(timeout=60)
    assert not [g for g in got.values() if g[0] == "error"], got
    over = [got[s.isoformat()] for s, _ in overlapping]
    assert sorted(what for what, _ in over) == ["asked", "refused", "refused"], over
    assert all("is already open" in detail for what, detail in over if what == "refused")
    assert [got[s.isoformat()][0] for s, _ in apart] == ["asked"] * 3
    open_now = [s for s in root.swaps() if s.shift_uid == shift.uid and s.state in ("open", "escalated")]
    assert len(open_now) == 4
    spans = sorted((s.start, s.end) for s in open_now)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans  # never two for one hour
