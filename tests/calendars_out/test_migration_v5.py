"""Schema 5 meets a file written by the release before it (the code at the start commit,
taken from git and run in its own process): the people get the calendar columns with their
defaults, the entry and feed tables appear, and nothing that was there changes."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.store import migrations

from ..conftest import DEMO_YOU, NOW

BEFORE = "db2d712"  # the last commit without calendar entries
REPO = Path(__file__).resolve().parents[2]

WRITE_OLD_FILE = f"""
import sys
from datetime import datetime
from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.clock import FixedClock
from oncall_tui.services.demo import build_demo
clock = FixedClock(datetime.fromisoformat({NOW.isoformat()!r}))
backend = LocalBackend(sys.argv[1], actor={DEMO_YOU!r}, clock=clock)
build_demo(backend, clock)
backend.add_handover_note(backend.home().next_shifts[0].assignment.uid, "written before schema 5")
"""


def _old_code(tmp_path: Path) -> Path:
    archive = tmp_path / "old.tar"
    made = subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), BEFORE, "oncall_tui", "data"],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"the code before schema 5 ({BEFORE}) is not in this clone's history: {made.stderr.strip()}")
    out = tmp_path / "old"
    with tarfile.open(archive) as tar:
        tar.extractall(out, filter="data")
    return out


def _rows(path: Path, table: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
    finally:
        con.close()


def test_a_file_from_the_release_before_upgrades_to_schema_5(tmp_path, clock):
    old = _old_code(tmp_path)
    path = tmp_path / "before.db"
    env = {**os.environ, "PYTHONPATH": str(old)}
    subprocess.run([sys.executable, "-c", WRITE_OLD_FILE, f"sqlite:///{path}"], check=True, env=env,
                   cwd=tmp_path, timeout=300)
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "3"
    con.close()
    people, assignments = _rows(path, "person"), _rows(path, "assignment")

    me = LocalBackend(f"sqlite:///{path}", actor=DEMO_YOU, clock=clock)
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(
            migrations.current_version())
        assert {r[0] for r in con.execute("SELECT DISTINCT calendar_delivery || '/' || alarm_minutes FROM person")} \
            == {"feed/60"}
        assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
            "entry_stamp", "feed_secret"}
    finally:
        con.close()
    assert [r[:len(people[0])] for r in _rows(path, "person")] == people
    assert _rows(path, "assignment") == assignments
    # and the upgraded file works: a publish stamps entries, a note reaches them
    draft = me.draft_plan("platform-247", month="2026-12", solver="greedy")
    me.publish_plan(draft.summary.id, draft.summary.version)
    assert _rows(path, "entry_stamp")
    assert "written before schema 5" in me.home().next_shifts[0].handover
