"""A calendar fetch cannot be turned against the server's own network, and cannot be held open:
real sockets and real HTTP servers on loopback addresses (refused unless allowed), no mocks."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oncall_tui.calendars import CalendarError, fetch_calendar
from oncall_tui.calendars.fetch import REFUSED, is_public_address

from .builders import ics

CALENDAR = ics(
    """
    SUMMARY:Standup
    DTSTART:20250602T090000Z
    DTEND:20250602T093000Z
    """
)


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    hits: list[str] = []
    redirect_to = ""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        if self.path.startswith("/redirect") and type(self).redirect_to:
            self.send_response(302)
            self.send_header("Location", type(self).redirect_to)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(CALENDAR)))
        self.end_headers()
        self.wfile.write(CALENDAR)


def _serve(host: str):
    handler = type("Handler", (Recorder,), {"hits": [], "redirect_to": ""})
    httpd = ThreadingHTTPServer((host, 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd, handler, f"http://{host}:{httpd.server_address[1]}"


@pytest.fixture
def inside():
    """A calendar server on the loopback address: something the server must not reach."""
    httpd, handler, base = _serve("127.0.0.1")
    yield handler, base
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _refusal(url: str, **kw) -> str:
    with pytest.raises(CalendarError) as caught:
        fetch_calendar(url, timeout=5, **kw)
    return str(caught.value).split(": ", 1)[1]


def test_every_internal_address_gets_the_same_one_line_and_nothing_is_fetched(inside, monkeypatch):
    monkeypatch.delenv("ONCALL_CALENDAR_ALLOW_HOSTS", raising=False)
    handler, base = inside
    port = base.rsplit(":", 1)[1]
    urls = [
        f"{base}/cal.ics", f"http://127.0.0.1:{_closed_port()}/cal.ics", f"http://localhost:{port}/cal.ics",
        f"http://[::ffff:127.0.0.1]:{port}/cal.ics", f"http://2130706433:{port}/cal.ics",
        f"http://0.0.0.0:{port}/", "http://[::1]/", "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/", "http://192.168.1.1/", "http://172.16.0.1/", "http://100.64.0.1/",
        "http://224.0.0.1/", "http://[fe80::1]/", "http://[fd00::1]/", "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/", "http://no-such-host.invalid/", f"webcal://127.0.0.1:{port}/readyz",
    ]
    assert {_refusal(url) for url in urls} == {REFUSED}
    assert handler.hits == []


def test_every_redirect_hop_is_checked(inside, monkeypatch):
    handler, base = inside
    front, front_handler, front_base = _serve("127.0.0.2")  # the "public" host, allowed by name
    try:
        monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.2")
        front_handler.redirect_to = f"{base}/cal.ics"
        assert _refusal(f"{front_base}/redirect") == REFUSED
        assert front_handler.hits == ["/redirect"] and handler.hits == []
        # An organisation's own calendar host, allowed by network, is fetched, redirects and all.
        monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.2, 127.0.0.0/30")
        assert fetch_calendar(f"{front_base}/redirect").body == CALENDAR
        assert handler.hits == ["/cal.ics"]
    finally:
        front.shutdown()
        front.server_close()


def test_public_addresses_are_judged_by_what_they_carry():
    for public in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"):
        assert is_public_address(public), public
    for inside_ in ("127.0.0.1", "10.1.2.3", "::1", "::ffff:10.0.0.1", "::", "ff02::1", "239.1.1.1",
                    "240.0.0.1", "255.255.255.255", "fe80::1%eth0", "not an address"):
        assert not is_public_address(inside_), inside_


class Dripper:
    """A server that sends its answer one byte every 50 ms: ~10 s of headers before a calendar."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/cal.ics"
        self.hung_up = threading.Event()
        self.finished = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        conn, _ = self.sock.accept()
        conn.recv(65536)
        answer = (b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nX-Pad: " + b"a" * 120
                  + b"\r\nContent-Length: %d\r\n\r\n" % len(CALENDAR) + CALENDAR)
        try:
            for i in range(len(answer)):
                conn.sendall(answer[i:i + 1])
                time.sleep(0.05)  # the drip itself, not a synchronisation
            self.finished.set()
        except OSError:
            self.hung_up.set()
        finally:
            conn.close()


def test_a_server_dripping_its_headers_is_cut_at_the_one_deadline(monkeypatch):
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")
    drip = Dripper()
    with pytest.raises(CalendarError, match=r"timed out after 1 s"):
        fetch_calendar(drip.url, timeout=1)
    assert drip.hung_up.wait(timeout=30)  # we hung up before it got its headers out
    assert not drip.finished.is_set()
