"""Bounded work at the server: bodies are limited while they stream, strangers' bodies are never
read, and hostile JSON (lone surrogates, deep nesting, huge lists) is one 422 line, never a 500.
Real `oncall serve` processes and real sockets."""
from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest_backends import free_port, issue_test_token
from tests.postgres.test_postgres import _serve, _wait_ready

MB = 1024 * 1024


def _peak_rss(pid: int) -> int:
    """The process's peak resident memory (VmHWM) in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


@pytest.fixture
def serve_process(demo_db, tmp_path):
    """`oncall serve` on this test's demo file in its own process: (base URL, process)."""
    port = free_port()
    proc = _serve(demo_db, port, tmp_path)
    try:
        _wait_ready(f"http://127.0.0.1:{port}", proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _raw_post(port: int, path: str, headers: dict[str, str], body_bytes: int, chunked: bool = False) -> None:
    """Send a POST of `body_bytes` zero-ish bytes as fast as the server takes them (in a thread);
    stops quietly when the server hangs up."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_bytes}")
    piece = b"[" + b"0," * (MB // 2 - 1)
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent = 0
        while sent < body_bytes:
            data = piece[: body_bytes - sent]
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            sent += len(data)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        sock.settimeout(60)
        _read_answer(sock)
    except OSError:
        pass  # the server hung up on us: what a refused body should get
    finally:
        sock.close()


def test_large_bodies_without_a_token_do_not_grow_the_server(serve_process, demo_db):
    from oncall_tui.backend.local import LocalBackend

    base, proc = serve_process
    port = int(base.rsplit(":", 1)[1])
    before = _peak_rss(proc.pid)
    for chunked in (False, True):  # declared length, and length unknown until the end
        _raw_post(port, "/api/v1/whoami", {}, 200 * MB, chunked=chunked)
    # ...and with a good token, a body over the limit is cut at the limit, not read to its end
    token = issue_test_token(LocalBackend(demo_db, actor="-"), "alice")
    _raw_post(port, "/api/v1/whoami", {"Authorization": f"Bearer {token}"}, 200 * MB, chunked=True)
    grown = _peak_rss(proc.pid) - before
    assert grown < 60 * MB, f"the server grew by {grown / MB:.0f} MB for bodies it refused"
    assert httpx.get(f"{base}/healthz").status_code == 200


def _answer_to_headers_only(port: int, headers: dict[str, str], length: int) -> tuple[int, dict]:
    """Send only the headers of a POST declaring `length` bytes; the server must answer at once."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        head = ["POST /api/v1/whoami HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                f"Content-Length: {length}", *(f"{k}: {v}" for k, v in headers.items())]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sock.settimeout(30)  # a guard only: the answer comes before any body is sent
        status, body, closing = _read_answer(sock)
        assert closing, "a refused request's connection is closed, so its body is never read"
        return status, body


def _read_answer(sock: socket.socket) -> tuple[int, dict, bool]:
    """(status, JSON body, whether the server says it closes the connection)."""
    data = b""
    while b"\r\n\r\n" not in data:
        got = sock.recv(65536)
        if not got:
            raise ConnectionResetError("the server hung up before answering")
        data += got
    head_text, _, rest = data.partition(b"\r\n\r\n")
    status = int(head_text.split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(b":") for line in head_text.split(b"\r\n")[1:])}
    while len(rest) < int(headers[b"content-length"]):
        rest += sock.recv(65536)
    return status, json.loads(rest), headers.get(b"connection", b"").lower() == b"close"


def test_the_token_is_checked_before_the_body_and_an_oversize_declared_body_is_413(served):
    server, local = served
    port = int(server.url.rsplit(":", 1)[1])
    status, body = _answer_to_headers_only(port, {}, 200 * MB)
    assert status == 401 and "no token was sent" in body["message"]
    status, body = _answer_to_headers_only(port, {"Authorization": "Bearer oc_wrong"}, 200 * MB)
    assert status == 401 and "not known here" in body["message"]
    token = issue_test_token(local, "alice")
    status, body = _answer_to_headers_only(port, {"Authorization": f"Bearer {token}"}, 200 * MB)
    assert status == 413 and "larger than" in body["message"] and "\n" not in body["message"]


