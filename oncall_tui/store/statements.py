"""SQL text composed once per database and reused.

Most of a small write's time would otherwise go to composing the same statements again
(peewee builds the SQL text on every call), while other writers wait for the lock.  A
statement is named by its caller; `build()` makes the query the first time the name is
asked for on a database, with placeholder values where the call's own values go.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import peewee as pw

#: Starts the placeholder values of a statement composed once (see `ServiceContext._bump`):
#: no stored text starts so.
MARK = "\0oncall-value:"
_CACHE = "_oncall_statements"  # kept on the database object: the SQL text differs per database


def composed(db: pw.Database, name: str, build: Callable[[], Any]) -> tuple[str, list]:
    """(SQL text, parameters) of the query `build()` makes, composed once per database."""
    cache = db.__dict__.setdefault(_CACHE, {})
    found = cache.get(name)
    if found is None:
        found = cache[name] = build().sql()
    return found


def statement(db: pw.Database, name: str, build: Callable[[], Any]) -> str:
    """The SQL text of the query `build()` makes, composed once per database."""
    return composed(db, name, build)[0]


def marked(name: str) -> pw.Value:
    """A placeholder value in a statement composed once: `bind_marked` puts the call's value there."""
    return pw.Value(MARK + name, converter=False)


def bind_marked(params: list, values: dict[str, Any]) -> list:
    """The parameters of a composed statement with each `marked(name)` replaced by `values[name]`."""
    return [values[p[len(MARK):]] if isinstance(p, str) and p.startswith(MARK) else p for p in params]
