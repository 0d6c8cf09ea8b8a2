"""The local backend: the services over a database opened from a URL."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import peewee as pw

from ..config import real_login
from ..core.clock import Clock, clock_from_env
from ..core.errors import InvalidInput, NotAllowed, Unavailable
from ..services.admin import AdminService
from ..services.authorize import AuthorizeService, checked
from ..services.availability import AvailabilityService
from ..services.availability_calendars import CalendarSourcesService
from ..services.core import CoreService
from ..services.planning import PlanningService
from ..services.requirements import RequirementsService
from ..services.team_file import TeamFileService
from ..store import bind, make_database, migrate, normalise_url
from ..store import models as m
from ..store.db import connect_error_message
from .api import Backend
from .registry import declared_policies


def os_login(demo: bool = False) -> str:
    """Who this process is.  On a real database: the kernel's answer, whatever the environment
    says.  On a demo database (and only there) the tests' `ONCALL_LOGIN` may pick someone."""
    if demo:
        return os.environ.get("ONCALL_LOGIN") or real_login()
    return real_login()


def is_demo(db: pw.Database) -> bool:
    row = m.Meta.get_or_none(m.Meta.key == "demo")
    return bool(row and row.value == "1")


class LocalBackend(RequirementsService, AvailabilityService, CalendarSourcesService, PlanningService, AdminService,
                   TeamFileService, CoreService, AuthorizeService, Backend):
    """Acts as one person on one database: the OS login (or `--as` in a demo database), or
    `actor`, given by code that has established who is asking itself (the server, after a token)."""

    def __init__(self, url: str, actor: str | None = None, clock: Clock | None = None,
                 act_as: str | None = None, admins: Iterable[str] = ()) -> None:
        """`admins`: organisation administrators named by whoever runs this process as a
        service (`oncall serve --admin`); the system configuration and the database name more."""
        self.url = normalise_url(url)
        self.admins = frozenset(admins)
        self.clock = clock or clock_from_env()
        self.db = open_database(self.url)
        self.demo = is_demo(self.db)
        self.actor_login = actor or os_login(self.demo)
        if act_as:
            if not self.demo:
                raise NotAllowed("--as works only in a demo database; a real one always acts as your login")
            self.actor_login = act_as

    def acting_as(self, login: str) -> LocalBackend:
        """The same database, acting as someone else (the server, once a token names them)."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.actor_login = login
        return other

    def release_thread(self) -> None:
        """Close this thread's connection (a worker thread is about to end)."""
        if not self.db.is_closed() and not self.db.in_transaction():
            self.db.close()

    def close(self) -> None:
        self.release_thread()


# Every API method runs behind its declared policy (backend/api_*.py), here and under `oncall serve`.
for _name, _rules in declared_policies(Backend).items():
    setattr(LocalBackend, _name, checked(_name, _rules, getattr(LocalBackend, _name)))


_OPEN: dict[str, pw.Database] = {}


def open_database(url: str) -> pw.Database:
    """Open (once per process), bind the models and bring the schema up to date."""
    url = normalise_url(url)
    db = _OPEN.get(url)
    if db is None:
        db = make_database(url)
        try:
            bind(db)
            db.connect(reuse_if_open=True)
            migrate(db)
        except pw.OperationalError as exc:
            db.close()
            raise Unavailable(connect_error_message(url, exc)) from exc
        except Exception:
            db.close()  # a refused (too new) or failed migration leaves nothing open
            raise
        _OPEN[url] = db
    bind(db)
    return db


def databases_open() -> bool:
    """Whether this process has opened any database (and may hold its connections)."""
    return bool(_OPEN)


def forget_database(url: str) -> None:
    db = _OPEN.pop(normalise_url(url), None)
    if db is not None and not db.is_closed():
        db.close()


def open_demo(url: str, clock: Clock, fresh: bool = False) -> tuple[LocalBackend, dict | None]:
    """The demo team's database at `url` (a SQLite file), built when it is new or empty (`fresh`
    starts it again): the backend, and what was built (None when it was there already).  A file
    that holds a real team is refused and left as it is."""
    from ..services.demo import build_demo
    from ..store.db import is_sqlite, sqlite_path

    if not is_sqlite(url):
        raise InvalidInput("the demo runs on a SQLite file; give --db a file path")
    path = sqlite_path(normalise_url(url))
    if path.exists():
        probe = LocalBackend(str(path), clock=clock)
        if not probe.demo and probe.change_cursor() > 0:
            raise InvalidInput(f"{path} holds a real team, not a demo; choose another --db")
        if probe.demo and not fresh and probe.change_cursor() > 0:
            return probe, None
        probe.close()
        forget_database(str(path))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    backend = LocalBackend(str(path), clock=clock)
    return backend, build_demo(backend, clock)
