"""peewee without the PostgreSQL driver at start-up.

peewee 4 imports psycopg at its top level whenever it is installed, which is
most of peewee's import time; a terminal app on a SQLite file never needs it.
`install()` (run when `oncall_tui` is imported) hides psycopg from peewee's
own first import, whenever and by whom that happens, without importing peewee
itself; `enable_psycopg()` hands the driver to peewee when a postgresql://
URL is opened.
"""
from __future__ import annotations

import importlib.machinery
import sys
import threading

_lock = threading.Lock()


# Plain classes rather than importlib.abc subclasses: importing importlib.abc pulls in
# importlib.resources and zipfile, ~30 ms that start-up would pay for nothing.
class _Loader:
    def __init__(self, real) -> None:
        self.real = real

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module) -> None:
        hide = "psycopg" not in sys.modules
        if hide:
            sys.modules["psycopg"] = None  # type: ignore[assignment]  # `import psycopg` fails fast
        try:
            self.real.exec_module(module)
        finally:
            if hide and sys.modules.get("psycopg", 0) is None:
                del sys.modules["psycopg"]


class _Finder:
    def find_spec(self, name, path=None, target=None):
        if name != "peewee":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    if "peewee" in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())


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
