"""How responsive the swap inbox (`s`) stays while its list refreshes (issue 15: a key handled
within 50 ms while the list refreshes).

A fresh demo database with December and January published; the team's engineers then ask for
cover for their upcoming shifts (LocalBackend.swap_request as each of them, the best two in
order, with the tests' injected clock) until the inbox of the demo's manager holds --requests
requests (incoming asks, the team's open requests, the demo's own).  The app runs headless at
80x24 as that manager, on the swap inbox, and measures in the same run:

- key round trip of "down" in the list, sent to the app as the terminal driver sends keys:
  handled (the cursor on the next request and its detail shown) and on screen (the frame that
  shows it written).  Not `pilot.press`: it returns only once the whole process has been idle
  for 20 ms, twice (textual/_wait.py), i.e. up to 2 s while any thread, such as the worker
  reading the list, is busy: that measures the worker, not the key;
- event-loop lag: how late a 10 ms timer fires (how long any key press would wait);

in three phases: idle; while the refresh key (F5) is pressed every --every seconds; and while
another process changes the requests (a requester cancels one and asks again, every --every
seconds) and the app's change poll (every 0.25 s here instead of 2 s, so that many refreshes
fall inside the phase) reloads the list.

    .venv/bin/python bench/swap_inbox.py [--rounds 3] [--requests 60] [--no-write]

Writes bench/RESULTS.md "## Swap inbox responsiveness while refreshing (issue 15)" (only that
section) unless --no-write.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.headless import LagProbe, settled  # noqa: E402
from bench.results import machine, write_section  # noqa: E402

SECTION = "## Swap inbox responsiveness while refreshing (issue 15)"
TARGET_MS = 50.0
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # the tests' injected clock
MANAGER = "root"  # the demo's manager (who ran `oncall demo`)
MONTHS = ("2026-12", "2027-01")
POLL_SECONDS = 0.25
#: Measured by this bench (2 rounds, load average 2.6-3.4) on the screen as it was before
#: (commit 4d3ded1), written by hand.
BEFORE = (
    "Before (the same bench, 2 rounds, load 2.6-3.4): each F5 started another read while the last still "
    "ran (a thread worker cannot be stopped), so the reads piled up and not one refresh reached the "
    "screen while F5 was pressed; every refresh then laid all the rows out on the UI thread again, "
    "p50 31-38 ms, max 112 ms; a key handled p95 22 ms (F5) and 40 ms (other's changes), 2.3x and 4.2x "
    "idle's p95 of 9.5 ms in that run, max 71 ms and 207 ms; on screen p95 62 and 119 ms. A read of this "
    "inbox then cost 1.7-2 s of CPU, nine tenths of it the backend working out, for each ask waiting "
    "for the manager, what accepting does to their month (one month's planning data gathered per ask); "
    "the month is now gathered once per change and each ask judged on a copy.")
PHASES = (("idle", "idle"), ("key", "F5 pressed"), ("other", "another process's changes"))


# -- the inbox, made full the way users fill it ------------------------------------------------
def build(path: str, requests: int) -> Counter:
    """The demo team, December and January published, then `requests` requests for cover in
    all, each made by the shift's holder; what the manager's inbox holds, by section."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.core.errors import OncallError
    from oncall_tui.screens.swaps import section_of
    from oncall_tui.services.demo import build_demo
    from tests.swaps.helpers import publish_month

    clock = FixedClock(NOW)
    root = LocalBackend(path, actor=MANAGER, clock=clock)
    build_demo(root, clock)
    for month in MONTHS:
        publish_month(path, clock, month)
    shifts = sorted((s.assignment for s in root.shifts(person="*", first=date(2026, 11, 28), last=date(2027, 1, 31))
                     if s.assignment.role != "shadow" and s.assignment.person.login != MANAGER),
                    key=lambda a: a.start)
    as_user: dict[str, LocalBackend] = {}
    made = len(root.swaps())
    for shift in shifts:
        if made >= requests:
            break
        login = shift.person.login
        holder = as_user.setdefault(login, LocalBackend(path, actor=login, clock=clock))
        try:
            holder.swap_request(shift.uid, top=2, note="Can't make it, sorry")
        except OncallError:
            continue  # nobody can take it, or already asked for
        made += 1
    for backend in (root, *as_user.values()):
        backend.close()
    inbox = LocalBackend(path, actor=MANAGER, clock=clock)
    try:
        return Counter(section_of(s, MANAGER) for s in inbox.swaps(include_closed=True))
    finally:
        inbox.close()


