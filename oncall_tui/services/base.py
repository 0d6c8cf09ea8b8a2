"""What every use case shares: who is asking, one transaction, the audit record."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import peewee as pw

from ..core.clock import Clock
from ..core.domain import Recommendation
from ..core.errors import InvalidInput, NotAllowed, NotFound, StaleEdit, UnknownUser
from ..store import models as m
from ..store.db import run_write

T = TypeVar("T")


class AfterCommit:
    """What a write hands back when its answer takes more reading than writing: `_write`
    builds the answer after the commit, in a read, so other writers are not kept waiting
    while it is put together."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self.build = build


MAX_NOTE = 2000
#: The Meta row listing organisation administrators (comma-separated logins); the first
#: importer of an empty database is written there.  `oncall serve --admin LOGIN` (the
#: backend's `admins`) and the system configuration add more; never the environment of
#: the person asking, who could name themselves.
ADMINS_KEY = "admins"


def _logins(text: str) -> set[str]:
    return {part.strip() for part in text.replace(" ", ",").split(",") if part.strip()}
#: Starts the placeholder values of a statement composed once (`_bump`): no stored text starts so.
MARK = "\0oncall-value:"


class ServiceBase:
    """Holds the database, the clock and the actor's login.  Service mixins build on it."""

    db: pw.Database
    clock: Clock
    actor_login: str
    #: Administrators named by whoever runs this process as a service (`oncall serve --admin`);
    #: the system configuration's and the database's are added when asked (`_admins`).
    admins: frozenset[str] = frozenset()

    # -- who is asking ---------------------------------------------------------
    def _me(self) -> m.Person:
        sql = self._statement("me", lambda: m.Person.select().where(
            (m.Person.login == "") & (m.Person.active == True)))  # noqa: E712
        found = list(m.Person.raw(sql, self.actor_login, True))
        if not found:
            raise UnknownUser(self._unknown_user_message(), login=self.actor_login)
        return found[0]

    def _statement(self, name: str, build: Callable[[], Any]) -> str:
        """SQL text built once per database and reused: most of a small write's time
        would otherwise go to composing the same statements again, while other
        writers wait for the lock."""
        return self._composed(name, build)[0]

    def _composed(self, name: str, build: Callable[[], Any]) -> tuple[str, list]:
        """(SQL text, parameters) of the query `build()` makes, composed once per database."""
        cache = self.db.__dict__.setdefault("_oncall_statements", {})  # SQL text differs per database
        composed = cache.get(name)
        if composed is None:
            composed = cache[name] = build().sql()
        return composed

    def _unknown_user_message(self) -> str:
        managers = (
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

    def _team(self, slug: str) -> m.Team:
        team = m.Team.get_or_none(m.Team.slug == slug)
        if team is None:
            raise NotFound(f"no team called '{slug}'", entity="team", id=slug)
        return team

    def _membership(self, team: m.Team, person: m.Person | None = None) -> m.Membership | None:
        person = person or self._me()
        return m.Membership.get_or_none((m.Membership.team == team) & (m.Membership.person == person))

    # -- organisation administrators ----------------------------------------------------
    def _admins(self) -> set[str]:
        from ..config import system_config

        row = m.Meta.get_or_none(m.Meta.key == ADMINS_KEY)
        return set(self.admins) | set(system_config().admins) | _logins(row.value if row else "")

    def _is_admin(self, login: str | None = None) -> bool:
        return (login or self.actor_login) in self._admins()

    def _may_bootstrap(self) -> bool:
        """An empty database with no administrator: its first team import is allowed, and makes
        the importer administrator."""
        return not m.Team.select().exists() and not self._admins()

    def _add_admin(self, login: str) -> None:
        row = m.Meta.get_or_none(m.Meta.key == ADMINS_KEY)
        logins = ",".join(sorted(_logins(row.value if row else "") | {login}))
        m.Meta.insert(key=ADMINS_KEY, value=logins).on_conflict(
            conflict_target=[m.Meta.key], update={m.Meta.value: logins}).execute()

    def _is_manager(self, team: m.Team, person: m.Person | None = None) -> bool:
        ms = self._membership(team, person)
        return ms is not None and ms.role == "manager"

    def _require_member(self, team: m.Team) -> m.Membership:
        ms = self._membership(team)
        if ms is None:
            raise NotAllowed(f"you are not a member of team '{team.slug}'", team=team.slug)
        return ms

    def _require_manager(self, team: m.Team, doing: str = "do that") -> None:
        if not self._is_manager(team):
            raise NotAllowed(f"only a manager of team '{team.slug}' can {doing}", team=team.slug)

    def _person(self, login: str) -> m.Person:
        person = m.Person.get_or_none(m.Person.login == login)
        if person is None:
            raise NotFound(f"nobody with login '{login}'", entity="person", id=login)
        return person

    def _my_team_ids(self, me: m.Person | None = None) -> list[int]:
        me = me or self._me()
        return [ms.team_id for ms in m.Membership.select(m.Membership.team).where(m.Membership.person == me)]

    def _shares_team_with(self, other: m.Person) -> bool:
        mine = set(self._my_team_ids())
        theirs = {ms.team_id for ms in m.Membership.select(m.Membership.team).where(m.Membership.person == other)}
        return bool(mine & theirs)

    def _managed_and_theirs(self, other: m.Person) -> tuple[set[int], set[int]]:
        """(the teams I manage, the teams `other` is in)."""
        managed = {ms.team_id for ms in m.Membership.select(m.Membership.team)
                   .where((m.Membership.person == self._me()) & (m.Membership.role == "manager"))}
        theirs = {ms.team_id for ms in m.Membership.select(m.Membership.team).where(m.Membership.person == other)}
        return managed, theirs

    def _manages(self, other: m.Person) -> bool:
        """Whether I manage a team `other` is in (enough to see and plan their part in it)."""
        managed, theirs = self._managed_and_theirs(other)
        return bool(managed & theirs)

    def _manages_all(self, other: m.Person) -> bool:
        """Whether I manage every team `other` is in, and they are no administrator: what it
        takes to speak for them everywhere (issue their token, change their contact details).
        A manager of one of their teams must not become them in the others."""
        managed, theirs = self._managed_and_theirs(other)
        return bool(theirs) and theirs <= managed and not self._is_admin(other.login)

    # -- hooks that other areas fill in (the defaults keep each area usable alone) ------
    def _eligibility_checker(self, team: m.Team) -> Callable[[int, str, datetime], tuple[bool, str]]:
        """A function (person_id, role, at) -> (eligible, why not) for everyone in `team`.

        Loads what it needs once; the planner calls it for every person, role and
        shift.  The requirements service overrides this."""
        return lambda person_id, role, at: (True, "")

    def _recommendations(self, team: m.Team, month: str) -> dict[int, Recommendation]:
        """person_id -> recommendation level for `month` (YYYY-MM).  The availability
        service overrides this."""
        return {}

    def _after_publish(self, plan: m.Plan) -> None:
        """Called inside the publish transaction: queue calendar entries and notices
        (outbox rows).  Later areas (calendar delivery, notifications) extend it."""

    # -- transactions ------------------------------------------------------------
    def _write(self, fn: Callable[[], T], *, visible: bool = True) -> T:
        """Run one use case as one write transaction (retried when the file is busy).

        The change counter moves in the same transaction, so every screen that
        polls `change_cursor()` sees the change once it is committed.  Pure
        bookkeeping that no screen shows (a token's last use) passes
        `visible=False` and makes no screen reload."""
        self._bind()

        def unit() -> T:
            result = fn()
            if visible:  # the statement's parameters are the +1 and the counter row's id, 1
                c = m.ChangeCounter
                self.db.execute_sql(self._statement("changed", lambda: c.update(seq=c.seq + 1).where(c.id == 1)),
                                    [1, 1])
            return result

        result = run_write(self.db, unit)
        if isinstance(result, AfterCommit):
            return self._read(result.build)
        return result

    def _bind(self) -> None:
        if m.database.obj is not self.db:
            m.database.initialize(self.db)

    def _read(self, fn: Callable[[], T]) -> T:
        """Run several queries against one consistent snapshot."""
        self._bind()
        with self.db.atomic():
            return fn()

    def _locked(self, query, how: str = "FOR UPDATE"):
        """`query` with FOR UPDATE where the database has it (PostgreSQL): a
        read-modify-write inside `_write` then cannot lose a concurrent write.
        SQLite needs nothing: its write transactions already run one at a time.
        `how` "FOR NO KEY UPDATE" takes turns without holding up rows that refer to it."""
        return query.for_update(how) if getattr(self.db, "for_update", False) else query

    def _now(self) -> datetime:
        return self.clock.now()

    def _audit(self, action: str, entity: str, entity_id: Any, team: m.Team | str | None = None,
               **detail: Any) -> None:
        team_slug = team.slug if isinstance(team, m.Team) else team
        a = m.AuditLog
        sql = self._statement("audit", lambda: a.insert(
            at=self._now(), actor="", action="", entity="", entity_id="", team=None, detail={}))
        # The statement's parameters follow the model's field order (see _statement's build).
        values = {"at": a.at.db_value(self._now()), "actor": self.actor_login, "action": action,
                  "entity": entity, "entity_id": str(entity_id), "team": team_slug,
                  "detail": a.detail.db_value(_plain(detail))}
        self.db.execute_sql(sql, [values[f.name] for f in a._meta.sorted_fields if f.name in values])

    def _outbox(self, kind: str, payload: dict) -> None:
        m.Outbox.create(kind=kind, payload=_plain(payload), created_at=self._now())

    def _bump(self, row: m.Versioned, expected_version: int | None, fresh: Callable[[], Any],
              what: str, **changes: Any) -> int:
        """Write `changes` to a versioned row only if nobody changed it since the user read it."""
        cls = type(row)
        names = sorted(changes)
        checked = expected_version is not None

        def build():  # the statement with a marker where each value goes, composed once
            def mark(name: str) -> pw.Value:
                return pw.Value(MARK + name, converter=False)

            query = (cls.update(version=cls.version + 1, **{n: mark(n) for n in names})
                     .where(cls.id == mark(" row id")))
            return query.where(cls.version == mark(" row version")) if checked else query

        sql, markers = self._composed(f"bump:{cls._meta.table_name}:{','.join(names)}:{checked}", build)
        fields = cls._meta.fields
        values = {" row id": row.id, " row version": expected_version,
                  **{n: fields[n].db_value(v) for n, v in changes.items()}}
        params = [values[p[len(MARK):]] if isinstance(p, str) and p.startswith(MARK) else p for p in markers]
        if self.db.execute_sql(sql, params).rowcount != 1:
            raise StaleEdit(f"{what} was changed by someone else first; here is the current state",
                            fresh=fresh())
        return (expected_version or row.version) + 1


def _plain(value: Any) -> Any:
    from ..core.wire import to_builtins

    return to_builtins(value)


def check_note(text: str, field: str = "note", required: bool = False, limit: int = MAX_NOTE,
               one_line: bool = False) -> str:
    """Text a person typed, trimmed and checked: not too long, and holding no control characters
    (terminal escape sequences and the like; a note may have several lines, a `one_line` field
    such as a name or a label may not)."""
    text = (text or "").strip()
    if required and not text:
        raise InvalidInput(f"the {field} is empty", field=field)
    if len(text) > limit:
        raise InvalidInput(f"the {field} is {len(text)} characters; at most {limit} fit", field=field)
    check_plain(text, field, one_line)
    return text


def check_plain(text: str, field: str, one_line: bool = True) -> str:
    """Refuse control characters in `text` (and line breaks and tabs if `one_line`)."""
    from ..core.text import CONTROL_CHARS, safe_text

    bad = CONTROL_CHARS.search(text) or (one_line and re.search(r"[\n\t]", text))
    if bad:
        raise InvalidInput(f"the {field} contains a control character ({safe_text(bad.group())!s}"
                           f"{' or a line break' if one_line else ''}); remove it", field=field)
    return text


def check_url(text: str, field: str = "link") -> str:
    from urllib.parse import urlparse

    text = (text or "").strip()
    parts = urlparse(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"the {field} must be an http(s) URL, not {text[:60]!r}", field=field)
    if len(text) > 500:
        raise InvalidInput(f"the {field} is too long (at most 500 characters)", field=field)
    return text
