"""fetch_calendar against a real HTTP server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oncall_tui.calendars import CalendarError, fetch_calendar, normalise_calendar_url, redact_url

from .builders import ics

CALENDAR = ics(
    """
    SUMMARY:Standup
    DTSTART;TZID=Europe/Berlin:20250602T090000
    DTEND;TZID=Europe/Berlin:20250602T093000
    """
)
ETAG = '"v1"'
HUGE = 50 * 1024 * 1024
CHUNK = 64 * 1024


class CalendarServer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # bodies end when the connection closes
    served: dict[str, int] = {}
    stream_done = threading.Event()
    requests: list[dict[str, str]] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/calendar", **headers: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).requests.append(dict(self.headers))
        path = self.path.split("?")[0]
        if path == "/secret/basic.ics":
            if self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            self._send(200, CALENDAR, ETag=ETAG, Last_Modified="Mon, 02 Jun 2025 08:00:00 GMT")
        elif path == "/error.ics":
            self._send(500, b"oops", "text/plain")
        elif path == "/slow.ics":
            time.sleep(3)
            self._send(200, CALENDAR)
        elif path == "/login":
            self._send(200, b"<!DOCTYPE html><html><body>" + b"Please sign in. " * 100 + b"</body></html>", "text/html")
        elif path == "/declared-huge.ics":
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            self._stream(path, HUGE)
        elif path == "/endless.ics":
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()  # no Content-Length: only counting can stop it
            self._stream(path, HUGE)
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/secret/basic.ics")
            self.end_headers()
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        else:
            self._send(404, b"not here", "text/plain")

    def _stream(self, path: str, total: int) -> None:
        """Write a calendar-looking body of ``total`` bytes, recording how much got out."""
        sent = 0
        first = b"BEGIN:VCALENDAR\r\n"
        try:
            self.wfile.write(first)
            sent = len(first)
            line = b"X-PADDING:" + b"x" * (CHUNK - 12) + b"\r\n"
            while sent < total:
                self.wfile.write(line)
                sent += len(line)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            type(self).served[path] = sent
            type(self).stream_done.set()


@pytest.fixture(autouse=True)
def _allow_loopback(monkeypatch):
    """These servers live on 127.0.0.1, which a calendar fetch refuses unless it is allowed."""
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")


@pytest.fixture
def server():
    CalendarServer.served = {}
    CalendarServer.stream_done = threading.Event()
    CalendarServer.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), CalendarServer)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    yield f"http://{host}:{port}"
    httpd.shutdown()
    httpd.server_close()


def test_200_with_etag_then_304_on_the_conditional_request(server):
    first = fetch_calendar(f"{server}/secret/basic.ics")
    assert first.not_modified is False
    assert first.body == CALENDAR
    assert first.etag == ETAG
    assert first.last_modified == "Mon, 02 Jun 2025 08:00:00 GMT"

    second = fetch_calendar(f"{server}/secret/basic.ics", etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified is True
    assert second.body is None
    assert second.etag == ETAG
    assert CalendarServer.requests[-1]["If-None-Match"] == ETAG
    assert CalendarServer.requests[-1]["If-Modified-Since"] == "Mon, 02 Jun 2025 08:00:00 GMT"


def test_a_server_error_is_one_line_without_the_secret_path(server):
    with pytest.raises(CalendarError) as caught:
        fetch_calendar(f"{server}/error.ics")
    message = str(caught.value)
    assert "HTTP 500" in message
    assert "error.ics" not in message  # the path of a secret URL is never echoed
    assert "\n" not in message


def test_a_slow_server_times_out(server):
    # The server answers after 3 s; with a 0.5 s timeout we must give up first.
    with pytest.raises(CalendarError, match=r"timed out after 0\.5 s"):
        fetch_calendar(f"{server}/slow.ics", timeout=0.5)


def test_an_html_page_is_not_a_calendar(server):
    with pytest.raises(CalendarError, match=r"not a calendar \(got an HTML page\)"):
        fetch_calendar(f"{server}/login")


@pytest.mark.parametrize("path", ["/declared-huge.ics", "/endless.ics"])
def test_an_oversize_body_is_refused_before_it_is_read_in_full(server, path):
    with pytest.raises(CalendarError, match="too large"):
        fetch_calendar(f"{server}{path}", max_bytes=256 * 1024)
    # The server could not push the whole body: we hung up long before.
    assert CalendarServer.stream_done.wait(timeout=10)
    assert CalendarServer.served[path] < HUGE // 2


def test_redirects_are_followed_but_not_forever(server):
    assert fetch_calendar(f"{server}/redirect").body == CALENDAR
    with pytest.raises(CalendarError, match="too many redirects"):
        fetch_calendar(f"{server}/loop")


def test_a_refused_connection_is_one_line():
    with pytest.raises(CalendarError, match="cannot connect"):
        fetch_calendar("http://127.0.0.1:9/cal.ics", timeout=2)


def test_only_http_and_webcal_urls_are_accepted():
    assert normalise_calendar_url("webcal://p01-calendars.icloud.com/published/2/abc") == (
        "https://p01-calendars.icloud.com/published/2/abc"
    )
    assert normalise_calendar_url("HTTPS://example.org/a.ics") == "https://example.org/a.ics"
    for bad in ("file:///etc/passwd", "ftp://example.org/a.ics", "example.org/a.ics", "https:///nohost"):
        with pytest.raises(CalendarError):
            fetch_calendar(bad)
    assert redact_url("https://calendar.google.com/calendar/ical/secret/basic.ics") == "https://calendar.google.com/…"
