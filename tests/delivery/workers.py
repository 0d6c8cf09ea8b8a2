"""Code that runs in other OS processes (forkserver) for the delivery tests: deliverers racing
on one database, one that hangs holding its lease until it is killed, and a publisher killed
right after its commit."""
from __future__ import annotations

import os
import signal
import time
import traceback


def deliver(url: str, owner: str, barrier, results) -> None:
    """Wait for the others, then deliver everything that is due; report (owner, sent, failed, errors)."""
    try:
        from oncall_tui.backend.local import LocalBackend
        from oncall_tui.services.outbox import Delivery

        backend = LocalBackend(url, actor="-")
        barrier.wait(timeout=120)
        done = Delivery(backend.context, owner=owner).run_once()
        results.put((owner, done.sent, done.failed, done.errors))
    except BaseException:  # noqa: BLE001
        results.put((owner, 0, 0, [traceback.format_exc()]))


def claim_and_hang(url: str, lease_seconds: float, claimed) -> None:
    """Claim due rows with a short lease, say so, and hang while 'sending' (the test kills us)."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.services.outbox import Delivery

    def hang(delivery, row):
        claimed.set()
        while True:
            time.sleep(60)

    backend = LocalBackend(url, actor="-")
    Delivery(backend.context, senders={"mail": hang, "entry.mail": hang}, lease_seconds=lease_seconds).run_once()


def publish_then_die(url: str, login: str, plan_id: int, version: int, now_iso: str) -> None:
    """Publish, and be killed the moment the commit returns: no deliverer gets a chance."""
    from datetime import datetime

    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock

    backend = LocalBackend(url, actor=login, clock=FixedClock(datetime.fromisoformat(now_iso)))
    backend.publish_plan(plan_id, version)
    os.kill(os.getpid(), signal.SIGKILL)
