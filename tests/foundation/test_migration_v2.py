"""Schema 2 meets a database written by schema 1 (SQLite file and PostgreSQL), which may
already hold what schema 1 let in: two published plans for one month, and two marks for
one person and day.  The upgrade keeps the newest of each, then the database refuses more."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import peewee as pw
import pytest

from oncall_tui.backend.local import LocalBackend, forget_database
from oncall_tui.services.demo import build_demo
from oncall_tui.store import migrations
from oncall_tui.store import models as m

from ..conftest import DEMO_YOU
from ..planning.helpers import MONTH, ROT

DAY = date(2027, 1, 5)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/v1.db"
        return
    pg = request.getfixturevalue("pg_server")
    name = f"v1_{uuid.uuid4().hex[:12]}"
    url = pg.create_db(name)
    yield url
    from ..conftest_backends import _forget

    _forget(url)
    pg.drop_db(name)


def _forget(url: str) -> None:
    if url.startswith("sqlite"):
        forget_database(url)
    else:
        from ..conftest_backends import _forget as forget_pg

        forget_pg(url)


def _write_v1_database_with_duplicates(url: str, clock, monkeypatch) -> tuple[int, int]:
    """What schema 1 allowed, written through the models: returns (older plan, newer plan)."""
    monkeypatch.setattr(migrations, "MIGRATIONS", {1: migrations.MIGRATIONS[1]})
    root = LocalBackend(url, actor=DEMO_YOU, clock=clock)
    build_demo(root, clock)
    older = root.draft_plan(ROT, month=MONTH, solver="greedy").summary
    newer = root.draft_plan(ROT, month=MONTH, solver="greedy").summary
    root.publish_plan(older.id, older.version)

    def duplicates():
        m.Plan.update(status="published", number=2).where(m.Plan.id == newer.id).execute()
        jess = m.Person.get(m.Person.login == "jess")
        now = clock.now()
        for state, age in (("unavailable", 2), ("prefer_not", 1), ("preferred", 0)):  # the last is the newest
            m.Availability.create(person=jess, day=DAY, state=state, note=state, updated_at=now - timedelta(hours=age))
    root._write(duplicates)
    _forget(url)
    monkeypatch.undo()
    return older.id, newer.id


def test_upgrade_keeps_the_newest_published_plan_and_mark_then_refuses_duplicates(empty_db, clock, monkeypatch):
    older, newer = _write_v1_database_with_duplicates(empty_db, clock, monkeypatch)

    root = LocalBackend(empty_db, actor=DEMO_YOU, clock=clock)  # the new release opens it
    assert migrations.stored_version(root.db) == migrations.current_version() >= 2
    statuses = {p.id: p.status for p in root.plans(ROT) if p.month == MONTH}
    assert (statuses[older], statuses[newer]) == ("superseded", "published")
    day = next(d for d in root.availability(person="jess", month="2027-01").days if d.day == DAY)
    assert (day.state, day.note) == ("preferred", "preferred")
    assert len(day.marks) == 1

    def another_published():
        m.Plan.update(status="published").where(m.Plan.id == older).execute()

    def another_whole_day_mark():
        m.Availability.create(person=m.Person.get(m.Person.login == "jess"), day=DAY, state="busy",
                              updated_at=clock.now())

    for write in (another_published, another_whole_day_mark):
        with pytest.raises(pw.IntegrityError):
            root._write(write)
    # Opening it again changes nothing more.
    _forget(empty_db)
    again = LocalBackend(empty_db, actor=DEMO_YOU, clock=clock)
    assert {p.id: p.status for p in again.plans(ROT) if p.month == MONTH} == statuses
