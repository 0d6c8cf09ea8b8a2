"""Code that runs in other OS processes (spawned) racing for one thing: publishing a
month's plan, or marking one day.  Kept importable so `multiprocessing` can find it."""
from __future__ import annotations

import traceback
from datetime import date, datetime


def _backend(url: str, login: str, now_iso: str):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock

    return LocalBackend(url, actor=login, clock=FixedClock(datetime.fromisoformat(now_iso)))


def publish_rounds(login: str, drafts: list[tuple[str, int, int]], now_iso: str, barrier, results) -> None:
    """Each round: wait for the other manager, then publish my draft (database URL, plan id,
    version).  Reports per round ("won", plan id) or ("stale", message)."""
    from oncall_tui.core.errors import StaleEdit

    outcomes: list[tuple[str, object]] = []
    errors: list[str] = []
    try:
        for url, plan_id, version in drafts:
            backend = _backend(url, login, now_iso)
            backend.whoami()
            barrier.wait(timeout=120)
            try:
                outcomes.append(("won", backend.publish_plan(plan_id, version).id))
            except StaleEdit as exc:
                outcomes.append(("stale", exc.message))
            backend.close()
    except BaseException:  # noqa: BLE001 - anything that reached "the user" counts
        errors.append(traceback.format_exc())
    results.put((login, outcomes, errors))


def mark_rounds(url: str, login: str, person: str, days: list[str], state: str, with_version: bool,
                now_iso: str, barrier, results) -> None:
    """Each round: read the person's month, wait for the others, mark the round's day.
    Reports per round "won" or "stale"."""
    from oncall_tui.core.errors import StaleEdit

    outcomes: list[str] = []
    errors: list[str] = []
    try:
        backend = _backend(url, login, now_iso)
        for day_text in days:
            day = date.fromisoformat(day_text)
            seen = backend.availability(person=person, month=f"{day:%Y-%m}").version if with_version else None
            barrier.wait(timeout=120)
            try:
                seen_kw = {"expected_version": seen} if with_version else {}  # without: as an old script calls it
                backend.set_availability([day], state, note=f"by {login}", person=person, **seen_kw)
                outcomes.append("won")
            except StaleEdit:
                outcomes.append("stale")
    except BaseException:  # noqa: BLE001
        errors.append(traceback.format_exc())
    results.put((login, outcomes, errors))
