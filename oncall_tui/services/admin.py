"""Admin use cases: personal tokens for the remote endpoint.

A token is a random secret; the database keeps only its SHA-256, its first
characters (to tell tokens apart in a list), who it belongs to, when it
expires and whether it was revoked.  `authenticate` is what `oncall serve`
calls for every request; it is deliberately not part of the API.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..core.errors import InvalidInput, NotAllowed, NotAuthenticated, NotFound
from ..store import models as m
from .base import ServiceBase, check_plain

if TYPE_CHECKING:  # only for annotations: imported where used, so start-up does not pay
    from ..core.domain_admin import IssuedToken, TokenInfo

TOKEN_PREFIX = "oc_"
HINT_LENGTH = 9  # "oc_" + 6 characters of the secret
MAX_EXPIRES_DAYS = 730
LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most this often per token


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(person: m.Person, now: datetime, expires_at: datetime | None, label: str = "",
                 issued_by: m.Person | None = None) -> tuple[str, m.ApiToken]:
    """Insert a token row and return (secret, row).  Call inside a write transaction."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = m.ApiToken.create(person=person, token_hash=hash_token(secret), hint=secret[:HINT_LENGTH],
                            label=label, created_at=now, expires_at=expires_at, issued_by=issued_by)
    return secret, row


def token_status(row: m.ApiToken, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"


class AdminService(ServiceBase):
    """Personal tokens for the remote endpoint (and `authenticate`, for `oncall serve`)."""

    SERVES = ("issue_token", "tokens", "revoke_token")

    def _token_info(self, row: m.ApiToken) -> TokenInfo:
        from ..core.domain_admin import TokenInfo

        issuer = m.Person.get_or_none(m.Person.id == row.issued_by_id) if row.issued_by_id else None
        return TokenInfo(
            id=row.id, login=row.person.login, label=row.label, hint=row.hint,
            status=token_status(row, self._now()), created_at=row.created_at,
            expires_at=row.expires_at, revoked_at=row.revoked_at, last_used_at=row.last_used_at,
            issued_by=issuer.login if issuer else None,
        )

    def _managed_now_or_before(self, person: m.Person) -> bool:
        """Whether I manage a team `person` is in, or was in until an import dropped them."""
        if self._manages(person):
            return True
        managed = (m.Membership.select(m.Membership.team)
                   .where((m.Membership.person == self._me()) & (m.Membership.role == "manager")))
        return (m.PastMembership.select()
                .where((m.PastMembership.person == person) & m.PastMembership.team.in_(managed)).exists())

    # -- the API ----------------------------------------------------------------------
    def issue_token(self, login: str, expires_days: int = 90, label: str = "") -> IssuedToken:
        from ..core.domain_admin import IssuedToken

        if not isinstance(expires_days, int) or not 1 <= expires_days <= MAX_EXPIRES_DAYS:
            raise InvalidInput(f"a token lasts 1 to {MAX_EXPIRES_DAYS} days, not {expires_days}",
                               field="expires_days")
        label = check_plain((label or "").strip(), "label")
        if len(label) > 100:
            raise InvalidInput("the label is longer than 100 characters", field="label")

        def run():
            me = self._me()
            person = self._person(login)
            if not person.active:
                raise InvalidInput(f"'{login}' is no longer active", field="login")
            if person.id != me.id and not self._manages_all(person) and not self._is_admin():
                raise NotAllowed(f"only '{login}' themselves, an organisation administrator or a manager of "
                                 f"every team they are in can issue their token")
            now = self._now()
            secret, row = create_token(person, now, now + timedelta(days=expires_days), label, me)
            self._audit("token.issue", "token", row.id, None, login=login, label=label,
                        expires_at=row.expires_at, hint=row.hint)
            return IssuedToken(token=secret, info=self._token_info(row))
        return self._write(run)

    def tokens(self, login: str | None = None) -> list[TokenInfo]:
        def run():
            me = self._me()
            q = m.ApiToken.select(m.ApiToken, m.Person).join(m.Person).order_by(m.ApiToken.id)
            if login is not None:
                person = self._person(login)
                if person.id != me.id and not self._managed_now_or_before(person) and not self._is_admin():
                    raise NotAllowed(f"only '{login}' or their manager can see their tokens")
                q = q.where(m.ApiToken.person == person)
            elif not self._is_admin():
                managed = (m.Membership.select(m.Membership.team)
                           .where((m.Membership.person == me) & (m.Membership.role == "manager")))
                people = m.Membership.select(m.Membership.person).where(m.Membership.team.in_(managed))
                former = m.PastMembership.select(m.PastMembership.person).where(m.PastMembership.team.in_(managed))
                q = q.where((m.ApiToken.person == me) | m.ApiToken.person.in_(people)
                            | m.ApiToken.person.in_(former))
            return [self._token_info(row) for row in q]
        return self._read(run)

    def revoke_token(self, token_id: int) -> TokenInfo:
        def run():
            me = self._me()
            row = m.ApiToken.get_or_none(m.ApiToken.id == token_id)
            if row is None:
                raise NotFound(f"no token with id {token_id}", entity="token", id=token_id)
            if row.person_id != me.id and not self._managed_now_or_before(row.person) and not self._is_admin():
                raise NotAllowed("only the token's owner or their manager (now or before) can revoke it")
            if row.revoked_at is None:
                now = self._now()
                m.ApiToken.update(revoked_at=now).where(m.ApiToken.id == row.id).execute()
                row.revoked_at = now
                self._audit("token.revoke", "token", row.id, None, login=row.person.login, hint=row.hint)
            return self._token_info(row)
        return self._write(run)

    # -- for `oncall serve` only (not an API method) ---------------------------------------
    def authenticate(self, secret: str | None) -> str:
        """The login a bearer token belongs to, or NotAuthenticated saying why not."""
        if not secret:
            raise NotAuthenticated("no token was sent: run `oncall login URL` with a token from your manager")
        now = self._now()

        self._bind()
        # One plain query: this runs for every request the server answers.
        t, p = m.ApiToken, m.Person
        sql = (f'SELECT t.id, t.hint, t.revoked_at, t.expires_at, t.last_used_at, p.login, p.active '
               f'FROM "{t._meta.table_name}" t JOIN "{p._meta.table_name}" p ON p.id = t.person_id '
               f'WHERE t.token_hash = {self.db.param}')
        found = self.db.execute_sql(sql, (hash_token(secret),)).fetchone()
        if found is None:
            raise NotAuthenticated("this token is not known here (mistyped, or issued by another "
                                   "server); ask a manager for a new one")
        token_id, hint, revoked_at, expires_at, last_used_at, login, active = found
        revoked_at = t.revoked_at.python_value(revoked_at)
        expires_at = t.expires_at.python_value(expires_at)
        last_used_at = t.last_used_at.python_value(last_used_at)
        if revoked_at is not None:
            raise NotAuthenticated(f"this token ({hint}…) was revoked on {revoked_at:%Y-%m-%d}; "
                                   f"ask a manager for a new one", login=login)
        if expires_at is not None and expires_at <= now:
            raise NotAuthenticated(f"this token ({hint}…) expired on {expires_at:%Y-%m-%d}; "
                                   f"ask a manager for a new one", login=login)
        if not active:
            raise NotAuthenticated(f"'{login}' is no longer active here", login=login)
        if last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION:
            def touch():
                m.ApiToken.update(last_used_at=now).where(m.ApiToken.id == token_id).execute()
            self._write(touch, visible=False)
        return login
