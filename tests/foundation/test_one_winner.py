"""Two people changing the same thing at the same moment, from separate OS processes, on a
real SQLite file and on a real PostgreSQL server: exactly one wins, the other is told what
happened, and the database never holds both (one published plan per rotation and month,
one mark per person and day)."""
from __future__ import annotations

import multiprocessing
import shutil
import uuid
from collections import Counter
from datetime import date

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.store import models as m

from ..conftest import DEMO_YOU, NOW
from ..planning.helpers import MONTH, ROT
from .helpers import checkpoint, db_path

ROUNDS = 10


@pytest.fixture(params=["sqlite", "postgres"])
def shared_db(request) -> str:
    """The demo team in a real SQLite file, or in a fresh database on a real PostgreSQL server."""
    return request.getfixturevalue("demo_db" if request.param == "sqlite" else "fresh_pg_demo")


def _processes():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["oncall_tui.backend.local", "tests.foundation.race_workers"])
    return ctx


def _race(target, args_per_process: list[tuple]) -> list[tuple]:
    from . import race_workers

    ctx = _processes()
    barrier, results = ctx.Barrier(len(args_per_process)), ctx.Queue()
    procs = [ctx.Process(target=getattr(race_workers, target), args=(*args, NOW.isoformat(), barrier, results))
             for args in args_per_process]
    for p in procs:
        p.start()
    got = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    for login, _, errors in got:
        assert not errors, f"{login}: {errors[0]}"
    return got


@pytest.fixture
def fresh_copies(request, shared_db, tmp_path):
    """n more copies of the demo database, each with nothing published for December."""
    made: list[str] = []

    def make(n: int) -> list[str]:
        if shared_db.startswith("sqlite"):
            from oncall_tui.backend.local import forget_database

            forget_database(shared_db)
            checkpoint(db_path(shared_db))
            for i in range(n):
                target = tmp_path / f"round{i}.db"
                shutil.copy(db_path(shared_db), target)
                made.append(f"sqlite:///{target}")
        else:
            pg, template = request.getfixturevalue("pg_server"), request.getfixturevalue("pg_demo_template")
            for _ in range(n):
                name = f"r_{uuid.uuid4().hex[:12]}"
                made.append(pg.create_db(name, template=template))
        return made

    yield make
    if not shared_db.startswith("sqlite"):
        from ..conftest_backends import _forget

        for url in made:
            _forget(url)
            request.getfixturevalue("pg_server").drop_db(url.rsplit("/", 1)[1])


def test_two_managers_publishing_a_month_at_once_one_wins_every_round(fresh_copies, clock):
    drafts: dict[str, list[tuple[str, int, int]]] = {"root": [], "maya": []}
    urls = fresh_copies(ROUNDS)
    for url in urls:  # each round: a fresh team with nothing published for December yet
        for login in drafts:
            backend = LocalBackend(url, actor=login, clock=clock)
            view = backend.draft_plan(ROT, month=MONTH, solver="greedy")
            drafts[login].append((url, view.summary.id, view.summary.version))

    got = _race("publish_rounds", [(login, drafts[login]) for login in drafts])

    outcomes = {login: o for login, o, _ in got}
    for r, url in enumerate(urls):
        pair = (outcomes["root"][r], outcomes["maya"][r])
        assert sorted(o[0] for o in pair) == ["stale", "won"], f"round {r}: {pair}"
        winner = next(o[1] for o in pair if o[0] == "won")
        loser = next(o[1] for o in pair if o[0] == "stale")
        assert f"plan {winner} was published meanwhile by" in loser, loser
        # What engineers see: one person per role and shift, from the one published plan.
        alice = LocalBackend(url, actor="alice", clock=clock)
        shifts = alice.shifts(person="*", first=date(2026, 12, 1), last=date(2026, 12, 31), team="platform")
        per_slot = Counter((s.assignment.start, s.assignment.role) for s in shifts)
        assert shifts and max(per_slot.values()) == 1
        published = [p.id for p in alice.plans(ROT) if p.status == "published" and p.month == MONTH]
        assert published == [winner]


def test_the_database_itself_refuses_a_second_published_plan_for_a_period(shared_db, clock):
    import peewee as pw

    root = LocalBackend(shared_db, actor=DEMO_YOU, clock=clock)
    one = root.draft_plan(ROT, month="2026-12", solver="greedy").summary
    two = root.draft_plan(ROT, month="2026-12", solver="greedy").summary
    root.publish_plan(one.id, one.version)

    def publish_behind_the_services_back():
        m.Plan.update(status="published", number=2).where(m.Plan.id == two.id).execute()

    with pytest.raises(pw.IntegrityError):
        root._write(publish_behind_the_services_back)
    assert [p.status for p in root.plans(ROT) if p.id in (one.id, two.id)].count("published") == 1


def _hand_marks(backend, login: str, day: date) -> list[tuple]:
    def run():
        person = m.Person.get(m.Person.login == login)
        return list(m.Availability.select(m.Availability.state, m.Availability.note)
                    .where((m.Availability.person == person) & (m.Availability.day == day)
                           & m.Availability.source.is_null()).tuples())
    return backend._read(run)


@pytest.mark.parametrize("with_version", [True, False], ids=["with-version", "without-version"])
def test_people_marking_one_day_at_once_leave_one_mark(shared_db, clock, with_version):
    """With the version they saw, one of them wins and the others are told; without it (an
    old script), the last one wins, but the day never holds two marks."""
    days = [date(2027, 1, d).isoformat() for d in range(1, ROUNDS + 1)]  # still open for jess herself
    writers = [("root", "unavailable"), ("maya", "preferred"), ("jess", "prefer_not")]
    got = _race("mark_rounds", [(shared_db, login, "jess", days, state, with_version) for login, state in writers])

    outcomes = {login: o for login, o, _ in got}
    root = LocalBackend(shared_db, actor=DEMO_YOU, clock=clock)
    for r, day in enumerate(days):
        marks = _hand_marks(root, "jess", date.fromisoformat(day))
        assert len(marks) == 1, f"round {r}: {marks}"
        won = [login for login in outcomes if outcomes[login][r] == "won"]
        if with_version:
            assert len(won) == 1, f"round {r}: {outcomes}"
            assert marks[0][1] == f"by {won[0]}"
        else:
            assert marks[0][1] in {f"by {login}" for login in won}


def test_a_stale_mark_is_refused_with_the_fresh_month(as_user):
    from oncall_tui.core.domain_availability import MonthAvailability
    from oncall_tui.core.errors import StaleEdit

    root, maya = as_user(DEMO_YOU), as_user("maya")
    seen = root.availability(person="jess", month="2026-12")
    maya.set_availability([date(2026, 12, 3)], "unavailable", note="dentist", person="jess",
                          expected_version=seen.version)
    with pytest.raises(StaleEdit) as stale:
        root.set_availability([date(2026, 12, 3)], "preferred", person="jess", expected_version=seen.version)
    fresh = stale.value.fresh
    assert isinstance(fresh, MonthAvailability)
    day = next(d for d in fresh.days if d.day == date(2026, 12, 3))
    assert (day.state, day.note) == ("unavailable", "dentist")
    assert root.availability(person="jess", month="2026-12") == fresh, "the refused mark changed nothing"
    root.set_availability([date(2026, 12, 3)], "preferred", person="jess", expected_version=fresh.version)
