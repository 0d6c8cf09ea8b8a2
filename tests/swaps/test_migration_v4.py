"""Schema 4 opens a file written by the release before it (schema 3, built by that release's own
code in a separate process): its swap request keeps its meaning, nothing else changes, and the
new columns and the one-open-request-per-shift rule are there."""
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

BEFORE = "db2d712"  # the last commit with schema 3
ROOT = Path(__file__).parents[2]

BUILD = """
import sys
from datetime import datetime
from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.clock import FixedClock
from oncall_tui.services.demo import build_demo
clock = FixedClock(datetime.fromisoformat(sys.argv[2]))
build_demo(LocalBackend(sys.argv[1], actor=sys.argv[3], clock=clock), clock)
"""


def demo_from(commit: str, tmp_path: Path, name: str) -> Path:
    """A demo database written by the code of `commit`, run from its own source tree in its own
    process (skips where the clone does not have that commit)."""
    git = shutil.which("git")
    if git is None or subprocess.run([git, "-C", str(ROOT), "cat-file", "-e", commit],
                                     capture_output=True).returncode != 0:
        pytest.skip(f"this clone has no commit {commit} (a shallow clone?): cannot run the release before")
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run([git, "-C", str(ROOT), "archive", commit, "oncall_tui"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    path = tmp_path / name
    subprocess.run([sys.executable, "-c", BUILD, f"sqlite:///{path}", NOW.isoformat(), DEMO_YOU],
                   env={"PYTHONPATH": str(old), "ONCALL_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
                   cwd=str(old), check=True, capture_output=True, timeout=300)
    return path


@pytest.fixture
def v3_file(tmp_path) -> Path:
    return demo_from(BEFORE, tmp_path, "v3.db")


def _rows(path: Path, sql: str) -> list:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_schema_3_file_upgrades_and_its_swap_request_keeps_its_meaning(v3_file, clock):
    assert _rows(v3_file, "SELECT value FROM meta WHERE key = 'schema_version'") == [("3",)]
    before = _rows(v3_file, "SELECT id, slot_id, requester_id, status, note FROM swap_request")
    assert _rows(v3_file, "SELECT mode FROM swap_request") == [("targeted",)]
    assignments = _rows(v3_file, "SELECT id, slot_id, person_id FROM assignment ORDER BY id")
    backend = LocalBackend(f"sqlite:///{v3_file}", actor=DEMO_YOU, clock=clock)
    assert _rows(v3_file, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(migrations.current_version()),)]
    assert _rows(v3_file, "SELECT id, slot_id, requester_id, status, note FROM swap_request") == before
    assert _rows(v3_file, "SELECT mode FROM swap_request") == [("one",)]
    assert _rows(v3_file, "SELECT id, slot_id, person_id FROM assignment ORDER BY id") == assignments
    listed = backend.swaps()
    assert [(s.mode, s.state, s.my_part) for s in listed] == [("one", "open", "incoming")]
    assert listed[0].start == listed[0].shift_start and listed[0].end == listed[0].shift_end  # the whole shift
    assert "cover" in {r[0] for r in _rows(v3_file, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    with pytest.raises(sqlite3.IntegrityError):  # one open request per shift, kept by the database
        con = sqlite3.connect(v3_file)
        try:
            con.execute("INSERT INTO swap_request (slot_id, requester_id, mode, status, note, created_at, version, "
                        "acted_by) SELECT slot_id, requester_id, 'one', 'open', '', created_at, 1, '' "
                        "FROM swap_request")
        finally:
            con.close()
