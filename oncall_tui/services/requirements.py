"""Requirements use cases: the checklist, verification, grants and waivers, shadow sign-ups.

Eligibility itself is decided in `readiness.py` (pure); this module loads the
facts it needs for a whole team in a few queries and writes what people do.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from peewee import fn

from ..core.checks import LOOKS_LIKE_LINK, check_requirement_spec
from ..core.domain import AUTO_RULE_KINDS, ROLES
from ..core.errors import InvalidInput, NotAllowed, NotFound, StaleEdit
from ..store import models as m
from . import convert
from .base import ServiceBase, check_note, check_url
from .slots import ensure_slots

if TYPE_CHECKING:  # only for annotations: imported where used, so start-up does not pay
    from ..core.domain_requirements import (
        PendingVerification,
        PersonReadiness,
        RequirementDef,
        ShadowOption,
        TeamReadiness,
    )
    from ..core.readiness import StatusFact, TeamFacts

def requirement_def(row: m.Requirement, team_slug: str) -> RequirementDef:
    from ..core.domain_requirements import AutoRule, RequirementDef

    rule = row.auto_rule or {}
    auto = None
    if row.method == "auto" and rule.get("kind"):
        auto = AutoRule(kind=str(rule["kind"]), min=int(rule.get("min", 1)), months=int(rule.get("months", 6)))
    return RequirementDef(
        slug=row.slug, name=row.name, why=row.why, how=row.how, link=row.link, command=row.command,
        roles=tuple(r for r in ROLES if r in (row.roles or ())), method=row.method, auto=auto,
        valid_days=row.valid_days, active=row.active, id=row.id, team=team_slug, version=row.version,
    )


def status_fact(row: m.RequirementStatus) -> StatusFact:
    from ..core.readiness import StatusFact
    return StatusFact(state=row.state, met_at=row.met_at, requested_at=row.requested_at, reason=row.reason,
                      evidence=row.evidence,
                      evidence_link=row.evidence_link, id=row.id, version=row.version)


class RequirementsService(ServiceBase):
    """The checklist, verification, grants and waivers, shadow sign-ups; and for the other
    areas, who is eligible (`eligibility_checker`) and the home screen's line (`requirements_line`)."""

    SERVES = ("requirements", "requirement_definitions", "team_readiness", "pending_verifications", "attest",
              "request_verification", "decide_verification", "grant", "save_requirement", "shadow_options",
              "sign_up_shadow", "cancel_shadow")

    # -- loading -----------------------------------------------------------------------
    def _team_roles(self, team: m.Team) -> tuple[str, ...]:
        found: set[str] = set()
        for rot in m.Rotation.select(m.Rotation.roles).where((m.Rotation.team == team) & m.Rotation.active):
            found.update(rot.roles or ())
        return tuple(r for r in ROLES if r in found) or ("primary", "secondary")

    def _team_facts(self, team: m.Team, person_ids: list[int] | None = None) -> TeamFacts:
        from ..core.readiness import PersonFacts, TeamFacts

        reqs = [requirement_def(r, team.slug) for r in
                m.Requirement.select().where((m.Requirement.team == team) & m.Requirement.active)
                .order_by(m.Requirement.id)]
        if person_ids is None:
            person_ids = [ms.person_id for ms in m.Membership.select(m.Membership.person)
                          .where(m.Membership.team == team)]
        statuses: dict[tuple[int, int], StatusFact] = {}
        if reqs and person_ids:
            q = m.RequirementStatus.select().where(
                m.RequirementStatus.requirement.in_([r.id for r in reqs])
                & m.RequirementStatus.person.in_(person_ids))
            statuses = {(row.person_id, row.requirement_id): status_fact(row) for row in q}
        kinds = {r.auto.kind for r in reqs if r.auto}
        facts = {pid: PersonFacts() for pid in person_ids}
        if "oncall_device" in kinds:
            for p in m.Person.select(m.Person.id, m.Person.oncall_device, m.Person.oncall_phone).where(
                    m.Person.id.in_(person_ids)):
                facts[p.id].device_set = bool(p.oncall_device.strip() and p.oncall_phone.strip())
        if "calendar_connected" in kinds:
            q = (m.CalendarSource.select(m.CalendarSource.person, fn.COUNT(m.CalendarSource.id).alias("n"))
                 .where(m.CalendarSource.person.in_(person_ids)).group_by(m.CalendarSource.person))
            for row in q:
                facts[row.person_id].calendars = row.n
        if kinds & {"shadow_shifts", "served_shifts"}:
            q = (m.Slot.select(m.Slot.start, m.Slot.end, m.Slot.role, m.Assignment.person)
                 .join(m.Assignment).join(m.Plan).switch(m.Slot).join(m.Rotation)
                 .where((m.Plan.status == "published") & (m.Rotation.team == team)
                        & m.Assignment.person.in_(person_ids)).tuples())
            if "served_shifts" not in kinds:  # only shadow shifts are counted: not every shift served
                q = q.where(m.Slot.role == "shadow")
            for start, end, role, pid in q:
                f = facts[pid]
                if role == "shadow":
                    f.shadow_ends.append(_utc(end))
                else:
                    f.served.append((_utc(start), _utc(end)))
        for f in facts.values():
            f.sort()
        return TeamFacts(tz=team.tz, reqs=reqs, roles=self._team_roles(team), statuses=statuses, facts=facts)

    def eligibility_checker(self, team: m.Team) -> Callable[[int, str, datetime], tuple[bool, str]]:
        """A function (person_id, role, at) -> (eligible, why not) for everyone in `team`.

        Loads what it needs once; the planner calls it for every person, role and shift."""
        from ..core.readiness import make_checker

        data = self._team_facts(team)
        return make_checker(data.reqs, data.statuses, data.facts, team.tz)

    def requirements_line(self, me: m.Person) -> str:
        """The home screen's "Requirements: ..." line for `me`."""
        from ..core.readiness import summary_line

        teams = list(m.Team.select().join(m.Membership).where(m.Membership.person == me).order_by(m.Team.name))
        if not teams:
            return "Requirements: none (you are in no team)"
        now = self._now()
        lines = []
        for team in teams:
            data = self._team_facts(team, [me.id])
            items = [data.item(me.id, r, now) for r in data.reqs]
            line = summary_line(items, data.eligibility(me.id, now))
            lines.append(line if len(teams) == 1 else f"{team.slug} {line}")
        return "Requirements: " + "; ".join(lines)

    def _readiness(self, team: m.Team, person: m.Person, viewer: m.Person) -> PersonReadiness:
        from ..core.domain_requirements import PersonReadiness
        from ..core.readiness import summary_line

        data = self._team_facts(team, [person.id])
        now = self._now()
        items = [data.item(person.id, r, now) for r in data.reqs]
        roles = data.eligibility(person.id, now)
        teams = tuple(t.slug for t in m.Team.select(m.Team.slug).join(m.Membership)
                      .where(m.Membership.person == person).order_by(m.Team.name))
        return PersonReadiness(
            person=convert.person_ref(person), team=team.slug, team_tz=team.tz, at=now,
            items=tuple(items), roles=roles, summary=summary_line(items, roles),
            is_me=person.id == viewer.id, viewer_manages=self._is_manager(team, viewer), teams=teams,
        )

    def _which_team(self, person: m.Person, team: str | None) -> m.Team:
        if team:
            t = self._team(team)
            if self._membership(t, person) is None:
                raise NotAllowed(f"{person.login} is not a member of team '{t.slug}'", team=t.slug)
            return t
        t = (m.Team.select().join(m.Membership).where(m.Membership.person == person)
             .order_by(m.Team.name).first())
        if t is None:
            raise NotAllowed(f"{person.login} is in no team, so no requirements apply yet")
        return t

    def _requirement(self, team: m.Team, ref: str) -> m.Requirement:
        ref = (ref or "").strip()
        q = m.Requirement.select().where((m.Requirement.team == team) & m.Requirement.active)
        match = m.Requirement.slug == ref
        if ref.isdigit():
            match = match | (m.Requirement.id == int(ref))
        row = q.where(match).first()
        if row is None:
            known = ", ".join(r.slug for r in q.order_by(m.Requirement.id)) or "none"
            raise NotFound(f"team '{team.slug}' has no requirement '{ref}' (it has: {known})",
                           entity="requirement", id=ref)
        return row

    # -- reading --------------------------------------------------------------------------
    def requirements(self, person: str | None = None, team: str | None = None) -> PersonReadiness:
        def run():
            me = self._me()
            who = me if person in (None, "", "me") else self._person(person)
            t = self._which_team(who, team) if who.id == me.id or team else self._managed_team_of(who)
            if who.id != me.id and not self._is_manager(t, me):
                raise NotAllowed(f"only a manager of team '{t.slug}' can see {who.login}'s requirements",
                                 team=t.slug)
            return self._readiness(t, who, me)
        return self._read(run)

    def _managed_team_of(self, who: m.Person) -> m.Team:
        me = self._me()
        q = (m.Team.select().join(m.Membership).where(m.Membership.person == who).order_by(m.Team.name))
        teams = list(q)
        for t in teams:
            if self._is_manager(t, me):
                return t
        if not teams:
            raise NotAllowed(f"{who.login} is in no team")
        raise NotAllowed(f"only a manager of {who.login}'s team can see their requirements",
                         team=teams[0].slug)

    def requirement_definitions(self, team: str) -> list[RequirementDef]:
        def run():
            t = self._team(team)
            self._require_member(t)
            return [requirement_def(r, t.slug) for r in
                    m.Requirement.select().where(m.Requirement.team == t).order_by(m.Requirement.id)]
        return self._read(run)

    def team_readiness(self, team: str) -> TeamReadiness:
        from ..core.domain_requirements import MatrixRow, TeamReadiness

        def run():
            t = self._team(team)
            self._require_manager(t, doing="see everyone's requirements")
            data = self._team_facts(t)
            now = self._now()
            members = (m.Membership.select(m.Membership, m.Person).join(m.Person)
                       .where(m.Membership.team == t).order_by(m.Person.name))
            rows = []
            for ms in sorted(members, key=lambda ms: (not ms.on_rotation, ms.person.name.lower())):
                pid = ms.person_id
                states = tuple(data.item(pid, r, now).state for r in data.reqs)
                roles = tuple(r.role for r in data.eligibility(pid, now) if r.eligible)
                rows.append(MatrixRow(person=convert.person_ref(ms.person), states=states, eligible_roles=roles,
                                      on_rotation=ms.on_rotation))
            return TeamReadiness(team=t.slug, team_tz=t.tz, at=now, roles=data.roles, requirements=tuple(data.reqs),
                                 rows=tuple(rows),
                                 pending=tuple(self._pending(t)))
        return self._read(run)

    def _pending(self, team: m.Team) -> list[PendingVerification]:
        from ..core.domain_requirements import PendingVerification

        q = (m.RequirementStatus.select(m.RequirementStatus, m.Requirement, m.Person)
             .join(m.Requirement).switch(m.RequirementStatus).join(m.Person)
             .where((m.Requirement.team == team) & m.Requirement.active
                    & (m.RequirementStatus.state == "pending"))
             .order_by(m.RequirementStatus.requested_at, m.RequirementStatus.id))
        return [PendingVerification(status_id=s.id, version=s.version, person=convert.person_ref(s.person),
                                    requirement=requirement_def(s.requirement, team.slug), evidence=s.evidence,
                                    evidence_link=s.evidence_link, requested_at=s.requested_at) for s in q]

    def pending_verifications(self, team: str) -> list[PendingVerification]:
        def run():
            t = self._team(team)
            self._require_manager(t, doing="see the verification queue")
            return self._pending(t)
        return self._read(run)

    # -- an engineer's own acts -----------------------------------------------------------
    def attest(self, requirement: str, team: str | None = None, evidence: str = "",
               link: str = "") -> PersonReadiness:
        evidence, link = _evidence(evidence, link)

        def run():
            me, t, req, row = self._own_standing(requirement, team)
            if req.method != "self":
                how = ("a manager verifies it: ask for verification instead" if req.method == "manager"
                       else "it is computed from your data: " + AUTO_RULE_KINDS.get(
                           (req.auto_rule or {}).get("kind", ""), "see how to obtain it"))
                raise NotAllowed(f"you cannot attest '{req.name}' yourself; {how}", requirement=req.slug)
            if row is not None and row.state == "waived":
                raise NotAllowed(f"a manager waived '{req.name}' for you; there is nothing to attest")
            now = self._now()
            self._set_status(row, req, me, state="attested", evidence=evidence, evidence_link=link,
                             met_at=now, requested_at=now, decided_by=None, decided_at=None, reason="")
            self._audit("requirement.attest", "requirement", req.slug, t, person=me.login,
                        evidence=evidence, link=link)
            return self._readiness(t, me, me)
        return self._write(run)

    def request_verification(self, requirement: str, team: str | None = None, evidence: str = "",
                             link: str = "") -> PersonReadiness:
        evidence, link = _evidence(evidence, link)

        def run():
            me, t, req, row = self._own_standing(requirement, team)
            if req.method != "manager":
                what = "record it yourself" if req.method == "self" else "it is computed from your data"
                raise NotAllowed(f"'{req.name}' is not verified by a manager: {what}", requirement=req.slug)
            if row is not None and row.state == "pending":
                raise NotAllowed(f"'{req.name}' is already waiting for a manager to verify it")
            if row is not None and row.state == "waived":
                raise NotAllowed(f"a manager waived '{req.name}' for you; there is nothing to verify")
            self._set_status(row, req, me, state="pending", evidence=evidence, evidence_link=link,
                             requested_at=self._now(), decided_by=None, decided_at=None, reason="")
            self._audit("requirement.request", "requirement", req.slug, t, person=me.login,
                        evidence=evidence, link=link)
            return self._readiness(t, me, me)
        return self._write(run)

    def _own_standing(self, requirement: str, team: str | None):
        """(me, the team, the requirement, my status row or None) for an engineer's own act."""
        me = self._me()
        t = self._which_team(me, team)
        req = self._requirement(t, requirement)
        row = m.RequirementStatus.get_or_none(
            (m.RequirementStatus.requirement == req) & (m.RequirementStatus.person == me))
        return me, t, req, row

    def _set_status(self, row: m.RequirementStatus | None, req: m.Requirement, person: m.Person,
                    expected_version: int | None = None, **changes) -> None:
        if row is None:
            m.RequirementStatus.create(requirement=req, person=person, **changes)
        else:
            self._bump(row, expected_version, lambda: self._fresh_pending(row.id),
                       f"{person.name}'s '{req.name}'", **changes)

    def _fresh_pending(self, status_id: int):
        from ..core.domain_requirements import PendingVerification

        row = m.RequirementStatus.get_or_none(m.RequirementStatus.id == status_id)
        if row is None:
            return None
        return PendingVerification(status_id=row.id, version=row.version, person=convert.person_ref(row.person),
                                   requirement=requirement_def(row.requirement, row.requirement.team.slug),
                                   evidence=row.evidence, evidence_link=row.evidence_link,
                                   requested_at=row.requested_at)

    # -- a manager's acts -----------------------------------------------------------------
    def _no_self_decision(self, team: m.Team, me: m.Person, person: m.Person, doing: str) -> None:
        if me.id != person.id:
            return
        others = (m.Membership.select().where((m.Membership.team == team) & (m.Membership.role == "manager")
                                              & (m.Membership.person != me)).exists())
        if others:
            raise NotAllowed(f"you cannot {doing} for yourself; ask another manager of '{team.slug}'")

    def decide_verification(self, status_id: int, approve: bool, reason: str = "",
                            expected_version: int | None = None) -> PersonReadiness:
        reason = check_note(reason, "reason", required=not approve)

        def run():
            me = self._me()
            row = m.RequirementStatus.get_or_none(m.RequirementStatus.id == status_id)
            if row is None:
                raise NotFound(f"no verification request {status_id}", entity="verification", id=status_id)
            req, person = row.requirement, row.person
            t = req.team
            self._require_manager(t, doing="verify requirements")
            if expected_version is not None and row.version != expected_version:
                raise StaleEdit(f"{person.name}'s request was changed by someone else first; here is "
                                f"the current state", fresh=self._fresh_pending(row.id))
            if row.state != "pending":
                raise NotAllowed(f"{person.name}'s '{req.name}' is not waiting for verification "
                                 f"(it is {row.state})")
            self._no_self_decision(t, me, person, "verify a requirement")
            now = self._now()
            changes = dict(state="approved" if approve else "rejected", decided_by=me, decided_at=now,
                           reason=reason)
            if approve:
                changes["met_at"] = min(row.requested_at or now, now)
            self._set_status(row, req, person, expected_version, **changes)
            self._audit("requirement.approve" if approve else "requirement.reject", "requirement", req.slug,
                        t, person=person.login, reason=reason, status_id=row.id)
            return self._readiness(t, person, me)
        return self._write(run)

    def grant(self, person: str, requirement: str, team: str | None = None, waive: bool = False,
              note: str = "") -> PersonReadiness:
        note = check_note(note, "note", required=True)

        def run():
            me = self._me()
            who = self._person(person)
            t = self._which_team(who, team)
            self._require_manager(t, doing="waive requirements" if waive else "mark requirements met")
            req = self._requirement(t, requirement)
            self._no_self_decision(t, me, who, "waive a requirement" if waive else "mark a requirement met")
            row = m.RequirementStatus.get_or_none(
                (m.RequirementStatus.requirement == req) & (m.RequirementStatus.person == who))
            now = self._now()
            changes = dict(state="waived" if waive else "granted", decided_by=me, decided_at=now, reason=note)
            if not waive:
                changes["met_at"] = now
            self._set_status(row, req, who, **changes)
            self._audit("requirement.waive" if waive else "requirement.grant", "requirement", req.slug, t,
                        person=who.login, note=note)
            return self._readiness(t, who, me)
        return self._write(run)

    def save_requirement(self, team: str, spec: RequirementDef,
                         expected_version: int | None = None) -> RequirementDef:
        fields = check_requirement_spec(spec)

        def run():
            t = self._team(team)
            self._require_manager(t, doing="change requirements")
            row = m.Requirement.get_or_none((m.Requirement.team == t) & (m.Requirement.slug == fields["slug"]))
            if expected_version is None:
                if row is not None:
                    raise InvalidInput(f"team '{t.slug}' already has a requirement '{row.slug}'; edit it "
                                       f"instead", field="slug")
                row = m.Requirement.create(team=t, **fields)
                self._audit("requirement.create", "requirement", row.slug, t, **fields)
            else:
                if row is None:
                    raise NotFound(f"team '{t.slug}' has no requirement '{fields['slug']}'",
                                   entity="requirement", id=fields["slug"])
                before = {k: getattr(row, k) for k in fields}
                self._bump(row, expected_version,
                           lambda: requirement_def(m.Requirement.get_by_id(row.id), t.slug),
                           f"requirement '{row.slug}'", **fields)
                changed = {k: v for k, v in fields.items() if before[k] != v}
                self._audit("requirement.update", "requirement", row.slug, t,
                            before={k: before[k] for k in changed}, after=changed)
            return requirement_def(m.Requirement.get_by_id(row.id), t.slug)
        return self._write(run)

    # -- shadowing ------------------------------------------------------------------------
    def shadow_options(self, team: str | None = None, days: int = 28) -> list[ShadowOption]:
        def run():
            me = self._me()
            t = self._which_team(me, team)
            now = self._now()
            return self._shadow_options(t, me, now, now + timedelta(days=max(1, min(days, 92))))
        return self._read(run)

    def _shadow_options(self, t: m.Team, me: m.Person, start: datetime, end: datetime,
                        rotation_id: int | None = None, at: datetime | None = None) -> list[ShadowOption]:
        from ..core.domain_requirements import ShadowOption

        rots = [r for r in m.Rotation.select().where((m.Rotation.team == t) & m.Rotation.active)
                if "shadow" in (r.roles or ()) and (rotation_id is None or r.id == rotation_id)]
        if not rots:
            return []
        q = (m.Assignment.select(m.Assignment, m.Slot, m.Person).join(m.Slot).switch(m.Assignment)
             .join(m.Plan).switch(m.Assignment).join(m.Person)
             .where((m.Plan.status == "published") & m.Slot.rotation.in_([r.id for r in rots])
                    & (m.Slot.start > start) & (m.Slot.start < end))
             .order_by(m.Slot.start, m.Slot.role))
        if at is not None:
            q = q.where(m.Slot.start == at)
        shifts: dict[tuple[int, datetime], list[m.Assignment]] = defaultdict(list)
        for a in q:
            shifts[(a.slot.rotation_id, a.slot.start)].append(a)
        by_id = {r.id: r for r in rots}
        out = []
        for (rid, _s), rows in shifts.items():
            on_call = [a for a in rows if a.slot.role != "shadow"]
            if not on_call or any(a.person_id == me.id for a in on_call):
                continue  # nothing to shadow, or a shift I work myself
            shadow = next((a for a in rows if a.slot.role == "shadow"), None)
            rot = by_id[rid]
            out.append(ShadowOption(
                assignment_uid=on_call[0].slot.uid, team=t.slug, rotation=rot.slug, rotation_name=rot.name,
                start=on_call[0].slot.start, end=on_call[0].slot.end,
                on_call=tuple(convert.person_ref(a.person) for a in on_call),
                shadow=convert.person_ref(shadow.person) if shadow else None,
                mine=shadow is not None and shadow.person_id == me.id,
            ))
        return out

    def _shift_of(self, assignment_uid: str) -> tuple[m.Slot, m.Rotation, m.Team]:
        slot = m.Slot.get_or_none(m.Slot.uid == assignment_uid)
        if slot is None:
            raise NotFound(f"no shift with id {assignment_uid}", entity="assignment", id=assignment_uid)
        rot = slot.rotation
        return slot, rot, rot.team

    def sign_up_shadow(self, assignment_uid: str) -> ShadowOption:
        from ..core.readiness import zone

        def run():
            me = self._me()
            slot, rot, t = self._shift_of(assignment_uid)
            self._require_member(t)
            if "shadow" not in (rot.roles or ()):
                raise NotAllowed(f"rotation '{rot.name}' has no shadow role")
            if slot.start <= self._now():
                raise NotAllowed("that shift has already started; pick an upcoming one")
            plan_row = (m.Assignment.select(m.Assignment, m.Slot).join(m.Slot).switch(m.Assignment)
                        .join(m.Plan).where((m.Plan.status == "published") & (m.Slot.rotation == rot)
                                            & (m.Slot.start == slot.start)))
            rows = list(plan_row)
            if not rows:
                raise NotFound("that shift is not in a published plan yet", entity="assignment",
                               id=assignment_uid)
            for a in rows:
                if a.person_id == me.id:
                    raise NotAllowed(f"you are already on that shift as {a.slot.role}")
                if a.slot.role == "shadow":
                    raise NotAllowed(f"{a.person.name} already shadows that shift; pick another one")
            ok, why = self.eligibility_checker(t)(me.id, "shadow", slot.start)
            if not ok:
                raise NotAllowed(f"you cannot shadow yet: {why}")
            day = slot.start.astimezone(zone(rot.tz)).date()
            shadow_slot = next((s for s in ensure_slots(rot, day, day, roles=["shadow"]) if s.start == slot.start),
                               None)
            if shadow_slot is None:
                raise NotFound("that shift has no shadow place", entity="assignment", id=assignment_uid)
            m.Assignment.create(plan=rows[0].plan_id, slot=shadow_slot, person=me, source="manual",
                                note="")
            from .calendar_out import stamp_shift
            from .delivery import queue_entry_changes

            # the shadow's entry, and their partners' titles; what changed goes out after the commit
            queue_entry_changes(self.ctx, stamp_shift(self.ctx, shadow_slot, joined=me))
            self._audit("shadow.sign_up", "assignment", shadow_slot.uid, t, rotation=rot.slug,
                        start=slot.start, person=me.login)
            return self._shadow_options(t, me, slot.start - timedelta(seconds=1), slot.start + timedelta(
                seconds=1), rotation_id=rot.id)[0]
        return self._write(run)

    def cancel_shadow(self, assignment_uid: str) -> ShadowOption:
        def run():
            me = self._me()
            slot, rot, t = self._shift_of(assignment_uid)
            if slot.start <= self._now():
                raise NotAllowed("that shift has already started; it cannot be given up here")
            mine = (m.Assignment.select(m.Assignment, m.Slot).join(m.Slot).switch(m.Assignment).join(m.Plan)
                    .where((m.Plan.status == "published") & (m.Slot.rotation == rot) & (m.Slot.role == "shadow")
                           & (m.Slot.start == slot.start) & (m.Assignment.person == me)).first())
            if mine is None:
                raise NotAllowed("you are not shadowing that shift")
            mine.delete_instance()
            from .calendar_out import stamp_shift
            from .delivery import queue_entry_changes

            # the shadow's entry is cancelled; what changed goes out after the commit
            queue_entry_changes(self.ctx, stamp_shift(self.ctx, mine.slot, also=[me]))
            self._audit("shadow.cancel", "assignment", mine.slot.uid, t, rotation=rot.slug,
                        start=slot.start, person=me.login)
            found = self._shadow_options(t, me, slot.start - timedelta(seconds=1),
                                         slot.start + timedelta(seconds=1), rotation_id=rot.id)
            return found[0]
        return self._write(run)


