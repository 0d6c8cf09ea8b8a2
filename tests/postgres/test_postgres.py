"""PostgreSQL: migrations, retries on serialization failures, two `oncall serve` processes on one
database behaving as one, and a database that goes away and comes back."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from oncall_tui.core.errors import Unavailable
from tests.conftest import DEMO_YOU, NOW
from tests.conftest_backends import ThreadedServer, free_port, issue_test_token

pytestmark = pytest.mark.postgres


def test_fresh_database_is_migrated_and_keeps_json_and_utc_times(pg_server, clock):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.services.demo import demo_team_toml
    from oncall_tui.store.migrations import current_version, stored_version

    url = pg_server.create_db("fresh_migrate")
    try:
        backend = LocalBackend(url, actor=DEMO_YOU, clock=clock)
        assert stored_version(backend.db) == current_version()
        backend.import_team(demo_team_toml(DEMO_YOU))
        me = backend.whoami()
        backend.update_profile(me.version, phones=["+44 1", "+44 2"])
        assert backend.whoami().phones == ("+44 1", "+44 2")
        entry = backend.audit(limit=1)[0]
        assert entry.at == NOW and entry.at.utcoffset().total_seconds() == 0
        assert entry.detail["after"]["phones"] == ["+44 1", "+44 2"]
        # Opening it again (a second process, a newer release) changes nothing.
        from oncall_tui.store.migrations import migrate

        assert migrate(backend.db) == current_version()
    finally:
        from tests.conftest_backends import _forget

        _forget(url)
        pg_server.drop_db("fresh_migrate")


def test_processes_starting_together_on_an_empty_database_migrate_it_once(pg_server, tmp_path):
    url = pg_server.create_db("fresh_race")
    try:
        code = ("import sys; from oncall_tui.backend.local import LocalBackend; "
                "LocalBackend(sys.argv[1], actor='x'); print('ok')")
        procs = [subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outs = [p.communicate(timeout=60) for p in procs]
        assert [o[0].strip() for o in outs] == ["ok"] * 3, [o[1][-500:] for o in outs]
    finally:
        pg_server.drop_db("fresh_race")


def test_a_serialization_failure_is_retried_and_applied_once(fresh_pg_demo):
    """A real 'could not serialize access' from PostgreSQL: run_write rolls back and tries again."""
    import psycopg

    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.store import models as m
    from oncall_tui.store.db import run_write

    backend = LocalBackend(fresh_pg_demo, actor=DEMO_YOU)
    attempts = []

    def work():
        attempts.append(1)
        backend.db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        row = m.Person.get(m.Person.login == "alice")
        if len(attempts) == 1:  # someone else commits a change to the row after our snapshot
            with psycopg.connect(fresh_pg_demo, autocommit=True) as other:
                other.execute("UPDATE person SET name = 'Alice (other)' WHERE login = 'alice'")
        m.Person.update(version=m.Person.version + 1).where(m.Person.id == row.id).execute()
        return row.version

    run_write(backend.db, work)
    assert len(attempts) == 2
    alice = LocalBackend(fresh_pg_demo, actor="alice").whoami()
    assert alice.name == "Alice (other)"


def _serve(url: str, port: int, tmp: Path, *options: str) -> subprocess.Popen:
    env = {**os.environ, "ONCALL_NOW": NOW.isoformat(), "ONCALL_HOME": str(tmp)}
    env.pop("ONCALL_CALENDAR_ALLOW_HOSTS", None)  # only what the options say
    log = open(tmp / f"serve-{port}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "oncall_tui", "serve", "--db", url, "--port", str(port),
                             "--no-access-log", *options], env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"oncall serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("oncall serve did not become ready")


def test_two_server_processes_on_one_database_give_exactly_one_winner(fresh_pg_demo, tmp_path, clock):
    from oncall_tui.backend.local import LocalBackend

    local = LocalBackend(fresh_pg_demo, actor=DEMO_YOU, clock=clock)
    token = issue_test_token(local, "alice")
    procs, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(_serve(fresh_pg_demo, port, tmp_path))
            bases.append(f"http://127.0.0.1:{port}")
        for base, proc in zip(bases, procs):
            _wait_ready(base, proc)
        clients = [httpx.Client(base_url=b, headers={"Authorization": f"Bearer {token}"}) for b in bases]
        start = clients[0].post("/api/v1/whoami", json={}).json()["version"]
        rounds = 12
        for r in range(rounds):
            version = start + r
            barrier = threading.Barrier(2)
            answers: list = [None, None]

            def edit(i: int) -> None:
                barrier.wait()
                answers[i] = clients[i].post("/api/v1/update_profile", json={
                    "expected_version": version, "name": f"Alice via server {i} round {r}"})

            threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            codes = sorted(a.status_code for a in answers)
            assert codes == [200, 409], [a.text for a in answers]
            loser = next(a for a in answers if a.status_code == 409).json()
            winner = next(a for a in answers if a.status_code == 200).json()
            assert loser["code"] == "stale_edit" and loser["fresh"]["name"] == winner["name"]
        final = clients[1].post("/api/v1/whoami", json={}).json()
        assert final["version"] == start + rounds
        for c in clients:
            c.close()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


def test_database_down_means_clear_503_and_recovery_without_restart(pg_server, fresh_pg_demo, clock):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.backend.remote import RemoteBackend
    from oncall_tui.server import create_app

    local = LocalBackend(fresh_pg_demo, actor="-", clock=clock)
    token = issue_test_token(local, "alice")
    with ThreadedServer(create_app(local)) as server:
        alice = RemoteBackend(server.url, token=token)
        me = alice.whoami()
        pg_server.stop()
        try:
            with pytest.raises(Unavailable) as err:
                alice.update_profile(me.version, name="Never saved")
            assert "database cannot be reached" in err.value.message
            assert httpx.get(f"{server.url}/readyz").status_code == 503
            assert httpx.get(f"{server.url}/healthz").status_code == 200
        finally:
            pg_server.start()
        assert alice.whoami().name == me.name  # nothing half-applied; and it recovered by itself
        assert alice.update_profile(me.version, name="Saved").name == "Saved"
        alice.close()
