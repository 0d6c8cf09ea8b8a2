"""Make a backend from a target: the local file or database, or the remote endpoint."""
from __future__ import annotations

from .backend.api import Backend
from .config import Target, database_missing  # noqa: F401  (re-exported)
from .core.clock import Clock


def make_backend(target: Target, clock: Clock | None = None, act_as: str | None = None,
                 deliver: bool = True) -> Backend:
    """`deliver`: on a local database, send what changes queue for delivery (invitations,
    CalDAV writes) after their commit, and what is left due, from a short child process."""
    if target.socket:
        from .backend.remote import RemoteBackend

        return RemoteBackend(act_as=act_as, unix_socket=target.socket)
    if target.server:
        from .backend.remote import RemoteBackend

        return RemoteBackend(target.server, token=target.token, act_as=act_as)
    from .backend.local import LocalBackend

    backend = LocalBackend(target.db_url, clock=clock, act_as=act_as)
    if deliver:
        backend.deliver_in_background()
    return backend
