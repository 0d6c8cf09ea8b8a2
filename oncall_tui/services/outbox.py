"""The outbox: what must leave the system (calendar invitations, CalDAV writes, mail) is
written in the same transaction as the change that causes it, and a deliverer sends it after
the commit.

Who delivers (README "Calendar delivery"): `oncall serve` (a background thread), and, for a
team on a shared file without a server, a short child process started by the `oncall` that
made the change, any later `oncall` run, and `oncall deliver` from cron.  Any number of them
may run at once on one database:

- a deliverer *claims* rows with one conditional UPDATE that sets its lease (owner, expiry) on
  rows nobody holds; the database decides who got which row;
- it sends a row, then marks it delivered in one UPDATE that holds only while its lease is its
  own; a row delivered is never picked again;
- a deliverer killed mid-way leaves its lease to run out (`LEASE_SECONDS`); the row is then
  claimed again.  Sending is bounded well inside the lease (`SEND_TIMEOUT`), so a live
  deliverer never loses its lease while it sends;
- a failure is written back with the server's one-line reason and a later `next_attempt_at`
  (back-off doubling from 30 s to an hour); `retry` makes rows due now;
- rows of one `topic` (channel, person, entry) go out in order: a newer row supersedes an older
  one not yet sent, and is not sent while an older one is in flight.

Lease and back-off times are the machine's real time (`wall_now`), not the app's clock, which
tests and demos pin.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import peewee as pw

from ..core.errors import OncallError
from ..store import models as m
from .context import ServiceContext

log = logging.getLogger("oncall.deliver")

LEASE_SECONDS = 120.0
SEND_TIMEOUT = 20.0  # seconds per network step (connect, each SMTP / HTTP exchange)
BATCH = 25
BACKOFF_FIRST = 30.0
BACKOFF_MAX = 3600.0

#: Kinds a deliverer sends; other outbox rows ("plan.published") are records for later readers.
MAIL, ENTRY_MAIL, ENTRY_CALDAV = "mail", "entry.mail", "entry.caldav"
DELIVERABLE = (MAIL, ENTRY_MAIL, ENTRY_CALDAV)


class DeliveryFailed(Exception):
    """A row could not be sent; the message is the one line the delivery state shows."""


def wall_now() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed try."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def one_line(text: str, limit: int = 300) -> str:
    """A server's answer as one short line (what the delivery state shows)."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


# -- writing: inside the change's own transaction ------------------------------------------------
@dataclass(frozen=True)
class Queued:
    kind: str
    payload: dict
    person_id: int | None = None
    team_id: int | None = None
    topic: str = ""


def enqueue(ctx: ServiceContext, rows: Iterable[Queued]) -> int:
    """Write `rows` to the outbox inside the caller's transaction; a row whose topic has an
    older unsent row supersedes it.  After the commit the context's `after_queue` hook runs
    (a deliverer is woken or started)."""
    from .context import plain

    rows = list(rows)
    if not rows:
        return 0
    now = ctx.now()
    Ob = m.Outbox
    for chunk in _chunks(rows, 200):
        Ob.insert_many([{"kind": r.kind, "payload": plain(r.payload), "created_at": now, "person_id": r.person_id,
                        "team_id": r.team_id, "topic": r.topic} for r in chunk]).execute()
    topics = sorted({r.topic for r in rows if r.topic})
    Newer = Ob.alias("newer")
    for chunk in _chunks(topics, 400):
        newest = (Newer.select(pw.fn.MAX(Newer.id)).where(Newer.topic == Ob.topic))
        (Ob.update(superseded_by=newest)
         .where(Ob.topic.in_(chunk) & Ob.delivered_at.is_null() & Ob.superseded_by.is_null() & (Ob.id < newest))
         .execute())
    ctx.queued()
    return len(rows)


