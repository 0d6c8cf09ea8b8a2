"""Shift slots: one row per role per shift, created once, with a uid that never changes."""
from __future__ import annotations

import uuid
from datetime import date

from ..core.shifts import generate_shifts
from ..store import models as m
from . import convert


def ensure_slots(rotation: m.Rotation, first_day: date, last_day: date,
                 roles: list[str] | None = None) -> list[m.Slot]:
    """The slots of `rotation` for shifts starting on [first_day, last_day], creating missing ones.

    Call inside a write transaction."""
    spec = convert.rotation(rotation, rotation.team.slug)
    shifts = generate_shifts(spec, first_day, last_day)
    if not shifts:
        return []
    roles = roles or list(spec.roles)
    existing = {
        (s.start, s.role): s
        for s in m.Slot.select().where(
            (m.Slot.rotation == rotation) & (m.Slot.start >= shifts[0].start)
            & (m.Slot.start <= shifts[-1].start))
    }
    out = []
    new_rows = []
    for shift in shifts:
        for role in roles:
            slot = existing.get((shift.start, role))
            if slot is None:
                new_rows.append(dict(rotation=rotation, start=shift.start, end=shift.end, role=role,
                                     region=shift.region, uid=uuid.uuid4().hex))
    if new_rows:
        for i in range(0, len(new_rows), 200):
            m.Slot.insert_many(new_rows[i:i + 200]).execute()
        existing = {
            (s.start, s.role): s
            for s in m.Slot.select().where(
                (m.Slot.rotation == rotation) & (m.Slot.start >= shifts[0].start)
                & (m.Slot.start <= shifts[-1].start))
        }
    for shift in shifts:
        for role in roles:
            out.append(existing[(shift.start, role)])
    return out
