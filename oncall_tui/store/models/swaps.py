"""Asking someone else to take a shift (or part of one), who was asked, and who covers which hours."""
from __future__ import annotations

import peewee as pw

from .availability import Availability
from .base import BaseModel, UTCDateTimeField, Versioned
from .people import Person
from .planning import Assignment, Plan, Slot


class SwapRequest(Versioned):
    """One request.  Its state moves only by a conditional UPDATE on (id, version, status), so of
    two answers at the same moment the database lets exactly one through."""

    slot = pw.ForeignKeyField(Slot, backref="swap_requests", on_delete="CASCADE")
    requester = pw.ForeignKeyField(Person, backref="swap_requests", on_delete="CASCADE")
    mode = pw.CharField(default="one", max_length=16)  # one | ordered | everyone | trade | assign
    status = pw.CharField(default="open", max_length=16)  # core/domain_swaps.SWAP_STATES
    note = pw.TextField(default="")
    created_at = UTCDateTimeField()
    deadline = UTCDateTimeField(null=True)  # the team's swap deadline: escalates to the managers
    taken_by = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
    closed_at = UTCDateTimeField(null=True)
    # -- schema 4 -------------------------------------------------------------------------
    start = UTCDateTimeField(null=True)  # the part to cover (NULL: the whole shift)
    end = UTCDateTimeField(null=True)
    plan = pw.ForeignKeyField(Plan, null=True, on_delete="SET NULL", backref="+")  # published when asked
    answer_by = UTCDateTimeField(null=True)  # when the current ask times out
    trade_slot = pw.ForeignKeyField(Slot, null=True, on_delete="SET NULL", backref="+")
    acted_by = pw.CharField(default="", max_length=64)  # a manager who acted for someone
    created_by = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
    mark = pw.ForeignKeyField(Availability, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("status",), False),)


class SwapOffer(BaseModel):
    """One person asked to take a swap; their answer link's secret is stored hashed only."""

    request = pw.ForeignKeyField(SwapRequest, backref="offers", on_delete="CASCADE")
    candidate = pw.ForeignKeyField(Person, backref="swap_offers", on_delete="CASCADE")
    position = pw.IntegerField(default=0)
    state = pw.CharField(default="asked", max_length=16)  # core/domain_swaps.ASK_STATES
    token_hash = pw.CharField(null=True, max_length=128)
    answered_at = UTCDateTimeField(null=True)
    # -- schema 4 -------------------------------------------------------------------------
    asked_at = UTCDateTimeField(null=True)
    reason = pw.TextField(default="")
    acted_by = pw.CharField(default="", max_length=64)

    class Meta:
        indexes = ((("request", "candidate"), True), (("token_hash",), False))


class Cover(BaseModel):
    """Part of a shift held by someone other than its assignment's person: exactly the hours
    start..end.  A whole-shift swap changes the assignment itself instead."""

    assignment = pw.ForeignKeyField(Assignment, backref="covers", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, backref="covers", on_delete="CASCADE")
    start = UTCDateTimeField()
    end = UTCDateTimeField()
    request = pw.ForeignKeyField(SwapRequest, null=True, on_delete="SET NULL", backref="covers")
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("assignment", "start"), True), (("person", "start"), False))