def enqueue_mail(ctx: ServiceContext, team: m.Team, person: m.Person, subject: str, text: str, *,
                 ics: bytes | None = None, method: str | None = None, topic: str = "") -> int:
    """One call for any area (a swap ask, its answer): mail `person` from `team`'s mail server,
    after the commit of the caller's transaction.  `ics` with `method` makes it an iTIP
    message (the calendar part says `method=`)."""
    if not person.email:
        return 0
    payload: dict[str, Any] = {"to": person.email, "to_name": person.name, "subject": subject, "text": text}
    if ics is not None:
        payload["ics"] = ics.decode()
        payload["method"] = method or "PUBLISH"
    return enqueue(ctx, [Queued(MAIL, payload, person.id, team.id, topic)])


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- reading what is due -----------------------------------------------------------------------
def _due(now: datetime) -> Any:
    Ob = m.Outbox
    Older = Ob.alias("older")
    in_flight = (Older.select(Older.id).where(
        (Older.topic == Ob.topic) & (Older.id < Ob.id) & Older.delivered_at.is_null()
        & Older.lease_until.is_null(False) & (Older.lease_until >= now)))
    return (Ob.delivered_at.is_null() & Ob.superseded_by.is_null() & Ob.kind.in_(DELIVERABLE)
            & (Ob.next_attempt_at.is_null() | (Ob.next_attempt_at <= now))
            & (Ob.lease_until.is_null() | (Ob.lease_until < now))
            & ((Ob.topic == "") | ~pw.fn.EXISTS(in_flight)))


def due_exists(ctx: ServiceContext) -> bool:
    """Whether anything is due for delivery now (one cheap query)."""
    return ctx.read(lambda: m.Outbox.select(m.Outbox.id).where(_due(wall_now())).limit(1).exists())


# -- the deliverer ----------------------------------------------------------------------------
Sender = Callable[["Delivery", m.Outbox], None]


@dataclass
class Round:
    sent: int = 0
    failed: int = 0
    lost: int = 0  # leases that ran out while sending (another deliverer may have sent it)
    errors: list[str] = field(default_factory=list)


