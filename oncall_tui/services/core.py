"""The core use cases: who I am, my shifts and partners, who is on call now, my profile."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from peewee import JOIN

from ..core.checks import check_person, check_zone
from ..core.domain import (
    AuditEntry,
    EscalationContact,
    HomeView,
    Member,
    OnCallNow,
    Person,
    Rotation,
    ShiftDetail,
    Team,
    TeamEscalation,
)
from ..core.domain_calendar import EntryChange
from ..core.domain_swaps import OPEN_STATES
from ..core.errors import InvalidInput, NotAllowed, NotFound
from ..core.text import plural
from ..store import models as m
from . import convert
from .base import AfterCommit, ServiceBase, ServiceContext, check_note


class CoreService(ServiceBase):
    """Who I am, my shifts and partners, who is on call now, my profile, the home screen."""

    SERVES = ("whoami", "home", "now", "shifts", "teams", "members", "rotations", "escalation", "change_cursor",
              "audit", "update_profile", "add_handover_note")

    def __init__(self, ctx: ServiceContext, requirements_line: Callable[[m.Person], str]) -> None:
        """`requirements_line(me)`: the home screen's requirements line (the requirements area's)."""
        super().__init__(ctx)
        self.requirements_line = requirements_line

    # -- reading published shifts -------------------------------------------------
    def _published_rows(self, start: datetime, end: datetime, *, person: m.Person | None = None,
                        team_ids: list[int] | None = None, rotation_ids: list[int] | None = None,
                        starts: list[datetime] | None = None):
        q = (
            m.Assignment.select(m.Assignment, m.Slot, m.Plan, m.Rotation, m.Team, m.Person)
            .join(m.Slot).switch(m.Assignment)
            .join(m.Plan).join(m.Rotation).join(m.Team)
            .switch(m.Assignment).join(m.Person)
            .where((m.Plan.status == "published") & (m.Slot.end > start) & (m.Slot.start < end))
            .order_by(m.Slot.start, m.Rotation.slug, m.Slot.role)
        )
        if person is not None:  # theirs, and the parts of others' they cover (a swap)
            covered = m.Cover.select(m.Cover.assignment).where(m.Cover.person == person)
            q = q.where((m.Assignment.person == person) | m.Assignment.id.in_(covered))
        if team_ids is not None:
            q = q.where(m.Rotation.team.in_(team_ids))
        if rotation_ids is not None:
            q = q.where(m.Rotation.id.in_(rotation_ids))
        if starts is not None:  # only these shifts (a year of one person's: not the year's every shift)
            q = q.where(m.Slot.start.in_(starts))
        return list(q)

    def _details(self, rows: list[m.Assignment], *, person: m.Person | None = None,
                 window: tuple[datetime, datetime] | None = None) -> list[ShiftDetail]:
        """Each assignment with the others on the same shift and the team's escalation list.

        A shift partly covered by someone else (a swap of some hours) comes as its pieces, each
        with the person who holds exactly those hours (the same uid); `person` keeps only their
        pieces, `window` only the pieces it overlaps."""
        if not rows:
            return []
        keys = {(r.slot.rotation_id, r.slot.start) for r in rows}
        starts = {k[1] for k in keys}
        rot_ids = list({k[0] for k in keys})
        lo, hi = min(starts), max(starts)
        others = self._published_rows(lo, hi + timedelta(seconds=1), rotation_ids=rot_ids,
                                      starts=sorted(starts) if len(starts) <= 500 else None)
        by_shift: dict[tuple, list[m.Assignment]] = defaultdict(list)
        for o in others:
            by_shift[(o.slot.rotation_id, o.slot.start)].append(o)
        covers: dict[int, list[m.Cover]] = defaultdict(list)
        ids = {r.id for r in rows} | {o.id for o in others}
        for c in (m.Cover.select(m.Cover, m.Person).join(m.Person)
                  .where(m.Cover.assignment.in_(list(ids))).order_by(m.Cover.start)):
            covers[c.assignment_id].append(c)
        escalation = self._escalation_by_team({r.plan.rotation.team_id for r in rows})
        out = []
        for r in rows:
            rot = r.plan.rotation
            for start, end, who in pieces_of(r, covers.get(r.id, [])):
                if person is not None and who.id != person.id:
                    continue
                if window is not None and not (start < window[1] and end > window[0]):
                    continue
                mine = _piece(r, rot, who, start, end)
                # who holds the other roles during exactly these hours (their covers followed)
                seen = (max(start, window[0]), min(end, window[1])) if window is not None else (start, end)
                partners = tuple(
                    _piece(o, rot, p_who, p_start, p_end)
                    for o in by_shift[(r.slot.rotation_id, r.slot.start)] if o.slot.uid != r.slot.uid
                    for p_start, p_end, p_who in pieces_of(o, covers.get(o.id, []))
                    if p_start < seen[1] and p_end > seen[0])
                out.append(ShiftDetail(assignment=mine, partners=partners,
                                       escalation=escalation.get(rot.team_id, ()), handover=r.note))
        return out

    def _escalation_by_team(self, team_ids) -> dict[int, tuple[EscalationContact, ...]]:
        rows = (m.EscalationContact.select(m.EscalationContact, m.Person)
                .join(m.Person, JOIN.LEFT_OUTER)
                .where(m.EscalationContact.team.in_(list(team_ids)))
                .order_by(m.EscalationContact.position))
        found: dict[int, list[EscalationContact]] = defaultdict(list)
        for row in rows:
            found[row.team_id].append(convert.escalation(row))
        return {k: tuple(v) for k, v in found.items()}

    # -- the API ----------------------------------------------------------------------
    def whoami(self) -> Person:
        return self._read(lambda: convert.person(self._me()))

    def teams(self) -> list[Team]:
        def run():
            me = self._me()
            q = m.Team.select().join(m.Membership).where(m.Membership.person == me).order_by(m.Team.name)
            return [convert.team(t) for t in q]
        return self._read(run)

    def members(self, team: str) -> list[Member]:
        def run():
            self._me()
            t = self._team(team)
            q = (m.Membership.select(m.Membership, m.Person).join(m.Person)
                 .where(m.Membership.team == t).order_by(m.Person.name))
            return [Member(person=convert.person_ref(ms.person), role=ms.role, on_rotation=ms.on_rotation,
                           region=ms.region) for ms in q]
        return self._read(run)

    def rotations(self, team: str) -> list[Rotation]:
        def run():
            self._me()
            t = self._team(team)
            q = m.Rotation.select().where((m.Rotation.team == t) & m.Rotation.active).order_by(m.Rotation.slug)
            return [convert.rotation(r, t.slug) for r in q]
        return self._read(run)

    def escalation(self, team: str) -> list[EscalationContact]:
        def run():
            self._me()
            t = self._team(team)
            return list(self._escalation_by_team([t.id]).get(t.id, ()))
        return self._read(run)

    def now(self, team: str | None = None) -> list[OnCallNow]:
        return self._read(lambda: self._now_rows(team, self._me()))

    def _now_rows(self, team: str | None, me: m.Person) -> list[OnCallNow]:
        """Who is on call now in `team`, or in `me`'s teams (`me` was looked up by the caller,
        which also refuses an unknown login)."""
        team_ids = [self._team(team).id] if team is not None else self._my_team_ids(me)
        now = self._now()
        rows = self._published_rows(now, now + timedelta(seconds=1), team_ids=team_ids)
        out = []
        for d in self._details(rows, window=(now, now + timedelta(seconds=1))):
            a = d.assignment
            out.append(OnCallNow(
                team=a.team, rotation=a.rotation, rotation_name=a.rotation_name, role=a.role,
                person=a.person, start=a.start, end=a.end,
                partners=tuple(p.person for p in d.partners), escalation=d.escalation,
            ))
        role_order = {"primary": 0, "secondary": 1, "shadow": 2}
        out.sort(key=lambda o: (o.team, o.rotation, role_order.get(o.role, 9)))
        return out

    def shifts(self, person: str | None = None, first: date | None = None,
               last: date | None = None, team: str | None = None) -> list[ShiftDetail]:
        def run():
            me = self._me()
            tz = _zone(me.tz)
            start_day = first or self._now().astimezone(tz).date()
            end_day = last or (start_day + timedelta(days=28))
            if end_day < start_day:
                raise InvalidInput("the end date is before the start date", field="to")
            start = datetime.combine(start_day, time(0), tz)
            end = datetime.combine(end_day + timedelta(days=1), time(0), tz)
            team_ids = [self._team(team).id] if team else None
            if person in (None, "", "me"):
                who = me
            elif person == "*":
                who = None
                team_ids = team_ids or self._my_team_ids(me)
            else:
                who = self._person(person)
                if who.id != me.id:  # their shifts in the teams we share, not in their other teams
                    mine = set(self._my_team_ids(me))
                    team_ids = [t for t in (team_ids or self._my_team_ids(who)) if t in mine]
            rows = self._published_rows(start, end, person=who, team_ids=team_ids)
            return self._details(rows, person=who, window=(start, end))
        return self._read(run)

    def home(self, horizon_days: int = 42) -> HomeView:
        def run():
            me = self._me()
            now = self._now()
            team_rows = list(m.Team.select().join(m.Membership)
                             .where(m.Membership.person == me).order_by(m.Team.name))
            managed = tuple(t.slug for t in team_rows if self._is_manager(t, me))
            rostered = tuple(ms.team.slug for ms in m.Membership.select(m.Membership, m.Team).join(m.Team)
                             .where((m.Membership.person == me) & m.Membership.on_rotation)
                             .order_by(m.Team.name))
            mine = self._published_rows(now, now + timedelta(days=horizon_days), person=me)
            next_shifts = tuple(self._details(mine, person=me, window=(now, now + timedelta(days=horizon_days))))
            now_rows = tuple(self._now_rows(None, me))
            by_team = self._escalation_by_team([t.id for t in team_rows])
            escalation = tuple(TeamEscalation(team=t.slug, team_name=t.name, contacts=by_team.get(t.id, ()))
                               for t in team_rows)
            waiting, escalated, swaps_line = self._swaps_line(me)
            hints = []
            if not team_rows:
                hints.append(self._unknown_user_message().replace("is not a member of any team here",
                                                                   "is in no team yet"))
            return HomeView(
                me=convert.person(me), teams=tuple(convert.team(t) for t in team_rows),
                managed_teams=managed, next_shifts=next_shifts, now=now_rows,
                requirements_summary=self.requirements_line(me),
                swaps_waiting=waiting, swaps_escalated=escalated, swaps_summary=swaps_line, hints=tuple(hints),
                escalation=escalation, rostered_teams=rostered,
            )
        return self._read(run)

    def _swaps_line(self, me: m.Person) -> tuple[int, int, str]:
        """(asks waiting for my answer, requests escalated to me, the home screen's swaps line)."""
        asked = (m.SwapOffer.select().join(m.SwapRequest)
                 .where((m.SwapOffer.candidate == me) & (m.SwapOffer.state == "asked")
                        & (m.SwapRequest.status.in_(OPEN_STATES))).count())
        mine_open = (m.SwapRequest.select()
                     .where((m.SwapRequest.requester == me) & (m.SwapRequest.status.in_(OPEN_STATES))).count())
        managed = m.Membership.select(m.Membership.team).where((m.Membership.person == me)
                                                                 & (m.Membership.role == "manager"))
        now = self._now()
        pending = m.SwapOffer.select(m.SwapOffer.request).where(m.SwapOffer.state.in_(("asked", "waiting")))
        waiting = m.SwapOffer.select(m.SwapOffer.request).where(m.SwapOffer.state == "waiting")
        escalated = (m.SwapRequest.select().join(m.Slot).join(m.Rotation)
                     .where(m.Rotation.team.in_(managed) & m.SwapRequest.status.in_(OPEN_STATES)
                            & ((m.SwapRequest.status == "escalated") | (m.SwapRequest.deadline <= now)
                               | m.SwapRequest.id.not_in(pending)
                               | ((m.SwapRequest.answer_by <= now) & m.SwapRequest.id.not_in(waiting)))
                            & (m.Slot.start > now)).count())
        parts = []
        if escalated:
            parts.append(f"{plural(escalated, 'request')} escalated to you")
        if asked:
            parts.append(f"{plural(asked, 'swap request')} waiting for your answer")
        if mine_open:
            parts.append(f"{mine_open} of yours open")
        return asked, escalated, ("Swaps: " + "; ".join(parts)) if parts else "Swaps: nothing waiting"

    def change_cursor(self) -> int:
        return self._read(lambda: m.ChangeCounter.select(m.ChangeCounter.seq)
                          .where(m.ChangeCounter.id == 1).scalar() or 0)

    def audit(self, team: str | None = None, limit: int = 100) -> list[AuditEntry]:
        def run():
            me = self._me()
            limit_ = max(1, min(int(limit), 1000))
            q = m.AuditLog.select().order_by(m.AuditLog.id.desc()).limit(limit_)
            if team is not None:
                t = self._team(team)
                if not self._is_manager(t, me):
                    q = q.where((m.AuditLog.team == t.slug) & (m.AuditLog.actor == me.login))
                else:
                    q = q.where(m.AuditLog.team == t.slug)
            else:
                q = q.where(m.AuditLog.actor == me.login)
            return [convert.audit(r) for r in q]
        return self._read(run)

    # -- writes -------------------------------------------------------------------------
    def update_profile(self, expected_version: int, name: str | None = None,
                       email: str | None = None, phones: list[str] | None = None,
                       tz: str | None = None, oncall_device: str | None = None,
                       oncall_phone: str | None = None, calendar_delivery: str | None = None,
                       alarm_minutes: int | None = None) -> Person:
        changes: dict = check_person(name=name, email=email, phones=phones, oncall_device=oncall_device,
                                     oncall_phone=oncall_phone, calendar_delivery=calendar_delivery,
                                     alarm_minutes=alarm_minutes)
        if tz is not None:
            _zone(tz)
            changes["tz"] = tz

        def run():
            me = self._me()
            before = {k: getattr(me, k) for k in changes}
            me.version = self._bump(me, expected_version, lambda: convert.person(self._me()), "your profile",
                                    **changes)
            self._audit("profile.update", "person", me.login, before=before, after=changes)
            for key, value in changes.items():
                setattr(me, key, value)
            from .calendar_out import entries_for, stamp_entries
            from .delivery import channels_of, queue_entry_changes

            if changes.keys() & {"tz", "alarm_minutes", "email", "name"}:
                # my entries read in my zone, with my reminder: what changed goes out
                queue_entry_changes(self.ctx, stamp_entries(self.ctx, [me]))
            if "calendar_delivery" in changes and before["calendar_delivery"] != me.calendar_delivery \
                    and channels_of(me):
                # a new way in (mail, CalDAV) starts with every entry I already hold, not the next change
                queue_entry_changes(self.ctx, [EntryChange(person_id=me.id, entry=e, kind="update")
                                               for e in entries_for(self.ctx, me) if not e.cancelled])
            return convert.person(me)
        return self._write(run)

    def add_handover_note(self, assignment_uid: str, text: str) -> ShiftDetail:
        text = check_note(text, "handover note", required=True, limit=1000)

        def run():
            me = self._me()
            slot = m.Slot.get_or_none(m.Slot.uid == assignment_uid)
            if slot is None:
                raise NotFound(f"no shift with id {assignment_uid}", entity="assignment", id=assignment_uid)
            row = self._locked(m.Assignment.select().join(m.Plan)
                               .where((m.Assignment.slot == slot) & (m.Plan.status == "published"))).first()
            if row is None:
                raise NotFound("that shift is not in a published plan", entity="assignment", id=assignment_uid)
            team = slot.rotation.team
            on_shift = (m.Assignment.select().join(m.Slot).switch(m.Assignment).join(m.Plan)
                        .where((m.Plan.status == "published") & (m.Slot.rotation == slot.rotation)
                               & (m.Slot.start == slot.start) & (m.Assignment.person == me)).exists())
            if not on_shift and not self._is_manager(team, me):
                raise NotAllowed("only the people on that shift or a manager can add handover notes")
            stamp = self._now().strftime("%Y-%m-%d %H:%MZ")
            line = f"[{stamp} {me.login}] {text}"
            note = (row.note + "\n" + line) if row.note else line
            m.Assignment.update(note=note, version=m.Assignment.version + 1).where(
                m.Assignment.id == row.id).execute()
            from .calendar_out import stamp_shift
            from .delivery import queue_entry_changes

            # the note is in every entry of that shift; what changed goes out after the commit
            queue_entry_changes(self.ctx, stamp_shift(self.ctx, slot))
            self._audit("shift.handover_note", "assignment", slot.uid, team, text=text)
            return AfterCommit(lambda: self._detail_of(row.id))
        return self._write(run)

    def _detail_of(self, assignment_id: int) -> ShiftDetail:
        fresh = (m.Assignment.select(m.Assignment, m.Slot, m.Plan, m.Rotation, m.Team, m.Person)
                 .join(m.Slot).switch(m.Assignment).join(m.Plan).join(m.Rotation).join(m.Team)
                 .switch(m.Assignment).join(m.Person).where(m.Assignment.id == assignment_id))
        return self._details(list(fresh))[0]


def _piece(row: m.Assignment, rot: m.Rotation, who: m.Person, start: datetime, end: datetime):
    """The assignment as `who` holds it from `start` to `end` (the whole shift, or a piece of it)."""
    a = convert.assignment(row, row.slot, rot, rot.team.slug, who)
    return replace(a, start=start, end=end) if (start, end) != (row.slot.start, row.slot.end) else a


def pieces_of(row: m.Assignment, covers: list[m.Cover], ids: bool = False):
    """(start, end, person) of an assignment: its holder's hours and each cover's, in time order
    (`covers` in start order, never overlapping).  `ids`: each person's id (no person row read)."""
    holder = row.person_id if ids else row.person
    at = row.slot.start
    for c in covers:
        if c.start > at:
            yield at, c.start, holder
        yield c.start, c.end, c.person_id if ids else c.person
        at = max(at, c.end)
    if at < row.slot.end:
        yield at, row.slot.end, holder


def _zone(name: str) -> ZoneInfo:
    return check_zone(name)
