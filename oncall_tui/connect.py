"""Make a backend from a target: the local file or database, or the remote endpoint."""
from __future__ import annotations

from .backend.api import Backend
from .config import Target, database_missing  # noqa: F401  (re-exported)
from .core.clock import Clock


def make_backend(target: Target, clock: Clock | None = None, act_as: str | None = None) -> Backend:
    if target.socket:
        from .backend.remote import RemoteBackend

        return RemoteBackend(act_as=act_as, unix_socket=target.socket)
    if target.server:
        from .backend.remote import RemoteBackend

        return RemoteBackend(target.server, token=target.token, act_as=act_as)
    from .backend.local import LocalBackend

    return LocalBackend(target.db_url, clock=clock, act_as=act_as)
