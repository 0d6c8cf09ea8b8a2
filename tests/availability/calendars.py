"""Calendars the availability tests build, and a real HTTP server that serves them."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.calendars.builders import ics

# A daily 09:00-14:00 London meeting across the clocks going forward (28 Mar 2027).
DST_WEEK = ics("""
    SUMMARY:Migration war room
    DTSTART;TZID=Europe/London:20270325T090000
    DTEND;TZID=Europe/London:20270325T140000
    RRULE:FREQ=DAILY;COUNT=7
""")

# Wednesdays 09:00-15:00; the one on 13 Jan moved to Thursday the 14th.
MOVED = ics("""
    UID:weekly@test
    SUMMARY:Customer workshop
    DTSTART;TZID=Europe/London:20270106T090000
    DTEND;TZID=Europe/London:20270106T150000
    RRULE:FREQ=WEEKLY;COUNT=4
""", """
    UID:weekly@test
    RECURRENCE-ID;TZID=Europe/London:20270113T090000
    SUMMARY:Customer workshop (moved)
    DTSTART;TZID=Europe/London:20270114T090000
    DTEND;TZID=Europe/London:20270114T150000
""")

# Outlook's Windows zone name: 08:00-17:00 Berlin time is 07:00-16:00 in London.
WINDOWS_ZONE = ics("""
    SUMMARY:Offsite
    DTSTART;TZID=W. Europe Standard Time:20270111T080000
    DTEND;TZID=W. Europe Standard Time:20270111T170000
""")

HOLIDAY_20_JAN = ics("""
    SUMMARY:Out of office
    DTSTART;VALUE=DATE:20270120
    DTEND;VALUE=DATE:20270123
""")

MEETING_26_JAN = ics("""
    SUMMARY:Planning
    DTSTART:20270126T100000Z
    DTEND:20270126T120000Z
""")


class Served:
    """What the server answers per path: (status, body, etag, delay seconds)."""

    routes: dict[str, tuple[int, bytes, str, float]] = {}
    hits: list[tuple[str, str]] = []  # (path, If-None-Match)
    gate: threading.Event | None = None  # set: every answer waits until the test opens it


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_GET(self):
        Served.hits.append((self.path, self.headers.get("If-None-Match", "")))
        status, body, etag, delay = Served.routes.get(self.path, (404, b"not here", "", 0.0))
        if Served.gate is not None:
            Served.gate.wait(30)
        if delay:
            time.sleep(delay)
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", "text/calendar" if body.startswith(b"BEGIN") else "text/html")
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def start_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
