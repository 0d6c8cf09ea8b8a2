"""`oncall serve` under load, and remote vs local screen loads.

    .venv/bin/python bench/server.py                       # both parts, writes nothing
    .venv/bin/python bench/server.py --write               # ... and updates bench/RESULTS.md "## Server"
    .venv/bin/python bench/server.py --workers 2 --clients 32 --seconds 10

Part 1: 32 concurrent clients (keep-alive connections on asyncio streams, in this process) do
`GET /api/v1/now` ("who is on call now", token-authenticated, the demo team)
against `oncall serve --workers N` on loopback, for --seconds after a warm-up;
requests/s and latency percentiles.  `GET /healthz` (no auth, no database) in
the same run is the framework's own ceiling on this machine, for comparison.
The server and the load generator share the machine's cores.

Part 2: the data loads behind two screens, `home()` ("My on-call") and
`team_availability()` (team grid), for a manager of a 50-person team: a
LocalBackend on the file vs a RemoteBackend to `oncall serve` over the same
file, alternating, medians; the ratio remote / local.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.results import machine, write_section  # noqa: E402

NOW = "2026-11-27T09:30:00+00:00"
TARGET_RPS, TARGET_P99_MS, TARGET_RATIO = 500, 100.0, 1.5
SECTION = "## Server"


def build(path: Path, team_size: int) -> dict[str, str]:
    """The demo team grown to `team_size` people; tokens for alice and root."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.services.admin import create_token
    from oncall_tui.services.demo import build_demo
    from oncall_tui.store import models as m

    clock = FixedClock(datetime.fromisoformat(NOW))
    backend = LocalBackend(str(path), actor="root", clock=clock)
    build_demo(backend, clock)
    text = backend.export_team("platform")
    have = len(backend.members("platform"))
    extra = []
    for i in range(team_size - have):
        tz = "Europe/London" if i % 2 else "America/New_York"
        extra.append(f'[[people]]\nlogin = "eng{i:02d}"\nname = "Engineer {i:02d}"\n'
                     f'email = "eng{i:02d}@example.com"\nphones = ["+44 7700 95{i:04d}"]\n'
                     f'tz = "{tz}"\nrole = "engineer"\n')
    at = text.index("[[rotations]]")
    backend.import_team(text[:at] + "\n".join(extra) + "\n" + text[at:], "bench team")
    assert len(backend.members("platform")) == team_size

    def tokens():
        out = {}
        for login in ("alice", "root"):
            person = m.Person.get(m.Person.login == login)
            out[login] = create_token(person, clock.now(), None, "bench")[0]
        return out

    return backend._write(tokens)


