"""Schema 7 opens a file written by the release before it (schema 6, built by that release's own
code in a separate process): the "asked for cover" marks of its open swap requests become the
stretch of time each request asked about (its hours, else its whole shift), and nothing else of
anyone's availability changes."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.store import migrations

from ..conftest import DEMO_YOU, NOW
from .test_migration_v4 import BUILD, ROOT

BEFORE = "4d3ded1"  # the last commit with schema 6


@pytest.fixture
def v6_file(tmp_path) -> Path:
    git = shutil.which("git")
    if git is None or subprocess.run([git, "-C", str(ROOT), "cat-file", "-e", BEFORE],
                                     capture_output=True).returncode != 0:
        pytest.skip(f"this clone has no commit {BEFORE} (a shallow clone?): cannot run the release before")
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run([git, "-C", str(ROOT), "archive", BEFORE, "oncall_tui"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    path = tmp_path / "v6.db"
    subprocess.run([sys.executable, "-c", BUILD, f"sqlite:///{path}", NOW.isoformat(), DEMO_YOU],
                   env={"PYTHONPATH": str(old), "ONCALL_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
                   cwd=str(old), check=True, capture_output=True, timeout=300)
    return path


def _rows(path: Path, sql: str) -> list:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_schema_6_file_upgrades_and_each_request_marks_exactly_its_hours(v6_file, clock):
    assert _rows(v6_file, "SELECT value FROM meta WHERE key = 'schema_version'") == [("6",)]
    others = _rows(v6_file, "SELECT id, person_id, day, shift_start, state, note FROM availability "
                            "WHERE id NOT IN (SELECT mark_id FROM swap_request WHERE mark_id IS NOT NULL) ORDER BY id")
    asked = _rows(v6_file, "SELECT r.id, r.mark_id, r.start IS NULL FROM swap_request r WHERE r.mark_id IS NOT NULL")
    assert any(whole == 0 for _, _, whole in asked), "the demo has a request for part of a shift"
    assert any(whole == 1 for _, _, whole in asked), "and one for a whole shift"

    root = LocalBackend(f"sqlite:///{v6_file}", actor=DEMO_YOU, clock=clock)
    assert _rows(v6_file, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(migrations.current_version()),)]
    # the requests' marks are their stretch, to the second
    from oncall_tui.store import models as m
    with root.db.connection_context():
        for swap_id, mark_id, _whole in asked:
            req = m.SwapRequest.get_by_id(swap_id)
            mark = m.Availability.get_by_id(mark_id)
            assert (mark.shift_start, mark.until) == (req.start or req.slot.start, req.end or req.slot.end)
    # everyone else's marks are exactly as they were, and none of them became a stretch
    assert _rows(v6_file, "SELECT id, person_id, day, shift_start, state, note FROM availability "
                          "WHERE until IS NULL ORDER BY id") == others
    # and the requester's month reads the request's words on the shift it is about
    swap = root.swap(asked[0][0])
    them = LocalBackend(f"sqlite:///{v6_file}", actor=swap.requester.login, clock=clock)
    tz = them.whoami().tz
    from zoneinfo import ZoneInfo
    month = them.availability(month=swap.shift_start.astimezone(ZoneInfo(tz)).strftime("%Y-%m"))
    shown = [s for d in month.days for s in d.shifts if s.start == swap.shift_start]
    assert shown and shown[0].state == "unavailable" and f"swap {swap.id}" in shown[0].note
