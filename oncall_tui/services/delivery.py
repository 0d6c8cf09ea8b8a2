"""Calendar delivery: where a team's invitations leave from (its mail server), where a person's
entries are written (their CalDAV calendar), the changes of a publish turned into outbox rows,
and how far each person's entries have got.

Passwords are sealed with `store.secrets.SecretBox` before they are stored and are never
returned, audited or put into a message."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core.checks import check_email, check_plain, check_url
from ..core.errors import InvalidInput, NotAllowed
from ..store import models as m
from ..store.secrets import SecretBox
from . import outbox
from .base import ServiceBase
from .context import ServiceContext

if TYPE_CHECKING:
    from ..core.domain_delivery import CalDAVInfo, DeliveryState, MailServerInfo

EMAIL, CALDAV = "email", "caldav"
MAX_PASSWORD = 1000


def channels_of(person: m.Person) -> tuple[str, ...]:
    """Where `person`'s calendar entries are delivered: their choice (profile, team.toml) when
    it is an invitation by mail or a CalDAV write.  (The subscription feed needs no delivery.)
    A choice that cannot work yet (no address, no CalDAV calendar) still queues, and the
    delivery state says what is missing."""
    chosen = getattr(person, "calendar_delivery", "")
    return (EMAIL,) if chosen == EMAIL else (CALDAV,) if chosen == CALDAV else ()


def queue_entry_changes(ctx: ServiceContext, changes: Iterable[Any]) -> int:
    """Turn what `calendar_out.stamp_entries` found changed (EntryChange: person_id, entry, kind)
    into outbox rows, in the caller's transaction: one per change and channel of its person."""
    changes = list(changes)
    if not changes:
        return 0
    people = {p.id: p for p in m.Person.select().where(m.Person.id.in_({c.person_id for c in changes}))}
    teams = {t.slug: t.id for t in m.Team.select(m.Team.id, m.Team.slug)}
    rows = []
    for change in changes:
        person = people.get(change.person_id)
        if person is None:
            continue
        for channel in channels_of(person):
            kind = outbox.ENTRY_MAIL if channel == EMAIL else outbox.ENTRY_CALDAV
            rows.append(outbox.Queued(kind, {"entry": change.entry, "change": change.kind}, person.id,
                                      teams.get(change.entry.team), f"{channel}:{person.id}:{change.entry.uid}"))
    return outbox.enqueue(ctx, rows)


def _no_userinfo(url: str) -> None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise InvalidInput("the CalDAV URL is not a URL", field="url") from None
    if parts.username or parts.password or "@" in parts.netloc:
        raise InvalidInput("put the CalDAV user and password in their own fields, not in the URL", field="url")


