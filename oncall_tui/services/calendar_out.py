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
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from ..core.calendar_text import entry_description, entry_title
from ..core.domain_calendar import CalendarEntry, EntryChange
from ..core.text import safe_text
from ..store import models as m

if TYPE_CHECKING:
    from ..core.domain import ShiftDetail
    from .context import ServiceContext

#: Team settings (team.toml's [team.settings]) that entries read.
SERVER_URL_SETTING = "server_url"  # https://oncall.example.com: the team's `oncall serve`
JUMP_HOST_SETTING = "jump_host"  # what people type after `ssh -t` (else the system configuration's)
#: How far back a feed or an export reaches (what is further ahead is all there).
PAST_DAYS = 92
FAR_AHEAD = timedelta(days=3 * 366)


def cant_make_it_link(team: m.Team, slot_uid: str, person: m.Person) -> str:
    """HOOK for the swap work: the "Can't make this shift?" link of `person`'s shift `slot_uid`
    (a page of the team's server, `team.settings["server_url"]`).  Empty until swaps have
    their link pages; entries then show only the jump-box command."""
    return ""


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
             team_ids: list[int] | None = None) -> list[tuple[m.Assignment, ShiftDetail]]:
    """Published assignments starting in [start, end) with their partners and escalation: the
    same facts the home screen shows (CoreService's reading)."""
    from .core import CoreService

    core = CoreService(ctx, requirements_line=lambda _me: "")
    rows = [r for r in core._published_rows(start, end, person=person, team_ids=team_ids)
            if start <= r.slot.start < end]
    return list(zip(rows, core._details(rows)))


def _digest(entry: CalendarEntry) -> str:
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
    for row, detail in _details(ctx, person, start, end, team_ids):
        who = row.person
        rot = row.plan.rotation
        team = teams.setdefault(rot.team_id, rot.team)
        tz = (reader or who).tz
        a = detail.assignment
        link = cant_make_it_link(team, a.uid, who) if (team.settings or {}).get(SERVER_URL_SETTING) else ""
        title = entry_title(detail)
        if person is None:  # a team feed: whose shift it is comes first
            title = f"{safe_text(who.name)}: {title}"
        out.append(CalendarEntry(
            uid=a.uid, sequence=0, person=convert.person_ref(who), start=a.start, end=a.end, team=team.slug,
            rotation=rot.slug, role=a.role, title=title,
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
                  between: tuple[datetime, datetime] | None = None) -> list[EntryChange]:
    """Call inside the write transaction of a publish, an edit of a published plan or a swap.

    Compares each person's entries (starting within `between`, default: all that
    `entries_for` shows) with what their calendar was last told, stores the new state and
    returns what changed: new entries (SEQUENCE 0), updates (SEQUENCE + 1) and cancellations
    of entries that are gone (SEQUENCE + 1, cancelled).  Nothing changed: nothing returned,
    so a re-publish of the same plan or a retried call sends nothing twice."""
    from dataclasses import replace

    from ..core import wire

    now = ctx.now()
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
                entry = replace(entry, sequence=0, changed_at=now)
                m.EntryStamp.create(person=person, uid=uid, sequence=0, digest=digest, start=entry.start,
                                    end=entry.end, changed_at=now, entry=wire.to_builtins(entry))
                changes.append(EntryChange(person_id=person.id, entry=entry, kind="new"))
            elif stamp.digest != digest or stamp.cancelled:
                entry = replace(entry, sequence=stamp.sequence + 1, changed_at=now)
                m.EntryStamp.update(sequence=entry.sequence, digest=digest, start=entry.start, end=entry.end,
                                    cancelled=False, changed_at=now, entry=wire.to_builtins(entry)).where(
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


def shift_people(slot: m.Slot) -> list[m.Person]:
    """Everyone in a published plan on `slot`'s shift (its rotation and start): whose entries
    name each other as partners."""
    return list(m.Person.select().join(m.Assignment).join(m.Plan).switch(m.Assignment).join(m.Slot)
                .where((m.Plan.status == "published") & (m.Slot.rotation == slot.rotation_id)
                       & (m.Slot.start == slot.start)).distinct())


def stamp_shift(ctx: ServiceContext, slot: m.Slot, also: Iterable[m.Person] = ()) -> list[EntryChange]:
    """`stamp_entries` for everyone on `slot`'s shift (and `also`: someone who just left it)."""
    second = timedelta(seconds=1)
    return stamp_entries(ctx, [*shift_people(slot), *also], between=(slot.start, slot.start + second))


def stamp_plan(ctx: ServiceContext, plan: m.Plan, previous: m.Plan | None) -> list[EntryChange]:
    """`stamp_entries` for a plan just published: everyone in it or in the plan it replaced,
    over the plan's shifts."""
    plans = [plan.id] + ([previous.id] if previous is not None else [])
    people = list(m.Person.select().join(m.Assignment).where(m.Assignment.plan.in_(plans)).distinct())
    bounds = (m.Slot.select(m.Slot.start).join(m.Assignment).where(m.Assignment.plan.in_(plans)))
    starts = [s.start for s in bounds]
    if not starts:
        return []
    return stamp_entries(ctx, people, between=(min(starts), max(starts) + timedelta(seconds=1)))
