"""Shared pieces of every table: the database proxy, UTC times, JSON text."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import peewee as pw

database = pw.DatabaseProxy()


class UTCDateTimeField(pw.DateTimeField):
    """Stores naive UTC, hands back aware UTC.  Portable across SQLite and PostgreSQL."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC field")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class JSONField(pw.TextField):
    """JSON kept as text, so SQLite and PostgreSQL read it the same way."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False

    if TYPE_CHECKING:  # what peewee adds when the class is made, for type checkers
        id: Any  # the primary key (a field on the class, the value on a row)

        def __getattr__(self, name: str) -> Any:  # a foreign key's `<name>_id`, a query's aliases
            ...


class Versioned(BaseModel):
    """A row two users may edit at once: writers say which version they saw."""

    version = pw.IntegerField(default=1)