class DeliveryService(ServiceBase):
    """Mail servers, CalDAV calendars, and the delivery state of people's entries."""

    SERVES = ("delivery_status", "my_delivery", "retry_delivery", "mail_server", "set_mail_server",
              "caldav_account", "set_caldav")

    # -- delivery state ------------------------------------------------------------------------
    def _states(self, people: list[m.Person]) -> list[DeliveryState]:
        from ..core.domain_delivery import FAILING, NOT_SET_UP, OFF, PENDING, UP_TO_DATE, DeliveryState

        ids = [p.id for p in people]
        Ob = m.Outbox
        rows = list(Ob.select(Ob.person_id, Ob.delivered_at, Ob.last_error, Ob.last_attempt_at, Ob.next_attempt_at,
                             Ob.superseded_by, Ob.id)
                    .where(Ob.person_id.in_(ids) & Ob.kind.in_(outbox.DELIVERABLE)).order_by(Ob.id))
        by: dict[int | None, list[m.Outbox]] = {}
        for row in rows:
            by.setdefault(row.person_id, []).append(row)
        with_caldav = {r.person_id for r in m.CalDAVAccount.select(m.CalDAVAccount.person)
                       .where(m.CalDAVAccount.person.in_(ids))} if ids else set()
        found = []
        for person in people:
            mine = by.get(person.id, [])
            waiting = [r for r in mine if r.delivered_at is None and r.superseded_by is None]
            failing = [r for r in waiting if r.last_error]
            done = [r for r in mine if r.delivered_at is not None]
            channels = channels_of(person)
            state = (FAILING if failing else PENDING if waiting else UP_TO_DATE if channels or done else OFF)
            if state == UP_TO_DATE and channels == (CALDAV,) and person.id not in with_caldav:
                state = NOT_SET_UP  # CalDAV chosen, no calendar given yet: nothing can be up to date
            newest_failure = max(failing, key=lambda r: r.last_attempt_at or r.created_at, default=None) \
                if failing else None
            found.append(DeliveryState(
                login=person.login, name=person.name, channels=channels, state=state, pending=len(waiting),
                failing=len(failing), delivered=len(done),
                last_error=newest_failure.last_error if newest_failure else "",
                last_attempt_at=_latest(r.last_attempt_at for r in mine),
                next_attempt_at=min((r.next_attempt_at for r in failing if r.next_attempt_at), default=None),
                last_delivered_at=_latest(r.delivered_at for r in done)))
        return found

    def delivery_status(self, team: str | None = None) -> list[DeliveryState]:
        def run() -> list[DeliveryState]:
            me = self._me()
            if team is not None:
                teams = [self._team(team)]
                self._require_manager(teams[0], "see the team's calendar delivery")
            else:
                teams = list(m.Team.select().join(m.Membership).where(
                    (m.Membership.person == me) & (m.Membership.role == "manager")))
            people = list(m.Person.select().join(m.Membership).where(
                m.Membership.team.in_([t.id for t in teams]) & m.Person.active).distinct()
                .order_by(m.Person.name, m.Person.login))
            return self._states(people)
        return self._read(run)

    def my_delivery(self, person: str | None = None) -> DeliveryState:
        def run() -> DeliveryState:
            who = self._whom(person)
            return self._states([who])[0]
        return self._read(run)

    def _whom(self, person: str | None) -> m.Person:
        me = self._me()
        if person in (None, "", "me") or person == me.login:
            return me
        other = self._person(person)
        if not self._manages(other) and not self._is_admin():
            raise NotAllowed(f"only a manager of a team '{person}' is in can see their delivery")
        return other

    def retry_delivery(self, person: str | None = None, team: str | None = None) -> int:
        def run() -> int:
            if person in (None, "", "me") and team is not None:
                t = self._team(team)
                self._require_manager(t, "retry everyone's calendar delivery")
                ids = [ms.person_id for ms in m.Membership.select(m.Membership.person).where(m.Membership.team == t)]
                what: tuple[str, Any, m.Team | None] = ("team", t.id, t)
            else:
                who = self._whom(person)
                ids = [who.id]
                what = ("person", who.login, None)
            Ob = m.Outbox
            count = (Ob.update(next_attempt_at=None)
                     .where(Ob.person_id.in_(ids) & Ob.delivered_at.is_null() & Ob.superseded_by.is_null()
                            & Ob.kind.in_(outbox.DELIVERABLE))
                     .execute())
            self._audit("delivery.retry", what[0], what[1], what[2], messages=count)
            if count:
                self.ctx.queued()
            return count
        return self._write(run)

    # -- the team's mail server ------------------------------------------------------------------
    def _mail_info(self, team: m.Team) -> MailServerInfo:
        from ..core.domain_delivery import MailServerInfo

        row = m.MailServer.get_or_none(m.MailServer.team == team.id)
        if row is None:
            return MailServerInfo(team=team.slug)
        return MailServerInfo(team=team.slug, configured=True, host=row.host, port=row.port, security=row.security,
                              username=row.username, from_address=row.from_address, has_password=bool(row.password))

    def _managed_team(self, team: str | None, doing: str) -> m.Team:
        if team is None:
            managed = list(m.Team.select().join(m.Membership).where(
                (m.Membership.person == self._me()) & (m.Membership.role == "manager")))
            if len(managed) != 1:
                raise InvalidInput("say which team (--team)", field="team")
            return managed[0]
        t = self._team(team)
        if not self._is_admin():
            self._require_manager(t, doing)
        return t

    def mail_server(self, team: str | None = None) -> MailServerInfo:
        return self._read(lambda: self._mail_info(self._managed_team(team, "see the team's mail server")))

    def set_mail_server(self, team: str, host: str, port: int = 587, security: str = "starttls",
                        username: str = "", from_address: str = "", password: str | None = None
                        ) -> MailServerInfo:
        from ..core.domain_delivery import SECURITY_MODES

        host = check_plain((host or "").strip(), "mail server host")
        username = check_plain((username or "").strip(), "mail user")
        from_address = check_email(from_address or "", "from address")
        if host:
            if len(host) > 253 or " " in host:
                raise InvalidInput("the mail server host must be a host name or address", field="host")
            if not isinstance(port, int) or not 1 <= port <= 65535:
                raise InvalidInput("the mail server port must be 1 to 65535", field="port")
            if security not in SECURITY_MODES:
                raise InvalidInput(f"security must be one of {', '.join(SECURITY_MODES)}, not {security!r}",
                                   field="security")
            if not from_address:
                raise InvalidInput("give the address invitations come from (--from)", field="from_address")
        _check_password(password)
        sealed = SecretBox(self.db).seal(password) if password else ""

        def run() -> MailServerInfo:
            t = self._managed_team(team, "set the team's mail server")
            if not _store(m.MailServer, m.MailServer.team, t, password, sealed, dict(
                    host=host, port=port, security=security, username=username, from_address=from_address,
                    updated_at=self._now()) if host else None):
                self._audit("delivery.mail_server", "team", t.id, t, removed=True)
                return self._mail_info(t)
            self._audit("delivery.mail_server", "team", t.id, t, host=host, port=port, security=security,
                        username=username, from_address=from_address,
                        password="kept" if password is None else "set" if password else "none")
            return self._mail_info(t)
        return self._write(run)

    # -- a person's CalDAV calendar -----------------------------------------------------------
    def _caldav_info(self, person: m.Person) -> CalDAVInfo:
        from ..core.domain_delivery import CalDAVInfo

        row = m.CalDAVAccount.get_or_none(m.CalDAVAccount.person == person.id)
        if row is None:
            return CalDAVInfo(login=person.login)
        return CalDAVInfo(login=person.login, configured=True, url=row.url, username=row.username,
                          has_password=bool(row.password))

    def caldav_account(self, person: str | None = None) -> CalDAVInfo:
        return self._read(lambda: self._caldav_info(self._me()))

    def set_caldav(self, url: str, username: str = "", password: str | None = None,
                   person: str | None = None) -> CalDAVInfo:
        url = (url or "").strip()
        username = check_plain((username or "").strip(), "CalDAV user")
        if url:
            _no_userinfo(url)
            url = check_url(url, "CalDAV URL")
            check_caldav_host(url)
        _check_password(password)
        sealed = SecretBox(self.db).seal(password) if password else ""

        def run() -> CalDAVInfo:
            me = self._me()
            if not _store(m.CalDAVAccount, m.CalDAVAccount.person, me, password, sealed,
                          dict(url=url, username=username, updated_at=self._now()) if url else None):
                self._audit("delivery.caldav", "person", me.login, removed=True)
                return self._caldav_info(me)
            self._audit("delivery.caldav", "person", me.login, host=_host_of(url), username=username,
                        password="kept" if password is None else "set" if password else "none")
            return self._caldav_info(me)
        return self._write(run)