OPERATIONS = [  # (operation, arguments with a string to poison)
    ("update_profile", {"expected_version": 1, "name": "X"}),
    ("set_availability", {"days": ["2026-12-01"], "state": "unavailable", "note": "X"}),
    ("members", {"team": "X"}),
    ("shifts", {"person": "X"}),
    ("add_calendar_source", {"label": "X", "location": "https://example.org/a.ics"}),
    ("preview_calendar", {"location": "https://example.org/a.ics", "label": "X"}),
    ("import_team", {"toml_text": "X"}),
    ("issue_token", {"login": "X"}),
    ("audit", {"team": "X"}),
    ("now", {"team": "X"}),
    ("escalation", {"team": "X"}),
]


def _post(url: str, token: str, name: str, raw: bytes) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/{name}", content=raw, timeout=60,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def _one_line_422(answer: httpx.Response, words: str) -> None:
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert words in message and "\n" not in message and "Traceback" not in message


def test_lone_surrogates_deep_nesting_and_huge_lists_are_one_422_line(served):
    server, local = served
    token = issue_test_token(local, "alice")
    for name, args in OPERATIONS:
        raw = json.dumps(args).replace('"X"', '"ab\\ud800cd"').encode()
        _one_line_422(_post(server.url, token, name, raw), "not valid Unicode")
        key = json.dumps(args).replace('{', '{"\\udfff": 1, ', 1).encode()
        _one_line_422(_post(server.url, token, name, key), "not valid Unicode")
    answer = httpx.get(f"{server.url}/api/v1/members", params={"team": "ab\udcffcd".encode("utf-8", "surrogatepass")},
                       headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (403, 404, 422), answer.text  # never a 500
    for depth in (40, 1000, 100_000):
        nested = b'{"days": ' + b"[" * depth + b"]" * depth + b', "state": "available"}'
        _one_line_422(_post(server.url, token, "set_availability", nested), "nests deeper than")
    days = json.dumps({"days": ["2026-12-01"] * 1_000_000, "state": "available"}).encode()
    _one_line_422(_post(server.url, token, "set_availability", days), "at most 10000")
    assert local.whoami().name  # the server and its database are fine


def test_a_deeply_nested_team_file_is_one_line(served):
    server, local = served
    token = issue_test_token(local, "root")
    dotted = "[team]\nslug = 'a'\nname = 'A'\nsettings." + ".".join(["a"] * 3000) + " = 1\n"
    for text in ("x = " + "[" * 5000 + "]" * 5000, "x = " + "{a=" * 5000 + "1" + "}" * 5000, dotted):
        answer = _post(server.url, token, "import_team", json.dumps({"toml_text": text}).encode())
        _one_line_422(answer, "nested too deeply")


def test_the_server_refuses_to_fetch_its_own_network_with_one_line(served):
    from oncall_tui.backend.remote import RemoteBackend
    from oncall_tui.calendars.fetch import REFUSED
    from oncall_tui.core.errors import InvalidInput

    server, local = served
    alice = RemoteBackend(server.url, token=issue_test_token(local, "alice"))
    seen = set()
    for url in (f"{server.url}/readyz", f"http://127.0.0.1:{free_port()}/cal.ics", f"{server.url}/openapi.json"):
        with pytest.raises(InvalidInput) as err:
            alice.preview_calendar(location=url, month="2026-12")
        seen.add(err.value.message.split(": ", 1)[1])
    assert seen == {REFUSED}
    alice.close()


def test_serve_allows_the_calendar_hosts_it_is_told(demo_db, tmp_path):
    """`oncall serve --allow-calendar-host 127.0.0.1` fetches from an intranet host it names."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from oncall_tui.backend.local import LocalBackend
    from tests.calendars.builders import ics

    calendar = ics("SUMMARY:Out of office\nDTSTART;VALUE=DATE:20261207\nDTEND;VALUE=DATE:20261209\n")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(calendar)))
            self.end_headers()
            self.wfile.write(calendar)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = free_port()
    proc = _serve(demo_db, port, tmp_path, "--allow-calendar-host", "127.0.0.1")
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, proc)
        token = issue_test_token(LocalBackend(demo_db, actor="-"), "alice")
        answer = httpx.post(f"{base}/api/v1/preview_calendar", headers={"Authorization": f"Bearer {token}"},
                            json={"location": f"http://127.0.0.1:{httpd.server_address[1]}/cal.ics",
                                  "month": "2026-12"}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json()["unavailable_days"] == 2
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        httpd.shutdown()
        httpd.server_close()
