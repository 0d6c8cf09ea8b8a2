"""Availability use cases: my month by hand, utilisation, the team grid (calendar sources live in
availability_calendars.py).

Hand-set rows have `source` NULL; calendar rows carry their CalendarSource, and a re-sync
replaces only that source's rows in the month synced.  Hand-set wins when the effective
state is shown.  Network fetches happen outside any transaction (on the server when the
backend is remote); a failing calendar leaves every mark as it was and records why.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from peewee import JOIN, IntegrityError

from ..core.domain import Recommendation
from ..core.errors import InvalidInput, NotAllowed, StaleEdit
from ..core.months import add_months, month_of, month_range, next_month, parse_month
from ..core.shifts import generate_shifts
from ..store import models as m
from . import convert
from .base import AfterCommit, ServiceBase, ServiceContext, check_note
from .context import EligibilityFor

if TYPE_CHECKING:  # only for annotations: imported where used, so start-up does not pay
    from ..core.domain_availability import MonthAvailability, RoleCoverage, TeamAvailability
    from ..core.recommend import LoadFacts



SWAP_MARK_NOTE = "asked for cover (swap "  # how a swap request's own mark begins (services/swaps.py)


def mark_source(row: m.Availability) -> str:
    """Where a stored mark came from: "hand", "calendar:<label>", or "swap" (the mark a swap
    request made for the hours its requester asked to be covered)."""
    if row.source_id is not None:
        return f"calendar:{row.source.label}"
    return "swap" if row.until is not None else "hand"


_source_name = mark_source


def _hand_set(row: m.Availability) -> bool:
    return row.source_id is None


def effective_day(rows: list[m.Availability]) -> tuple[str, str, str, float]:
    """(state, source, note, busy hours) of one day (see `deciding_mark`: hand-set wins).  A
    swap's stretch of time is not the day's state (two hours at the dentist do not make the day
    "off"): it decides the shifts it overlaps (`effective_shift`) and is listed on its own."""
    from ..core.domain_availability import deciding_mark

    busy = max((r.busy_hours for r in rows if r.source_id is not None), default=0.0)
    row = deciding_mark([r for r in rows if r.until is None], _hand_set)
    if row is None:
        return "available", "", "", busy
    return row.state, _source_name(row), row.note or row.reason, busy


def effective_shift(rows: list[m.Availability], start: datetime, end: datetime) -> tuple[str, str, str]:
    """(state, source, note) for the shift `start` to `end`, from the rows of its day and the
    stretches of time overlapping it."""
    from ..core.domain_availability import deciding_mark

    row = deciding_mark(rows, _hand_set, start, end)
    if row is None:
        return "available", "", ""
    return row.state, _source_name(row), row.note or row.reason


class AvailabilityService(ServiceBase):
    """A person's month by hand, project load, the team grid; and for the planner, who is
    recommended how much (`recommendations`)."""

    SERVES = ("availability", "set_availability", "set_utilisation", "team_availability")

    def __init__(self, ctx: ServiceContext, eligibility: EligibilityFor) -> None:
        """`eligibility(team)`: who may take which role when (the requirements area's), for the
        grid's coverage counts."""
        super().__init__(ctx)
        self.eligibility = eligibility

    # -- who, when -----------------------------------------------------------------
    def _today(self, tz: str) -> date:
        return self._now().astimezone(ZoneInfo(tz)).date()

    def subject(self, person: str | None, doing: str) -> m.Person:
        """Myself, or someone in a team I manage."""
        me = self._me()
        if person in (None, "", "me", me.login):
            return me
        who = self._person(person)
        if not self._manages(who):
            raise NotAllowed(f"only a manager of {who.login}'s team can {doing}", person=who.login)
        return who

    def teams_of(self, who: m.Person) -> list[m.Team]:
        return list(m.Team.select().join(m.Membership).where(m.Membership.person == who).order_by(m.Team.name))

    def month_lock(self, who: m.Person, month: str) -> tuple[bool, str, date | None]:
        """(editable by the actor, why not / a note, the deadline for that month)."""
        first, _ = parse_month(month)
        teams = self.teams_of(who)
        today = self._today(teams[0].tz if teams else who.tz)
        current = month_of(today)
        label = first.strftime("%B %Y")
        manager = self._manages(who)
        if month < current:
            return False, f"{label} is over; availability can no longer change.", None
        if month == current:
            if manager:
                return True, f"{label} is already planned; as a manager you may still change it.", None
            return False, (f"{label} is already planned: to get out of a shift, ask "
                           f"{self._managers_text(teams)} (swap requests come in a later release)."), None
        if month != next_month(today):
            return True, "", None
        deadlines = []
        for t in teams:
            last_day = month_range(current)[1].day
            deadlines.append(date(today.year, today.month, max(1, min(t.availability_deadline_day, last_day))))
        deadline = min(deadlines) if deadlines else None
        if deadline is None or today <= deadline:
            return True, (f"Open until {deadline:%-d %b}." if deadline else ""), deadline
        if manager:
            return True, (f"Closed on {deadline:%-d %b} (team deadline); as a manager you may still "
                          f"change it."), deadline
        return False, (f"{label}'s availability closed on {deadline:%-d %b} (the team's deadline). "
                       f"To change it now, ask {self._managers_text(teams)}."), deadline

    def _managers_text(self, teams: list[m.Team]) -> str:
        """'a manager (Maya Goldberg or Dana Lee)': who can still change a closed month."""
        names = sorted({p.name for p in m.Person.select(m.Person.name).join(m.Membership)
                        .where(m.Membership.team.in_([t.id for t in teams]) & (m.Membership.role == "manager"))})
        return f"a manager ({' or '.join(names)})" if names else "a manager"

    def open_month(self, who: m.Person) -> str:
        """Next month if it is still open for the actor, else the month after."""
        month = next_month(self._today(who.tz))
        return month if self.month_lock(who, month)[0] else add_months(month, 1)

    # -- reading marks ---------------------------------------------------------------
    def marks_by_day(self, person_ids: list[int], first: date, last: date) -> dict[tuple[int, date], list]:
        q = (m.Availability.select(m.Availability, m.CalendarSource)
             .join(m.CalendarSource, JOIN.LEFT_OUTER)
             .where(m.Availability.person.in_(person_ids) & (m.Availability.day >= first)
                    & (m.Availability.day <= last)))
        found: dict[tuple[int, date], list] = defaultdict(list)
        for row in q:
            found[(row.person_id, row.day)].append(row)
        return found

    def _rotations_of(self, who: m.Person):
        q = (m.Rotation.select(m.Rotation, m.Team).join(m.Team).join(m.Membership)
             .where((m.Membership.person == who) & m.Membership.on_rotation & m.Rotation.active))
        return [convert.rotation(r, r.team.slug) for r in q]

    def _shifts_by_day(self, rotations, first: date, last: date) -> dict[date, list]:
        out: dict[date, list] = defaultdict(list)
        for rot in rotations:
            for s in generate_shifts(rot, first, last):
                out[s.start.astimezone(ZoneInfo(rot.tz)).date()].append((rot, s))
        return out

    def _manual_pct(self, who: m.Person, month: str) -> int | None:
        values = [ms.utilisation_pct.get(month) for ms in m.Membership.select().where(m.Membership.person == who)
                  if (ms.utilisation_pct or {}).get(month) is not None]
        return max(values) if values else None

    @staticmethod
    def _facts(login: str, rows_by_day, first: date, last: date, pct: int | None,
               past: float) -> LoadFacts:
        from ..core.recommend import HOURS_PER_DAY, LoadFacts, weekday_count

        busy, off = 0.0, 0
        off_days = []
        day = first
        while day <= last:
            if not rows_by_day.get(day):  # nothing marked: not off, nothing busy
                day += timedelta(days=1)
                continue
            whole_day = [r for r in rows_by_day.get(day, []) if r.shift_start is None]
            if whole_day and effective_day(whole_day)[0] == "unavailable":
                off_days.append(day)
            if day.weekday() < 5:
                rows = rows_by_day.get(day, [])
                whole = [r for r in rows if r.shift_start is None]
                state = effective_day(whole)[0] if whole else "available"
                if state == "unavailable":
                    off += 1
                else:
                    busy += min(HOURS_PER_DAY, max((r.busy_hours for r in rows if r.source_id), default=0.0))
            day += timedelta(days=1)
        return LoadFacts(login=login, past_load=past, working_hours=weekday_count(first, last) * HOURS_PER_DAY,
                         busy_hours=round(busy, 2), days_off=off, manual_pct=pct, off_days=tuple(off_days))

    def _month_view(self, who: m.Person, month: str) -> MonthAvailability:
        from ..core.domain_availability import DayAvailability, Mark, MonthAvailability, ShiftAvailability
        from ..core.recommend import month_busy_hours
        from .availability_calendars import sources_of

        first, last = parse_month(month)
        rows = self.marks_by_day([who.id], first, last)
        by_day = {d: r for (_, d), r in rows.items()}
        stretches = [r for day_rows in by_day.values() for r in day_rows if r.until is not None]
        shifts = self._shifts_by_day(self._rotations_of(who), first, last)
        days = []
        day = first
        while day <= last:
            day_rows = by_day.get(day, [])
            state, source, note, busy = effective_day(day_rows)
            shift_items = []
            for rot, s in sorted(shifts.get(day, []), key=lambda x: x[1].start):
                across = [r for r in stretches if r.day != day]  # a stretch begun on another day
                shift_state, shift_source, shift_note = effective_shift(day_rows + across, s.start, s.end)
                shift_items.append(ShiftAvailability(rotation=rot.slug, rotation_name=rot.name, start=s.start,
                                                     end=s.end, state=shift_state, source=shift_source,
                                                     note=shift_note))
            marks = tuple(Mark(day=r.day, state=r.state, source=_source_name(r), source_id=r.source_id,
                               shift_start=r.shift_start, busy_hours=r.busy_hours,
                               note=r.note, reason=r.reason, until=r.until) for r in day_rows)
            days.append(DayAvailability(day=day, state=state, source=source, note=note, busy_hours=busy,
                                        shifts=tuple(shift_items), marks=marks))
            day += timedelta(days=1)
        pct = self._manual_pct(who, month)
        facts = self._facts(who.login, by_day, first, last, pct, 0.0)
        from ..core.recommend import utilisation

        editable, reason, deadline = self.month_lock(who, month)
        return MonthAvailability(
            person=convert.person_ref(who), month=month, days=tuple(days), editable=editable,
            lock_reason=reason, deadline=deadline, busy_hours=month_busy_hours(facts),
            working_hours=facts.working_hours, utilisation=utilisation(facts), manual_pct=pct,
            sources=tuple(sources_of(who, self.actor_login)), version=self._hand_version(who, first, last))

    # -- the API: my month -------------------------------------------------------------
    def availability(self, person: str | None = None, month: str | None = None) -> MonthAvailability:
        if month is not None:
            parse_month(month)

        def run():
            who = self.subject(person, "see their availability")
            return self._month_view(who, month or next_month(self._today(who.tz)))
        return self._read(run)

    def _hand_version(self, who: m.Person, first: date, last: date) -> int:
        """The version of a person's hand-set marks in a month, as the user saw them: it changes
        whenever any of them changes (a fingerprint of what they say, not a counter)."""
        import hashlib

        a = m.Availability
        rows = (a.select(a.day, a.shift_start, a.state, a.note)
                .where((a.person == who) & (a.day >= first) & (a.day <= last) & a.source.is_null()
                       & a.until.is_null()).tuples())
        text = "\n".join(sorted(f"{d}|{s or ''}|{state}|{note}" for d, s, state, note in rows))
        return int(hashlib.sha256(text.encode()).hexdigest()[:13], 16)  # fits a JSON number exactly

    def set_availability(self, days: list[date], state: str, note: str = "",
                         shift_start: datetime | None = None, person: str | None = None,
                         expected_version: int | None = None) -> MonthAvailability:
        from ..core.domain_availability import SET_STATES

        if state not in SET_STATES:
            raise InvalidInput(f"{state!r} is not a state; use one of {', '.join(SET_STATES)}", field="state")
        note = check_note(note, limit=500)
        days = sorted(set(days))
        if not days:
            raise InvalidInput("no days given", field="days")
        months = {month_of(d) for d in days}
        if len(months) != 1:
            raise InvalidInput("the days must all be in one month", field="days")
        month = months.pop()
        if shift_start is not None and len(days) != 1:
            raise InvalidInput("a single shift is marked on one day", field="shift_start")

        def run():
            who = self.subject(person, "change their availability")
            editable, reason, _ = self.month_lock(who, month)
            if not editable:
                raise NotAllowed(reason, month=month)
            # One writer of a person's marks at a time (PostgreSQL: the person row's lock; SQLite
            # writers already take turns), so the version checked below is the one replaced.
            list(self._locked(m.Person.select(m.Person.id).where(m.Person.id == who.id), "FOR NO KEY UPDATE"))
            if expected_version is not None and expected_version != self._hand_version(who, *parse_month(month)):
                raise StaleEdit(f"{who.name}'s availability for {month} was changed by someone else first; "
                                f"nothing was changed, here is the month as it is now",
                                fresh=self._month_view(who, month))
            if shift_start is not None:
                first, last = parse_month(month)
                starts = {s.start for _, s in self._shifts_by_day(self._rotations_of(who), first, last)
                          .get(days[0], [])}
                if shift_start not in starts:
                    raise InvalidInput("no shift of yours starts then", field="shift_start")
            now = self._now()
            for d in days:
                # a swap's "asked for cover" stretch stays: it goes with its request
                q = m.Availability.delete().where((m.Availability.person == who) & (m.Availability.day == d)
                                                   & m.Availability.source.is_null() & m.Availability.until.is_null())
                if shift_start is not None:
                    q = q.where(m.Availability.shift_start == shift_start)
                q.execute()
                if state != "clear":
                    m.Availability.create(person=who, day=d, shift_start=shift_start, state=state,
                                          note=note, updated_at=now)
            teams = self.teams_of(who)
            self._audit("availability.set", "person", who.login, teams[0] if teams else None, month=month,
                        days=[d.isoformat() for d in days], state=state, shift_start=shift_start, note=note)
            return AfterCommit(lambda: self._month_view(who, month))
        try:
            return self._write(run)
        except IntegrityError:  # the database keeps one mark per person, day and shift
            def fresh():
                who = self.subject(person, "change their availability")
                raise StaleEdit(f"{who.name}'s availability for {month} was changed at the same moment by "
                                f"someone else; nothing was changed, here is the month as it is now",
                                fresh=self._month_view(who, month))
            return self._read(fresh)

    def set_utilisation(self, person: str, month: str, pct: int | None) -> MonthAvailability:
        parse_month(month)
        if pct is not None and not (0 <= int(pct) <= 100):
            raise InvalidInput(f"{pct}% is not a share of a month; give 0 to 100", field="pct")

        def run():
            me, who = self._me(), self._person(person)
            managed = [ms for ms in m.Membership.select().where(m.Membership.person == who)
                       if self._is_manager(ms.team, me)]
            if not managed:
                raise NotAllowed(f"only a manager of {who.login}'s team can set their project load")
            for ms in managed:
                values = dict(ms.utilisation_pct or {})
                if pct is None:
                    values.pop(month, None)
                else:
                    values[month] = int(pct)
                m.Membership.update(utilisation_pct=values, version=m.Membership.version + 1).where(
                    m.Membership.id == ms.id).execute()
                self._audit("availability.utilisation", "person", who.login, ms.team, month=month, pct=pct)
            return self._month_view(who, month)
        return self._write(run)

    # -- recommendations and the team grid ----------------------------------------------------
    def _past_load(self, team: m.Team, month: str) -> dict[int, float]:
        """Person id -> points of their published shifts in the team's rotations over the window
        before `month` (each rotation's own points, the team's holidays): the one past load."""
        from ..core.recommend import WINDOW_MONTHS, holidays_of, point_values, shift_points
        from ..core.swaps import points_of_part

        first, _ = parse_month(month)
        start_month = add_months(month, -WINDOW_MONTHS)
        start = datetime.combine(parse_month(start_month)[0], time(0), ZoneInfo(team.tz))
        end = datetime.combine(first, time(0), ZoneInfo(team.tz))
        published = ((m.Plan.status == "published") & (m.Rotation.team == team)
                     & (m.Slot.start >= start) & (m.Slot.start < end))
        q = (m.Assignment.select(m.Assignment.person, m.Slot.start, m.Slot.role, m.Plan.rotation)
             .join(m.Slot).switch(m.Assignment).join(m.Plan).join(m.Rotation).where(published).tuples())
        # each rotation's zone and points read once, not once a shift
        rotations = {rot_id: (tz, point_values(weights)) for rot_id, tz, weights in
                     m.Rotation.select(m.Rotation.id, m.Rotation.tz, m.Rotation.weights)
                     .where(m.Rotation.team == team).tuples()}
        holidays = holidays_of(team.settings)

        def points_of(slot_start: datetime, role: str, rot_id: int) -> int:
            tz, values = rotations[rot_id]
            return shift_points(slot_start, tz, role, points=values, holidays=holidays)

        load: dict[int, float] = defaultdict(float)
        for person_id, slot_start, role, rot_id in q:
            load[person_id] += points_of(_aware(slot_start, m.Slot.start), role, rot_id)
        # hours covered by someone else (a swap of part of a shift): their points move with them
        covers: Any = (m.Cover.select(m.Cover.person, m.Cover.start, m.Cover.end, m.Assignment.person, m.Slot.start,
                                      m.Slot.end, m.Slot.role, m.Plan.rotation)
                       .join(m.Assignment).join(m.Slot).switch(m.Assignment).join(m.Plan).join(m.Rotation)
                       .where(published).order_by(m.Cover.assignment, m.Cover.id).tuples())
        for taker, c_start, c_end, holder, s_start, s_end, role, rot_id in covers:
            s_start, s_end = _aware(s_start, m.Slot.start), _aware(s_end, m.Slot.end)
            part = points_of_part(points_of(s_start, role, rot_id), s_start, s_end, _aware(c_start, m.Cover.start),
                                  _aware(c_end, m.Cover.end))
            load[taker] += part
            load[holder] -= part
        return load

    def _past_excess(self, team: m.Team, month: str) -> dict[str, float]:
        """login -> points held above (+) or below (-) their fair shares in the team's published
        plans of the window before `month`, as each plan recorded them (its people's points and
        base shares): the catch-up's one source."""
        from ..core.recommend import WINDOW_MONTHS

        first, _ = parse_month(month)
        since = parse_month(add_months(month, -WINDOW_MONTHS))[0]
        plans = (m.Plan.select(m.Plan.summary).join(m.Rotation)
                 .where((m.Plan.status == "published") & (m.Rotation.team == team)
                        & (m.Plan.first_day >= since) & (m.Plan.first_day < first)))
        excess: dict[str, float] = defaultdict(float)
        for plan in plans:
            for row in (plan.summary or {}).get("people", []):
                share = row.get("share", row.get("target"))
                if share is not None and "login" in row:
                    excess[row["login"]] += float(row.get("points", 0)) - float(share)
        return dict(excess)

    def _team_members(self, team: m.Team) -> list[tuple[m.Membership, m.Person]]:
        q = (m.Membership.select(m.Membership, m.Person).join(m.Person)
             .where((m.Membership.team == team) & m.Membership.on_rotation & m.Person.active)
             .order_by(m.Person.name))
        return [(ms, ms.person) for ms in q]

    def _team_facts(self, team: m.Team, month: str, members, rows) -> dict[int, LoadFacts]:
        """Person id -> what is known about their month (past load over the window included)."""
        first, last = parse_month(month)
        past = self._past_load(team, month)
        excess = self._past_excess(team, month)
        facts = {}
        by_person: dict[int, dict] = defaultdict(dict)  # each person's days, in one pass over the rows
        for (pid, d), r in rows.items():
            by_person[pid][d] = r
        for ms, p in members:
            by_day = by_person.get(p.id, {})
            pct = (ms.utilisation_pct or {}).get(month)
            facts[p.id] = replace(self._facts(p.login, by_day, first, last, pct, past.get(p.id, 0.0)),
                                  past_excess=round(excess.get(p.login, 0.0), 2))
        return facts

    def _team_recommendations(self, team: m.Team, month: str, members, rows,
                              facts: dict[int, LoadFacts] | None = None) -> dict[int, Recommendation]:
        from ..core.recommend import recommend

        if facts is None:
            facts = self._team_facts(team, month, members, rows)
        ids = {f.login: pid for pid, f in facts.items()}
        from ..core.recommend import holidays_of

        first, last = parse_month(month)
        recs = recommend(list(facts.values()), first.strftime("%b"), first=first, last=last, tz=team.tz,
                         holidays=holidays_of(team.settings))
        return {ids[login]: rec for login, rec in recs.items()}

    def recommendations(self, team: m.Team, month: str) -> dict[int, Recommendation]:
        """person_id -> recommendation level for `month` (YYYY-MM), for the planner."""
        first, last = parse_month(month)
        members = self._team_members(team)
        rows = self.marks_by_day([p.id for _, p in members], first, last)
        return self._team_recommendations(team, month, members, rows)

    def team_availability(self, team: str | None = None, month: str | None = None) -> TeamAvailability:
        from ..core.domain_availability import DayCell, TeamAvailability, TeamMemberMonth
        from ..core.recommend import month_busy_hours

        if month is not None:
            parse_month(month)

        def run():
            me = self._me()
            if team:
                t = self._team(team)
            else:
                managed = [t for t in self.teams_of(me) if self._is_manager(t, me)]
                if not managed:
                    raise NotAllowed("the team availability grid is for managers; you manage no team")
                t = managed[0]
            self._require_manager(t, doing="see the team's availability")
            mon = month or next_month(self._today(t.tz))
            first, last = parse_month(mon)
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            members = self._team_members(t)
            rows = self.marks_by_day([p.id for _, p in members], first, last)
            facts = self._team_facts(t, mon, members, rows)
            recs = self._team_recommendations(t, mon, members, rows, facts)
            out = []
            for ms, p in members:
                cells = []
                for d in days:
                    state, source, note, _ = effective_day(rows.get((p.id, d), []))
                    cells.append(DayCell(state=state, source=source, note=note if source == "hand" else ""))
                out.append(TeamMemberMonth(person=convert.person_ref(p), cells=tuple(cells),
                                           recommendation=recs[p.id], busy_hours=month_busy_hours(facts[p.id]),
                                           manual_pct=(ms.utilisation_pct or {}).get(mon)))
            coverage = self._coverage(t, members, rows, first, last)
            deadline = self.month_lock(members[0][1], mon)[2] if members else None
            return TeamAvailability(team=t.slug, team_name=t.name, month=mon, days=tuple(days), members=tuple(out),
                                    coverage=tuple(coverage), deadline=deadline)
        return self._read(run)

    def _coverage(self, team: m.Team, members, rows, first: date, last: date) -> list[RoleCoverage]:
        from ..core.domain_availability import RoleCoverage
        from ..core.recommend import OPTIONAL_ROLES

        rotations = [convert.rotation(r, team.slug) for r in
                     m.Rotation.select().where((m.Rotation.team == team) & m.Rotation.active)]
        roles: list[str] = []
        for rot in rotations:
            roles += [r for r in rot.roles if r not in roles]
        eligible = self.eligibility(team)
        starts: dict[tuple[date, str], tuple[datetime, datetime]] = {}
        for day, items in self._shifts_by_day(rotations, first, last).items():
            for rot, s in sorted(items, key=lambda x: x[1].start):
                for role in rot.roles:
                    starts.setdefault((day, role), (s.start, s.end))
        out = []
        n_days = (last - first).days + 1
        for role in roles:
            counts = []
            for i in range(n_days):
                day = first + timedelta(days=i)
                at = starts.get((day, role))
                if at is None:
                    counts.append(0)
                    continue
                counts.append(sum(
                    1 for _, p in members
                    if effective_shift(rows.get((p.id, day), []), *at)[0] != "unavailable"
                    and eligible(p.id, role, at[0])[0]))
            out.append(RoleCoverage(role=role, counts=tuple(counts), needed=0 if role in OPTIONAL_ROLES else 1))
        return out


def __getattr__(name: str):
    if name == "HAND_STATES":  # still importable from here; loaded when first asked for
        from ..core.domain_availability import HAND_STATES

        return HAND_STATES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["AvailabilityService", "HAND_STATES"]  # noqa: F822


def _aware(value: Any, field: Any) -> datetime:
    """A datetime read with `.tuples()` (SQLite hands back text): as the field reads it, aware."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return field.python_value(value)
    return value
