"""Schema 8 opens a file written by the release before it (schema 7, built by that release's own
code in a separate process): a shift may then have several requests open for different hours,
the requests open before stay open, and the database still refuses the same part twice."""
from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.errors import Conflict
from oncall_tui.store import migrations

from ..conftest import DEMO_YOU
from .test_migration_v4 import _rows, demo_from

BEFORE = "716c24d"  # the last commit with schema 7


@pytest.fixture
def v7_file(tmp_path) -> Path:
    return demo_from(BEFORE, tmp_path, "v7.db")


def _indexes(path: Path) -> set[str]:
    return {name for (name,) in _rows(path, "SELECT name FROM sqlite_master WHERE type = 'index' "
                                            "AND tbl_name = 'swap_request'")}


def test_a_schema_7_file_upgrades_and_a_second_part_of_a_shift_can_be_asked(v7_file, clock):
    assert _rows(v7_file, "SELECT value FROM meta WHERE key = 'schema_version'") == [("7",)]
    assert "swap_request_one_open" in _indexes(v7_file)
    before = _rows(v7_file, "SELECT id, status, start, \"end\", mark_id FROM swap_request ORDER BY id")
    root = LocalBackend(f"sqlite:///{v7_file}", actor=DEMO_YOU, clock=clock)
    assert _rows(v7_file, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(migrations.current_version()),)]
    assert "swap_request_one_open" not in _indexes(v7_file)
    assert {"swap_request_open_whole", "swap_request_open_part"} <= _indexes(v7_file)
    # the requests made before are as they were
    assert _rows(v7_file, "SELECT id, status, start, \"end\", mark_id FROM swap_request ORDER BY id") == before

    # an open request for some hours: its requester asks for other hours of the same shift
    open_part = next(s for s in root.swaps() if s.state in ("open", "escalated")
                     and (s.start, s.end) != (s.shift_start, s.shift_end))
    them = LocalBackend(f"sqlite:///{v7_file}", actor=open_part.requester.login, clock=clock)
    other = ((open_part.shift_start, open_part.start) if open_part.start - open_part.shift_start >= timedelta(hours=1)
             else (open_part.end, open_part.shift_end))
    assert other[1] - other[0] >= timedelta(hours=1)
    second = them.swap_request(open_part.shift_uid, start=other[0], end=other[1], everyone=True)
    assert second.state in ("open", "escalated") and root.swap(open_part.id).state == open_part.state
    with pytest.raises(Conflict, match="is already open"):
        them.swap_request(open_part.shift_uid, start=open_part.start, end=open_part.end, everyone=True)

    # the database itself refuses a second open request from the same start of the shift
    root.close()
    con = sqlite3.connect(v7_file)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("INSERT INTO swap_request (slot_id, requester_id, mode, status, note, created_at, start, "
                        "\"end\", version) SELECT slot_id, requester_id, mode, status, note, created_at, start, "
                        "\"end\", version FROM swap_request WHERE id = ?", (second.id,))
    finally:
        con.close()
