"""Publishing a 50-person month with invitations on, against the same publish with delivery off.

    .venv/bin/python bench/delivery.py               # measures and updates bench/RESULTS.md
    .venv/bin/python bench/delivery.py --no-write    # prints only
    .venv/bin/python bench/delivery.py --runs 3

The demo team grown to 50 people (bench/server.py's), a greedy December draft of the demo's
24/7 rotation, copied to a fresh file for every run.  "Off": everyone keeps the subscription
feed (the publish still stamps every entry).  "On": everyone chose email invitations, so the
publish also writes one outbox row per entry, in the same transaction.  The two are run in
turn, `--runs` times each, and the medians compared: the promise is that the publish with
invitations on is within 1.2x of the one with delivery off (delivery happens after the
commit).  Then two deliverers in separate processes send the outbox of one "on" run to
aiosmtpd on 127.0.0.1, and every invitation must arrive exactly once.
"""
from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.results import machine, write_section  # noqa: E402

SECTION = "## Calendar delivery (issue 16)"
PEOPLE = 50
ROTATION = "platform-247"
MONTH = "2026-12"
TARGET = 1.2


def build(folder: Path) -> tuple[Path, int, int]:
    """The grown team with a December draft: (file, plan id, version)."""
    from bench.server import NOW
    from bench.server import build as grown
    from oncall_tui.backend.local import LocalBackend, forget_database
    from oncall_tui.core.clock import FixedClock

    path = folder / "base.db"
    grown(path, PEOPLE)
    url = f"sqlite:///{path}"
    backend = LocalBackend(url, actor="root", clock=FixedClock(datetime.fromisoformat(NOW)))
    draft = backend.draft_plan(ROTATION, month=MONTH, solver="greedy")
    forget_database(url)
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path, draft.summary.id, draft.summary.version


def publish_once(base: Path, folder: Path, name: str, plan_id: int, version: int, on: bool,
                 smtp_port: int) -> tuple[float, float, int]:
    """Copy the base file, choose the delivery, and time the publish alone: (wall seconds, CPU
    seconds of this process, rows queued)."""
    from bench.server import NOW
    from oncall_tui.backend.local import LocalBackend, forget_database
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.store import models as m

    path = folder / f"{name}.db"
    shutil.copy(base, path)
    url = f"sqlite:///{path}"
    backend = LocalBackend(url, actor="root", clock=FixedClock(datetime.fromisoformat(NOW)))
    backend.set_mail_server("platform", "127.0.0.1", smtp_port, "none", "", "oncall@example.com")
    way = "email" if on else "feed"
    backend._write(lambda: m.Person.update(calendar_delivery=way).execute())
    backend.whoami()  # warm: the connection and the statements every call shares
    started, cpu = time.perf_counter(), time.process_time()
    backend.publish_plan(plan_id, version)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    queued = backend._read(lambda: m.Outbox.select().where(m.Outbox.kind == "entry.mail").count())
    forget_database(url)
    return elapsed, cpu, queued


def deliverer(url: str, results) -> None:
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.services.outbox import Delivery

    done = Delivery(LocalBackend(url, actor="-").context).run_once()
    results.put((done.sent, done.failed, done.errors[:1]))


class Box:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keys: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        import re

        data = envelope.original_content or envelope.content
        import email

        msg = email.message_from_bytes(data)
        part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
        ics = part.get_payload(decode=True).decode()
        uid = re.search(r"^UID:(.*)\r$", ics, re.M).group(1)
        seq = re.search(r"^SEQUENCE:(\d+)", ics, re.M).group(1)
        with self.lock:
            self.keys.append((msg["To"], f"{uid}/{seq}"))
        return "250 OK"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    from tests.conftest_backends import free_port

    box = Box()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    folder = Path(tempfile.mkdtemp(prefix="oncall-bench-delivery-"))
    try:
        base, plan_id, version = build(folder)
        off: list[float] = []
        on: list[float] = []
        off_cpu: list[float] = []
        on_cpu: list[float] = []
        queued = 0
        for i in range(args.runs):
            seconds, cpu, _ = publish_once(base, folder, f"off{i}", plan_id, version, False, port)
            off.append(seconds)
            off_cpu.append(cpu)
            seconds, cpu, queued = publish_once(base, folder, f"on{i}", plan_id, version, True, port)
            on.append(seconds)
            on_cpu.append(cpu)
        wall_ratio = statistics.median(on) / statistics.median(off)
        ratio = statistics.median(on_cpu) / statistics.median(off_cpu)
        # Deliver the last "on" run with two deliverers in separate processes at once.
        url = f"sqlite:///{folder / f'on{args.runs - 1}.db'}"
        ctx = multiprocessing.get_context("spawn")
        results = ctx.Queue()
        started = time.perf_counter()
        procs = [ctx.Process(target=deliverer, args=(url, results)) for _ in range(2)]
        for p in procs:
            p.start()
        got = [results.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
        delivery_s = time.perf_counter() - started
        sent = sum(g[0] for g in got)
        failed = sum(g[1] for g in got)
        counts = Counter(box.keys)
        once = len(counts) == queued and set(counts.values()) == {1}
    finally:
        controller.stop()
        shutil.rmtree(folder, ignore_errors=True)

    ok = ratio <= TARGET and once and failed == 0 and sent == queued
    body = (
        f"Machine: {machine()}.  Command: `.venv/bin/python bench/delivery.py --runs {args.runs}`.\n\n"
        f"| Publish of a {PEOPLE}-person December ({ROTATION}, greedy draft) | CPU, median of {args.runs} | "
        f"wall, median | wall, runs (ms) |\n"
        f"|---|---|---|---|\n"
        f"| delivery off (everyone on the feed; entries stamped) | {statistics.median(off_cpu) * 1000:.0f} ms | "
        f"{statistics.median(off) * 1000:.0f} ms | {', '.join(f'{x * 1000:.0f}' for x in off)} |\n"
        f"| invitations on ({queued} outbox rows written in the publish) | "
        f"{statistics.median(on_cpu) * 1000:.0f} ms | {statistics.median(on) * 1000:.0f} ms | "
        f"{', '.join(f'{x * 1000:.0f}' for x in on)} |\n\n"
        f"Ratio on / off: **{ratio:.2f}x** in CPU time of the publishing process (target at most {TARGET}x; "
        f"the publish runs in that process, SQLite included, so CPU time is what it costs whatever else the "
        f"machine runs), {wall_ratio:.2f}x in wall time.  After the commit, two deliverers in "
        f"separate processes sent {sent} invitations to aiosmtpd in {delivery_s:.1f} s ({failed} failed); "
        f"received {len(box.keys)} messages for {len(counts)} distinct (attendee, UID/SEQUENCE): "
        f"{'each exactly once' if once else 'NOT each exactly once'}.  "
        f"{'Within the target.' if ok else 'MISSED the target.'}\n"
    )
    print(body)
    if not args.no_write:
        write_section(SECTION, body)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
