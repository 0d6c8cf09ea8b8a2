"""What every area service is built on: the shared `ServiceContext` (who is asking, one
transaction, the audit record), spelt as each area's code has always called it."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import peewee as pw

from ..core.checks import check_note, check_plain, check_url  # noqa: F401 (the services' way in)
from ..store import models as m
from .context import ADMINS_KEY, AfterCommit, ServiceContext

T = TypeVar("T")
__all__ = ["ADMINS_KEY", "AfterCommit", "ServiceBase", "ServiceContext", "check_note", "check_plain", "check_url"]


class ServiceBase:
    """One area's use cases over a `ServiceContext`.  The area's collaborators (another area's
    eligibility check, its recommendations) are arguments of its own constructor; the helpers
    below only forward to the context, which is all that the areas share."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @property
    def db(self) -> pw.Database:
        return self.ctx.db

    @property
    def actor_login(self) -> str:
        return self.ctx.actor_login

    # -- who is asking ---------------------------------------------------------
    def _me(self) -> m.Person:
        return self.ctx.me()

    def _statement(self, name: str, build: Callable[[], Any]) -> str:
        return self.ctx.statement(name, build)

    def _unknown_user_message(self) -> str:
        return self.ctx.unknown_user_message()

    def _team(self, slug: str) -> m.Team:
        return self.ctx.team(slug)

    def _membership(self, team: m.Team, person: m.Person | None = None) -> m.Membership | None:
        return self.ctx.membership(team, person)

    def _admins(self) -> set[str]:
        return self.ctx.admins_now()

    def _is_admin(self, login: str | None = None) -> bool:
        return self.ctx.is_admin(login)

    def _may_bootstrap(self) -> bool:
        return self.ctx.may_bootstrap()

    def _add_admin(self, login: str) -> None:
        self.ctx.add_admin(login)

    def _is_manager(self, team: m.Team, person: m.Person | None = None) -> bool:
        return self.ctx.is_manager(team, person)

    def _require_member(self, team: m.Team) -> m.Membership:
        return self.ctx.require_member(team)

    def _require_manager(self, team: m.Team, doing: str = "do that") -> None:
        self.ctx.require_manager(team, doing)

    def _person(self, login: str) -> m.Person:
        return self.ctx.person(login)

    def _my_team_ids(self, me: m.Person | None = None) -> list[int]:
        return self.ctx.my_team_ids(me)

    def _manages(self, other: m.Person) -> bool:
        return self.ctx.manages(other)

    def _manages_all(self, other: m.Person) -> bool:
        return self.ctx.manages_all(other)

    # -- transactions ------------------------------------------------------------
    def _write(self, fn: Callable[[], T], *, visible: bool = True) -> T:
        return self.ctx.write(fn, visible=visible)

    def _bind(self) -> None:
        self.ctx.bind()

    def _read(self, fn: Callable[[], T]) -> T:
        return self.ctx.read(fn)

    def _locked(self, query: Any, how: str = "FOR UPDATE") -> Any:
        return self.ctx.locked(query, how)

    def _now(self) -> datetime:
        return self.ctx.now()

    def _audit(self, action: str, entity: str, entity_id: Any, team: m.Team | str | None = None,
               **detail: Any) -> None:
        self.ctx.audit(action, entity, entity_id, team, **detail)

    def _outbox(self, kind: str, payload: dict) -> None:
        self.ctx.outbox(kind, payload)

    def _bump(self, row: m.Versioned, expected_version: int | None, fresh: Callable[[], Any],
              what: str, **changes: Any) -> int:
        return self.ctx.bump(row, expected_version, fresh, what, **changes)
