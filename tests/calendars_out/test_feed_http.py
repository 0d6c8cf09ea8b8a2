"""The feed over real HTTP from `oncall serve` (its own process, on a free loopback port): the
.ics passes the strict check and reads back with icalendar and recurring-ical-events; 304 on
If-None-Match and If-Modified-Since; a change gives a new ETag and a higher SEQUENCE; a
rotated or made-up secret is 404 naming nobody."""
from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from oncall_tui.backend.local import LocalBackend

from ..conftest import DEMO_YOU
from ..conftest_backends import free_port
from .ics_check import check_ics


@pytest.fixture
def oncall_serve(demo_db):
    """`oncall serve` on the test's demo file, its own process, once its log says it listens."""
    from tests.socket.test_socket_mode import ONCALL, start_server, stop

    if not Path(ONCALL).exists():
        pytest.skip(f"the `oncall` command is not installed at {ONCALL} (pip install -e .)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc, _log = start_server([ONCALL, "serve", "--db", demo_db, "--port", str(port), "--base-url", url,
                               "--no-access-log"], dict(os.environ), "Application startup complete")
    try:
        yield url
    finally:
        stop(proc)


def test_the_feed_over_http_with_304_updates_and_rotation(oncall_serve, demo_db, clock):
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    made = alice.feed_url()
    url = oncall_serve + made.path
    with httpx.Client(timeout=30) as http:
        first = http.get(url)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"].startswith("text/calendar")
        assert "private" in first.headers["cache-control"]
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        cal = check_ics(first.content)
        uids = {str(e["UID"]): e for e in cal.walk("VEVENT")}
        mine = [s for s in alice.shifts(first=None) if s.assignment.person.login == "alice"]
        assert mine and {s.assignment.uid for s in mine} <= set(uids)
        assert first.content == alice.export_calendar().ics.encode(), "the feed is the export"

        assert http.get(url, headers={"If-None-Match": etag}).status_code == 304
        not_modified = http.get(url, headers={"If-Modified-Since": modified})
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert not_modified.headers["etag"] == etag
        assert http.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200

        # a handover note on one of her shifts: a new version, that entry's SEQUENCE one higher
        uid = mine[0].assignment.uid
        alice.add_handover_note(uid, "rack 12 is being moved on Tuesday")
        changed = http.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        fresh = {str(e["UID"]): e for e in check_ics(changed.content).walk("VEVENT")}
        assert int(fresh[uid]["SEQUENCE"]) == int(uids[uid].get("SEQUENCE", 0)) + 1
        assert "rack 12 is being moved on Tuesday" in str(fresh[uid]["DESCRIPTION"])
        assert len(fresh) == len(uids), "an update, never a second event"

        # rotation: the old address is gone at once, and its 404 names nobody
        new = alice.feed_url(rotate=True)
        gone = http.get(url)
        assert gone.status_code == 404
        made_up = http.get(oncall_serve + "/links/feed/" + "A" * 43 + ".ics")
        assert made_up.status_code == 404 and gone.content == made_up.content
        for name in ("alice", "Alice", "Moreau"):
            assert name not in gone.text
        assert http.get(oncall_serve + new.path).status_code == 200
        assert http.post(oncall_serve + new.path).status_code == 405


def test_a_managers_team_feed_has_everyones_shifts_and_stops_when_they_no_longer_manage(oncall_serve, demo_db,
                                                                                          clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    made = root.team_feed_url("platform")
    with httpx.Client(timeout=30) as http:
        got = http.get(oncall_serve + made.path)
        assert got.status_code == 200
        cal = check_ics(got.content)
        people = {str(e["SUMMARY"]).split(":")[0] for e in cal.walk("VEVENT")}
        assert len(people) > 5, "everyone's shifts, each titled with whose it is"
        assert got.content == root.export_team_calendar("platform").ics.encode()

        # root is made an engineer of the team (by the other manager): the team feed stops
        from oncall_tui.services.demo import demo_team_toml

        text = demo_team_toml(DEMO_YOU)
        at = text.index(f'login = "{DEMO_YOU}"')
        end = text.index('role = "manager"', at)
        LocalBackend(demo_db, actor="maya", clock=clock).import_team(
            text[:end] + 'role = "engineer"' + text[end + len('role = "manager"'):], "team.toml")
        assert http.get(oncall_serve + made.path).status_code == 404


def test_the_access_log_keeps_no_working_feed_address(demo_db, clock):
    """`oncall serve` logs each request by default; a feed (or swap link) address in that log is
    cut to its first six characters, so the log file is not a list of working links."""
    from tests.socket.test_socket_mode import ONCALL, start_server, stop

    if not Path(ONCALL).exists():
        pytest.skip(f"the `oncall` command is not installed at {ONCALL} (pip install -e .)")
    made = LocalBackend(demo_db, actor="alice", clock=clock).feed_url()
    secret = made.path.rsplit("/", 1)[1].removesuffix(".ics")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc, log = start_server([ONCALL, "serve", "--db", demo_db, "--port", str(port), "--base-url", url],
                             dict(os.environ), "Application startup complete")
    try:
        with httpx.Client(timeout=30) as http:
            assert http.get(url + made.path).status_code == 200
            assert http.get(url + "/links/swap/" + "B" * 43).status_code == 404
            http.get(url + "/healthz")  # logged after the two above: the log has caught up when it shows
            deadline_lines = lambda: [line for line in log if "/healthz" in line]  # noqa: E731
            while not deadline_lines():
                assert proc.poll() is None, "".join(log)
                http.get(url + "/healthz")
    finally:
        stop(proc)
    text = "".join(log)
    assert f"/links/feed/{secret[:6]}…" in text, text
    assert secret not in text and "B" * 43 not in text
