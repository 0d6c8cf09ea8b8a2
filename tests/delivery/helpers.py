"""What the delivery tests share: queueing mail as a change would, and reading the outbox."""
from __future__ import annotations

import time

from oncall_tui.store import models as m

TEAM = "platform"


def set_mail(backend, host: str, port: int, *, security: str = "none", username: str = "",
             password: str | None = None) -> None:
    backend.set_mail_server(TEAM, host, port, security, username, "oncall@example.com", password)


def queue_mails(backend, logins: list[str], per_person: int = 1, subject: str = "hello", ics: bytes | None = None,
                method: str | None = None) -> None:
    """One write transaction that queues `per_person` mails for each login (as a swap ask would)."""
    from oncall_tui.services.outbox import enqueue_mail

    ctx = backend.context

    def run():
        team = m.Team.get(m.Team.slug == TEAM)
        for login in logins:
            person = m.Person.get(m.Person.login == login)
            for i in range(per_person):
                enqueue_mail(ctx, team, person, f"{subject} {login} {i}", f"body {i}", ics=ics, method=method)
    backend._write(run)


def outbox_rows(backend) -> list:
    """The rows a deliverer sends (not the records for later readers: "plan.published", "swap_asked")."""
    from oncall_tui.services.outbox import DELIVERABLE

    return backend._read(lambda: list(m.Outbox.select().where(m.Outbox.kind.in_(DELIVERABLE))
                                      .order_by(m.Outbox.id)))


def wait_for(condition, timeout: float = 120.0, step: float = 0.05) -> bool:
    """Poll `condition` until it holds (bounded far beyond what a loaded machine needs); the
    test asserts on the condition, never on the time taken."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
