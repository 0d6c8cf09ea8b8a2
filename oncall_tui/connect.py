"""Make a backend from a target: the local file or database, or the remote endpoint."""
from __future__ import annotations

from pathlib import Path

from .backend.api import Backend
from .clock import Clock
from .config import Target
from .store.db import is_sqlite, normalise_url, sqlite_path


def database_missing(target: Target) -> Path | None:
    """The path of a SQLite file that does not exist yet (a first run), else None."""
    if target.db_url and is_sqlite(target.db_url):
        path = sqlite_path(normalise_url(target.db_url))
        if not path.exists():
            return path
    return None


def make_backend(target: Target, clock: Clock | None = None, act_as: str | None = None) -> Backend:
    if target.server:
        from .backend.remote import RemoteBackend

        return RemoteBackend(target.server, token=target.token, act_as=act_as)
    from .backend.local import LocalBackend

    return LocalBackend(target.db_url, clock=clock, act_as=act_as)
