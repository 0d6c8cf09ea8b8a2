"""Planning use cases: build the solver's problem from the database, keep drafts, edit them
by hand against the hard rules, diff them against what is published, and publish.

Solving never happens inside a transaction: the problem is read in one, solved outside, and
the answer saved in another (which checks it again against fresh data)."""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import peewee as pw

from ..core.errors import InvalidInput, NotAllowed, NotFound, StaleEdit
from ..core.months import month_of, month_range, next_month
from ..core.text import plural
from ..store import models as m
from . import convert
from .context import EligibilityFor, RecommendationsFor, Republished, ServiceContext
from .planning_data import PlanData
from .slots import ensure_slots

if TYPE_CHECKING:  # only for annotations: imported where used, so start-up does not pay
    from ..core.domain_planning import CellEdit, DiffLine, PlanDiff, PlanProblem, PlanSummary, PlanView, SolvedPlan


# set aside for saving a draft, against the time the problem took to read: the saving reads the
# team again, and checks and explains the plan (about 0.2 ms per person and shift at 120 people)
SAVE_PER_READ = 1.3
SAVE_PER_CELL = 2e-5
SOLVE_SHARE = 0.9  # of what is left for the solver: the rest is a margin for a busy machine
MIN_SOLVE = 0.1  # the solver's least share of the time limit, however long reading takes


