"""Schema migrations as a user meets them: a newer release upgrades an older shared
file in place, all or nothing; an older release refuses a newer file and leaves it alone."""
from __future__ import annotations

import sqlite3

import pytest

from oncall_tui.backend.local import LocalBackend, forget_database
from oncall_tui.core.errors import OncallError, SchemaTooNew
from oncall_tui.store import migrations

from ..conftest import DEMO_YOU
from .helpers import checkpoint, db_path, dump


def _columns(path, table: str) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
    finally:
        con.close()


def _stored_version(path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
    finally:
        con.close()


def _what_a_user_sees(backend) -> tuple:
    home = backend.home()
    everyone = backend.shifts(person="*", first=home.next_shifts[0].assignment.start.date())
    return (home, everyone, backend.audit(team="platform", limit=1000), backend.export_team("platform"))


def _newer_release(monkeypatch, *steps):
    """Pretend to be the next release: the current steps plus `steps` as versions v+1, v+2…"""
    current = migrations.current_version()
    newer = dict(migrations.MIGRATIONS)
    for offset, step in enumerate(steps, 1):
        newer[current + offset] = step
    monkeypatch.setattr(migrations, "MIGRATIONS", newer)
    return current


def _add_pager_column(db) -> None:
    db.execute_sql("ALTER TABLE person ADD COLUMN pager_id TEXT NOT NULL DEFAULT ''")


def test_newer_release_upgrades_an_older_file_in_place_and_keeps_everything(demo_db, clock, monkeypatch):
    path = db_path(demo_db)
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    root.add_handover_note(root.home().next_shifts[0].assignment.uid, "pager battery is low")
    before = _what_a_user_sees(root)
    rows_before = dump(path)
    forget_database(demo_db)  # the old release exits

    old = _newer_release(monkeypatch, _add_pager_column)
    upgraded = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)  # the new release opens the file

    assert _stored_version(path) == old + 1
    assert "pager_id" in _columns(path, "person")
    assert _what_a_user_sees(upgraded) == before
    # Every row that was there is still there (now with the new column's default).
    after = dump(path)
    person_rows = [line for line in after if line.startswith('INSERT INTO "person"')]
    assert len(person_rows) == len([line for line in rows_before if line.startswith('INSERT INTO "person"')])
    for table in ("assignment", "audit_log", "slot", "requirement_status", "availability", "swap_request"):
        prefix = f'INSERT INTO "{table}"'
        assert [l for l in after if l.startswith(prefix)] == [l for l in rows_before if l.startswith(prefix)]
    # A second opening does nothing more.
    forget_database(demo_db)
    LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    assert _stored_version(path) == old + 1


def test_a_step_that_fails_half_way_leaves_the_file_exactly_as_it_was(demo_db, clock, monkeypatch):
    path = db_path(demo_db)
    forget_database(demo_db)
    checkpoint(path)
    rows_before = dump(path)

    def half_done(db) -> None:
        db.execute_sql("UPDATE person SET name = 'CLOBBERED'")
        db.execute_sql("ALTER TABLE person ADD COLUMN half TEXT")
        raise RuntimeError("the step broke half-way")

    old = _newer_release(monkeypatch, _add_pager_column, half_done)  # v+1 works, v+2 breaks
    with pytest.raises(RuntimeError, match="half-way"):
        LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    forget_database(demo_db)

    assert dump(path) == rows_before, "nothing of either step is left behind"
    assert _stored_version(path) == old
    assert "pager_id" not in _columns(path, "person") and "half" not in _columns(path, "person")

    # The old release still opens it and shows the same data.
    monkeypatch.setattr(migrations, "MIGRATIONS", {k: v for k, v in migrations.MIGRATIONS.items() if k <= old})
    assert LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).whoami().login == DEMO_YOU


def test_older_release_refuses_a_newer_file_with_a_clear_message_and_changes_nothing(demo_db, clock):
    path = db_path(demo_db)
    forget_database(demo_db)
    newer = migrations.current_version() + 1
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(newer),))
    con.close()
    checkpoint(path)
    bytes_before = path.read_bytes()
    rows_before = dump(path)

    with pytest.raises(SchemaTooNew) as info:
        LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    assert isinstance(info.value, OncallError), "the faces turn it into words, not a traceback"
    message = info.value.message
    assert "newer oncall" in message and f"schema {newer}" in message
    assert "Upgrade oncall" in message and "not changed" in message
    forget_database(demo_db)

    assert dump(path) == rows_before
    assert path.read_bytes() == bytes_before


def test_cli_on_a_newer_file_prints_the_message_not_a_traceback(demo_db):
    from click.testing import CliRunner

    from oncall_tui.cli import main

    path = db_path(demo_db)
    forget_database(demo_db)
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                    (str(migrations.current_version() + 1),))
    con.close()
    result = CliRunner().invoke(main, ["--db", str(path), "now"], env={"ONCALL_LOGIN": DEMO_YOU})
    assert result.exit_code == 2, result.output
    assert "written by a newer oncall" in result.output
    assert "Traceback" not in result.output
