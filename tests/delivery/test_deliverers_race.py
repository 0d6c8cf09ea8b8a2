"""Several deliverers at once, in separate OS processes, on one real SQLite file and on a real
PostgreSQL server: every message reaches the SMTP server exactly once.  A deliverer killed
while it holds rows loses them only until its lease runs out; a publisher killed right after
its commit loses nothing (a later `oncall` run, or `oncall deliver`, sends it)."""
from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.services.outbox import DELIVERABLE, Delivery

from ..conftest import DEMO_YOU, NOW
from .helpers import outbox_rows, queue_mails, set_mail, wait_for


@pytest.fixture(params=["sqlite", "postgres"])
def shared_db(request) -> str:
    """The demo team in a real SQLite file, or a fresh copy on a real PostgreSQL server."""
    return request.getfixturevalue("demo_db" if request.param == "sqlite" else "fresh_pg_demo")


PEOPLE = ["alice", "bogdan", "chloe", "dev", "emeka", "gus", "hana", "ivan", "jess", "lena"]


def _processes():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["oncall_tui.backend.local", "tests.delivery.workers"])
    return ctx


def test_three_deliverers_at_once_send_every_message_exactly_once(shared_db, clock, smtp):
    host, port, box = smtp
    root = LocalBackend(shared_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port)
    queue_mails(root, PEOPLE, per_person=12)  # 120 messages
    ctx = _processes()
    barrier, results = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=__import__("tests.delivery.workers", fromlist=["deliver"]).deliver,
                         args=(shared_db, f"deliverer-{i}", barrier, results)) for i in range(3)]
    for p in procs:
        p.start()
    got = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert not [e for *_, errors in got for e in errors], got
    assert sum(sent for _, sent, _, _ in got) == 120
    subjects = Counter(str(msg["Subject"]) for msg in box.messages)
    assert len(subjects) == 120 and set(subjects.values()) == {1}
    assert all(r.delivered_at is not None for r in outbox_rows(root))


def test_a_killed_deliverers_rows_are_sent_once_its_lease_runs_out(shared_db, clock, smtp):
    from . import workers

    host, port, box = smtp
    root = LocalBackend(shared_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port)
    queue_mails(root, PEOPLE[:4], per_person=2)  # 8 messages, all claimed by the one that hangs
    ctx = _processes()
    claimed = ctx.Event()
    hung = ctx.Process(target=workers.claim_and_hang, args=(shared_db, 1.0, claimed))
    hung.start()
    assert claimed.wait(timeout=120)
    os.kill(hung.pid, 9)
    hung.join(timeout=60)
    leased = [r for r in outbox_rows(root) if r.lease_owner]
    assert leased and all(r.delivered_at is None for r in leased)
    # Delivering again and again: nothing goes until the lease has run out, then all of it, once.
    assert wait_for(lambda: (Delivery(root.context).run_once(), box.count())[1] >= 8)
    assert Delivery(root.context).run_once().sent == 0
    assert sorted(Counter(str(m["Subject"]) for m in box.messages).values()) == [1] * 8


def test_a_publisher_killed_after_its_commit_loses_no_invitation(demo_db, clock, smtp, tmp_path):
    from oncall_tui.store import models as m

    from ..planning.helpers import ROT
    from . import workers
    from .test_invitations import choose

    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    root.services.swaps.advance_due()  # the demo's swap requests due already: their mail is not this test's
    set_mail(root, host, port)
    for login in ("alice", "bogdan"):
        choose(root, login, "email")
    draft = root.draft_plan(ROT, month="2026-12", solver="greedy")
    expected = sum(1 for c in draft.cells if c.login in ("alice", "bogdan"))
    proc = _processes().Process(target=workers.publish_then_die,
                                args=(demo_db, DEMO_YOU, draft.summary.id, draft.summary.version, NOW.isoformat()))
    proc.start()
    proc.join(timeout=300)
    assert proc.exitcode == -9  # killed, right after the commit
    assert root.plan(draft.summary.id).summary.status == "published"
    assert box.count() == 0 and len(outbox_rows(root)) == expected

    # The next `oncall` anyone runs on the file (any command) starts a deliverer for what is left.
    oncall = shutil.which("oncall", path=os.path.dirname(sys.executable))
    run = subprocess.run([oncall, "--db", demo_db, "now"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    # (the demo's own swap requests, due on this clock, mail their escalation too: not this test's)
    def invitations() -> int:
        return sum(any(p.get_content_type() == "text/calendar" for p in msg.walk()) for msg in list(box.messages))

    assert wait_for(lambda: invitations() >= expected)
    # ... and a cron `oncall deliver` afterwards finds nothing left to send.
    cron = subprocess.run([oncall, "--db", demo_db, "deliver", "--json"], capture_output=True, text=True,
                          timeout=120)
    assert cron.returncode == 0, cron.stderr
    assert '"sent": 0' in cron.stdout
    assert invitations() == expected
    assert root._read(lambda: m.Outbox.select().where(m.Outbox.delivered_at.is_null()
                                                      & m.Outbox.kind.in_(DELIVERABLE)).count()) == 0
