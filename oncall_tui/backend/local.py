"""The local backend: the area services over a database opened from a URL.

`LocalBackend` is a facade generated from the API registry, like the remote client: each API
method (backend/api_*.py) goes, behind its declared policy (`services.authorize.checked`), to
the one area service that says it serves it (`SERVES`).  `Services` makes the areas, each
with what it needs from the others handed to its constructor, over one `ServiceContext`.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import peewee as pw

from ..config import real_login
from ..core.clock import Clock, clock_from_env
from ..core.errors import InvalidInput, NotAllowed, Unavailable
from ..services.admin import AdminService
from ..services.authorize import AuthorizeService, checked
from ..services.availability import AvailabilityService
from ..services.availability_calendars import CalendarSourcesService
from ..services.calendar_out import CalendarOutService
from ..services.context import ServiceContext
from ..services.core import CoreService
from ..services.delivery import DeliveryService
from ..services.planning import PlanningService
from ..services.requirements import RequirementsService
from ..services.swaps import SwapsService
from ..services.team_file import TeamFileService
from ..store import bind, make_database, migrate, normalise_url
from ..store import models as m
from ..store.db import connect_error_message, discard_connection
from .api import Backend
from .registry import declared_policies, routes

T = TypeVar("T")


def os_login(demo: bool = False) -> str:
    """Who this process is.  On a real database: the kernel's answer, whatever the environment
    says.  On a demo database (and only there) the tests' `ONCALL_LOGIN` may pick someone."""
    if demo:
        return os.environ.get("ONCALL_LOGIN") or real_login()
    return real_login()


def is_demo(db: pw.Database) -> bool:
    row = m.Meta.get_or_none(m.Meta.key == "demo")
    return bool(row and row.value == "1")


