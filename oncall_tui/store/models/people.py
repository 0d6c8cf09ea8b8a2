"""People, teams, who manages what, and how to reach them."""
from __future__ import annotations

import peewee as pw

from .base import BaseModel, JSONField, UTCDateTimeField, Versioned


class Person(Versioned):
    login = pw.CharField(unique=True, max_length=64)
    name = pw.CharField(max_length=200)
    email = pw.CharField(default="", max_length=254)
    phones = JSONField(default=list)  # list[str]
    tz = pw.CharField(default="UTC", max_length=64)
    oncall_device = pw.CharField(default="", max_length=100)
    oncall_phone = pw.CharField(default="", max_length=40)
    region = pw.CharField(default="", max_length=32)
    active = pw.BooleanField(default=True)
    created_at = UTCDateTimeField()
    calendar_delivery = pw.CharField(default="feed", max_length=8)  # feed | email | caldav | none
    alarm_minutes = pw.IntegerField(null=True, default=60)  # reminder lead time; NULL = no reminder


class Team(Versioned):
    slug = pw.CharField(unique=True, max_length=64)
    name = pw.CharField(max_length=200)
    tz = pw.CharField(default="UTC", max_length=64)
    availability_deadline_day = pw.IntegerField(default=20)
    settings = JSONField(default=dict)  # weights, import rules, holiday dates, ...
    created_at = UTCDateTimeField()


class Membership(Versioned):
    team = pw.ForeignKeyField(Team, backref="memberships", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, backref="memberships", on_delete="CASCADE")
    role = pw.CharField(max_length=16)  # engineer | manager
    on_rotation = pw.BooleanField(default=True)
    region = pw.CharField(default="", max_length=32)
    utilisation_pct = JSONField(default=dict)  # {"2026-12": 40}: project load a manager set

    class Meta:
        indexes = ((("team", "person"), True),)


class PastMembership(BaseModel):
    """Someone who was in a team and left it (a team import dropped them): their former
    managers can still see and revoke the tokens they were given."""

    team = pw.ForeignKeyField(Team, backref="+", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    role = pw.CharField(max_length=16)
    left_at = UTCDateTimeField()

    class Meta:
        indexes = ((("team", "person"), True),)


class EscalationContact(BaseModel):
    team = pw.ForeignKeyField(Team, backref="escalation", on_delete="CASCADE")
    position = pw.IntegerField()
    name = pw.CharField(max_length=200)
    contact = pw.CharField(max_length=200)
    person = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("team", "position"), True),)


class ApiToken(BaseModel):
    """A personal token for the remote endpoint; only its hash is kept."""

    person = pw.ForeignKeyField(Person, backref="tokens", on_delete="CASCADE")
    token_hash = pw.CharField(unique=True, max_length=128)  # sha256 hex of the secret
    hint = pw.CharField(default="", max_length=16)  # the secret's first characters, to recognise it
    label = pw.CharField(default="", max_length=100)
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField(null=True)
    revoked_at = UTCDateTimeField(null=True)
    last_used_at = UTCDateTimeField(null=True)
    issued_by = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
