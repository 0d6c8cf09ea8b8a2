"""Calendar entries going out: what each person's calendar was last told, and feed secrets."""
from __future__ import annotations

import peewee as pw

from .base import BaseModel, JSONField, UTCDateTimeField
from .people import Person, Team


class EntryStamp(BaseModel):
    """The last state of one calendar entry (person, uid) as it went out: its SEQUENCE and a
    digest of what it said.  A publish, an edit or a swap compares the fresh entries with
    these rows in its own transaction, raises SEQUENCE on a change and marks removed ones
    cancelled, so a calendar never gets a second event for one slot."""

    person = pw.ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    uid = pw.CharField(max_length=128)
    sequence = pw.IntegerField(default=0)
    digest = pw.CharField(max_length=64)
    start = UTCDateTimeField()
    end = UTCDateTimeField()
    cancelled = pw.BooleanField(default=False)
    changed_at = UTCDateTimeField()
    entry = JSONField(default=dict)  # the entry as it last went out (a cancellation repeats it)

    class Meta:
        indexes = ((("person", "uid"), True), (("person", "start"), False))


class FeedSecret(BaseModel):
    """A subscription feed's secret URL: only its SHA-256 is kept.  `team` set: a manager's
    feed of everyone's shifts in that team; NULL: the person's own shifts.  One live secret
    per (person, team): rotating deletes the old row, so the old URL answers 404 at once."""

    person = pw.ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    team = pw.ForeignKeyField(Team, null=True, backref="+", on_delete="CASCADE")
    secret_hash = pw.CharField(unique=True, max_length=64)
    hint = pw.CharField(default="", max_length=16)
    created_at = UTCDateTimeField()
