"""A PostgreSQL server that hangs (every process stopped with SIGSTOP, so connections stay open
and nothing answers) gives a clear 503 within the timeouts, and /readyz names no host."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from oncall_tui.core.errors import Unavailable
from tests.conftest_backends import ThreadedServer, issue_test_token

pytestmark = pytest.mark.postgres


def _postgres_pids(datadir: Path) -> list[int]:
    """The postmaster (from postmaster.pid) and every process it started."""
    main = int((datadir / "postmaster.pid").read_text().split()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            ppid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
            if ppid == main:
                children.append(int(entry.name))
    return [main, *children]


def test_a_hung_database_gives_503_and_readyz_says_so_without_naming_hosts(pg_server, fresh_pg_demo, clock,
                                                                           monkeypatch):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.backend.remote import RemoteBackend
    from oncall_tui.server import create_app
    from oncall_tui.store import db

    monkeypatch.setattr(db, "PG_ANSWER_TIMEOUT", 2.0)  # small budgets: the test runs in seconds
    monkeypatch.setattr(db, "PG_CONNECT_TIMEOUT", 2)
    monkeypatch.setenv("ONCALL_HTTP_TIMEOUT", "60")  # the client's own guard, far above the server's
    local = LocalBackend(fresh_pg_demo, actor="-", clock=clock)
    token = issue_test_token(local, "alice")
    with ThreadedServer(create_app(local)) as server:
        alice = RemoteBackend(server.url, token=token)
        me = alice.whoami()
        stopped = _postgres_pids(pg_server.datadir)
        try:
            for pid in stopped:
                os.kill(pid, signal.SIGSTOP)
            with pytest.raises(Unavailable) as err:
                alice.update_profile(me.version, name="Never saved")
            assert "database cannot be reached" in err.value.message  # the server's answer, not our timeout
            with pytest.raises(Unavailable) as err:
                alice.members("platform")
            assert "database cannot be reached" in err.value.message
            ready = httpx.get(f"{server.url}/readyz", timeout=60)
            assert ready.status_code == 503
            assert ready.json() == {"status": "unavailable", "message": "the database does not answer"}
            assert str(pg_server.port) not in ready.text and "127.0.0.1" not in ready.text
            assert httpx.get(f"{server.url}/healthz").status_code == 200
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)
        assert alice.whoami().name == me.name  # nothing half-applied, and it recovered by itself
        alice.close()


def test_the_server_stops_statements_that_run_too_long(fresh_pg_demo):
    from oncall_tui.backend.local import LocalBackend

    backend = LocalBackend(fresh_pg_demo, actor="-")
    timeout = backend.db.execute_sql("SHOW statement_timeout").fetchone()[0]
    lock = backend.db.execute_sql("SHOW lock_timeout").fetchone()[0]
    assert (timeout, lock) == ("15s", "10s")
    backend.release_thread()
