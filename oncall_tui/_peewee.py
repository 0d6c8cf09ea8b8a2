"""peewee without the PostgreSQL driver at start-up.

peewee 4 imports psycopg at its top level whenever it is installed, which is
most of peewee's import time; a terminal app on a SQLite file never needs it.
`oncall_tui/__init__.py` imports peewee through here with psycopg hidden, and
`enable_psycopg()` hands the driver to peewee when a postgresql:// URL is
opened.
"""
from __future__ import annotations

import sys
import threading

_lock = threading.Lock()


def import_peewee_without_psycopg() -> None:
    if "peewee" in sys.modules or "psycopg" in sys.modules:
        return  # already decided (or the driver is loaded anyway): nothing to save
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # makes `import psycopg` fail fast
    try:
        import peewee  # noqa: F401
    finally:
        del sys.modules["psycopg"]


def enable_psycopg() -> None:
    """Give peewee the psycopg driver if it was imported without it."""
    import peewee

    if peewee.psycopg is not None:
        return
    with _lock:
        if peewee.psycopg is not None:
            return
        import psycopg
        from psycopg.pq import TransactionStatus
        from psycopg.types.json import Json, Jsonb

        peewee.TransactionStatus = TransactionStatus
        peewee.Json_pg3 = Json
        peewee.Jsonb_pg3 = Jsonb
        adapter = peewee.Psycopg3Adapter
        adapter.txn_idle = TransactionStatus.IDLE
        adapter.txn_inerror = TransactionStatus.INERROR
        adapter.txn_unknown = TransactionStatus.UNKNOWN
        peewee.psycopg = psycopg