def changer(path: str, every: float, go, stop, done) -> None:  # another process
    """A requester withdraws one of their open requests and asks again, again and again (from
    when `go` is set until `stop` is)."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.core.errors import OncallError

    clock = FixedClock(NOW)
    root = LocalBackend(path, actor=MANAGER, clock=clock)
    mine = [(s.requester.login, s.id, s.shift_uid) for s in root.swaps()
            if s.my_part == "team" and s.state == "open"]
    as_user: dict[str, LocalBackend] = {}
    writes = 0
    turn = 0
    go.wait()
    while not stop.is_set() and mine:
        login, swap_id, uid = mine[turn % len(mine)]
        backend = as_user.setdefault(login, LocalBackend(path, actor=login, clock=clock))
        try:
            backend.swap_cancel(swap_id)
            writes += 1
            stop.wait(every)
            again = backend.swap_request(uid, top=2, note="Can't make it, sorry")
            writes += 1
            mine[turn % len(mine)] = (login, again.id, uid)
        except OncallError:
            pass
        turn += 1
        stop.wait(every)
    done.put(writes)


# -- the measurement ---------------------------------------------------------------------------
async def measure(path: str, seconds: float, every: float, out: dict) -> None:
    import oncall_tui.app as app_module
    from oncall_tui.app import make_app
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock

    app_module.POLL_SECONDS = POLL_SECONDS  # read when the app starts its poll
    clock = FixedClock(NOW)
    # The other process starts before the app (which takes over stdout and stderr) and
    # begins changing things when told to.
    ctx = multiprocessing.get_context("spawn")
    go, stop, done = ctx.Event(), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=changer, args=(path, every, go, stop, done))
    proc.start()
    try:
        app = make_app(backend=LocalBackend(path, actor=MANAGER, clock=clock), clock=clock)
        await inbox(app, seconds, every, go, stop, out)
    finally:
        stop.set()
        go.set()
        out["writes"] += done.get(timeout=60)
        proc.join(timeout=60)


async def inbox(app, seconds: float, every: float, go, stop, out: dict) -> None:
    from textual import events

    from oncall_tui.screens.swaps import SwapList, SwapsScreen

    loop = asyncio.get_running_loop()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app)
        await pilot.press("s")
        while not (isinstance(app.screen, SwapsScreen) and app.screen.view is not None):
            await pilot.pause(0.05)
        await settled(app)
        screen = app.screen
        rows = screen.query_one("#swaps", SwapList)
        out["rows"] = sum(r is not None for r in rows.rows)

        # -- instruments: when a refresh is shown (and its cost on the UI thread), when the
        # highlighted request's detail is shown, when a frame reaches the terminal
        refreshes = {"count": 0, "show": []}
        shown, detail, paint, fetch = screen.show, screen._show_detail, screen._compositor_refresh, screen.fetch
        press: dict = {}

        def show(view) -> None:
            t = time.perf_counter()
            shown(view)
            refreshes["show"].append(time.perf_counter() - t)
            refreshes["count"] += 1

        def show_detail() -> None:
            detail()
            current = screen.current()
            if press.get("handled") is None and "from" in press and current is not None and current.id != press["from"]:
                press["handled"] = time.perf_counter()

        def compositor_refresh() -> None:
            paint()
            if press.get("handled") is not None and not press["painted"].done():
                press["painted"].set_result(time.perf_counter())

        def timed_fetch(backend):  # in the worker's thread
            t = time.perf_counter()
            try:
                return fetch(backend)
            finally:
                out["reads"].append(time.perf_counter() - t)

        screen.show = show  # type: ignore[method-assign]
        screen.fetch = timed_fetch  # type: ignore[method-assign]
        screen._show_detail = show_detail  # type: ignore[method-assign]
        screen._compositor_refresh = compositor_refresh  # type: ignore[method-assign]

        async def down() -> tuple[float, float]:
            """One "down", sent as the terminal driver sends keys: (handled: the cursor on the
            next request and its detail shown; on screen: the frame that shows it written)."""
            current = screen.current()
            press.clear()
            press.update({"from": current.id if current is not None else None, "handled": None,
                          "painted": loop.create_future()})
            t = time.perf_counter()
            key = events.Key("down", None)
            key.set_sender(app)
            app._driver.send_message(key)
            painted = await asyncio.wait_for(press["painted"], 30)
            return press["handled"] - t, painted - t

        async def keys_for(phase: str) -> None:
            probe.lags.clear()
            before = refreshes["count"]
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                handled, painted = await down()
                out[f"{phase}_keys"].append(handled)
                out[f"{phase}_paint"].append(painted)
                await asyncio.sleep(0.02)
            out[f"{phase}_lag"] += probe.lags
            out[f"{phase}_refreshes"] += refreshes["count"] - before

        probe = LagProbe(app)
        await keys_for("idle")
        out["idle_show"] += refreshes["show"]
        refreshes["show"].clear()

        # The refresh key, as a user presses it (F5 goes through the bindings like any key).
        presses = app.set_interval(every, lambda: app.simulate_key("f5"))
        await keys_for("key")
        presses.stop()
        await settled(app)  # the last refresh shown before the next phase
        out["key_show"] += refreshes["show"]
        refreshes["show"].clear()

        # Another user's changes, seen by the app's change poll.
        go.set()
        first = refreshes["count"]
        while refreshes["count"] == first:  # the other process's first change is shown
            await pilot.pause(0.05)
        await keys_for("other")
        stop.set()
        probe.stop()
        await settled(app)
        out["other_show"] += refreshes["show"]


def run(rounds: int, requests: int, seconds: float, every: float) -> dict:
    out: dict = {f"{p}_{k}": [] for p, _ in PHASES for k in ("keys", "paint", "lag", "show")}
    out.update({f"{p}_refreshes": 0 for p, _ in PHASES})
    out.update(writes=0, loads=[], rows=0, reads=[])
    base = Path(tempfile.mkdtemp(prefix="oncall-bench-inbox-"))
    os.environ["ONCALL_HOME"] = str(base)
    t = time.perf_counter()
    out["inbox"] = build(str(base / "built.db"), requests)
    out["build_s"] = time.perf_counter() - t
    for k in range(rounds):
        path = base / f"round{k}.db"
        shutil.copy(base / "built.db", path)  # each round starts from the same inbox
        asyncio.run(measure(str(path), seconds, every, out))
        out["loads"].append(os.getloadavg()[0])
    return out


# -- the report --------------------------------------------------------------------------------
def ms(values: list[float], q: float) -> float:
    """The q-quantile of `values` (seconds) in milliseconds."""
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b > 0 else "n/a"


def row(label: str, values: list[float], extra: str = "") -> str:
    return (f"| {label} | {ms(values, .5):.1f} ms | {ms(values, .95):.1f} ms | {ms(values, 1):.1f} ms | "
            f"{len(values)} |{extra}")


def section(out: dict, args, started: datetime) -> str:
    """The body of the swap inbox's section of bench/RESULTS.md (the heading is not part of it)."""
    busy_keys = out["key_keys"] + out["other_keys"]
    worst, p95 = ms(busy_keys, 1), ms(busy_keys, .95)
    idle_worst = ms(out["idle_keys"], 1)
    loads = out["loads"]
    inbox = out["inbox"]
    held = ", ".join(f"{inbox[k]} {w}" for k, w in (("incoming", "asked of the manager"),
                                                    ("team", "the team's open requests"),
                                                    ("outgoing", "the manager's own"),
                                                    ("closed", "closed")) if inbox[k])

    def table(kind: str, head: str) -> list[str]:
        lines = [f"| {head} | p50 | p95 | max | samples | p95 x idle's |", "|---|---|---|---|---|---|"]
        for phase, label in PHASES:
            values = out[f"{phase}_{kind}"]
            lines.append(row(label, values, f" {ratio(ms(values, .95), ms(out[f'idle_{kind}'], .95))} |"))
        return lines

    shows = out["key_show"] + out["other_show"]
    refreshed = out["key_refreshes"] + out["other_refreshes"]
    verdict = ("meets" if worst <= TARGET_MS else
               "meets at p95, not at the max" if p95 <= TARGET_MS else "misses")
    return "\n".join([
        f"`.venv/bin/python bench/swap_inbox.py --rounds {args.rounds} --requests {args.requests}` — machine: "
        f"{machine()}; run on {started:%Y-%m-%d %H:%M} UTC. The demo team with December and January published; "
        f"its engineers asked for cover for their coming shifts (each the best two in order, through the "
        f"backend as each of them, on the tests' clock) until the manager's inbox held {sum(inbox.values())} "
        f"requests ({held}): {out['rows']} rows. The app runs headless at 80x24 as the manager, on the "
        f"inbox; idle and refreshing in the same run, {args.rounds} rounds of {args.seconds:g} s a phase, "
        f"a \"down\" every 20 ms. Refreshing: F5 pressed every {args.every:g} s; then another process "
        f"withdrawing and asking again every {args.every:g} s ({out['writes']} writes), seen by the app's "
        f"change poll (every {POLL_SECONDS:g} s here, 2 s in the product). A read of the list took "
        f"{ms(out['reads'], .5) / 1000:.1f} s (median of {len(out['reads'])}), so the list was being read "
        f"nearly all the time in both phases; {refreshed} refreshes reached the screen during them.",
        "",
        "Load average (1 min) after each round: " + ", ".join(f"{x:.1f}" for x in loads)
        + (" — **above 2 on 2 cores: the machine was shared while this ran**, which widens every column, "
           "idle's too." if max(loads) > 2 else "."),
        "",
        "Key handled = from the key reaching the app (sent as the terminal driver sends it) until the "
        "cursor is on the next request and its detail is shown; on screen = until the frame showing it is "
        "written; event-loop lag = how late a 10 ms timer fires.",
        "",
        *table("keys", "\"down\" handled"),
        "",
        *table("paint", "\"down\" on screen"),
        "",
        *table("lag", "event-loop lag"),
        "",
        f"Target (a key handled within {TARGET_MS:g} ms while the list refreshes): **{verdict}**: p95 "
        f"{p95:.1f} ms, max {worst:.1f} ms while refreshing (idle in the same run: p95 "
        f"{ms(out['idle_keys'], .95):.1f} ms, max {idle_worst:.1f} ms). The list is read and laid out in the "
        f"screen's thread worker, one read at a time (a refresh asked for meanwhile is one more read after "
        f"it); the UI thread only puts in the rows that changed: {len(shows)} refreshes took p50 "
        f"{ms(shows, .5):.1f} ms, max {ms(shows, 1):.1f} ms of it. {BEFORE}",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60, help="requests in the manager's inbox")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each phase")
    parser.add_argument("--every", type=float, default=0.3, help="seconds between refresh keys / changes")
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    args = parser.parse_args()
    started = datetime.now(UTC)
    out = run(args.rounds, args.requests, args.seconds, args.every)
    print(f"inbox {dict(out['inbox'])} ({out['rows']} rows), built in {out['build_s']:.1f} s; "
          f"other process: {out['writes']} writes; load {out['loads']}")
    for phase, label in PHASES:
        for name in ("keys", "paint", "lag"):
            v, idle = out[f"{phase}_{name}"], out[f"idle_{name}"]
            print(f"{label:26} {name:4}: p50 {ms(v, .5):6.1f} ms p95 {ms(v, .95):6.1f} max {ms(v, 1):6.1f} "
                  f"(n={len(v)}) p95 {ratio(ms(v, .95), ms(idle, .95))} idle's")
        if phase != "idle":
            shows = out[f"{phase}_show"]
            print(f"{'':26} {out[f'{phase}_refreshes']} refreshes shown; UI part p50 {ms(shows, .5):.1f} ms "
                  f"max {ms(shows, 1):.1f} ms")
    if not args.no_write:
        write_section(SECTION, section(out, args, started))


if __name__ == "__main__":
    main()
