"""A remote client waits for a draft as long as the time limit it asks the server to solve for
(the server may take up to 600 s; the client's own HTTP timeout is 120 s by default)."""
from __future__ import annotations

from oncall_tui.backend.local import LocalBackend
from oncall_tui.backend.remote import RemoteBackend

from ..conftest import DEMO_YOU
from ..conftest_backends import issue_test_token
from .helpers import MONTH, ROT


def test_a_draft_is_waited_for_beyond_the_clients_own_timeout(remote_server, demo_db, clock):
    remote_server.app.state.backend = LocalBackend(demo_db, actor="-", clock=clock)
    remote_server.app.state.read_cache.clear()
    token = issue_test_token(remote_server.app.state.backend, DEMO_YOU)
    # a client that gives any answer a hundredth of a second: a draft takes longer than that
    hasty = RemoteBackend(remote_server.url, token=token, timeout=0.01)
    try:
        view = hasty.draft_plan(ROT, month=MONTH, solver="greedy", time_limit=5)
        assert view.summary.status == "draft" and view.cells
    finally:
        hasty.close()
        remote_server.app.state.backend = None
