"""Repeated reads are served from the server's cache only while nothing changed."""
from __future__ import annotations

from oncall_tui.backend.remote import RemoteBackend
from tests.conftest_backends import issue_test_token


def test_cached_now_follows_every_change_and_the_clock(served, clock):
    server, local = served
    cache = server.app.state.read_cache
    alice = RemoteBackend(server.url, token=issue_test_token(local, "alice"))
    first = alice.now()
    assert alice.now() == first and cache.hits >= 1
    primary = first[0].person.login
    them = RemoteBackend(server.url, token=issue_test_token(local, primary))
    me = them.whoami()
    them.update_profile(me.version, name="Renamed Person")  # a write anywhere moves the cursor
    assert alice.now()[0].person.name == "Renamed Person"
    clock.advance(days=1)  # the next day's shift: a new answer at once, not a cached one
    assert alice.now() == local.acting_as("alice").now() != first
