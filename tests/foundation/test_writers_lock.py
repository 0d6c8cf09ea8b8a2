"""The writers' lock file beside a shared SQLite database: a process that holds it and never lets
go (anyone in the group running `flock team.db-writers.lock sleep 40`, an `oncall` suspended with
Ctrl+Z in the middle of a write) gets every other writer one line naming the lock file after the
deadline, and nothing written, instead of a silent hang.  The holder is a real other process."""
from __future__ import annotations

import subprocess
import sys

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.errors import Unavailable
from oncall_tui.store import db
from tests.conftest import DEMO_YOU
from tests.foundation.helpers import db_path

HOLD = """
import fcntl, os, select, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
# Until the test closes our stdin; at most 30 s, so that a writer that waits for ever (the old
# behaviour) gets the lock in the end and the test fails instead of hanging.
select.select([sys.stdin], [], [], 30)
"""


def test_a_writer_refuses_with_one_line_when_another_process_keeps_the_lock(demo_db, clock, monkeypatch):
    lock = str(db_path(demo_db)) + "-writers.lock"
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    before = root.whoami()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, lock], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"  # the other process holds the lock now
        monkeypatch.setattr(db, "WRITERS_LOCK_TIMEOUT_S", 0.3, raising=False)
        with pytest.raises(Unavailable) as err:
            root.update_profile(before.version, name="Renamed while locked")
        assert err.value.message == (f"another oncall process holds the write lock on {lock} for over 0.3 s; "
                                     f"`fuser {lock}` shows which")
        assert root.whoami() == before  # nothing written
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()
    assert root.update_profile(before.version, name="Renamed after").name == "Renamed after"
