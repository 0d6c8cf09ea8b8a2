"""The "remote" and "postgres" backends for `as_user` (a pytest plugin loaded by conftest.py).

remote:   a real uvicorn server on a free loopback port (one per test session, in a
          thread), serving each test's own demo SQLite file; every login gets a real
          token and the test talks to it with httpx through RemoteBackend.
postgres: a real PostgreSQL server started by the tests (initdb + pg_ctl as the
          `postgres` OS user when run as root) on a free port; the demo is built
          once into a template database and each test gets a fresh copy
          (CREATE DATABASE ... TEMPLATE).

Both skip with the reason when what they need is missing.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import DEMO_YOU, NOW

PG_BIN_DIRS = ["/usr/local/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin",
               "/usr/lib/postgresql/14/bin"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- PostgreSQL ---------------------------------------------------------------------------
def find_pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    for d in PG_BIN_DIRS:
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    return None


@dataclass
class PgServer:
    port: int
    datadir: Path
    bin: Path
    as_postgres: list[str]

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def create_db(self, name: str, template: str | None = None) -> str:
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""))
        return self.url(name)

    def drop_db(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def ctl(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.datadir), *args],
                       check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        self.ctl("stop", "-m", "fast", "-w")

    def start(self) -> None:
        sockdir = self.datadir.parent
        self.ctl("start", "-w", "-l", str(sockdir / "log"), "-o",
                 f"-p {self.port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                 f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")


def start_postgres() -> PgServer:
    """A throwaway PostgreSQL server, or pytest.skip saying what is missing."""
    pg_bin = find_pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin; "
                    "install PostgreSQL 15 to run the PostgreSQL tests")
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres OS user
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without `runuser`; cannot start PostgreSQL as the postgres user")
        as_postgres = [runuser, "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="oncall-pg-"))
    base.chmod(0o777)
    server = PgServer(free_port(), base / "data", pg_bin, as_postgres)
    try:
        subprocess.run([*as_postgres, str(pg_bin / "initdb"), "-D", str(server.datadir), "-U", "postgres",
                        "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"],
                       check=True, capture_output=True, timeout=120)
        server.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(base, ignore_errors=True)
        out = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"could not start PostgreSQL from {pg_bin}: {out.decode(errors='replace')[-300:]}")
    return server


def _forget(url: str) -> None:
    """Close every pooled connection this process holds to `url`."""
    from oncall_tui.backend.local import _OPEN
    from oncall_tui.store.db import normalise_url

    db = _OPEN.pop(normalise_url(url), None)
    if db is not None:
        close_all = getattr(db, "close_all", None)
        if close_all:
            close_all()
        if not db.is_closed():
            try:
                db.close()
            except Exception:
                pass


@pytest.fixture(scope="session")
def pg_server():
    server = start_postgres()
    yield server
    try:
        server.ctl("stop", "-m", "immediate", "-w")
    finally:
        shutil.rmtree(server.datadir.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_demo_template(pg_server) -> str:
    """A database holding the demo team built as root at NOW; copied for each test."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.services.demo import build_demo

    name = "demo_template"
    url = pg_server.create_db(name)
    clock = FixedClock(NOW)
    build_demo(LocalBackend(url, actor=DEMO_YOU, clock=clock), clock)
    _forget(url)  # CREATE DATABASE ... TEMPLATE needs nobody connected to the template
    return name


@pytest.fixture
def fresh_pg_demo(pg_server, pg_demo_template):
    """A fresh PostgreSQL database holding the demo team (its URL); dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_db(name, template=pg_demo_template)
    yield url
    _forget(url)
    pg_server.drop_db(name)


@pytest.fixture
def postgres_backend_factory(request, clock):
    """(demo_db, login) -> a LocalBackend acting as login on a fresh PostgreSQL copy of the demo."""
    from oncall_tui.backend.local import LocalBackend

    state: dict[str, str] = {}

    def make(demo_db: str, login: str):
        if "url" not in state:
            state["url"] = request.getfixturevalue("fresh_pg_demo")
        return LocalBackend(state["url"], actor=login, clock=clock)

    return make


# -- the remote endpoint -----------------------------------------------------------------------
class ThreadedServer:
    """uvicorn serving `app` from a thread on a free loopback port."""

    def __init__(self, app) -> None:
        import uvicorn

        from oncall_tui.server.run import listening_socket

        self.app = app
        self.sock = listening_socket("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "ThreadedServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def remote_server():
    """One server for the session; each test points `app.state.backend` at its own database."""
    from oncall_tui.server import create_app

    app = create_app(None)
    with ThreadedServer(app) as server:
        yield server


@pytest.fixture
def served(remote_server, demo_db, clock):
    """The session's server pointed at this test's demo file; (server, local backend as root)."""
    from oncall_tui.backend.local import LocalBackend

    local = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    remote_server.app.state.backend = local
    yield remote_server, local
    remote_server.app.state.backend = None


def issue_test_token(backend, login: str, days: int = 30) -> str:
    """A real token for `login`, written straight to the database (no audit entry, so the
    remote run of a test sees the same audit log as the local one)."""
    from oncall_tui.services.admin import create_token
    from oncall_tui.store import models as m

    def run():
        person = m.Person.get(m.Person.login == login)
        now = backend.clock.now()
        return create_token(person, now, now + timedelta(days=days), "test")[0]

    return backend._write(run, visible=False)  # test plumbing: no screen should reload for it


def _is_active_person(backend, login: str) -> bool:
    from oncall_tui.store import models as m

    return backend._read(lambda: m.Person.select().where(
        (m.Person.login == login) & m.Person.active).exists())


@pytest.fixture
def remote_backend_factory(remote_server, clock):
    """(demo_db, login) -> a RemoteBackend over real HTTP, acting as login through its token."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.backend.remote import RemoteBackend

    state: dict = {"tokens": {}}

    def token_for(login: str) -> str:
        if login not in state["tokens"]:
            state["tokens"][login] = issue_test_token(state["local"], login)
        return state["tokens"][login]

    def make(demo_db: str, login: str):
        if state.get("db") != demo_db:
            state["db"] = demo_db
            state["local"] = LocalBackend(demo_db, actor="-", clock=clock)
            state["tokens"] = {}
            remote_server.app.state.backend = state["local"]
            remote_server.app.state.read_cache.clear()
        if not _is_active_person(state["local"], login):
            # No token can name someone who is not (or no longer) here: ask as root for them, so
            # the server's own check answers (UnknownUser), as it does locally.
            return RemoteBackend(remote_server.url, token=token_for(DEMO_YOU), act_as=login)
        return RemoteBackend(remote_server.url, token=token_for(login))

    yield make
    remote_server.app.state.backend = None
