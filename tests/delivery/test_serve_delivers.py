"""`oncall serve` delivers by itself: a manager publishes through the server (a real
`oncall serve` process, over HTTP with a token), and the invitations reach aiosmtpd, once,
sent by the server's background deliverer with no `oncall deliver` run anywhere."""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.backend.remote import RemoteBackend

from ..conftest import DEMO_YOU
from ..conftest_backends import free_port, issue_test_token
from ..planning.helpers import ROT
from .helpers import outbox_rows, set_mail, wait_for
from .test_invitations import choose, invitations


@pytest.fixture
def oncall_serve(demo_db, monkeypatch):
    from tests.socket.test_socket_mode import ONCALL, start_server, stop

    if not Path(ONCALL).exists():
        pytest.skip(f"the `oncall` command is not installed at {ONCALL} (pip install -e .)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc, _log = start_server([ONCALL, "serve", "--db", demo_db, "--port", str(port), "--no-access-log"],
                              dict(os.environ), "Application startup complete")
    try:
        yield url
    finally:
        stop(proc)


def test_a_publish_through_the_server_is_delivered_by_the_server(demo_db, clock, smtp, oncall_serve):
    host, port, box = smtp
    local = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    local.services.swaps.advance_due()  # the demo's swap requests due already: their mail is not this test's
    set_mail(local, host, port)
    choose(local, "alice", "email")
    remote = RemoteBackend(oncall_serve, token=issue_test_token(local, DEMO_YOU))
    draft = remote.draft_plan(ROT, month="2026-12", solver="greedy")
    remote.publish_plan(draft.summary.id, draft.summary.version)
    expected = sum(1 for c in remote.plan(draft.summary.id).cells if c.login == "alice")
    assert expected and wait_for(lambda: box.count() >= expected)
    assert wait_for(lambda: all(r.delivered_at is not None for r in outbox_rows(local)))
    assert box.count() == expected
    assert set(Counter(uid for uid, *_ in invitations(box)).values()) == {1}
    assert remote.my_delivery("alice").state == "up to date"
