"""When people can be on call: by hand, and from their calendars."""
from __future__ import annotations

import peewee as pw

from .base import JSONField, UTCDateTimeField, Versioned
from .people import Person


class CalendarSource(Versioned):
    person = pw.ForeignKeyField(Person, backref="calendar_sources", on_delete="CASCADE")
    label = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=8)  # file | url
    location = pw.TextField()  # path, or the secret iCal URL (never shown to others)
    rules = JSONField(default=dict)
    keep_titles = pw.BooleanField(default=False)
    etag = pw.CharField(default="", max_length=200)
    last_modified = pw.CharField(default="", max_length=100)
    last_synced_at = UTCDateTimeField(null=True)
    last_error = pw.TextField(default="")
    synced_month = pw.CharField(default="", max_length=7)  # the month the etag belongs to
    created_at = UTCDateTimeField()


class Availability(Versioned):
    """A person's state on a day (or one shift of it, or a stretch of time), from one source.

    `source` is NULL for what the person set by hand; a calendar re-sync
    replaces only its own rows and never touches hand-set ones.  With `until` (schema 7) the row
    is a stretch of time, `shift_start` to `until`, that touches every shift overlapping it: the
    hours a swap request asked to be covered ("asked for cover"), made and removed by the swap,
    never by a hand edit of the day."""

    person = pw.ForeignKeyField(Person, backref="availability", on_delete="CASCADE")
    day = pw.DateField()
    shift_start = UTCDateTimeField(null=True)  # a single shift; NULL = the whole day
    state = pw.CharField(max_length=16)  # unavailable | prefer_not | preferred | busy
    source = pw.ForeignKeyField(CalendarSource, null=True, on_delete="CASCADE", backref="marks")
    busy_hours = pw.FloatField(default=0.0)
    note = pw.TextField(default="")  # the person's own words (hand-set rows)
    reason = pw.TextField(default="")  # a calendar's words; event titles only if kept
    updated_at = UTCDateTimeField()
    # -- schema 7 -------------------------------------------------------------------------
    until = UTCDateTimeField(null=True)  # with shift_start: the stretch shift_start..until

    class Meta:
        indexes = ((("person", "day"), False), (("person", "day", "shift_start", "source"), True))