class Delivery:
    """One deliverer: claims due rows, sends them with the senders of their kind, and writes the
    outcome back.  `senders` maps a kind to a function (deliverer, row) that raises
    DeliveryFailed with the one line to show; the default ones are `delivery_send.SENDERS`."""

    def __init__(self, ctx: ServiceContext, *, senders: dict[str, Sender] | None = None,
                 lease_seconds: float = LEASE_SECONDS, owner: str | None = None) -> None:
        if senders is None:
            from .delivery_send import SENDERS as default

            senders = dict(default)
        self.ctx = ctx
        self.senders: dict[str, Any] = senders
        self.lease_seconds = lease_seconds
        self.owner = owner or f"{socket.gethostname()[:40]}:{os.getpid()}"
        self.cache: dict[Any, Any] = {}  # open connections for one round (an SMTP session per server)

    def claim(self, limit: int = BATCH) -> list[m.Outbox]:
        """Take up to `limit` due rows: one short transaction, one conditional UPDATE."""
        token = f"{self.owner}:{secrets.token_hex(6)}"

        def run() -> list[m.Outbox]:
            now = wall_now()
            Ob = m.Outbox
            pick = Ob.select(Ob.id).where(_due(now)).order_by(Ob.id).limit(limit)
            count = (Ob.update(lease_owner=token, lease_until=now + timedelta(seconds=self.lease_seconds),
                              attempts=Ob.attempts + 1, last_attempt_at=now)
                     .where(Ob.id.in_(pick) & Ob.delivered_at.is_null()
                            & (Ob.lease_until.is_null() | (Ob.lease_until < now)))
                     .execute())
            if not count:
                return []
            return list(Ob.select().where(Ob.lease_owner == token).order_by(Ob.id))
        return self.ctx.write(run, visible=False)

    def _finish(self, row: m.Outbox, error: str | None) -> bool:
        """Write the outcome of `row` back, if its lease is still ours."""
        def run() -> int:
            now = wall_now()
            Ob = m.Outbox
            if error is None:
                changes = dict(delivered_at=now, lease_owner="", lease_until=None, last_error="")
            else:
                changes = dict(lease_owner="", lease_until=None, last_error=error,
                               next_attempt_at=now + timedelta(seconds=backoff(row.attempts)))
            return (Ob.update(**changes)
                    .where((Ob.id == row.id) & (Ob.lease_owner == row.lease_owner) & Ob.delivered_at.is_null())
                    .execute())
        return bool(self.ctx.write(run, visible=False))

    def send(self, row: m.Outbox) -> str | None:
        sender = self.senders.get(row.kind)
        if sender is None:
            return f"nothing here delivers {row.kind!r} (a newer oncall queued it)"
        try:
            sender(self, row)
        except DeliveryFailed as exc:
            return one_line(str(exc))
        except OncallError as exc:  # a password that cannot be read, a setting refused
            return one_line(exc.message)
        except Exception as exc:  # noqa: BLE001 - a sender's surprise is a row's failure, never a crash
            log.exception("delivering outbox row %s", row.id)
            return one_line(f"{type(exc).__name__}: {exc}")
        return None

    def run_once(self, limit: int | None = None) -> Round:
        """Deliver what is due now (and what falls due meanwhile), then return."""
        done = Round()
        try:
            while limit is None or done.sent + done.failed < limit:
                rows = self.claim(BATCH if limit is None else min(BATCH, limit - done.sent - done.failed))
                if not rows:
                    break
                for row in rows:
                    error = self.send(row)
                    if not self._finish(row, error):
                        done.lost += 1
                    elif error is None:
                        done.sent += 1
                    else:
                        done.failed += 1
                        done.errors.append(error)
        finally:
            self.close()
        return done

    def close(self) -> None:
        for closer in list(self.cache.values()):
            try:
                close = getattr(closer, "quit", None) or getattr(closer, "close", None)
                if close:
                    close()
            except Exception:  # noqa: BLE001 - a connection that is already gone
                pass
        self.cache.clear()


class BackgroundDeliverer:
    """`oncall serve`'s deliverer: a thread that delivers when woken (a change queued something)
    and every `poll` seconds (retries falling due, rows other processes queued).  Before each
    round it runs `due` (what the clock has made due: swap requests timing out and escalating,
    which queue their mail)."""

    def __init__(self, ctx: ServiceContext, poll: float = 15.0, on_error: Callable[[str], None] | None = None,
                 due: Callable[[], object] | None = None) -> None:
        self.ctx = ctx
        self.poll = poll
        self.due = due
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.on_error = on_error or (lambda line: log.error("delivery: %s", line))
        self.thread = threading.Thread(target=self._run, name="oncall-deliver", daemon=True)

    def start(self) -> BackgroundDeliverer:
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.is_set():
            self.wake.clear()
            try:
                if self.due is not None:
                    self.due()
                Delivery(self.ctx).run_once()
            except Exception as exc:  # noqa: BLE001 - the database went away: say so, try again later
                self.on_error(one_line(str(exc)))
            finally:
                if not self.ctx.db.in_transaction():
                    self.ctx.db.close()
            self.wake.wait(self.poll)

    def close(self) -> None:
        self.stop.set()
        self.wake.set()
        self.thread.join(timeout=SEND_TIMEOUT * 2)


def spawn_deliverer(url: str) -> None:
    """Start `oncall deliver` for `url` as a short child process of its own session, so the
    person who made the change waits for nothing and the mail still leaves if they quit."""
    import subprocess
    import sys

    if os.environ.get("ONCALL_DELIVERY") == "off":
        return
    try:
        proc = subprocess.Popen([sys.executable, "-m", "oncall_tui", "--db", url, "deliver", "--quiet"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, close_fds=True)
    except OSError as exc:
        log.warning("could not start a deliverer: %s", exc)
        return
    threading.Thread(target=proc.wait, name="oncall-deliver-reaper", daemon=True).start()
