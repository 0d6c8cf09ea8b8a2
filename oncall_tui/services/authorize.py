"""The one place that enforces the declared policies of the backend operations.

Each method in `backend/api_*.py` says who may call it (`@read(allow(...))`); the local
backend runs `AuthorizeService.authorize` before the service method, so the same check stands in front of
the TUI, the CLI and `oncall serve` (which calls the local backend acting as the token's
person).  The services keep their own, finer checks (deadlines, drafts, "on that shift");
this check holds on its own without them.

A rule names one argument; its value is turned into a scope (teams, and a person where the
argument names one).  An argument that names nothing that exists passes here, so that the
service answers with its own "no plan 7" (NotFound).
"""
from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass
from typing import Any

from ..core.errors import NotAllowed, UnknownUser
from ..store import models as m
from .base import ServiceBase

#: Person arguments that mean "me" (and "*": everybody in the teams the other rule allows).
DEFAULT_PEOPLE = (None, "", "me", "*")
_CHECKING = threading.local()


@dataclass
class _Scope:
    team_ids: list[int]
    person_id: int | None = None
    person_login: str | None = None
    named: bool = True  # False when the argument was left to its default (me, my teams)


class AuthorizeService(ServiceBase):
    """Checks a call against its declared policy; serves no API method itself."""

    SERVES: tuple[str, ...] = ()

    def authorize(self, name: str, rules: tuple, arguments: dict[str, Any]) -> None:
        """Raise NotAllowed (UnknownUser for somebody not here) unless every rule holds."""
        if not rules:
            raise NotAllowed(f"{name} declares nobody who may call it, so nobody may")

        def run() -> None:
            if any(rule.scope == "team_file" for rule in rules) and self._may_bootstrap():
                return  # the first import into an empty database: its importer becomes administrator
            if all("link" in rule.who for rule in rules):
                return  # the secret is the authority: the method checks it
            found = self._ids("authz:me", lambda: m.Person.select(m.Person.id).where(
                (m.Person.login == "") & (m.Person.active == True)), self.actor_login, True)  # noqa: E712
            me = found[0] if found else None
            if me is None and not self._is_admin():  # an administrator named in the config may not be a person here
                raise UnknownUser(self._unknown_user_message(), login=self.actor_login)
            for rule in rules:
                scope = self._rule_scope(rule, arguments.get(rule.arg) if rule.arg else None, me, arguments)
                if scope is None:
                    continue  # names nothing that exists: the service says so
                if not any(self._is(who, scope, me) for who in rule.who):
                    raise NotAllowed(_refusal(name, rule, scope, self.actor_login), operation=name)
        self._read(run)

    # -- small queries, composed once (this runs before every call) -----------------------------
    def _ids(self, name: str, build, *params: Any) -> list:
        return [row[0] for row in self.db.execute_sql(self._statement(name, build), params).fetchall()]

    def _team_id(self, slug: str) -> int | None:
        found = self._ids("authz:team", lambda: m.Team.select(m.Team.id).where(m.Team.slug == ""), slug)
        return found[0] if found else None

    def _person_id(self, login: str) -> int | None:
        found = self._ids("authz:person", lambda: m.Person.select(m.Person.id).where(m.Person.login == ""), login)
        return found[0] if found else None

    def _team_ids_of(self, person_id: int | None) -> list[int]:
        if person_id is None:
            return []
        return self._ids("authz:teams", lambda: m.Membership.select(m.Membership.team).where(
            m.Membership.person == 0), person_id)

    def _person_scope(self, person_id: int | None, login: str | None = None) -> _Scope:
        return _Scope(self._team_ids_of(person_id), person_id, login) if person_id else _Scope([])

    # -- scopes ---------------------------------------------------------------------------
    def _rule_scope(self, rule, value: Any, me: int | None, arguments: dict[str, Any]) -> _Scope | None:
        kind = rule.scope
        if kind is None:
            return _Scope([], me, named=False)
        mine = self._person_scope(me, self.actor_login)
        if kind == "person" or (kind == "source" and value is None) or (kind == "team" and value is None):
            if kind == "person" and value not in DEFAULT_PEOPLE:
                person_id = self._person_id(value)
                return _Scope(self._team_ids_of(person_id), person_id, value) if person_id else None
            mine.named = False
            return mine
        if kind == "team":
            team_id = self._team_id(value)
            return _Scope([team_id]) if team_id else None
        if kind == "team_file":
            slug = _team_file_slug(value)
            if slug is None:
                return None  # not a readable team file: the import reports where it is broken
            team_id = self._team_id(slug)
            return _Scope([team_id] if team_id else [])  # a new team: nobody manages it yet
        if kind == "rotation":
            rows = m.Rotation.select(m.Rotation.team).join(m.Team).where(m.Rotation.slug == value)
            if arguments.get("team") is not None:  # the call names the rotation's team too
                rows = rows.where(m.Team.slug == arguments["team"])
            team_ids = [r.team_id for r in rows]
            return _Scope(team_ids) if team_ids else None
        if kind == "plan":
            plan = m.Plan.select(m.Plan.id, m.Rotation.team).join(m.Rotation).where(m.Plan.id == value).first()
            return _Scope([plan.rotation.team_id]) if plan else None
        if kind == "assignment":
            slot = m.Slot.select(m.Slot.id, m.Rotation.team).join(m.Rotation).where(m.Slot.uid == value).first()
            return _Scope([slot.rotation.team_id]) if slot else None
        if kind == "status":
            row = (m.RequirementStatus.select(m.RequirementStatus.id, m.Requirement.team).join(m.Requirement)
                   .where(m.RequirementStatus.id == value).first())
            return _Scope([row.requirement.team_id]) if row else None
        if kind == "swap":
            row = (m.SwapRequest.select(m.SwapRequest.id, m.Rotation.team).join(m.Slot)
                   .join(m.Rotation).where(m.SwapRequest.id == value).first())
            return _Scope([row.slot.rotation.team_id]) if row else None
        if kind == "token":
            row = m.ApiToken.get_or_none(m.ApiToken.id == value)
            return self._person_scope(row.person_id, row.person.login) if row else None
        if kind == "source":
            row = m.CalendarSource.get_or_none(m.CalendarSource.id == value)
            return self._person_scope(row.person_id, row.person.login) if row else None
        raise NotAllowed(f"unknown policy scope {kind!r}")

    # -- roles ----------------------------------------------------------------------------
    def _is(self, who: str, scope: _Scope, me: int | None) -> bool:
        if who == "admin":
            return self._is_admin()
        if me is None:
            return False
        if who == "anyone":
            return True
        if who == "self":
            return scope.person_id == me
        team_ids = list(scope.team_ids)
        if who == "manager_was" and scope.person_id is not None:
            team_ids += self._ids("authz:past", lambda: m.PastMembership.select(m.PastMembership.team).where(
                m.PastMembership.person == 0), scope.person_id)
        roles = [role for team_id in dict.fromkeys(team_ids) for role in self._ids(
            "authz:role", lambda: m.Membership.select(m.Membership.role).where(
                (m.Membership.person == 0) & (m.Membership.team == 0)), me, team_id)]
        if who == "member":
            return bool(roles)
        return "manager" in roles