def start_server(path: Path, port: int, workers: int, home: Path, cache: bool = True) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "ONCALL_NOW": NOW, "ONCALL_HOME": str(home),
           "ONCALL_SERVER_READ_CACHE_SECONDS": "1.0" if cache else "0"}
    proc = subprocess.Popen([sys.executable, "-m", "oncall_tui", "serve", "--db", str(path), "--port", str(port),
                             "--workers", str(workers), "--no-access-log"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                time.sleep(0.5 * workers)  # let every worker process finish starting
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("oncall serve did not start")


async def load(port: int, path: str, token: str | None, clients: int, seconds: float, warmup: float) -> dict:
    """`clients` keep-alive connections, each sending GET `path` back to back.

    A minimal HTTP/1.1 client on asyncio streams (it reads Content-Length bodies and
    nothing more), so the load generator costs far less CPU than the server it measures:
    httpx's async client topped out near 250 requests/s on this machine."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               + (f"Authorization: Bearer {token}\r\n" if token else "") + "\r\n").encode()
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                t0 = time.perf_counter()
                if t0 >= stop:
                    return
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                t1 = time.perf_counter()
                if t0 >= measure_from:
                    if status == 200:
                        latencies.append(t1 - t0)
                    else:
                        errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {"rps": len(latencies) / seconds, "p50": pct(0.50), "p99": pct(0.99), "max": latencies[-1] * 1000,
            "n": len(latencies), "errors": errors}


def screen_loads(path: Path, url: str, token: str, repeat: int) -> list[tuple[str, float, float]]:
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.backend.remote import RemoteBackend
    from oncall_tui.core.clock import FixedClock

    local = LocalBackend(str(path), actor="root", clock=FixedClock(datetime.fromisoformat(NOW)))
    remote = RemoteBackend(url, token=token)
    loads = {
        "home() (My on-call)": lambda b: b.home(),
        "team_availability() (team grid, 50 people, Dec)": lambda b: b.team_availability("platform", "2026-12"),
    }
    out = []
    for name, fn in loads.items():
        times: dict[str, list[float]] = {"local": [], "remote": []}
        for b in (local, remote):  # warm both
            fn(b)
        for _ in range(repeat):
            for kind, b in (("local", local), ("remote", remote)):
                t0 = time.perf_counter()
                fn(b)
                times[kind].append(time.perf_counter() - t0)
        out.append((name, statistics.median(times["local"]) * 1000, statistics.median(times["remote"]) * 1000))
    remote.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--team-size", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = ap.parse_args()

    from tests.conftest_backends import free_port

    tmp = Path(tempfile.mkdtemp(prefix="oncall-bench-server-"))
    path = tmp / "bench.db"
    tokens = build(path, args.team_size)
    port = free_port()
    proc = start_server(path, port, args.workers, tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        health = asyncio.run(load(port, "/healthz", None, args.clients, args.seconds, args.warmup))
        now = asyncio.run(load(port, "/api/v1/now", tokens["alice"], args.clients, args.seconds, args.warmup))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    proc = start_server(path, port, args.workers, tmp, cache=False)
    try:
        uncached = asyncio.run(load(port, "/api/v1/now", tokens["alice"], args.clients, args.seconds, args.warmup))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    proc = start_server(path, port, 1, tmp)
    try:
        screens = screen_loads(path, base, tokens["root"], args.repeat)
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    meets = now["rps"] >= TARGET_RPS and now["p99"] < TARGET_P99_MS
    lines = [
        f"`.venv/bin/python bench/server.py --workers {args.workers} --clients {args.clients} "
        f"--seconds {args.seconds:g} --repeat {args.repeat}` — machine: {machine()}; "
        f"uvicorn (h11, no uvloop) + Starlette, SQLite (WAL) demo file grown to {args.team_size} people; "
        f"the load generator (asyncio streams, keep-alive) runs on the same two cores as the server.",
        "",
        f"Part 1: {args.clients} concurrent clients for {args.seconds:g} s after a {args.warmup:g} s warm-up, "
        f"`oncall serve --workers {args.workers}`.",
        "",
        "| request | requests/s | p50 | p99 | max | errors |",
        "|---|---|---|---|---|---|",
        f"| `GET /healthz` (no auth, no database: the framework's ceiling here) | {health['rps']:.0f} | "
        f"{health['p50']:.1f} ms | {health['p99']:.1f} ms | {health['max']:.1f} ms | {health['errors']} |",
        f"| `GET /api/v1/now` (token lookup + who is on call now) | {now['rps']:.0f} | {now['p50']:.1f} ms | "
        f"{now['p99']:.1f} ms | {now['max']:.1f} ms | {now['errors']} |",
        f"| the same with the read cache off (`ONCALL_SERVER_READ_CACHE_SECONDS=0`) | {uncached['rps']:.0f} | "
        f"{uncached['p50']:.1f} ms | {uncached['p99']:.1f} ms | {uncached['max']:.1f} ms | {uncached['errors']} |",
        "",
        f"Target: ≥ {TARGET_RPS} requests/s at p99 < {TARGET_P99_MS:g} ms for who-is-on-call-now "
        f"({'meets' if meets else 'DOES NOT MEET'}); `now` runs at "
        f"{now['rps'] / health['rps']:.2f}x the framework's ceiling. Every request is authenticated "
        f"(one indexed query); answers of the most-polled reads are reused while the change cursor and "
        f"the clock say nothing changed (at most 1 s), which is what carries the target: without the "
        f"cache each `now` runs its queries ({uncached['rps']:.0f} requests/s). The personal calendar "
        f"feed is not built yet (a later issue); measure it here when it is.",
        "",
        f"Part 2: a screen's data load for a manager of a {args.team_size}-person team, local file vs "
        f"`oncall serve` (1 process) on the same file, alternating, medians of {args.repeat}.",
        "",
        "| load | local | remote | remote / local |",
        "|---|---|---|---|",
    ]
    worst = 0.0
    for name, local_ms, remote_ms in screens:
        ratio = remote_ms / local_ms
        worst = max(worst, ratio)
        lines.append(f"| {name} | {local_ms:.1f} ms | {remote_ms:.1f} ms | {ratio:.2f}x |")
    lines += ["", f"Target: remote ≤ {TARGET_RATIO}x local ({'meets' if worst <= TARGET_RATIO else 'DOES NOT MEET'}"
              f", worst {worst:.2f}x)."]
    body = "\n".join(lines) + "\n"
    print(f"{SECTION}\n\n{body}")
    if args.write:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
