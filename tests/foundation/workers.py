"""Code that runs in other OS processes (spawned), writing to one shared file.

Kept in an importable module so `multiprocessing` with "spawn" can find it."""
from __future__ import annotations

import time
import traceback
from datetime import datetime
from pathlib import Path


def _backend(url: str, login: str, now_iso: str):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock

    return LocalBackend(url, actor=login, clock=FixedClock(datetime.fromisoformat(now_iso)))


def set_phone(backend, phone: str) -> int:
    """Set my on-call phone the way the profile screen does; returns stale retries."""
    from oncall_tui.core.errors import StaleEdit

    stale = 0
    for _ in range(50):
        seen = backend.whoami()
        try:
            backend.update_profile(seen.version, oncall_phone=phone)
            return stale
        except StaleEdit:
            stale += 1
    raise RuntimeError(f"profile still stale after {stale} tries")


def phone_for(index: int, round_: int) -> str:
    return f"+1 555 {index:02d}{round_:03d}"


def write_rounds(url: str, login: str, index: int, uid: str, rounds: int, now_iso: str,
                 barrier, results) -> None:
    """Each round: my own profile (my row) and a handover line (everybody's same row)."""
    errors: list[str] = []
    stale = 0
    try:
        backend = _backend(url, login, now_iso)
        backend.whoami()
        barrier.wait(timeout=120)
        for r in range(rounds):
            stale += set_phone(backend, phone_for(index, r))
            backend.add_handover_note(uid, f"{login} round {r}")
    except BaseException:  # noqa: BLE001 - anything that reached "the user" counts
        errors.append(traceback.format_exc())
    results.put((login, errors, stale))


def write_until_stopped(url: str, login: str, index: int, uid: str, now_iso: str, stop_file: str,
                        results, max_writes: int = 5000, max_seconds: float = 60.0) -> None:
    """Write alternately a handover line and a numbered phone until `stop_file` appears."""
    errors: list[str] = []
    done = 0
    try:
        backend = _backend(url, login, now_iso)
        stop = Path(stop_file)
        started = time.monotonic()
        n = 0
        while not stop.exists() and done < max_writes and time.monotonic() - started < max_seconds:
            n += 1
            backend.add_handover_note(uid, f"{login} {n}")
            set_phone(backend, phone_for(index, n))
            done += 2
    except BaseException:  # noqa: BLE001
        errors.append(traceback.format_exc())
    results.put((login, errors, done))
