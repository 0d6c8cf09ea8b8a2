"""Bookkeeping: schema version, the audit log, and the outbox."""
from __future__ import annotations

import peewee as pw

from .base import BaseModel, JSONField, UTCDateTimeField


class Meta(BaseModel):
    key = pw.CharField(primary_key=True, max_length=64)
    value = pw.TextField()


class ChangeCounter(BaseModel):
    """One row whose number grows with every committed write: the change cursor.

    (The newest audit id is not enough on PostgreSQL, where transactions may
    commit out of id order.)"""

    seq = pw.BigIntegerField(default=0)


class AuditLog(BaseModel):
    """Append-only: who changed what, and when.  Its id doubles as the change cursor."""

    at = UTCDateTimeField()
    actor = pw.CharField(max_length=64)
    action = pw.CharField(max_length=64)
    entity = pw.CharField(max_length=32)
    entity_id = pw.CharField(max_length=64)
    team = pw.CharField(null=True, max_length=64)
    detail = JSONField(default=dict)

    class Meta:
        indexes = ((("team", "at"), False),)


class Outbox(BaseModel):
    """Something that must leave the system (calendar update, email), written in the
    same transaction as the change and delivered after the commit (`services.outbox`).

    A deliverer claims a row by setting `lease_owner` and `lease_until` in one conditional
    UPDATE (the database decides who got it); a row sent is marked `delivered_at` in the step
    that confirms it; a killed deliverer's lease runs out and the row is tried again.
    `topic` names what the row is about (channel, person, entry uid): a newer row of the same
    topic supersedes an older one not yet sent (`superseded_by`), and is not sent while an
    older one is in flight."""

    kind = pw.CharField(max_length=32)
    payload = JSONField()
    created_at = UTCDateTimeField()
    attempts = pw.IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True)
    delivered_at = UTCDateTimeField(null=True)
    last_error = pw.TextField(default="")
    # schema 6: delivery
    person_id = pw.IntegerField(null=True)  # whose delivery state this row counts in
    team_id = pw.IntegerField(null=True)
    topic = pw.CharField(max_length=300, default="")
    lease_owner = pw.CharField(max_length=100, default="")
    lease_until = UTCDateTimeField(null=True)
    superseded_by = pw.IntegerField(null=True)
    last_attempt_at = UTCDateTimeField(null=True)
