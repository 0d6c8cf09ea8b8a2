"""Requirements for going on call, and each person's standing against them."""
from __future__ import annotations

import peewee as pw

from .base import JSONField, UTCDateTimeField, Versioned
from .people import Person, Team


class Requirement(Versioned):
    team = pw.ForeignKeyField(Team, backref="requirements", on_delete="CASCADE")
    slug = pw.CharField(max_length=64)
    name = pw.CharField(max_length=200)
    why = pw.TextField(default="")
    how = pw.TextField(default="")  # steps to obtain it
    link = pw.CharField(default="", max_length=500)
    command = pw.CharField(default="", max_length=500)
    roles = JSONField(default=lambda: ["primary", "secondary"])
    method = pw.CharField(default="self", max_length=16)  # self | manager | auto
    auto_rule = JSONField(default=dict)  # {"kind": "shadow_shifts", "min": 2}
    valid_days = pw.IntegerField(null=True)
    active = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("team", "slug"), True),)


class RequirementStatus(Versioned):
    """One person's latest standing on one requirement (history lives in the audit log)."""

    requirement = pw.ForeignKeyField(Requirement, backref="statuses", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, backref="requirement_statuses", on_delete="CASCADE")
    state = pw.CharField(max_length=16)  # attested | pending | approved | rejected | waived | granted
    evidence = pw.TextField(default="")
    evidence_link = pw.CharField(default="", max_length=500)  # an http(s) link, checked on the way in
    met_at = UTCDateTimeField(null=True)  # when it was met: expiry counts from here
    requested_at = UTCDateTimeField(null=True)
    decided_by = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
    decided_at = UTCDateTimeField(null=True)
    reason = pw.TextField(default="")

    class Meta:
        indexes = ((("requirement", "person"), True),)
