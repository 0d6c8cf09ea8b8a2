"""Rows to plain domain data.  Nothing above services ever sees a peewee row."""
from __future__ import annotations

from ..core.domain import (
    Assignment,
    AuditEntry,
    EscalationContact,
    Person,
    PersonRef,
    Rotation,
    RotationRules,
    Team,
    Window,
)
from ..store import models as m


def person(row: m.Person) -> Person:
    return Person(
        id=row.id, login=row.login, name=row.name, email=row.email,
        phones=tuple(row.phones or ()), tz=row.tz, oncall_device=row.oncall_device,
        oncall_phone=row.oncall_phone, region=row.region, version=row.version,
        calendar_delivery=row.calendar_delivery, alarm_minutes=row.alarm_minutes,
    )


def person_ref(row: m.Person) -> PersonRef:
    contact = row.oncall_phone or (row.phones[0] if row.phones else "") or row.email
    return PersonRef(login=row.login, name=row.name, contact=contact, tz=row.tz)


def team(row: m.Team) -> Team:
    managers = (
        m.Person.select().join(m.Membership)
        .where((m.Membership.team == row) & (m.Membership.role == "manager"))
        .order_by(m.Person.name)
    )
    return Team(
        id=row.id, slug=row.slug, name=row.name, tz=row.tz,
        availability_deadline_day=row.availability_deadline_day,
        managers=tuple(person_ref(p) for p in managers), version=row.version,
    )


def rotation(row: m.Rotation, team_slug: str | None = None) -> Rotation:
    rules = RotationRules(**{k: v for k, v in (row.rules or {}).items()
                             if k in RotationRules.__dataclass_fields__})
    return Rotation(
        id=row.id, team=team_slug or row.team.slug, slug=row.slug, name=row.name, tz=row.tz,
        handoff=row.handoff, shift_kind=row.shift_kind, shift_hours=row.shift_hours,
        handoff_weekday=row.handoff_weekday, roles=tuple(row.roles or ()),
        windows=tuple(Window(start=w["start"], region=w.get("region", "")) for w in (row.windows or ())),
        rules=rules, weights=dict(row.weights or {}), version=row.version,
    )


def escalation(row: m.EscalationContact) -> EscalationContact:
    return EscalationContact(position=row.position, name=row.name, contact=row.contact,
                             login=row.person.login if row.person_id else None)  # type: ignore[union-attr]


def assignment(row: m.Assignment, slot: m.Slot, rot: m.Rotation, team_slug: str,
               who: m.Person) -> Assignment:
    return Assignment(
        uid=slot.uid, team=team_slug, rotation=rot.slug, rotation_name=rot.name,
        role=slot.role, start=slot.start, end=slot.end, person=person_ref(who), plan_id=row.plan_id,
    )


def audit(row: m.AuditLog) -> AuditEntry:
    return AuditEntry(id=row.id, at=row.at, actor=row.actor, action=row.action, entity=row.entity,
                      entity_id=row.entity_id,
                      team=row.team, detail=dict(row.detail or {}))