def _utc(value: datetime) -> datetime:

    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _evidence(evidence: str, link: str) -> tuple[str, str]:
    """An evidence note and/or an http(s) link; at least one."""
    evidence = check_note(evidence, "evidence note")
    link = (link or "").strip()
    if not link and LOOKS_LIKE_LINK.match(evidence) and "\n" not in evidence:
        evidence, link = "", evidence  # a note that is only a link is the link
    if link:
        link = check_url(link, "evidence link")
    if not evidence and not link:
        raise InvalidInput("give an evidence note or an http(s) link", field="evidence")
    return evidence, link


def seed_demo_readiness(team: m.Team, people: dict[str, m.Person], experienced: list[m.Person],
                        manager: m.Person, now: datetime) -> None:
    """Demo data: people who carried the pager before shadowing was tracked were granted it.

    Called by `services/demo.py` inside its seeding transaction."""
    req = m.Requirement.get_or_none((m.Requirement.team == team) & (m.Requirement.slug == "shadowing"))
    if req is None:
        return
    for p in experienced:
        m.RequirementStatus.insert(
            requirement=req, person=p, state="granted", met_at=now - timedelta(days=400),
            decided_by=manager, decided_at=now - timedelta(days=400),
            reason="Carried the pager before shadowing was tracked",
        ).on_conflict_ignore().execute()
