"""How each kind of outbox row leaves: mail over SMTP (STARTTLS, TLS or a local relay, with a
login), and events written into a person's CalDAV calendar (the `caldav` library).

Every failure becomes one `DeliveryFailed` line naming the server and its answer, never a
password (a password a server echoes is blanked out too)."""
from __future__ import annotations

import smtplib
import socket
import ssl
from typing import TYPE_CHECKING, Any

from ..store import models as m
from ..store.secrets import SecretBox
from .outbox import ENTRY_CALDAV, ENTRY_MAIL, MAIL, SEND_TIMEOUT, DeliveryFailed, one_line, wall_now

if TYPE_CHECKING:
    from ..core.domain_calendar import CalendarEntry
    from .outbox import Delivery


def _scrub(text: str, *secrets: str) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return one_line(text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


# -- mail ----------------------------------------------------------------------------------------
def _smtp_answer(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}"


def _mail_server(delivery: Delivery, team_id: int | None) -> tuple[m.MailServer, Any]:
    """The team's mail server and an open, logged-in SMTP session (one per server and round)."""
    server = m.MailServer.get_or_none(m.MailServer.team == team_id) if team_id else None
    if server is None:
        team = m.Team.get_or_none(m.Team.id == team_id) if team_id else None
        raise DeliveryFailed(f"team '{team.slug if team else '?'}' has no mail server: a manager sets one with "
                             f"`oncall calendar mail-server`")
    key = ("smtp", server.id, server.updated_at)
    session = delivery.cache.get(key)
    if session is not None:
        try:
            if session.noop()[0] == 250:
                return server, session
        except (smtplib.SMTPException, OSError):
            pass
        delivery.cache.pop(key, None)
    team = m.Team.get_by_id(server.team_id)
    password = SecretBox(delivery.ctx.db).open(server.password, f"mail server password of team '{team.slug}'")
    where = f"mail server {server.host}:{server.port}"
    try:
        tls = ssl.create_default_context()
        if server.security == "tls":
            session = smtplib.SMTP_SSL(server.host, server.port, timeout=SEND_TIMEOUT, context=tls)
        else:
            session = smtplib.SMTP(server.host, server.port, timeout=SEND_TIMEOUT)
            session.ehlo()
            if server.security == "starttls":
                if not session.has_extn("starttls"):
                    session.close()
                    raise DeliveryFailed(f"{where} does not offer STARTTLS (security is set to starttls)")
                session.starttls(context=tls)
                session.ehlo()
        if server.username:
            session.login(server.username, password)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryFailed(_scrub(f"{where} refused the login for {server.username}: {_smtp_answer(exc)}",
                                    password)) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryFailed(f"{where} does not offer a login (AUTH); clear the user or use another server") from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(_scrub(f"{where} answered {_smtp_answer(exc)}", password)) from None
    except ssl.SSLError as exc:
        raise DeliveryFailed(f"{where}: TLS failed ({_scrub(exc.reason or str(exc))})") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(_scrub(f"{where} cannot be reached: {_reason(exc)}", password)) from None
    delivery.cache[key] = session
    return server, session


def _send_mail(delivery: Delivery, row: m.Outbox, *, to: str, to_name: str, subject: str, text: str,
               ics: bytes | None) -> None:
    from ..calendars.itip import mail_message

    server, session = _mail_server(delivery, row.team_id)
    team = m.Team.get_by_id(server.team_id)
    msg = mail_message(sender=server.from_address, sender_name=team.name, to=to, to_name=to_name,
                       subject=subject, text=text, at=wall_now(), ics=ics,
                       message_id=f"<oncall-{row.id}-{row.created_at:%Y%m%d%H%M%S}@{server.from_address.split('@')[-1]}>")
    where = f"mail server {server.host}:{server.port}"
    try:
        refused = session.send_message(msg, from_addr=server.from_address, to_addrs=[to])
    except smtplib.SMTPRecipientsRefused as exc:
        answers = "; ".join(f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                            for code, text in exc.recipients.values())
        raise DeliveryFailed(one_line(f"{where} refused the address {to}: {answers}")) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(one_line(f"{where} answered {_smtp_answer(exc)}")) from None
    except (smtplib.SMTPException, OSError) as exc:
        delivery.cache.clear()  # the session is gone; the next row opens a new one
        raise DeliveryFailed(one_line(f"{where} cannot be reached: {_reason(exc)}")) from None
    if refused:
        raise DeliveryFailed(one_line(f"{where} refused the address {to}"))


def send_mail(delivery: Delivery, row: m.Outbox) -> None:
    """A plain mail (a swap ask, its answer), or an iTIP message when it carries a calendar."""
    p = row.payload
    ics = p["ics"].encode() if p.get("ics") else None
    _send_mail(delivery, row, to=p["to"], to_name=p.get("to_name", ""), subject=p["subject"], text=p["text"],
               ics=ics)


def _entry(row: m.Outbox) -> tuple[CalendarEntry, str]:
    from ..core.domain_calendar import CalendarEntry
    from ..core.wire import convert

    return convert(CalendarEntry, row.payload["entry"]), row.payload.get("change", "update")


def _person(row: m.Outbox) -> m.Person:
    person = m.Person.get_or_none(m.Person.id == row.person_id)
    if person is None:
        raise DeliveryFailed("the person of this entry is no longer here")
    return person


def send_entry_mail(delivery: Delivery, row: m.Outbox) -> None:
    """A calendar entry as an iTIP REQUEST (new or changed) or CANCEL (removed)."""
    from ..calendars.write import calendar_bytes

    entry, change = _entry(row)
    person = _person(row)
    if not person.email:
        raise DeliveryFailed(f"{person.login} has no email address: `oncall profile set --email …`")
    server = m.MailServer.get_or_none(m.MailServer.team == row.team_id)
    organizer = server.from_address if server else None
    cancel = change == "cancel" or entry.cancelled
    method = "CANCEL" if cancel else "REQUEST"
    entries: list[Any] = [entry]
    ics = calendar_bytes(entries, method=method, organizer=organizer)
    subject = (f"Cancelled: {entry.title}" if cancel else
               f"Updated: {entry.title}" if change == "update" else entry.title)
    text = entry.description + ("\n\nThis shift was removed from your on-call plan." if cancel else "")
    _send_mail(delivery, row, to=person.email, to_name=person.name, subject=subject, text=text, ics=ics)


# -- CalDAV --------------------------------------------------------------------------------------
def _calendar(delivery: Delivery, person: m.Person) -> tuple[Any, str, str]:
    acct = m.CalDAVAccount.get_or_none(m.CalDAVAccount.person == person.id)
    if acct is None:
        raise DeliveryFailed(f"{person.login} has no CalDAV calendar set: `oncall calendar caldav --url …`")
    key = ("caldav", acct.id, acct.updated_at)
    if key in delivery.cache:
        return delivery.cache[key], acct.url, delivery.cache[("pw",) + key]
    from caldav.davclient import DAVClient

    from ..core.errors import InvalidInput
    from .delivery import check_caldav_host

    try:
        check_caldav_host(acct.url)  # again now: a name may point somewhere else since it was set
    except InvalidInput as exc:
        raise DeliveryFailed(str(exc)) from None

    password = SecretBox(delivery.ctx.db).open(acct.password, f"CalDAV password of {person.login}")
    client = DAVClient(url=acct.url, username=acct.username or None, password=password or None,
                              timeout=int(SEND_TIMEOUT))
    delivery.cache[key] = client
    delivery.cache[("pw",) + key] = password
    return client, acct.url, password


def _caldav_failure(exc: BaseException, url: str, password: str) -> DeliveryFailed:
    from caldav.lib import error

    where = f"calendar server {_host(url)}"
    status = getattr(exc, "status", None)
    if isinstance(exc, error.AuthorizationError) or status in (401, 403):
        return DeliveryFailed(f"{where} refused the login ({status or 401}): check the CalDAV user and password")
    conflicts = tuple(getattr(error, name) for name in ("ETagMismatchError", "UidConflictError", "ConsistencyError")
                      if hasattr(error, name))  # the names differ between caldav releases
    if status == 412 or isinstance(exc, conflicts):
        return DeliveryFailed(f"{where} refused the write (412 Precondition Failed): an event with this UID is "
                              "already in that calendar; the next try writes ours over it")
    if isinstance(exc, error.NotFoundError) or status == 404:
        return DeliveryFailed(f"{where} has no calendar at that URL (404)")
    if isinstance(exc, error.DAVError):
        reason = getattr(exc, "reason", "") or ""
        return DeliveryFailed(_scrub(f"{where} answered {status or ''} {reason}".replace("  ", " "), password))
    return DeliveryFailed(_scrub(f"{where} cannot be reached: {_reason(exc)}", password))


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else url


def send_entry_caldav(delivery: Delivery, row: m.Outbox) -> None:
    """Write the entry into the person's calendar (the same resource every time: its UID), or
    delete it when the entry was removed.  We own SEQUENCE: the library does not raise it."""
    from ..calendars.write import calendar_bytes

    entry, change = _entry(row)
    person = _person(row)
    client, url, password = _calendar(delivery, person)
    try:
        calendar = client.calendar(url=url)
        if change == "cancel" or entry.cancelled:
            from caldav.lib import error

            try:
                calendar.event_by_uid(entry.uid).delete()
            except error.NotFoundError:
                pass  # already gone: what we wanted
            return
        from urllib.parse import quote

        from caldav.lib import error

        # The event's own resource when the calendar has it, else a new one named by its UID.  We
        # PUT what calendar_bytes wrote as it is: caldav 1.x's save() raises SEQUENCE by one on
        # every write, and SEQUENCE is ours.
        # A new entry's first try does not clobber an event of that UID already there (the person copied one
        # in, or a stale copy): If-None-Match makes it a 412 to show; the next try writes ours.
        try:
            where = str(calendar.event_by_uid(entry.uid).url)
        except error.NotFoundError:
            where = str(calendar.url.join(quote(entry.uid) + ".ics"))
        headers = {"If-None-Match": "*"} if change == "new" and row.attempts <= 1 else {}
        entries: list[Any] = [entry]
        answer = client.put(where, calendar_bytes(entries).decode(),
                            {"Content-Type": "text/calendar; charset=utf-8", **headers})
        if answer.status >= 300:
            failed = error.PutError(where, f"{answer.status} {answer.reason or ''}".strip())
            failed.status = answer.status  # type: ignore[attr-defined]
            raise failed
    except DeliveryFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - the library's errors, and the network's
        raise _caldav_failure(exc, url, password) from None


SENDERS = {MAIL: send_mail, ENTRY_MAIL: send_entry_mail, ENTRY_CALDAV: send_entry_caldav}
