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
    same transaction as the change and delivered after the commit."""

    kind = pw.CharField(max_length=32)
    payload = JSONField()
    created_at = UTCDateTimeField()
    attempts = pw.IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True)
    delivered_at = UTCDateTimeField(null=True)
    last_error = pw.TextField(default="")