class Services:
    """The area services of one backend and person, each given what it needs from the others."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.context = ctx
        self.authorize = AuthorizeService(ctx)
        self.requirements = RequirementsService(ctx)
        self.availability = AvailabilityService(ctx, eligibility=self.requirements.eligibility_checker)
        self.calendars = CalendarSourcesService(ctx, availability=self.availability)
        self.swaps = SwapsService(ctx, eligibility=self.requirements.eligibility_checker,
                                  recommendations=self.availability.recommendations)
        self.planning = PlanningService(ctx, eligibility=self.requirements.eligibility_checker,
                                        recommendations=self.availability.recommendations,
                                        republished=self.swaps.plan_republished)
        self.core = CoreService(ctx, requirements_line=self.requirements.requirements_line)
        self.team_file = TeamFileService(ctx)
        self.admin = AdminService(ctx)
        self.calendar_out = CalendarOutService(ctx)
        self.delivery = DeliveryService(ctx)


#: The attribute of `Services` -> its class: which area serves which API method is each
#: class's `SERVES`, checked against the API when this module is imported (`registry.routes`).
AREAS: dict[str, type] = {
    "core": CoreService, "requirements": RequirementsService, "availability": AvailabilityService,
    "calendars": CalendarSourcesService, "planning": PlanningService, "team_file": TeamFileService,
    "admin": AdminService, "authorize": AuthorizeService, "swaps": SwapsService,
    "calendar_out": CalendarOutService, "delivery": DeliveryService,
}
#: API method name -> the attribute of `Services` that serves it.
ROUTES = routes(Backend, AREAS)


class LocalBackend(Backend):
    """Acts as one person on one database: the OS login (or `--as` in a demo database), or
    `actor`, given by code that has established who is asking itself (the server, after a token)."""

    def __init__(self, url: str, actor: str | None = None, clock: Clock | None = None,
                 act_as: str | None = None, admins: Iterable[str] = ()) -> None:
        """`admins`: organisation administrators named by whoever runs this process as a
        service (`oncall serve --admin`); the system configuration and the database name more."""
        self.url = normalise_url(url)
        db = open_database(self.url)
        self.demo = is_demo(db)
        login = actor or os_login(self.demo)
        if act_as:
            if not self.demo:
                raise NotAllowed("--as works only in a demo database; a real one always acts as your login")
            login = act_as
        self.services = Services(ServiceContext(db, clock or clock_from_env(), login, admins))

    # -- what the services share, read from their context ---------------------------------
    @property
    def context(self) -> ServiceContext:
        return self.services.context

    @property
    def db(self) -> pw.Database:
        return self.services.context.db

    @property
    def clock(self) -> Clock:
        return self.services.context.clock

    @property
    def actor_login(self) -> str:
        return self.services.context.actor_login

    @property
    def admins(self) -> frozenset[str]:
        return self.services.context.admins

    def acting_as(self, login: str) -> LocalBackend:
        """The same database, acting as someone else (the server, once a token names them)."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.services = Services(self.services.context.acting_as(login))
        return other

    def _authorize(self, name: str, rules: tuple, arguments: dict[str, Any]) -> None:
        """The declared policy of API method `name` (run by `checked` before the method)."""
        self.services.authorize.authorize(name, rules, arguments)

    # -- for `oncall serve` (not API methods) ----------------------------------------------
    def authenticate(self, secret: str | None) -> str:
        """The login a bearer token belongs to, or NotAuthenticated saying why not."""
        return self.services.admin.authenticate(secret)

    def calendar_feed(self, secret: str):
        """The subscription feed `secret` names (a FeedDocument), or NotFound naming nobody: what
        `oncall serve` answers at /links/feed/<secret>.ics, with no login."""
        return self.services.calendar_out.feed_document(secret)

    def calendar_feed_cached(self, secret: str):
        """The same, only if this process has it built and nothing changed since (one small
        query, no lookup): what the server answers on its event loop; else None."""
        return self.services.calendar_out.cached_feed_document(secret)

    def change_seq(self) -> int:
        """The change cursor, read with no permission check (it tells only that something
        changed): the server's read cache compares it on every hit."""
        return self.services.context.change_seq()

    def schema_versions(self) -> tuple[int, int]:
        """(the schema version the database has, the one this code needs); raises if the
        database does not answer."""
        from ..store.migrations import current_version, stored_version

        self.db.execute_sql("SELECT 1")
        return stored_version(self.db), current_version()

    def deliver_in_background(self) -> None:
        """For the `oncall` a person runs on a database with no server in front: what a change
        queued for delivery is sent after its commit by a short child process (`oncall
        deliver`), and what earlier runs left due (or the clock made due: a swap ask timing
        out) is sent now.  Nobody waits for it."""
        from ..services.outbox import due_exists, spawn_deliverer

        self.services.context.after_queue = lambda: spawn_deliverer(self.url)
        try:
            due = due_exists(self.services.context) or self.services.swaps.swaps_due()
        except Exception:  # noqa: BLE001 - the command itself will say what is wrong with the database
            return
        if due:
            spawn_deliverer(self.url)

    def start_deliverer(self, poll: float = 15.0):
        """`oncall serve`'s deliverer: a background thread, woken by every change that queues
        something and every `poll` seconds, that also stores what the clock has made due (swap
        requests timing out, escalating); `.close()` stops it."""
        from ..services.outbox import BackgroundDeliverer

        deliverer = BackgroundDeliverer(self.services.context, poll, due=self.services.swaps.advance_due).start()
        self.services.context.after_queue = deliverer.wake.set
        return deliverer

    def discard_connection(self) -> None:
        """Drop this thread's connection without using it again (it failed)."""
        discard_connection(self.db)

    def release_thread(self) -> None:
        """Close this thread's connection (a worker thread is about to end)."""
        if not self.db.is_closed() and not self.db.in_transaction():
            self.db.close()

    def close(self) -> None:
        self.release_thread()

    # -- plumbing for tests, benchmarks and the demo's seeding ----------------------------------
    def _read(self, fn: Callable[[], T]) -> T:
        return self.services.context.read(fn)

    def _write(self, fn: Callable[[], T], *, visible: bool = True) -> T:
        return self.services.context.write(fn, visible=visible)


def _facade(name: str, area: str, rules: tuple) -> Callable:
    """`LocalBackend.<name>`: the area service's method, behind the declared policy."""
    api = getattr(Backend, name)

    def call(self: LocalBackend, *args: Any, **kwargs: Any) -> Any:
        return getattr(getattr(self.services, area), name)(*args, **kwargs)

    call.__name__ = name
    call.__qualname__ = f"LocalBackend.{name}"
    call.__doc__ = api.__doc__
    call.__wrapped__ = api  # type: ignore[attr-defined]  # its signature is the API's (read by `checked`)
    return checked(name, rules, call)


# Every API method runs behind its declared policy (backend/api_*.py), here and under `oncall serve`.
for _name, _rules in declared_policies(Backend).items():
    setattr(LocalBackend, _name, _facade(_name, ROUTES[_name], _rules))
del _name, _rules


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