class PlanningService(PlanData):
    """Drafts, hand edits, diffs and publishing of a rotation's month."""

    SERVES = ("plan_problem", "save_draft", "draft_plan", "plans", "plan", "edit_plan", "plan_diff",
              "publish_plan", "explain_person")

    def __init__(self, ctx: ServiceContext, eligibility: EligibilityFor, recommendations: RecommendationsFor,
                 republished: Republished) -> None:
        """`republished(previous, plan)`: the swaps area's part of a re-publish (see context.py)."""
        super().__init__(ctx, eligibility, recommendations)
        self.republished = republished

    # -- the API -------------------------------------------------------------------------
    def plan_problem(self, rotation: str, month: str | None = None,
                     team: str | None = None) -> PlanProblem:
        return self._read(lambda: self._problem(rotation, month, team)[0])

    def _problem(self, rotation: str, month: str | None, team: str | None):
        """The solver's problem as the API gives it, and the planner's data it came from."""
        from ..core.domain_planning import PlanProblem
        from ..core.wire import to_builtins

        rot = self._rotation_row(rotation, team)
        self._require_manager(rot.team, doing="plan its rotations")
        month_ = self._month(rot, month)
        built = self._gather(rot, month_)
        not_eligible = {f"{login}|{shift}|{role}": why
                        for (login, shift, role), why in built.ineligible_why.items()}
        first, last = month_range(month_)
        return PlanProblem(
            team=rot.team.slug, rotation=rot.slug, rotation_name=rot.name, month=month_, first_day=first,
            last_day=last, tz=rot.tz, data=to_builtins(built.problem), not_eligible=not_eligible,
            unavailable={f"{login}|{shift}": why for (login, shift), why in built.unavailable_why.items()}), built

    def save_draft(self, rotation: str, month: str, solved: SolvedPlan,
                   team: str | None = None) -> PlanView:
        return self._save_draft(rotation, month, solved, team, None)

    def _save_draft(self, rotation: str, month: str, solved: SolvedPlan, team: str | None,
                    read: tuple[int, object] | None) -> PlanView:
        """`read`: (the change counter before the problem was read, what was read), reused when
        nothing has changed since; otherwise the team is read again and the plan checked on it."""
        def run():
            rot = self._rotation_row(rotation, team)
            self._require_manager(rot.team, doing="plan its rotations")
            month_ = self._month(rot, month)
            unchanged = read is not None and self.ctx.change_seq() == read[0]
            return self._save(rot, month_, solved, built=read[1] if unchanged and read else None)
        return self._write(run)

    def draft_plan(self, rotation: str, month: str | None = None, solver: str = "cpsat",
                   time_limit: float = 10.0, team: str | None = None) -> PlanView:
        from ..core.domain_planning import SolvedPlan
        from ..scheduler.solve import SOLVERS, solve

        if solver not in SOLVERS:
            raise InvalidInput(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}", field="solver")
        if not (0 < time_limit <= 600):
            raise InvalidInput("the time limit is between 0 and 600 seconds", field="time_limit")
        # the time limit covers the whole call: reading the team, solving, and saving the draft
        # (which reads the team again to check the plan against fresh data): the solver gets
        # what is left once the reading is done and the saving is set aside
        started = time.perf_counter()
        seen = self.ctx.change_seq()  # before reading: any change after it makes the saving read again
        problem_data, built = self._read(lambda: self._problem(rotation, month, team))
        problem = problem_data.problem()
        reading = time.perf_counter() - started
        saving = SAVE_PER_READ * reading + SAVE_PER_CELL * len(problem.shifts) * len(problem.people)
        budget = SOLVE_SHARE * (time_limit - (time.perf_counter() - started) - saving)
        result = solve(problem, solver, max(MIN_SOLVE * time_limit, budget), explain=False)
        return self._save_draft(problem_data.rotation, problem_data.month, SolvedPlan.from_result(result),
                                problem_data.team, (seen, built))

    def plans(self, rotation: str | None = None, team: str | None = None) -> list[PlanSummary]:
        def run():
            me = self._me()
            q = (m.Plan.select(m.Plan, m.Rotation, m.Team).join(m.Rotation).join(m.Team)
                 .order_by(m.Plan.first_day.desc(), m.Plan.id.desc()))
            if rotation is not None:
                q = q.where(m.Rotation.id == self._rotation_row(rotation, team).id)
            elif team is not None:
                q = q.where(m.Team.id == self._team(team).id)
            else:
                q = q.where(m.Team.id.in_(self._my_team_ids()))
            managed = {t.id for t in m.Team.select().join(m.Membership)
                       .where((m.Membership.person == me) & (m.Membership.role == "manager"))}
            mine = set(self._my_team_ids())
            return [self._summary(p) for p in q if p.rotation.team_id in mine
                    and (p.status != "draft" or p.rotation.team_id in managed)]
        return self._read(run)

    def plan(self, plan_id: int) -> PlanView:
        return self._read(lambda: self._view(self._plan_row(plan_id)))

    def edit_plan(self, plan_id: int, expected_version: int, changes: list[CellEdit]) -> PlanView:
        if not changes:
            raise InvalidInput("no changes given", field="changes")

        def run():
            plan = self._plan_row(plan_id, write=True)
            if plan.status != "draft":
                raise InvalidInput(f"plan {plan.id} is {plan.status}; only drafts are edited "
                                   f"(draft a new plan to re-plan a published period)", field="plan")
            self._check_version(plan, expected_version)
            rot = plan.rotation
            built, slots = self._built_for(plan)
            by_uid = {s.uid: s for s in slots}
            rows = {a.slot.uid: a for a in m.Assignment.select(m.Assignment, m.Slot, m.Person)
                    .join(m.Slot).switch(m.Assignment).join(m.Person).where(m.Assignment.plan == plan)}
            before = {uid: a.person.login for uid, a in rows.items()}
            after = dict(before)
            for change in changes:
                for uid in (change.uid, change.swap_with):
                    if uid is not None and uid not in by_uid:
                        raise NotFound(f"no cell {uid} in this plan", entity="cell", id=uid)
                if change.swap_with is not None:
                    a, b = after.get(change.uid), after.get(change.swap_with)
                    for uid, who in ((change.uid, b), (change.swap_with, a)):
                        if who is None:
                            after.pop(uid, None)
                        else:
                            after[uid] = who
                elif change.login:
                    self._person(change.login)
                    after[change.uid] = change.login
                else:
                    after.pop(change.uid, None)
            old = self._by_shift(built, by_uid, before)
            new = self._by_shift(built, by_uid, after)
            from ..core.planning import hard_violations

            known = set(hard_violations(built, old))
            broken = [v for v in hard_violations(built, new) if v not in known]
            if broken:
                raise InvalidInput("that edit breaks a hard rule: " + "; ".join(broken[:4]),
                                   field="changes", violations=broken)
            people = {p.login: p for p in m.Person.select().where(m.Person.login.in_(list(set(after.values()))))}
            done = []
            emptied = dict(plan.summary.get("emptied", {}))  # cell uid -> who emptied it by hand
            me = self._me()
            for uid in sorted(set(before) | set(after)):
                if before.get(uid) == after.get(uid):
                    continue
                done.append(dict(uid=uid, before=before.get(uid), after=after.get(uid)))
                if after.get(uid):
                    emptied.pop(uid, None)
                else:
                    emptied[uid] = me.name or me.login
                if uid in rows:
                    rows[uid].delete_instance()
                if after.get(uid):
                    m.Assignment.create(plan=plan, slot=by_uid[uid], person=people[after[uid]], source="manual")
            self._store_result(plan, built, new, status=plan.summary.get("status", ""),
                               elapsed=plan.summary.get("elapsed", 0.0), bound=plan.bound, emptied=emptied)
            self._bump(plan, expected_version, lambda: self._view(plan), "the plan")
            self._audit("plan.edit", "plan", plan.id, rot.team, changes=done)
            return self._view(m.Plan.get_by_id(plan.id))
        return self._write(run)

    def plan_diff(self, plan_id: int) -> PlanDiff:
        return self._read(lambda: self._diff(self._plan_row(plan_id)))

    def publish_plan(self, plan_id: int, expected_version: int) -> PlanSummary:
        def run():
            plan = self._plan_row(plan_id, write=True, doing="publish plans")
            # Publishers of one rotation take turns (PostgreSQL: the rotation row's lock; SQLite
            # writers already take turns), so the second one reads what the first published.
            list(self._locked(m.Rotation.select(m.Rotation.id).where(m.Rotation.id == plan.rotation_id),
                              "FOR NO KEY UPDATE"))
            plan = self._plan_row(plan_id, write=True, doing="publish plans")
            if plan.version != expected_version:
                self._published_meanwhile(plan)
            if plan.status != "draft":
                raise InvalidInput(f"plan {plan.id} is already {plan.status}", field="plan")
            self._check_version(plan, expected_version)
            built, slots = self._built_for(plan)
            by_uid = {s.uid: s for s in slots}
            current = self._assigned(plan)
            from ..core.planning import hard_violations

            broken = hard_violations(built, self._by_shift(built, by_uid, current))
            if broken:
                raise InvalidInput(f"{plural(len(broken), 'hard-rule problem')} since the draft was made; fix them "
                                   f"first: " + "; ".join(broken[:4]), field="plan", violations=broken)
            previous = self._published_for(plan)
            if previous is not None:
                self._carry_over(previous, plan)
            diff = self._diff(plan)
            if previous is not None:
                self._bump(previous, previous.version, lambda: None, "the published plan", status="superseded")
            number = max([p.number for p in m.Plan.select(m.Plan.number).where(
                (m.Plan.rotation == plan.rotation) & (m.Plan.first_day == plan.first_day)
                & (m.Plan.last_day == plan.last_day))] + [0]) + 1
            self._bump(plan, expected_version, lambda: self._view(plan), "the plan", status="published",
                       number=number, published_by=self._me(), published_at=self._now())
            # Every other draft of the period was made against what was published before: its
            # manager is told (StaleEdit) and sees the new differences before publishing it.
            m.Plan.update(version=m.Plan.version + 1).where(
                (m.Plan.rotation == plan.rotation) & (m.Plan.first_day == plan.first_day)
                & (m.Plan.last_day == plan.last_day) & (m.Plan.status == "draft") & (m.Plan.id != plan.id)).execute()
            fresh = m.Plan.get_by_id(plan.id)
            from .calendar_out import stamp_plan
            from .delivery import queue_entry_changes

            # each calendar's SEQUENCE, in this transaction; what changed goes out after the commit
            queue_entry_changes(self.ctx, stamp_plan(self.ctx, fresh, previous))
            self._outbox("plan.published", self._publish_payload(fresh, previous, diff))
            self._audit("plan.publish", "plan", plan.id, plan.rotation.team, number=number,
                        superseded=previous.id if previous else None, changes=len(diff.changes))
            return self._summary(fresh)
        try:
            return self._write(run)
        except pw.IntegrityError:  # the database's one-published-plan rule caught a race we did not
            def meanwhile():
                plan = self._plan_row(plan_id, write=True, doing="publish plans")
                self._published_meanwhile(plan)
                raise StaleEdit(f"plan {plan_id} was not published: another plan of the period was "
                                f"published at the same moment", fresh=self._view(plan))
            return self._read(meanwhile)

    def explain_person(self, plan_id: int, login: str) -> str:
        def run():
            plan = self._plan_row(plan_id)
            me = self._me()
            if login != me.login and not self._is_manager(plan.rotation.team, me):
                raise NotAllowed("only a manager can ask why someone else got their shifts")
            from ..core.planning import evaluate, explain_person

            built, slots = self._built_for(plan, create=False)
            by_uid = {s.uid: s for s in slots}
            rows = list(m.Assignment.select(m.Assignment, m.Slot, m.Person).join(m.Slot)
                        .switch(m.Assignment).join(m.Person).where(m.Assignment.plan == plan))
            assigned = self._by_shift(built, by_uid, {a.slot.uid: a.person.login for a in rows})
            sources = {}
            for a in rows:
                sid = built.id_of.get(a.slot.start)
                if sid:
                    sources[(sid, a.slot.role)] = a.source
            result = evaluate(built, assigned)
            several = len(convert.rotation(plan.rotation).windows) > 1 or plan.rotation.shift_kind == "hours"
            return explain_person(built, result, login, plan.rotation.tz, several, sources)
        return self._read(run)

    # -- helpers ---------------------------------------------------------------------------
    def _carry_over(self, previous: m.Plan, plan: m.Plan) -> None:
        """What people added to the published plan themselves survives a re-plan: shadow
        sign-ups for shifts still to come (where the new plan leaves that shadow slot
        empty), every shift's handover notes, and the swaps agreed on it; the requests still open
        on it are closed (the swaps area's `republished`)."""
        now = self._now()
        mine = {a.slot_id: a for a in m.Assignment.select().where(m.Assignment.plan == plan)}
        old = (m.Assignment.select(m.Assignment, m.Slot).join(m.Slot)
               .where(m.Assignment.plan == previous))
        for a in old:
            kept = mine.get(a.slot_id)
            if kept is None and a.slot.role == "shadow" and a.slot.start > now:
                m.Assignment.create(plan=plan, slot=a.slot_id, person=a.person_id, source=a.source,
                                    note=a.note)
            elif kept is not None and a.note and not kept.note:
                m.Assignment.update(note=a.note).where(m.Assignment.id == kept.id).execute()
        lost = self.republished(previous, plan)  # agreed swaps kept, or the plan says which were not
        if lost:
            summary = dict(plan.summary or {})
            summary["warnings"] = list(summary.get("warnings", [])) + lost
            m.Plan.update(summary=summary).where(m.Plan.id == plan.id).execute()
            plan.summary = summary

    def _rotation_row(self, rotation: str, team: str | None = None) -> m.Rotation:
        q = m.Rotation.select(m.Rotation, m.Team).join(m.Team).where(m.Rotation.slug == rotation)
        if team is not None:
            q = q.where(m.Team.slug == team)
        rows = list(q)
        if len(rows) > 1:
            mine = set(self._my_team_ids())
            rows = [r for r in rows if r.team_id in mine] or rows
        if not rows:
            raise NotFound(f"no rotation called '{rotation}'", entity="rotation", id=rotation)
        if len(rows) > 1:
            raise InvalidInput(f"several teams have a rotation '{rotation}'; say which team", field="team")
        return rows[0]

    def _month(self, rot: m.Rotation, month: str | None) -> str:
        if month is None:
            return next_month(self._now().astimezone(ZoneInfo(rot.tz)).date())
        try:
            first, _ = month_range(month)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="month") from None
        return month_of(first)

    def _plan_row(self, plan_id: int, write: bool = False, doing: str = "edit plans") -> m.Plan:
        plan = (m.Plan.select(m.Plan, m.Rotation, m.Team).join(m.Rotation).join(m.Team)
                .where(m.Plan.id == plan_id).first())
        if plan is None:
            raise NotFound(f"no plan {plan_id}", entity="plan", id=plan_id)
        team = plan.rotation.team
        if write:
            self._require_manager(team, doing=doing)
        else:
            self._require_member(team)
            if plan.status == "draft" and not self._is_manager(team):
                raise NotAllowed("drafts are visible to the team's managers only", team=team.slug)
        return plan

    def _published_meanwhile(self, plan: m.Plan) -> None:
        """Raise StaleEdit naming the plan of `plan`'s period published since `plan` was made."""
        other = self._published_for(plan)
        if other is None or plan.status != "draft" or other.published_at is None \
                or other.published_at < plan.created_at:
            return
        by = other.published_by.name if other.published_by_id else "someone"  # type: ignore[union-attr]
        raise StaleEdit(f"plan {other.id} was published meanwhile by {by} (version {other.number} of "
                        f"{plan.first_day:%Y-%m}); your draft {plan.id} was not published. Here it is "
                        f"compared with what is published now", fresh=self._view(plan),
                        published=other.id)

    def _check_version(self, plan: m.Plan, expected_version: int) -> None:
        if plan.version != expected_version:
            raise StaleEdit(f"plan {plan.id} was changed by someone else first (you saw version "
                            f"{expected_version}, it is now {plan.version}); here is the current state",
                            fresh=self._view(plan))

    def _save(self, rot: m.Rotation, month: str, solved: SolvedPlan, built=None) -> PlanView:
        from ..core.planning import hard_violations

        first, last = month_range(month)
        built = built if built is not None else self._gather(rot, month)
        slots = ensure_slots(rot, first, last)
        by_key = {(s.start, s.role): s for s in slots}
        wanted = {(c.shift_id, c.role): c.login for c in solved.cells
                  if c.shift_id in built.start_of and (built.start_of[c.shift_id], c.role) in by_key}
        dropped = _drop_violations(built, wanted)
        me = self._me()
        plan = m.Plan.create(rotation=rot, first_day=first, last_day=last, status="draft", number=0,
                             solver=solved.solver[:32], created_by=me, created_at=self._now())
        people = {p.login: p for p in m.Person.select().where(m.Person.login.in_(list(set(wanted.values()))))}
        rows = [dict(plan=plan, slot=by_key[(built.start_of[s], r)], person=people[login], source="solver")
                for (s, r), login in wanted.items() if login in people]
        for i in range(0, len(rows), 200):
            m.Assignment.insert_many(rows[i:i + 200]).execute()
        status = solved.status if not dropped else f"{solved.status}, {plural(len(dropped), 'cell')} dropped"
        self._store_result(plan, built, wanted, status=status, elapsed=solved.elapsed, bound=solved.bound,
                           dropped=dropped)
        if hard_violations(built, wanted):  # pragma: no cover - _drop_violations leaves none
            raise InvalidInput("the plan still breaks hard rules", field="plan")
        self._audit("plan.draft", "plan", plan.id, rot.team, month=month, solver=solved.solver,
                    score=plan.score, gaps=len(plan.summary.get("gaps", [])))
        return self._view(m.Plan.get_by_id(plan.id))

    def _store_result(self, plan: m.Plan, built, assigned: dict, *, status: str, elapsed: float,
                      bound: int | None, dropped: list[str] | None = None,
                      emptied: dict[str, str] | None = None) -> None:
        """Keep a plan's figures.  `emptied`: cells someone emptied by hand (uid -> their name;
        default: as the plan kept them), whose gaps say so rather than blame the search."""
        from ..core.planning import evaluate, summary_of
        from ..scheduler.gaps import FREE

        rot = plan.rotation
        result = evaluate(built, assigned, solver=plan.solver, status=status, elapsed=elapsed, bound=bound)
        several = len(convert.rotation(rot).windows) > 1 or rot.shift_kind == "hours"
        summary = summary_of(built, result, rot.tz, several)
        summary["status"], summary["elapsed"] = status, elapsed
        uid_of = {(s.start, s.role): s.uid for s in m.Slot.select().where(
            (m.Slot.rotation == rot) & (m.Slot.start.in_(list(built.start_of.values()))))}
        if emptied is None:
            emptied = dict((plan.summary or {}).get("emptied", {}))
        kept = {}
        for gap in summary["gaps"]:
            start = built.start_of[gap["shift_id"]]
            gap["uid"], gap["start"] = uid_of.get((start, gap["role"]), ""), start.isoformat()
            who = emptied.get(gap["uid"])
            if who is not None:
                kept[gap["uid"]] = who
                gap["reasons"] = [f"emptied by hand by {who}"] + [
                    r.replace(FREE, "could take it") for r in gap["reasons"]]
        summary["emptied"] = kept
        if dropped:
            summary["warnings"] = [f"dropped: {d}" for d in dropped] + summary["warnings"]
        bound = bound if bound is None or bound <= result.score else None
        m.Plan.update(score=result.score, bound=bound, summary=summary).where(m.Plan.id == plan.id).execute()
        plan.score, plan.bound, plan.summary = result.score, bound, summary

    def _built_for(self, plan: m.Plan, create: bool = True):
        month = month_of(plan.first_day)
        built = self._gather(plan.rotation, month)
        if create:
            slots = ensure_slots(plan.rotation, plan.first_day, plan.last_day)
        else:
            slots = list(m.Slot.select().where((m.Slot.rotation == plan.rotation)
                                               & (m.Slot.start.in_(list(built.start_of.values())))))
        return built, slots

    @staticmethod
    def _by_shift(built, by_uid: dict, by_cell: dict[str, str]) -> dict[tuple[str, str], str]:
        out = {}
        for uid, login in by_cell.items():
            slot = by_uid.get(uid)
            if slot is not None and slot.start in built.id_of:
                out[(built.id_of[slot.start], slot.role)] = login
        return out

    def _assigned(self, plan: m.Plan) -> dict[str, str]:
        return {a.slot.uid: a.person.login for a in m.Assignment.select(m.Assignment, m.Slot, m.Person)
                .join(m.Slot).switch(m.Assignment).join(m.Person).where(m.Assignment.plan == plan)}

    def _published_for(self, plan: m.Plan) -> m.Plan | None:
        return (m.Plan.select().where((m.Plan.rotation == plan.rotation) & (m.Plan.status == "published")
                                      & (m.Plan.first_day == plan.first_day)
                                      & (m.Plan.last_day == plan.last_day) & (m.Plan.id != plan.id))
                .order_by(m.Plan.number.desc()).first())

    def _diff(self, plan: m.Plan) -> PlanDiff:
        from ..core.domain_planning import DiffLine, PersonChange, PlanDiff

        if plan.status == "draft":
            against = self._published_for(plan)
        else:
            against = (m.Plan.select().where((m.Plan.rotation == plan.rotation)
                                             & (m.Plan.first_day == plan.first_day)
                                             & (m.Plan.last_day == plan.last_day)
                                             & (m.Plan.number == plan.number - 1) & (m.Plan.number > 0))
                       .first())
        mine = self._assigned(plan)
        theirs = self._assigned(against) if against is not None else {}
        uids = [u for u in set(mine) | set(theirs) if mine.get(u) != theirs.get(u)]
        slots = {s.uid: s for s in m.Slot.select().where(m.Slot.uid.in_(uids))} if uids else {}
        lines = sorted((DiffLine(uid=u, start=slots[u].start, role=slots[u].role, before=theirs.get(u),
                                 after=mine.get(u)) for u in uids),
                       key=lambda d: (d.start, d.role))
        added, removed = defaultdict(list), defaultdict(list)
        for d in lines:
            if d.after:
                added[d.after].append(d)
            if d.before:
                removed[d.before].append(d)
        names = {p.login: p.name for p in m.Person.select().where(m.Person.login.in_(list(set(added) | set(removed))))}
        people = tuple(PersonChange(login=login, name=names.get(login, login), added=tuple(added[login]),
                                    removed=tuple(removed[login]))
                       for login in sorted(set(added) | set(removed)))
        return PlanDiff(plan_id=plan.id, against_id=against.id if against else None,
                        against_number=against.number if against else None,
                        changes=tuple(lines), people=people, tz=plan.rotation.tz)

    def _publish_payload(self, plan: m.Plan, previous: m.Plan | None, diff: PlanDiff) -> dict:
        def cell(d: DiffLine) -> dict:
            slot = m.Slot.get(m.Slot.uid == d.uid)
            return dict(uid=d.uid, role=d.role, start=slot.start, end=slot.end, before=d.before, after=d.after)

        cells = [cell(d) for d in diff.changes]
        people: dict[str, dict[str, list]] = {}
        for c in cells:
            if c["after"]:
                people.setdefault(c["after"], {"added": [], "removed": [], "changed": []})
                people[c["after"]]["added" if not c["before"] else "changed"].append(c["uid"])
            if c["before"]:
                people.setdefault(c["before"], {"added": [], "removed": [], "changed": []})
                people[c["before"]]["removed"].append(c["uid"])
        return dict(plan_id=plan.id, number=plan.number, team=plan.rotation.team.slug,
                    rotation=plan.rotation.slug, first_day=plan.first_day, last_day=plan.last_day,
                    superseded=previous.id if previous else None, cells=cells, people=people)


def _drop_violations(built, wanted: dict[tuple[str, str], str]) -> list[str]:
    """Take out cells that break a hard rule against fresh data (someone marked a day
    unavailable while the solver ran); they become gaps.  Returns what was dropped."""
    from ..scheduler.validate import validate

    dropped: list[str] = []
    for _ in range(len(wanted) + 1):
        found = validate(built.problem, wanted)
        if not found:
            break
        v = found[0]
        victims = [k for k, p in wanted.items() if p == v.person_id
                   and (v.shift_id is None or k[0] == v.shift_id) and (v.role is None or k[1] == v.role)]
        if not victims:
            victims = [k for k, p in wanted.items() if p == v.person_id]
        if not victims:
            break
        victim = max(victims, key=lambda k: built.start_of.get(k[0], datetime.min.replace(tzinfo=UTC)))
        dropped.append(f"{victim[0]} {victim[1]} ({v.message})")
        wanted.pop(victim)
    return dropped

