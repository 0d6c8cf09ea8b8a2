"""What every area service shares: the database, the clock, who is asking, one transaction,
the audit record, the outbox, the version check, and the questions about people and teams
that every policy asks (am I a member, a manager, an administrator).

One `ServiceContext` is made per backend and person (`LocalBackend`, or `acting_as` for each
request the server answers) and handed to each area service's constructor; the services
share nothing else but what their constructors are given.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import peewee as pw

from ..core.clock import Clock
from ..core.errors import NotAllowed, NotFound, StaleEdit, UnknownUser
from ..store import models as m
from ..store.db import run_write
from ..store.statements import bind_marked, composed, marked, statement

if TYPE_CHECKING:
    from ..core.domain import Recommendation

T = TypeVar("T")

#: What one area hands another, named once: `eligibility(team)` -> a function
#: (person_id, role, at) -> (eligible, why not) for everyone in the team (the requirements
#: area's); `recommendations(team, month)` -> person_id -> how much to plan them (availability's).
Checker: TypeAlias = Callable[[int, str, datetime], tuple[bool, str]]
EligibilityFor: TypeAlias = Callable[[m.Team], Checker]
RecommendationsFor: TypeAlias = Callable[[m.Team, str], "dict[int, Recommendation]"]
#: `republished(previous, plan)`: what publishing `plan` in place of `previous` does to the swaps
#: asked and agreed on `previous`, inside the publish's transaction (the swaps area's): agreed
#: swaps carried over, open requests closed; returns one line per swap that could not be kept.
Republished: TypeAlias = Callable[[m.Plan, m.Plan], list[str]]

#: The Meta row listing organisation administrators (comma-separated logins); the first
#: importer of an empty database is written there.  `oncall serve --admin LOGIN` (the
#: backend's `admins`) and the system configuration add more; never the environment of
#: the person asking, who could name themselves.
ADMINS_KEY = "admins"


class AfterCommit:
    """What a write hands back when its answer takes more reading than writing: `write`
    builds the answer after the commit, in a read, so other writers are not kept waiting
    while it is put together."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self.build = build


def _logins(text: str) -> set[str]:
    return {part.strip() for part in text.replace(" ", ",").split(",") if part.strip()}


