"""Asking someone else to take a shift."""
from __future__ import annotations

import peewee as pw

from .base import BaseModel, UTCDateTimeField, Versioned
from .people import Person
from .planning import Slot


class SwapRequest(Versioned):
    slot = pw.ForeignKeyField(Slot, backref="swap_requests", on_delete="CASCADE")
    requester = pw.ForeignKeyField(Person, backref="swap_requests", on_delete="CASCADE")
    mode = pw.CharField(default="targeted", max_length=16)  # targeted | ordered | broadcast
    status = pw.CharField(default="open", max_length=16)  # open | agreed | cancelled | expired | escalated
    note = pw.TextField(default="")
    created_at = UTCDateTimeField()
    deadline = UTCDateTimeField(null=True)
    taken_by = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
    closed_at = UTCDateTimeField(null=True)


class SwapOffer(BaseModel):
    """One person asked to take a swap; single-use link tokens are stored hashed."""

    request = pw.ForeignKeyField(SwapRequest, backref="offers", on_delete="CASCADE")
    candidate = pw.ForeignKeyField(Person, backref="swap_offers", on_delete="CASCADE")
    position = pw.IntegerField(default=0)
    state = pw.CharField(default="asked", max_length=16)  # waiting | asked | agreed | declined | skipped
    token_hash = pw.CharField(null=True, max_length=128)
    answered_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("request", "candidate"), True),)
