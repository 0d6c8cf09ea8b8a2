"""The subscription feed served by `oncall serve`, against the server's own baselines, same run.

    .venv/bin/python bench/calendar_feed.py            # prints the table
    .venv/bin/python bench/calendar_feed.py --write    # ... and updates bench/RESULTS.md

The demo team with a year of published shifts around the fixed day (the three months a feed
looks back, this month, and nine more months planned ahead); one person's feed (alice) and
her `GET /api/v1/now` (token-authenticated, "who is on call now"), then a 304 to the feed
(If-None-Match with the current ETag) and `GET /healthz` (no auth, no database).  One
`oncall serve` process on loopback; one keep-alive client sends the requests one at a
time, the pairs interleaved (feed, now, feed, now ...) so both meet the same machine load;
medians of --repeat requests each.  Targets (issue 16): the feed within 2x of /now, the
304 within 1.2x of /healthz.  Also printed: building the feed with nothing cached (after a
change to the database), in the service.
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.results import machine, write_section  # noqa: E402
from bench.server import NOW, start_server  # noqa: E402

SECTION = "## Calendar feed"
FEED_RATIO, NOT_MODIFIED_RATIO = 2.0, 1.2
MONTHS_AHEAD = 9


def build(path: Path) -> tuple[str, str, int]:
    """The demo team with MONTHS_AHEAD more months published; (alice's token, her feed path,
    her shifts in the feed)."""
    import random

    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.core.months import add_months, month_range
    from oncall_tui.services.admin import create_token
    from oncall_tui.services.demo import ENGINEERS, _publish_month, build_demo
    from oncall_tui.store import models as m

    clock = FixedClock(datetime.fromisoformat(NOW))
    root = LocalBackend(str(path), actor="root", clock=clock)
    build_demo(root, clock)

    def more_months():
        rot = m.Rotation.get(m.Rotation.slug == "platform-247")
        people = {p.login: p for p in m.Person.select()}
        engineers = [people[e[0]] for e in ENGINEERS] + [people["root"]]
        today = clock.now().date()
        for k in range(1, MONTHS_AHEAD + 1):
            first, last = month_range(add_months(f"{today:%Y-%m}", k))
            _publish_month(rot, first, last, engineers, [], people["maya"], random.Random(k), clock.now(),
                           you=people["root"], current=False, today=today)
        return create_token(people["alice"], clock.now(), None, "bench")[0]

    token = root.context.write(more_months)
    alice = LocalBackend(str(path), actor="alice", clock=clock)
    made = alice.feed_url()
    return token, made.path, alice.export_calendar().entries


def timed(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    return time.perf_counter() - t0, response.status, len(body)


def pairs(port: int, a: tuple[str, dict], b: tuple[str, dict], repeat: int, warm: int = 20):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times: dict[int, list[float]] = {0: [], 1: []}
    seen: dict[int, tuple[int, int]] = {}
    for i in range(warm + repeat):
        for k, (path, headers) in enumerate((a, b)):
            took, status, size = timed(conn, path, headers)
            seen[k] = (status, size)
            if i >= warm:
                times[k].append(took)
    conn.close()
    return [statistics.median(times[k]) * 1000 for k in (0, 1)], seen


def cold_build(path: Path, secret: str, repeat: int) -> float:
    """Building the feed in the service with its cache cleared each time (ms, median)."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.services import calendar_out

    backend = LocalBackend(str(path), actor="alice", clock=FixedClock(datetime.fromisoformat(NOW)))
    times = []
    for _ in range(repeat):
        calendar_out._cache.clear()
        t0 = time.perf_counter()
        backend.calendar_feed(secret)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=300)
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = ap.parse_args()
    from tests.conftest_backends import free_port

    tmp = Path(tempfile.mkdtemp(prefix="oncall-bench-feed-"))
    path = tmp / "bench.db"
    token, feed, shifts = build(path)
    port = free_port()
    proc = start_server(path, port, 1, tmp)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        (feed_ms, now_ms), seen = pairs(port, (feed, {}), ("/api/v1/now", auth), args.repeat)
        assert seen[0][0] == 200 and seen[1][0] == 200, seen
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", feed)
        first = conn.getresponse()
        first.read()
        etag = first.getheader("ETag") or ""
        conn.close()
        (nm_ms, health_ms), seen2 = pairs(port, (feed, {"If-None-Match": etag}), ("/healthz", {}), args.repeat)
        assert seen2[0][0] == 304 and seen2[1][0] == 200, seen2
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    cold = cold_build(path, feed.removeprefix("/links/feed/").removesuffix(".ics"), 20)
    feed_ratio, nm_ratio = feed_ms / now_ms, nm_ms / health_ms
    ok = lambda good: "met" if good else "MISSED"  # noqa: E731
    row_feed = (f"| `GET /links/feed/<secret>.ics` (200, the whole .ics) | {feed_ms:.2f} ms | "
                f"`GET /api/v1/now` {now_ms:.2f} ms | {feed_ratio:.2f}x | "
                f"within {FEED_RATIO}x: {ok(feed_ratio <= FEED_RATIO)} |")
    row_304 = (f"| the same with `If-None-Match` (304) | {nm_ms:.2f} ms | `GET /healthz` {health_ms:.2f} ms | "
               f"{nm_ratio:.2f}x | within {NOT_MODIFIED_RATIO}x: {ok(nm_ratio <= NOT_MODIFIED_RATIO)} |")
    body = f"""Machine: {machine()}.
Command: `.venv/bin/python bench/calendar_feed.py --write` (one `oncall serve` process on loopback, one
keep-alive client, requests one at a time and interleaved in pairs, medians of {args.repeat} each).
alice's feed holds {shifts} shifts ({seen[0][1] // 1024} KiB): the demo's three months back, this month and
{MONTHS_AHEAD} months ahead.

| Request | Median | Baseline in the same run | Ratio | Target |
|---|---|---|---|---|
{row_feed}
{row_304}

A feed is built once per change to the database (and per day) and kept by each server process
keyed by the change counter, as the read cache keeps `now`; building it with nothing kept (after
any write) took {cold:.1f} ms in the service, once, for the first calendar that asks.
"""
    print(body)
    if args.write:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
