"""Rotations, their shift slots, plans and who is in which slot."""
from __future__ import annotations

import peewee as pw

from .base import BaseModel, JSONField, UTCDateTimeField, Versioned
from .people import Person, Team


class Rotation(Versioned):
    team = pw.ForeignKeyField(Team, backref="rotations", on_delete="CASCADE")
    slug = pw.CharField(max_length=64)
    name = pw.CharField(max_length=200)
    tz = pw.CharField(default="UTC", max_length=64)
    handoff = pw.CharField(default="09:00", max_length=5)
    shift_kind = pw.CharField(default="daily", max_length=16)
    shift_hours = pw.IntegerField(default=24)
    handoff_weekday = pw.IntegerField(default=0)
    roles = JSONField(default=lambda: ["primary", "secondary"])
    windows = JSONField(default=list)  # [{"start": "08:00", "region": "EMEA"}]
    rules = JSONField(default=dict)
    weights = JSONField(default=dict)
    active = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("team", "slug"), True),)


class Slot(BaseModel):
    """One role on one shift.  Its uid never changes: calendar entries and swap links hang off it."""

    rotation = pw.ForeignKeyField(Rotation, backref="slots", on_delete="CASCADE")
    start = UTCDateTimeField()
    end = UTCDateTimeField()
    role = pw.CharField(max_length=16)
    region = pw.CharField(default="", max_length=32)
    uid = pw.CharField(unique=True, max_length=64)

    class Meta:
        indexes = ((("rotation", "start", "role"), True), (("start", "end"), False))


class Plan(Versioned):
    """A draft or published plan for one rotation and one period.

    Publishing a new plan for a period marks the previous published one
    `superseded`; nothing is deleted, so every published version is kept."""

    rotation = pw.ForeignKeyField(Rotation, backref="plans", on_delete="CASCADE")
    first_day = pw.DateField()
    last_day = pw.DateField()
    status = pw.CharField(default="draft", max_length=16)  # draft | published | superseded | discarded
    number = pw.IntegerField(default=0)  # published version number within the period
    solver = pw.CharField(default="", max_length=32)
    score = pw.IntegerField(null=True)
    bound = pw.IntegerField(null=True)
    summary = JSONField(default=dict)  # gaps, fairness figures, warnings
    created_by = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
    created_at = UTCDateTimeField()
    published_by = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
    published_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("rotation", "status", "first_day"), False),)


class Assignment(Versioned):
    plan = pw.ForeignKeyField(Plan, backref="assignments", on_delete="CASCADE")
    slot = pw.ForeignKeyField(Slot, backref="assignments", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, backref="assignments", on_delete="CASCADE")
    source = pw.CharField(default="solver", max_length=16)  # solver | manual | swap | import
    note = pw.TextField(default="")

    class Meta:
        indexes = ((("plan", "slot"), True), (("person",), False))