def _store(model: Any, owner_field: Any, owner: Any, password: str | None, sealed: str,
           values: dict[str, Any] | None) -> bool:
    """Create, update or (`values` None) remove the one row of `model` that `owner` has; the
    sealed password is written only when one was given (None keeps the stored one)."""
    row = model.get_or_none(owner_field == owner.id)
    if values is None:
        if row is not None:
            row.delete_instance()
        return False
    if password is not None:
        values["password"] = sealed
    if row is None:
        model.create(**{owner_field.name: owner}, **values)
    else:
        model.update(**values).where(model.id == row.id).execute()
    return True


def check_caldav_host(url: str) -> None:
    """A CalDAV server must be a public address, or one the organisation allowed
    (ONCALL_CALENDAR_ALLOW_HOSTS): the server must not be made to write to its own network."""
    from urllib.parse import urlsplit

    from ..calendars.errors import CalendarError
    from ..calendars.fetch import resolve_checked

    parts = urlsplit(url)
    try:
        resolve_checked(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80), "CalDAV URL")
    except CalendarError as exc:
        raise InvalidInput(str(exc), field="url") from None


def _check_password(password: str | None) -> None:
    if password is None or password == "":
        return
    if len(password) > MAX_PASSWORD or any(ch in password for ch in "\r\n\x00"):
        raise InvalidInput("the password must be one line of at most 1000 characters", field="password")


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


def _latest(values: Iterable[datetime | None]) -> datetime | None:
    return max((v for v in values if v is not None), default=None)
