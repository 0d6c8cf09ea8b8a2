"""Calendar entries out: each published assignment as an entry in its person's calendar.

    entries_for(ctx, person, first, last)   the person's entries now (the feed, an export)
    stamp_entries(ctx, people, ...)         inside a publish / edit / swap transaction: what
                                            changed for each person since their calendar was
                                            last told (EntryStamp), with SEQUENCE raised

One entry per assignment slot and person; its UID is the slot's uid, which never changes,
so a re-publish, a swap or a new partner is an update of the same event (higher SEQUENCE),
never a second one, and a removed assignment is a cancellation.  The feed reads the stored
SEQUENCE; the deliverer turns the EntryChanges into outbox rows.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import peewee as pw

from ..calendars.write import calendar_bytes
from ..core.calendar_text import entry_description, entry_title
from ..core.domain_calendar import CalendarEntry, CalendarFile, EntryChange, FeedInfo
from ..core.errors import NotAllowed, NotFound
from ..core.text import safe_text
from ..store import models as m
from .base import ServiceBase
from .links import cant_path, full_link, server_url

if TYPE_CHECKING:
    from ..core.domain import ShiftDetail
    from .context import ServiceContext

#: Team settings (team.toml's [team.settings]) that entries read.
JUMP_HOST_SETTING = "jump_host"  # what people type after `ssh -t` (else the system configuration's)
#: How far back a feed or an export reaches (what is further ahead is all there).
PAST_DAYS = 92
FAR_AHEAD = timedelta(days=3 * 366)


def cant_make_it_link(team: m.Team, assignment: m.Assignment, person: m.Person) -> str:
    """The "Can't make this shift?" link of `person`'s shift `assignment`: the page of the
    team's server (server_url) that the swap inbox's link opens too; "" when the team has no
    server (the entry then shows only the jump-box command).  Someone covering some hours of
    it has a link of their own, for those hours."""
    return full_link(team, cant_path(assignment, person)) if server_url(team) else ""


def piece_uid(slot: m.Slot, holder_id: int, start: datetime, person_id: int) -> str:
    """The UID of one person's part of a shift.  The whole shift, or its holder's part from the
    shift's start, keeps the slot's uid (a partial cover updates that event); every other part
    (the hours someone covers, the holder's hours after them) has a uid of its own made from
    the slot's uid and the part's start, so it is the same each time it is written."""
    if start == slot.start and person_id == holder_id:
        return slot.uid
    return f"{slot.uid}-{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def jump_host(team: m.Team) -> str:
    """The host of `ssh -t HOST oncall`: the team's setting, else the machine's configuration."""
    host = (team.settings or {}).get(JUMP_HOST_SETTING, "")
    if host:
        return str(host)
    from ..config import system_config

    return system_config().jump_host or "jumpbox"


def _window(person: m.Person, first: date | None, last: date | None, now: datetime) -> tuple[datetime, datetime]:
    from zoneinfo import ZoneInfo

    from ..core.checks import is_zone

    tz = ZoneInfo(person.tz) if is_zone(person.tz) else UTC
    start = (datetime.combine(first, time(0), tz).astimezone(UTC) if first is not None
             else now - timedelta(days=PAST_DAYS))
    end = (datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC) if last is not None
           else now + FAR_AHEAD)
    return start, end


def _details(ctx: ServiceContext, person: m.Person | None, start: datetime, end: datetime,
             team_ids: list[int] | None = None) -> list[tuple[m.Assignment, m.Person, ShiftDetail]]:
    """Published assignments with a part starting in [start, end), with their partners and
    escalation: the same facts the home screen shows (CoreService's reading).  A shift partly
    covered by someone else comes as its parts, each with the person who holds exactly those
    hours; `person` keeps only their parts."""
    from .core import CoreService

    core = CoreService(ctx, requirements_line=lambda _me: "")
    rows = core._published_rows(start, end, person=person, team_ids=team_ids)
    by_uid = {r.slot.uid: r for r in rows}
    details = [d for d in core._details(rows, person=person) if start <= d.assignment.start < end]
    logins = {d.assignment.person.login for d in details}
    people = {p.login: p for p in m.Person.select().where(m.Person.login.in_(list(logins)))} if logins else {}
    return [(by_uid[d.assignment.uid], people[d.assignment.person.login], d) for d in details
            if d.assignment.person.login in people]


def _digest(entry: CalendarEntry) -> str:
    """What an entry says, but its "can't make it" link: the link is made with the key of the
    process that writes it, and another process's link for the same shift is no change."""
    entry = _unlinked(entry)
    facts = [entry.start.isoformat(), entry.end.isoformat(), entry.role, entry.title, entry.description,
             entry.alarm_minutes, entry.url, entry.email]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


def _fresh(ctx: ServiceContext, person: m.Person | None, start: datetime, end: datetime,
           team_ids: list[int] | None = None, reader: m.Person | None = None) -> list[CalendarEntry]:
    """`person`'s entries starting in [start, end) as they read now, SEQUENCE 0 (the caller
    puts the stored one).  `person` None: everyone's in `team_ids` (a team feed), written
    for `reader`'s zone."""
    from . import convert

    out = []
    teams: dict[int, m.Team] = {}
    for row, who, detail in _details(ctx, person, start, end, team_ids):
        rot = row.plan.rotation
        team = teams.setdefault(rot.team_id, rot.team)
        tz = (reader or who).tz
        a = detail.assignment
        link = cant_make_it_link(team, row, who)
        title = entry_title(detail)
        if person is None:  # a team feed: whose shift it is comes first
            title = f"{safe_text(who.name)}: {title}"
        out.append(CalendarEntry(
            uid=piece_uid(row.slot, row.person_id, a.start, who.id), sequence=0, person=convert.person_ref(who),
            start=a.start, end=a.end, team=team.slug, rotation=rot.slug, role=a.role, title=title,
            description=entry_description(detail, tz, team_name=team.name, cant_make_it=link,
                                          jump_host=jump_host(team)),
            alarm_minutes=(reader or who).alarm_minutes, changed_at=row.plan.published_at or row.plan.created_at,
            email=who.email, rotation_name=rot.name, team_name=team.name, url=link))
    return out


def _stamps(person: m.Person, start: datetime, end: datetime) -> dict[str, m.EntryStamp]:
    q = m.EntryStamp.select().where((m.EntryStamp.person == person) & (m.EntryStamp.start >= start)
                                    & (m.EntryStamp.start < end))
    return {s.uid: s for s in q}


def _as_stored(entry: CalendarEntry, stamp: m.EntryStamp | None) -> CalendarEntry:
    """`entry` with the SEQUENCE its person's calendar knows: the stored one, one more when
    what it says changed since it was stamped (a partner's new number), so a reader that
    looks again takes the change."""
    from dataclasses import replace

    if stamp is None:
        return entry
    if stamp.digest == _digest(entry) and not stamp.cancelled:
        return replace(entry, sequence=stamp.sequence, changed_at=stamp.changed_at)
    return replace(entry, sequence=stamp.sequence + 1, changed_at=max(stamp.changed_at, entry.changed_at))


def entries_for(ctx: ServiceContext, person: m.Person, first: date | None = None,
                last: date | None = None) -> list[CalendarEntry]:
    """`person`'s published assignments starting from `first` to `last` (their own days; by
    default from PAST_DAYS ago to everything planned) as calendar entries, in start order."""
    start, end = _window(person, first, last, ctx.now())
    stamps = _stamps(person, start, end)
    return [_as_stored(e, stamps.get(e.uid)) for e in _fresh(ctx, person, start, end)]


def team_entries(ctx: ServiceContext, team: m.Team, reader: m.Person, first: date | None = None,
                 last: date | None = None) -> list[CalendarEntry]:
    """Everyone's published assignments in `team` (a manager's team feed), for `reader`'s zone
    and reminder.  Each person's entry keeps their own UID and SEQUENCE."""
    start, end = _window(reader, first, last, ctx.now())
    stored = {(s.person_id, s.uid): s for s in m.EntryStamp.select().join(m.Person).switch(m.EntryStamp)
              .where((m.EntryStamp.start >= start) & (m.EntryStamp.start < end)
                     & m.EntryStamp.person.in_(m.Membership.select(m.Membership.person)
                                               .where(m.Membership.team == team)))}
    logins = {p.login: p.id for p in m.Person.select(m.Person.id, m.Person.login)
              .join(m.Membership).where(m.Membership.team == team)}
    return [_as_stored(e, stored.get((logins.get(e.person.login, 0), e.uid)))
            for e in _fresh(ctx, None, start, end, team_ids=[team.id], reader=reader)]


def stamp_entries(ctx: ServiceContext, people: Iterable[m.Person], *,
                  between: tuple[datetime, datetime] | None = None,
                  first_time: Iterable[tuple[int, str]] = ()) -> list[EntryChange]:
    """Call inside the write transaction of a publish, an edit of a published plan or a swap.

    Compares each person's entries (starting within `between`, default: all that
    `entries_for` shows) with what their calendar was last told, stores the new state and
    returns what changed: new entries (SEQUENCE 0), updates (SEQUENCE + 1) and cancellations
    of entries that are gone (SEQUENCE + 1, cancelled).  Nothing changed: nothing returned,
    so a re-publish of the same plan or a retried call sends nothing twice.

    An entry with no stamp yet starts at SEQUENCE 0 when it appears in this transaction
    (`first_time`: (person id, slot uid) pairs the caller just created, the parts of a
    partly covered shift included); otherwise a feed may have shown it already, with SEQUENCE
    0 (published before calendar entries were kept), and it starts at 1.

    What is kept of an entry (for its cancellation) leaves out its "can't make it" link: the
    database holds no link."""
    from dataclasses import replace

    from ..core import wire

    now = ctx.now()
    new = set(first_time)
    changes: list[EntryChange] = []
    seen: set[int] = set()
    for person in people:
        if person.id in seen:
            continue
        seen.add(person.id)
        start, end = between if between is not None else _window(person, None, None, now)
        stamps = _stamps(person, start, end)
        fresh = {e.uid: e for e in _fresh(ctx, person, start, end)}
        for uid, entry in fresh.items():
            digest = _digest(entry)
            stamp = stamps.get(uid)
            if stamp is None:
                fresh_one = (person.id, uid) in new or (person.id, uid.rsplit("-", 1)[0]) in new
                entry = replace(entry, sequence=0 if fresh_one else 1, changed_at=now)
                m.EntryStamp.create(person=person, uid=uid, sequence=entry.sequence, digest=digest, start=entry.start,
                                    end=entry.end, changed_at=now, entry=_kept(entry))
                changes.append(EntryChange(person_id=person.id, entry=entry, kind="new"))
            elif stamp.digest != digest or stamp.cancelled:
                entry = replace(entry, sequence=stamp.sequence + 1, changed_at=now)
                m.EntryStamp.update(sequence=entry.sequence, digest=digest, start=entry.start, end=entry.end,
                                    cancelled=False, changed_at=now, entry=_kept(entry)).where(
                    m.EntryStamp.id == stamp.id).execute()
                changes.append(EntryChange(person_id=person.id, entry=entry, kind="update"))
        for uid, stamp in stamps.items():
            if uid in fresh or stamp.cancelled:
                continue
            gone = replace(wire.convert(CalendarEntry, stamp.entry), sequence=stamp.sequence + 1,
                           cancelled=True, changed_at=now)
            m.EntryStamp.update(sequence=gone.sequence, cancelled=True, changed_at=now,
                                entry=wire.to_builtins(gone)).where(m.EntryStamp.id == stamp.id).execute()
            changes.append(EntryChange(person_id=person.id, entry=gone, kind="cancel"))
    return changes


def _unlinked(entry: CalendarEntry) -> CalendarEntry:
    from dataclasses import replace

    if not entry.url:
        return entry
    return replace(entry, url="", description=entry.description.replace(entry.url, "(the link sent before)"))


def _kept(entry: CalendarEntry) -> dict:
    """What the database keeps of an entry: all but its "can't make it" link."""
    from ..core import wire

    return wire.to_builtins(_unlinked(entry))


def shift_people(slot: m.Slot) -> list[m.Person]:
    """Everyone in a published plan on `slot`'s shift (its rotation and start): whose entries
    name each other as partners."""
    return list(m.Person.select().join(m.Assignment).join(m.Plan).switch(m.Assignment).join(m.Slot)
                .where((m.Plan.status == "published") & (m.Slot.rotation == slot.rotation_id)
                       & (m.Slot.start == slot.start)).distinct())


def stamp_shift(ctx: ServiceContext, slot: m.Slot, also: Iterable[m.Person] = (),
                joined: Iterable[m.Person] | m.Person | None = None) -> list[EntryChange]:
    """`stamp_entries` for everyone on `slot`'s shift and whoever covers some of its hours (and
    `also`: someone who just left it or whose hours on it changed; `joined`: people just put on
    `slot`), over the shift's hours, so each part of a partly covered shift is told.  An entry
    of `also` or `joined` with no stamp yet appears in this transaction (a part just made):
    SEQUENCE 0."""
    also = list(also)
    joined = [joined] if isinstance(joined, m.Person) else list(joined or ())
    covering = list(m.Person.select().join(m.Cover, on=(m.Cover.person == m.Person.id)).join(m.Assignment)
                    .where(m.Assignment.slot == slot.id).distinct())
    return stamp_entries(ctx, [*shift_people(slot), *covering, *also, *joined], between=(slot.start, slot.end),
                         first_time=[(p.id, slot.uid) for p in (*joined, *also)])


def stamp_plan(ctx: ServiceContext, plan: m.Plan, previous: m.Plan | None) -> list[EntryChange]:
    """`stamp_entries` for a plan just published: everyone in it or in the plan it replaced,
    over the plan's shifts."""
    plans = [plan.id] + ([previous.id] if previous is not None else [])
    people = list(m.Person.select().join(m.Assignment).where(m.Assignment.plan.in_(plans)).distinct())
    people += list(m.Person.select().join(m.Cover, on=(m.Cover.person == m.Person.id)).join(m.Assignment)
                   .where(m.Assignment.plan.in_(plans)).distinct())  # who covers some hours
    bounds = list(m.Slot.select(m.Slot.start, m.Slot.end).join(m.Assignment).where(m.Assignment.plan.in_(plans)))
    if not bounds:
        return []
    def pairs(plan_id: int) -> set[tuple[int, str]]:
        return {(a.person_id, a.slot.uid) for a in m.Assignment.select(m.Assignment.person, m.Slot.uid)
                .join(m.Slot).where(m.Assignment.plan == plan_id)}

    first_time = pairs(plan.id) - (pairs(previous.id) if previous is not None else set())
    return stamp_entries(ctx, people, between=(min(b.start for b in bounds), max(b.end for b in bounds)),
                         first_time=first_time)


# -- subscription feeds and exports ------------------------------------------------------------
@dataclass(frozen=True)
class FeedDocument:
    """What `oncall serve` answers for a feed (no part of the interface: bytes, for the server only)."""

    body: bytes
    etag: str  # a strong validator, quoted
    last_modified: datetime
    owner: str  # for the server's log only, never in an answer


FEED_PATH = "/links/feed/{secret}.ics"
FEED_SECRET_BYTES = 32  # 256 bits from `secrets`
HINT_LENGTH = 6
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)
_CACHE_SIZE = 1024
_cache: dict[tuple[str, str], tuple[int, date, FeedDocument]] = {}
_cache_lock = threading.Lock()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _calendar_name(person: m.Person, team: m.Team | None) -> str:
    return f"{team.name}: everyone on call" if team is not None else f"{person.name}: on call"


def _file_name(person: m.Person, team: m.Team | None) -> str:
    return f"oncall-{team.slug if team is not None else person.login}.ics"


class CalendarOutService(ServiceBase):
    """Subscription feeds (made, shown once, rotated), exports, and the feed a secret names."""

    SERVES = ("feed_url", "team_feed_url", "export_calendar", "export_team_calendar")

    # -- the API ----------------------------------------------------------------------------
    def feed_url(self, rotate: bool = False) -> FeedInfo:
        return self._once(lambda: self._feed(self._me(), None, rotate))

    def team_feed_url(self, team: str, rotate: bool = False) -> FeedInfo:
        def run():
            me = self._me()
            t = self._team(team)
            self._require_manager(t, doing="have a feed of everyone's shifts")
            return self._feed(me, t, rotate)
        return self._once(run)

    def _once(self, run) -> FeedInfo:
        """`run` as one write; if another call made the same feed at the same moment (the
        database's one-live-feed rule refused ours), the answer is theirs: it exists."""
        try:
            return self._write(run)
        except pw.IntegrityError:
            return self._write(run)

    def export_calendar(self, login: str | None = None) -> CalendarFile:
        def run():
            me = self._me()
            who = me if login in (None, "", "me") else self._person(login)
            if who.id == me.id:
                entries = entries_for(self.ctx, who)
            else:
                mine = self._managed_team_ids(me)
                theirs = set(self._my_team_ids(who))
                if not mine & theirs and not self._is_admin():
                    raise NotAllowed(f"only '{who.login}' or a manager of a team they are in can export "
                                     f"their calendar")
                allowed = theirs if self._is_admin() else mine & theirs
                entries = [e for e in entries_for(self.ctx, who) if self._team_id(e.team) in allowed]
            return CalendarFile(name=_file_name(who, None), entries=len(entries),
                                ics=calendar_bytes(entries, name=_calendar_name(who, None)).decode("utf-8"))
        return self._read(run)

    def export_team_calendar(self, team: str) -> CalendarFile:
        def run():
            me = self._me()
            t = self._team(team)
            self._require_manager(t, doing="export everyone's shifts")
            entries = team_entries(self.ctx, t, me)
            return CalendarFile(name=_file_name(me, t), entries=len(entries),
                                ics=calendar_bytes(entries, name=_calendar_name(me, t)).decode("utf-8"))
        return self._read(run)

    # -- for `oncall serve` only (not an API method: the secret is the authority) -------------
    def feed_document(self, secret: str) -> FeedDocument:
        """The feed `secret` names, or NotFound naming nobody (unknown, rotated, or its owner gone).

        One indexed query finds the feed; while nothing changed in the database (the change
        counter) and the day is the same, the answer made before is reused, so a calendar
        polling its feed costs two small queries."""
        unknown = NotFound("this calendar feed is not known here (its address was mistyped or replaced)",
                           entity="feed", id="")
        if not isinstance(secret, str) or not _SECRET_SHAPE.match(secret):
            raise unknown
        self._bind()
        f, p = m.FeedSecret, m.Person
        sql = self._statement("feed:by-hash", lambda: (
            f.select(f.id, f.person, f.team, f.created_at, p.active).join(p).where(f.secret_hash == "")))
        found = self.db.execute_sql(sql, (hash_secret(secret),)).fetchone()
        if found is None or not found[4]:
            raise unknown
        person_id, team_id = found[1], found[2]
        created_at = f.created_at.python_value(found[3])
        seq = self.ctx.change_seq()
        today = self._now().date()
        key = self._cache_key(secret)
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None and hit[0] == seq and hit[1] == today:
            return hit[2]

        def build() -> FeedDocument:
            person = m.Person.get_by_id(person_id)
            team = m.Team.get_or_none(m.Team.id == team_id) if team_id else None
            if team_id and (team is None or not self._is_manager(team, person)):
                raise unknown  # no longer their team's manager: the team feed stops
            entries = team_entries(self.ctx, team, person) if team else entries_for(self.ctx, person)
            body = calendar_bytes(entries, name=_calendar_name(person, team))
            people = ([person.id] if team is None else
                      [ms.person_id for ms in m.Membership.select(m.Membership.person)
                       .where(m.Membership.team == team)])
            gone = (m.EntryStamp.select(pw.fn.MAX(m.EntryStamp.changed_at))
                    .where(m.EntryStamp.person.in_(people) & m.EntryStamp.cancelled).scalar())
            times = [created_at, *(e.changed_at for e in entries)]
            if gone is not None:
                times.append(m.EntryStamp.changed_at.python_value(gone))
            last = max(times).replace(microsecond=0)
            return FeedDocument(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:40]}"',
                                last_modified=last, owner=person.login)
        doc = self._read(build)
        with _cache_lock:
            if len(_cache) >= _CACHE_SIZE:
                _cache.clear()
            _cache[key] = (seq, today, doc)
        return doc

    def cached_feed_document(self, secret: str) -> FeedDocument | None:
        """The feed `secret` names as this process last built it, if nothing was written to the
        database since (the change counter: one small query, no lookup) and it is the same
        day; else None (then `feed_document` decides).  Rotating a feed, stopping someone and
        every other write move the counter, so a stale secret is never answered from here."""
        if not isinstance(secret, str) or not _SECRET_SHAPE.match(secret):
            return None
        with _cache_lock:
            hit = _cache.get(self._cache_key(secret))
        if hit is None or hit[1] != self._now().date():
            return None
        self._bind()
        return hit[2] if hit[0] == self.ctx.change_seq() else None

    # -- helpers ------------------------------------------------------------------------------
    def _cache_key(self, secret: str) -> tuple[str, str]:
        return (str(getattr(self.db, "database", id(self.db))), hash_secret(secret))

    def _managed_team_ids(self, me: m.Person) -> set[int]:
        return {ms.team_id for ms in m.Membership.select(m.Membership.team)
                .where((m.Membership.person == me) & (m.Membership.role == "manager"))}

    def _team_id(self, slug: str) -> int:
        team = m.Team.get_or_none(m.Team.slug == slug)
        return team.id if team is not None else 0

    def _feed(self, me: m.Person, team: m.Team | None, rotate: bool) -> FeedInfo:
        where = (m.FeedSecret.person == me) & (
            m.FeedSecret.team.is_null() if team is None else m.FeedSecret.team == team)
        existing = self._locked(m.FeedSecret.select().where(where)).first()
        label = team.slug if team is not None else None
        if existing is not None and not rotate:
            return FeedInfo(login=me.login, team=label, hint=existing.hint, created_at=existing.created_at)
        if existing is not None:
            m.FeedSecret.delete().where(m.FeedSecret.id == existing.id).execute()  # the old URL stops now
        secret = secrets.token_urlsafe(FEED_SECRET_BYTES)
        now = self._now()
        row = m.FeedSecret.create(person=me, team=team, secret_hash=hash_secret(secret),
                                  hint=secret[:HINT_LENGTH], created_at=now)
        self._audit("feed.rotate" if existing is not None else "feed.create", "feed", row.id, team,
                    login=me.login, hint=row.hint)
        path = FEED_PATH.format(secret=secret)
        base = self._server_url(me, team)
        return FeedInfo(login=me.login, team=label, hint=row.hint, created_at=now, created=True, path=path,
                        url=f"{base}{path}" if base else "", rotated=existing is not None)

    def _server_url(self, me: m.Person, team: m.Team | None) -> str:
        teams = [team] if team is not None else list(
            m.Team.select().join(m.Membership).where(m.Membership.person == me).order_by(m.Team.slug))
        return next((url for url in map(server_url, teams) if url), "")
