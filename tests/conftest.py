"""Fixtures every test shares: a fixed clock, a real SQLite file, the demo team,
and backends acting as any member.

`as_user` is parametrised by `backend_kind`, so a test written against it runs
on every backend the suite knows (local file today; the remote endpoint and
PostgreSQL add themselves in conftest plugins)."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from oncall_tui.config import full_name, normalise_url, sqlite_path
from oncall_tui.core.clock import FixedClock

pytest_plugins = ["tests.conftest_backends"]

DEMO_YOU = "root"  # the login that "ran" `oncall demo` in the fixture database
DEMO_NAME = full_name(DEMO_YOU)  # and their name in it: their account's (GECOS), else the login
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)


def _isolate(monkeypatch, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("ONCALL_HOME", str(home))
    monkeypatch.delenv("ONCALL_DB", raising=False)
    monkeypatch.delenv("ONCALL_LOGIN", raising=False)
    monkeypatch.setenv("ONCALL_SYSTEM_CONFIG", str(home / "system-config.toml"))  # not the machine's
    monkeypatch.setenv("ONCALL_NOW", NOW.isoformat())
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    _isolate(monkeypatch, home)
    yield home


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/oncall.db"


def build_demo_file(folder, extra=None, now: datetime = NOW) -> Path:
    """A SQLite file in `folder` holding the demo team built as `root` at `now` (then `extra(url,
    clock)`, if given), closed and checkpointed, so a test can start from a copy of it.  Built with
    the environment `_isolated_home` gives a test (its own home, no machine configuration)."""
    from oncall_tui.backend.local import LocalBackend, forget_database
    from oncall_tui.services.demo import build_demo
    from tests.foundation.helpers import checkpoint

    path = Path(folder) / "oncall.db"
    url = f"sqlite:///{path}"
    clock = FixedClock(now)
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, Path(folder) / "home")
        build_demo(LocalBackend(url, actor=DEMO_YOU, clock=clock), clock)
        if extra is not None:
            extra(url, clock)
        forget_database(url)
    checkpoint(path)
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo database, built once per test process; `demo_db` hands each test a copy."""
    return build_demo_file(tmp_path_factory.mktemp("demo-template"))


@pytest.fixture
def demo_db(db_url, demo_template) -> str:
    """A database holding the demo team, built as `root` at NOW (a copy of the one built for the
    session: the same file `build_demo` makes, without building it again for every test)."""
    from tests.foundation.helpers import copy_database

    return copy_database(demo_template, sqlite_path(normalise_url(db_url)))


BACKEND_KINDS = ["local", "remote", "postgres"]  # the last two: tests/conftest_backends.py


@pytest.fixture(params=BACKEND_KINDS)
def backend_kind(request) -> str:
    return request.param


@pytest.fixture
def as_user(request, clock, backend_kind):
    """`as_user("alice")` -> a Backend acting as alice on the demo database."""
    from oncall_tui.backend.local import LocalBackend

    # PostgreSQL copies its own demo database; the others serve the demo SQLite file.
    demo_db = request.getfixturevalue("demo_db") if backend_kind != "postgres" else None
    made = []

    def make(login: str = DEMO_YOU):
        if backend_kind == "local":
            backend = LocalBackend(demo_db, actor=login, clock=clock)
        else:
            factory = request.getfixturevalue(f"{backend_kind}_backend_factory")
            backend = factory(demo_db, login)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()