def _team_file_slug(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    try:
        team = tomllib.loads(text).get("team")
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    slug = team.get("slug") if isinstance(team, dict) else None
    return slug if isinstance(slug, str) else None


def _refusal(name: str, rule, scope: _Scope, login: str) -> str:
    """One line: who may do this, about what."""
    teams = ", ".join(f"'{t.slug}'" for t in m.Team.select(m.Team.slug).where(m.Team.id.in_(scope.team_ids)))
    person = scope.person_login if scope.named else None
    words = {
        "anyone": "someone signed in",
        "self": f"'{person}' themselves" if person else "the person themselves",
        "member": (f"someone in a team with '{person}'" if person
                   else f"a member of team {teams}" if teams and scope.named else "a member of a team"),
        "manager": (f"a manager of a team '{person}' is in" if person
                    else f"a manager of team {teams}" if teams and scope.named else "a manager of a team"),
        "manager_was": f"a manager of a team '{person}' is or was in" if person else "their manager",
        "admin": "an organisation administrator",
        "link": "the holder of the link",
    }
    if rule.scope == "team" and not scope.named and set(rule.who) & {"manager", "member"}:
        role = "managers" if "member" not in rule.who else "members of a team"
        return f"{name.replace('_', ' ')} is for {role}; '{login}' is not one"
    if rule.scope == "team_file" and not scope.team_ids:
        return f"only an organisation administrator can create a team; '{login}' is not one"
    order = ("manager", "manager_was", "member", "self", "anyone", "admin", "link")
    phrases = list(dict.fromkeys(words[w] for w in sorted(rule.who, key=order.index)))
    allowed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " or " + phrases[-1]
    return f"only {allowed} can use {name}; '{login}' cannot"


def checked(name: str, rules: tuple, impl):
    """`impl` (a backend method: `impl(backend, ...)`) behind the policy check, which
    `backend._authorize(name, rules, arguments)` runs; calls it makes to other checked
    methods on the same thread are not checked again (the outer call was)."""
    import functools
    import inspect

    signature = inspect.signature(impl)

    @functools.wraps(impl)
    def guarded(self, *args, **kwargs):
        if getattr(_CHECKING, "depth", 0):
            return impl(self, *args, **kwargs)
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            return impl(self, *args, **kwargs)  # Python says what is wrong with the call
        self._authorize(name, rules, bound.arguments)
        _CHECKING.depth = getattr(_CHECKING, "depth", 0) + 1
        try:
            return impl(self, *args, **kwargs)
        finally:
            _CHECKING.depth -= 1

    guarded.__oncall_checked__ = rules  # type: ignore[attr-defined]
    return guarded