class ServiceContext:
    """The database, the clock and the actor's login, with what every area does with them."""

    def __init__(self, db: pw.Database, clock: Clock, actor_login: str, admins: Iterable[str] = ()) -> None:
        self.db = db
        self.clock = clock
        self.actor_login = actor_login
        #: Administrators named by whoever runs this process as a service (`oncall serve --admin`);
        #: the system configuration's and the database's are added when asked (`admins_now`).
        self.admins = frozenset(admins)
        #: Run after a write that queued something to deliver has committed (`services.outbox`):
        #: `oncall serve` wakes its deliverer, the `oncall` a person runs starts one.
        self.after_queue: Callable[[], None] | None = None
        self._queued = threading.local()
        self._writing = threading.local()  # inside `write` on this thread (`writing()`)

    def acting_as(self, login: str) -> ServiceContext:
        """The same database, clock and administrators, asked by `login`."""
        other = ServiceContext(self.db, self.clock, login, self.admins)
        other.after_queue = self.after_queue
        return other

    # -- who is asking ---------------------------------------------------------
    def me(self) -> m.Person:
        sql = self.statement("me", lambda: m.Person.select().where(
            (m.Person.login == "") & (m.Person.active == True)))  # noqa: E712
        found = list(m.Person.raw(sql, self.actor_login, True))
        if not found:
            raise UnknownUser(self.unknown_user_message(), login=self.actor_login)
        return found[0]

    def statement(self, name: str, build: Callable[[], Any]) -> str:
        """SQL text built once per database and reused (`store.statements`)."""
        return statement(self.db, name, build)

    def unknown_user_message(self) -> str:
        managers: Any = (  # rows as dicts
            m.Person.select(m.Person.name, m.Person.login, m.Team.name.alias("team_name"))
            .join(m.Membership).join(m.Team)
            .where(m.Membership.role == "manager")
            .order_by(m.Team.name, m.Person.name)
            .dicts()
        )
        names = [f"{r['name']} ({r['login']}, {r['team_name']})" for r in managers]
        if names:
            who = ", ".join(names[:4])
            return (f"'{self.actor_login}' is not a member of any team here. Ask a manager to add "
                    f"you to their team file and run `oncall team import`: {who}.")
        return (f"'{self.actor_login}' is not known here and no team has been set up yet. "
                f"Try `oncall demo`, or import a team with `oncall team import team.toml`.")

    def team(self, slug: str) -> m.Team:
        team = m.Team.get_or_none(m.Team.slug == slug)
        if team is None:
            raise NotFound(f"no team called '{slug}'", entity="team", id=slug)
        return team

    def membership(self, team: m.Team, person: m.Person | None = None) -> m.Membership | None:
        person = person or self.me()
        return m.Membership.get_or_none((m.Membership.team == team) & (m.Membership.person == person))

    # -- organisation administrators ----------------------------------------------------
    def admins_now(self) -> set[str]:
        from ..config import system_config

        row = m.Meta.get_or_none(m.Meta.key == ADMINS_KEY)
        return set(self.admins) | set(system_config().admins) | _logins(row.value if row else "")

    def is_admin(self, login: str | None = None) -> bool:
        return (login or self.actor_login) in self.admins_now()

    def may_bootstrap(self) -> bool:
        """An empty database with no administrator: its first team import is allowed, and makes
        the importer administrator."""
        return not m.Team.select().exists() and not self.admins_now()

    def add_admin(self, login: str) -> None:
        row = m.Meta.get_or_none(m.Meta.key == ADMINS_KEY)
        logins = ",".join(sorted(_logins(row.value if row else "") | {login}))
        m.Meta.insert(key=ADMINS_KEY, value=logins).on_conflict(
            conflict_target=[m.Meta.key], update={m.Meta.value: logins}).execute()

    # -- people and teams ----------------------------------------------------------------
    def is_manager(self, team: m.Team, person: m.Person | None = None) -> bool:
        ms = self.membership(team, person)
        return ms is not None and ms.role == "manager"

    def require_member(self, team: m.Team) -> m.Membership:
        ms = self.membership(team)
        if ms is None:
            raise NotAllowed(f"you are not a member of team '{team.slug}'", team=team.slug)
        return ms

    def require_manager(self, team: m.Team, doing: str = "do that") -> None:
        if not self.is_manager(team):
            raise NotAllowed(f"only a manager of team '{team.slug}' can {doing}", team=team.slug)

    def person(self, login: str) -> m.Person:
        person = m.Person.get_or_none(m.Person.login == login)
        if person is None:
            raise NotFound(f"nobody with login '{login}'", entity="person", id=login)
        return person

    def my_team_ids(self, me: m.Person | None = None) -> list[int]:
        me = me or self.me()
        return [ms.team_id for ms in m.Membership.select(m.Membership.team).where(m.Membership.person == me)]

    def managed_and_theirs(self, other: m.Person) -> tuple[set[int], set[int]]:
        """(the teams I manage, the teams `other` is in)."""
        managed = {ms.team_id for ms in m.Membership.select(m.Membership.team)
                   .where((m.Membership.person == self.me()) & (m.Membership.role == "manager"))}
        theirs = {ms.team_id for ms in m.Membership.select(m.Membership.team).where(m.Membership.person == other)}
        return managed, theirs

    def manages(self, other: m.Person) -> bool:
        """Whether I manage a team `other` is in (enough to see and plan their part in it)."""
        managed, theirs = self.managed_and_theirs(other)
        return bool(managed & theirs)

    def manages_all(self, other: m.Person) -> bool:
        """Whether I manage every team `other` is in, and they are no administrator: what it
        takes to speak for them everywhere (issue their token, change their contact details).
        A manager of one of their teams must not become them in the others."""
        managed, theirs = self.managed_and_theirs(other)
        return bool(theirs) and theirs <= managed and not self.is_admin(other.login)

    # -- transactions ------------------------------------------------------------
    def write(self, fn: Callable[[], T], *, visible: bool = True) -> T:
        """Run one use case as one write transaction (retried when the file is busy).

        The change counter moves in the same transaction, so every screen that
        polls `change_cursor()` sees the change once it is committed.  Pure
        bookkeeping that no screen shows (a token's last use) passes
        `visible=False` and makes no screen reload."""
        self.bind()

        def unit() -> T:
            result = fn()
            if visible:  # the statement's parameters are the +1 and the counter row's id, 1
                c = m.ChangeCounter
                self.db.execute_sql(self.statement("changed", lambda: c.update(seq=c.seq + 1).where(c.id == 1)),
                                    [1, 1])
            return result

        self._queued.flag = False
        outer = getattr(self._writing, "flag", False)
        self._writing.flag = True
        try:
            result = run_write(self.db, unit)
        finally:
            self._writing.flag = outer
        if getattr(self._queued, "flag", False):
            self._queued.flag = False
            if self.after_queue is not None:
                self.after_queue()
        if isinstance(result, AfterCommit):
            return self.read(result.build)
        return result

    def writing(self) -> bool:
        """Whether this thread is inside a write: what it has changed is not yet counted, so
        nothing kept by the change counter may be trusted then."""
        return bool(getattr(self._writing, "flag", False))

    def bind(self) -> None:
        if m.database.obj is not self.db:
            m.database.initialize(self.db)

    def read(self, fn: Callable[[], T]) -> T:
        """Run several queries against one consistent snapshot."""
        self.bind()
        with self.db.atomic():
            return fn()

    def locked(self, query: Any, how: str = "FOR UPDATE") -> Any:
        """`query` with FOR UPDATE where the database has it (PostgreSQL): a
        read-modify-write inside `write` then cannot lose a concurrent write.
        SQLite needs nothing: its write transactions already run one at a time.
        `how` "FOR NO KEY UPDATE" takes turns without holding up rows that refer to it."""
        return query.for_update(how) if getattr(self.db, "for_update", False) else query

    def now(self) -> datetime:
        return self.clock.now()

    def change_seq(self) -> int:
        """The change counter (`write` moves it), in one plain query: no transaction, no check."""
        row = self.db.execute_sql(f'SELECT seq FROM "{m.ChangeCounter._meta.table_name}" WHERE id = 1').fetchone()
        return int(row[0]) if row else 0

    def audit(self, action: str, entity: str, entity_id: Any, team: m.Team | str | None = None,
              **detail: Any) -> None:
        team_slug = team.slug if isinstance(team, m.Team) else team
        a = m.AuditLog
        sql = self.statement("audit", lambda: a.insert(
            at=self.now(), actor="", action="", entity="", entity_id="", team=None, detail={}))
        # The statement's parameters follow the model's field order (see statement's build).
        values = {"at": a.at.db_value(self.now()), "actor": self.actor_login, "action": action,
                  "entity": entity, "entity_id": str(entity_id), "team": team_slug,
                  "detail": a.detail.db_value(plain(detail))}
        self.db.execute_sql(sql, [values[f.name] for f in a._meta.sorted_fields if f.name in values])

    def outbox(self, kind: str, payload: dict) -> None:
        m.Outbox.create(kind=kind, payload=plain(payload), created_at=self.now())

    def queued(self) -> None:
        """The running write queued something to deliver: `after_queue` runs after its commit."""
        self._queued.flag = True

    def bump(self, row: m.Versioned, expected_version: int | None, fresh: Callable[[], Any],
             what: str, **changes: Any) -> int:
        """Write `changes` to a versioned row only if nobody changed it since the user read it."""
        cls = type(row)
        names = sorted(changes)
        checked = expected_version is not None

        def build() -> Any:  # the statement with a marker where each value goes, composed once
            query = (cls.update(version=cls.version + 1, **{n: marked(n) for n in names})
                     .where(cls.id == marked(" row id")))
            return query.where(cls.version == marked(" row version")) if checked else query

        sql, markers = composed(self.db, f"bump:{cls._meta.table_name}:{','.join(names)}:{checked}", build)
        fields = cls._meta.fields
        values = {" row id": row.id, " row version": expected_version,
                  **{n: fields[n].db_value(v) for n, v in changes.items()}}
        if self.db.execute_sql(sql, bind_marked(markers, values)).rowcount != 1:
            raise StaleEdit(f"{what} was changed by someone else first; here is the current state",
                            fresh=fresh())
        return (expected_version or row.version) + 1


def plain(value: Any) -> Any:
    """`value` as JSON-ready data (what the audit log and the outbox store)."""
    from ..core.wire import to_builtins

    return to_builtins(value)
