"""Calendar work is bounded at the server: a budget of steps, occurrences, time and events per
expansion, and at most a few previews per person at once.  Real HTTP to a real server; small
budgets so the tests run in seconds."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from oncall_tui.backend.remote import RemoteBackend
from oncall_tui.calendars import expand, parse
from oncall_tui.core.errors import InvalidInput, NotAllowed
from tests.calendars.builders import ics
from tests.conftest_backends import issue_test_token

MONTH = "2026-12"


def _preview(who: RemoteBackend, text: str, name: str = "hostile.ics"):
    return who.preview_calendar(location=name, kind="file", content=text, month=MONTH)


def _refused(who: RemoteBackend, text: str, words: str) -> None:
    with pytest.raises(InvalidInput) as err:
        _preview(who, text)
    assert err.value.message.startswith("hostile.ics: ") and words in err.value.message
    assert "\n" not in err.value.message


@pytest.fixture
def alice(served):
    server, local = served
    who = RemoteBackend(server.url, token=issue_test_token(local, "alice"))
    yield who
    who.close()


def test_a_calendar_repeating_every_second_is_refused_with_one_line(alice):
    for start in ("20200101T000000Z", "20261201T000000Z"):  # years before the month, and inside it
        text = ics(f"SUMMARY:Tick\nDTSTART:{start}\nDTEND:{start}\nRRULE:FREQ=SECONDLY").decode()
        _refused(alice, text, "too much work to expand")
    yearly_every_second = ics("SUMMARY:Tick\nDTSTART:20261201T000000Z\nDTEND:20261201T000001Z\n"
                              "RRULE:FREQ=YEARLY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE="
                              + ",".join(map(str, range(60))) + ";BYSECOND=" + ",".join(map(str, range(60))))
    _refused(alice, yearly_every_second.decode(), "more than 20,000 events in the period")
    fine = ics("SUMMARY:Standup\nDTSTART:20200106T090000Z\nDTEND:20200106T091500Z\nRRULE:FREQ=DAILY").decode()
    assert _preview(alice, fine).event_count == 1  # a real daily series from years ago is fine


def test_occurrence_time_and_event_budgets_each_stop_the_work(alice, monkeypatch):
    hourly = ics("SUMMARY:Pager\nDTSTART:20261201T000000Z\nDTEND:20261201T000500Z\nRRULE:FREQ=HOURLY").decode()
    assert _preview(alice, hourly).event_count == 1
    monkeypatch.setattr(expand, "MAX_OCCURRENCES", 100)
    _refused(alice, hourly, "more than 100 events in the period")
    monkeypatch.setattr(expand, "MAX_OCCURRENCES", 1_000_000)
    monkeypatch.setattr(expand, "MAX_SECONDS", 0.0)
    _refused(alice, hourly, "took more than 0 s")
    monkeypatch.setattr(parse, "MAX_EVENTS", 500)
    many = ics(*[f"SUMMARY:Meeting {i}\nDTSTART:20261202T{i % 24:02d}0000Z\nDTEND:20261202T{i % 24:02d}3000Z"
                 for i in range(1000)]).decode()
    _refused(alice, many, "1,000 events, more than the 500")


class Gate(BaseHTTPRequestHandler):
    """A calendar host that holds every request until the test opens the gate."""

    protocol_version = "HTTP/1.0"
    waiting = threading.Semaphore(0)
    gate = threading.Event()
    body = ics("SUMMARY:Out of office\nDTSTART;VALUE=DATE:20261207\nDTEND;VALUE=DATE:20261209")

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/held"):
            type(self).waiting.release()
            type(self).gate.wait(timeout=60)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def test_at_most_two_calendar_previews_per_person_run_at_once(served, monkeypatch):
    server, local = served
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")  # the gate lives on loopback
    Gate.waiting, Gate.gate = threading.Semaphore(0), threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Gate)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    token = issue_test_token(local, "alice")
    answers: list[httpx.Response] = []

    def held_preview(i: int) -> None:
        answers.append(httpx.post(f"{server.url}/api/v1/preview_calendar", timeout=60,
                                  headers={"Authorization": f"Bearer {token}"},
                                  json={"location": f"{base}/held/{i}.ics", "month": MONTH}))

    threads = [threading.Thread(target=held_preview, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for _ in range(2):  # both previews are at the calendar host, waiting
            assert Gate.waiting.acquire(timeout=60)
        alice = RemoteBackend(server.url, token=token)
        with pytest.raises(NotAllowed, match="a calendar preview of yours is already running"):
            alice.preview_calendar(location=f"{base}/quick.ics", month=MONTH)
        bogdan = RemoteBackend(server.url, token=issue_test_token(local, "bogdan"))
        assert bogdan.preview_calendar(location=f"{base}/quick.ics", month=MONTH).unavailable_days == 2
        Gate.gate.set()
        for t in threads:
            t.join(timeout=60)
        assert [a.status_code for a in answers] == [200, 200]
        # Once they finished, alice may preview again.
        assert alice.preview_calendar(location=f"{base}/quick.ics", month=MONTH).unavailable_days == 2
    finally:
        Gate.gate.set()
        httpd.shutdown()
        httpd.server_close()


def test_a_rule_that_never_matches_is_refused_by_the_walk_itself(alice, monkeypatch):
    # Nothing but DTSTART ever matches (no January has a 366th day of the year), so the recurrence
    # engine used to walk day by day to the year 9999 without yielding, where no budget was checked.
    never = ("SUMMARY:Never\nDTSTART:20261201T090000Z\nDTEND:20261201T100000Z\nEXDATE:20261201T090000Z\n"
             "RRULE:FREQ=DAILY;BYMONTH=1;BYYEARDAY=366")
    monkeypatch.setattr(expand, "MAX_STEPS", 20_000)
    _refused(alice, ics(never).decode(), "too much work to expand (over 20,000 steps")
    monkeypatch.setattr(expand, "MAX_STEPS", 2_000_000)
    monkeypatch.setattr(expand, "MAX_SECONDS", 0.0)
    _refused(alice, ics(never).decode(), "took more than 0 s")
    monkeypatch.setattr(expand, "MAX_SECONDS", 15.0)
    fine = ics("SUMMARY:Standup\nDTSTART:20200106T090000Z\nDTEND:20200106T091500Z\nRRULE:FREQ=DAILY").decode()
    monkeypatch.setattr(expand, "MAX_STEPS", 20_000)  # a daily series of seven years walks ~2,500 steps
    assert _preview(alice, fine).event_count == 1


def test_a_rule_asking_only_for_a_day_that_does_not_exist_is_refused_at_once(alice):
    for rule in ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=HOURLY;BYMONTH=2,4;BYMONTHDAY=31,-31"):
        text = ics(f"SUMMARY:Never\nDTSTART:20261201T090000Z\nDTEND:20261201T100000Z\nRRULE:{rule}").decode()
        _refused(alice, text, "repeats only on a day that does not exist")
    leap_day = ics("SUMMARY:Leap\nDTSTART:20261201T090000Z\nDTEND:20261201T100000Z\n"
                   "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29").decode()
    assert _preview(alice, leap_day).event_count == 1  # February 29 comes every four years
