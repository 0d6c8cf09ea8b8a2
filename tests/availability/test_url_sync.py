"""Calendars over a secret URL served by a real HTTP server on 127.0.0.1."""
from __future__ import annotations

from datetime import date

import pytest

from oncall_tui.core.errors import InvalidInput

from .calendars import HOLIDAY_20_JAN, MEETING_26_JAN, Served, start_server

JAN = "2027-01"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")  # the test's calendar server
    Served.routes, Served.hits = {}, []
    srv, base = start_server()
    yield base
    srv.shutdown()
    srv.server_close()


def state(backend, d: date):
    view = backend.availability(month=JAN)
    found = next(x for x in view.days if x.day == d)
    return found.state, found.source


def connect(backend, url):
    preview = backend.preview_calendar(location=url, month=JAN)
    source = backend.add_calendar_source("Google", url)
    return preview, source, backend.sync_calendar(source.id, month=JAN, expected_digest=preview.digest)


def test_a_url_imports_then_resyncs_with_a_conditional_request(as_user, server):
    Served.routes["/cal/secret.ics"] = (200, HOLIDAY_20_JAN, '"v1"', 0.0)
    alice = as_user("alice")
    preview, source, result = connect(alice, server + "/cal/secret.ics")
    assert preview.unavailable_days == 3 and result.ok and result.applied == 3
    assert state(alice, date(2027, 1, 20)) == ("unavailable", "calendar:Google")
    again = alice.sync_calendar(source.id, month=JAN)
    assert again.ok and again.not_modified and "unchanged" in again.message
    assert Served.hits[-1] == ("/cal/secret.ics", '"v1"')
    assert state(alice, date(2027, 1, 20)) == ("unavailable", "calendar:Google")
    # The calendar changes on the server: a new ETag, new marks.
    Served.routes["/cal/secret.ics"] = (200, MEETING_26_JAN, '"v2"', 0.0)
    changed = alice.sync_calendar(source.id, month=JAN)
    assert changed.ok and not changed.not_modified and changed.removed == 3
    assert state(alice, date(2027, 1, 20)) == ("available", "")
    assert state(alice, date(2027, 1, 26)) == ("busy", "calendar:Google")


@pytest.mark.parametrize("route, words", [
    ((500, b"oops", "", 0.0), "HTTP 500"),
    ((200, b"<html><body>Sign in to Google</body></html>", "", 0.0), "not a calendar"),
    ((200, HOLIDAY_20_JAN, "", 2.0), "timed out"),
])
def test_a_failing_url_leaves_the_previous_state_and_says_why(as_user, server, route, words, monkeypatch):
    Served.routes["/cal/secret.ics"] = (200, MEETING_26_JAN, "", 0.0)
    alice = as_user("alice")
    _, source, first = connect(alice, server + "/cal/secret.ics")
    assert first.ok
    before = alice.availability(month=JAN)
    if route[3]:  # a server slower than the deadline: a short one, set only now, so a loaded machine
        monkeypatch.setenv("ONCALL_CALENDAR_TIMEOUT", "0.5")  # still fetches the first copy in time
    Served.routes["/cal/secret.ics"] = route
    result = alice.sync_calendar(source.id, month=JAN)
    assert not result.ok and words in result.message and "nothing changed" in result.message
    assert "secret.ics" not in result.message  # the secret part of the URL is never echoed
    after = alice.availability(month=JAN)
    assert after.days == before.days
    assert words in after.sources[0].last_error
    with pytest.raises(InvalidInput) as refused:
        alice.preview_calendar(source_id=source.id, month=JAN)
    assert words in refused.value.message
