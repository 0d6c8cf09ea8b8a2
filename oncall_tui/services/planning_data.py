"""Reading what the planner needs from the database, and plans back as plain data.

`_gather` collects the facts (people on the rotation, their marks, history, shifts in other
rotations, the published plan of the period) and hands them to the pure
`planning_problem.build_problem`.  Call it inside a transaction."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from peewee import JOIN, fn

from ..core.months import month_range
from ..core.shifts import generate_shifts
from ..store import models as m
from . import convert
from .availability import mark_source
from .base import ServiceBase, ServiceContext
from .context import Checker, EligibilityFor, RecommendationsFor

if TYPE_CHECKING:  # only for annotations: imported where used, so start-up does not pay
    from ..core.domain_planning import PlanSummary, PlanView


class PlanData(ServiceBase):
    """The planning area's reading half: its collaborators come from the other areas."""

    def __init__(self, ctx: ServiceContext, eligibility: EligibilityFor,
                 recommendations: RecommendationsFor) -> None:
        """`eligibility(team)`: who may take which role when (the requirements area's);
        `recommendations(team, month)`: how much to plan each person (the availability area's)."""
        super().__init__(ctx)
        self.eligibility = eligibility
        self.recommendations = recommendations

    def _gather(self, rot: m.Rotation, month: str, judge: bool = True):
        """The planner's problem of `rot` in `month`.  `judge=False`: nobody's eligibility is
        asked (anyone may hold any role, the region rule aside): for a caller that judges only
        the cells it asks about itself (the swaps: one shift and role)."""
        from ..core.planning import OPTIONAL_ROLES, Busy, Mark, Member, build_problem
        from ..core.recommend import holidays_of

        team = rot.team
        _plannable(rot)
        spec = convert.rotation(rot, team.slug)
        first, last = month_range(month)
        shifts = generate_shifts(spec, first, last)
        zone = ZoneInfo(rot.tz)
        period_start = shifts[0].start if shifts else datetime.combine(first, time(0), zone)
        period_end = shifts[-1].end if shifts else datetime.combine(last, time(23, 59), zone)
        holidays = holidays_of(team.settings)
        # plain rows, only the columns used: a month is gathered on every first call after a change
        people: Any = (m.Membership.select(m.Person.id, m.Person.login, m.Person.name, m.Person.tz,
                                           m.Membership.region, m.Membership.utilisation_pct)
                       .join(m.Person)
                       .where((m.Membership.team == team) & m.Membership.on_rotation & m.Person.active)
                       .order_by(m.Person.login).tuples())
        by_id = {row[0]: row for row in people}
        login_id = {row[1]: pid for pid, row in by_id.items()}
        ids = list(by_id)

        # history: published shifts before the period (past load is the recommendation's, below),
        # counted by the database: the primary/secondary shifts each person served and when the
        # last ended; only the same rotation's last few days come back as rows (the carry-in)
        served: Any = (m.Assignment.select(m.Assignment.person, fn.COUNT(m.Assignment.id), fn.MAX(m.Slot.end))
                       .join(m.Slot).switch(m.Assignment).join(m.Plan)
                       .where((m.Plan.status == "published") & (m.Assignment.person.in_(ids))
                              & (m.Slot.start < period_start) & m.Slot.role.not_in(list(OPTIONAL_ROLES)))
                       .group_by(m.Assignment.person).tuples())
        experience: dict[int, int] = defaultdict(int)
        last_on: dict[int, datetime] = {}
        for pid, count, last_end in served:
            experience[pid] = count
            last_on[pid] = _aware(last_end)
        rest_days = (spec.rules.max_consecutive or 0) + 2
        recent: Any = (m.Assignment.select(m.Assignment.person, m.Slot.start, m.Slot.end)
                       .join(m.Slot).switch(m.Assignment).join(m.Plan)
                       .where((m.Plan.status == "published") & (m.Assignment.person.in_(ids))
                              & (m.Slot.rotation == rot) & (m.Slot.start < period_start)
                              & (m.Slot.start >= period_start - timedelta(days=rest_days)))
                       .tuples())
        carry_in = [(by_id[pid][1], _aware(start), _aware(end)) for pid, start, end in recent]

        recs = self.recommendations(team, month)  # their past load too: one figure in every view
        members = []
        for pid, (_, login, name, tz, region, pct) in by_id.items():
            rec = recs.get(pid)
            members.append(Member(
                login=login, name=name, tz=tz,
                region=region or "", experience=experience[pid], past_load=rec.past_load if rec else 0.0,
                past_excess=rec.past_excess if rec else 0.0,
                project_pct=(pct or {}).get(month),
                level=rec.level if rec else None, level_why=rec.explanation if rec else "",
                last_on_call=last_on.get(pid)))

        def by_login(checker: Checker) -> Callable[[str, str, datetime], tuple[bool, str]]:
            return lambda login, role, at: checker(login_id[login], role, at)

        eligible = by_login(self.eligibility(team)) if judge else None

        # a mark touches every shift overlapping the person's local day: the period's shifts
        # run into the days after it (a week at most), and zones differ by a day at most
        mark_from = first - timedelta(days=2)
        mark_to = max([last] + [s.end.date() for s in shifts]) + timedelta(days=2)
        # the calendar's id as well as its label: without it the row's source_id would read None
        marks = [Mark(login=row.person.login, day=row.day, state=row.state, shift_start=row.shift_start,
                      until=row.until, hand_set=row.source_id is None,
                      source=mark_source(row),
                      note=row.note or getattr(row, "reason", "") or "")
                 for row in m.Availability.select(m.Availability.day, m.Availability.state, m.Availability.shift_start,
                                                  m.Availability.until, m.Availability.source, m.Availability.note,
                                                  m.Availability.reason, m.Person.login, m.CalendarSource.id,
                                                  m.CalendarSource.label)
                 .join(m.Person).switch(m.Availability).join(m.CalendarSource, JOIN.LEFT_OUTER)
                 .where((m.Availability.person.in_(ids)) & (m.Availability.day >= mark_from)
                        & (m.Availability.day <= mark_to))]

        elsewhere: Any = (m.Assignment.select(m.Person.login, m.Slot.start, m.Slot.end, m.Rotation.name, m.Slot.role)
                          .join(m.Slot).join(m.Rotation).switch(m.Assignment).join(m.Plan)
                          .switch(m.Assignment).join(m.Person)
                          .where((m.Plan.status == "published") & (m.Assignment.person.in_(ids))
                                 & (m.Slot.rotation != rot) & (m.Slot.start < period_end)
                                 & (m.Slot.end > period_start))
                          .order_by(m.Slot.start, m.Assignment.id).tuples())
        busy = [Busy(login=login, start=start, end=end, what=f"{rot_name} {role}")
                for login, start, end, rot_name, role in elsewhere]

        previous: dict[tuple[datetime, str], str] = {}
        published = (m.Plan.select(m.Plan.id).where((m.Plan.rotation == rot) & (m.Plan.status == "published")
                                                    & (m.Plan.first_day == first) & (m.Plan.last_day == last))
                     .order_by(m.Plan.number.desc()).first())
        if published is not None:
            cells: Any = (m.Assignment.select(m.Slot.start, m.Slot.role, m.Person.login).join(m.Slot)
                          .switch(m.Assignment).join(m.Person).where(m.Assignment.plan == published.id).tuples())
            for start, role, login in cells:
                previous[(start, role)] = login
        return build_problem(spec, shifts, members, eligible=eligible, marks=marks, busy=busy,
                             holidays=holidays, previous=previous, carry_in=carry_in)

    # -- plans as plain data -------------------------------------------------------------
    def _summary(self, plan: m.Plan) -> PlanSummary:
        from ..core.domain_planning import PlanSummary

        summary = plan.summary or {}
        rot = plan.rotation
        creator = m.Person.get_or_none(m.Person.id == plan.created_by_id) if plan.created_by_id else None
        return PlanSummary(
            id=plan.id, team=rot.team.slug, rotation=rot.slug, rotation_name=rot.name,
            first_day=plan.first_day, last_day=plan.last_day, status=plan.status, number=plan.number,
            solver=plan.solver, score=plan.score, bound=plan.bound, gaps=len(summary.get("gaps", [])),
            warnings=len(summary.get("warnings", [])), created_by=creator.login if creator else "",
            created_at=plan.created_at, published_at=plan.published_at, version=plan.version)

    def _view(self, plan: m.Plan) -> PlanView:
        from ..core.domain_planning import PersonLoad, PlanCell, PlanGap, PlanView

        rot = plan.rotation
        spec = convert.rotation(rot, rot.team.slug)
        starts = [s.start for s in generate_shifts(spec, plan.first_day, plan.last_day)]
        slots = list(m.Slot.select().where((m.Slot.rotation == rot) & (m.Slot.start.in_(starts)))) if starts else []
        held = {a.slot_id: a for a in m.Assignment.select(m.Assignment, m.Person).join(m.Person)
                .where(m.Assignment.plan == plan)}
        order = {r: i for i, r in enumerate(spec.roles)}
        cells = []
        for s in sorted(slots, key=lambda s: (s.start, order.get(s.role, 9))):
            a = held.get(s.id)
            cells.append(PlanCell(uid=s.uid, start=s.start, end=s.end, role=s.role, login=a.person.login if a else None,
                                  name=a.person.name if a else "", source=a.source if a else "", region=s.region))
        summary = plan.summary or {}
        names = {p.login: p.name for p in m.Person.select(m.Person.login, m.Person.name)}
        people = tuple(PersonLoad(
            login=p["login"], name=names.get(p["login"], p["login"]), shifts=p["shifts"], points=p["points"],
            past=p["past"], target=p["target"], deviation=p["deviation"],
            experienced=p.get("experienced", True), level=p.get("level"),
            share=p.get("share", p["target"]), catch_up=p.get("catch_up", 0.0)) for p in summary.get("people", []))
        gaps = tuple(PlanGap(uid=g.get("uid", ""), start=datetime.fromisoformat(g["start"]), role=g["role"],
                             reasons=tuple(g["reasons"]))
                     for g in summary.get("gaps", []) if g.get("start"))
        status, elapsed = summary.get("status", ""), summary.get("elapsed")
        note = f"{plan.solver} · {status}" if status else plan.solver
        if elapsed:
            note += f" in {float(elapsed):.1f} s"
        published = (m.Plan.select(m.Plan.id).where(
            (m.Plan.rotation == rot) & (m.Plan.status == "published") & (m.Plan.first_day == plan.first_day)
            & (m.Plan.last_day == plan.last_day)).first())
        return PlanView(
            summary=self._summary(plan), tz=rot.tz, roles=spec.roles, cells=tuple(cells), people=people,
            gaps=gaps, warnings=tuple(f"hard rule: {v}" for v in summary.get("violations", []))
            + tuple(summary.get("warnings", [])),
            penalties=dict(summary.get("penalties", {})), solve_note=note,
            published_id=published.id if published else None)


def _plannable(rot: m.Rotation) -> None:
    """A stored rotation the planner can plan (the team import's check, again: a rotation stored
    before that check may hold a misspelt rule or two windows at one time), else one line."""
    from ..core.checks import check_rotation
    from ..core.errors import InvalidInput

    try:
        check_rotation(shift=rot.shift_kind, handoff=rot.handoff, shift_hours=rot.shift_hours,
                       handoff_weekday=rot.handoff_weekday, roles=list(rot.roles or ()),
                       window_starts=[w.get("start", "") for w in (rot.windows or ())], rules=dict(rot.rules or {}),
                       weights=dict(rot.weights or {}))
    except InvalidInput as exc:
        raise InvalidInput(f"rotation {rot.slug!r} cannot be planned: {exc.message}; fix it in the team file "
                           f"and import it again", field=f"rotation.{exc.field}") from None


def _aware(value: datetime) -> datetime:

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
