"""What each process of the swap races runs (imported by the forkserver, so kept small)."""
from __future__ import annotations

from datetime import datetime


def _agree(make, login: str, swap_id: int, barrier, results) -> None:
    """Agree to `swap_id` on the backend `make()` gives, the moment every racer is ready:
    puts (login, "won" | "taken" | "error", message)."""
    from oncall_tui.core.errors import Conflict

    try:
        backend = make()
        backend.whoami()  # connected and warm before the start
    except Exception as exc:  # noqa: BLE001 - reported to the caller
        barrier.wait()
        results.put((login, "error", f"{type(exc).__name__}: {exc}"))
        return
    barrier.wait()
    try:
        done = backend.swap_agree(swap_id)
        # the same person agreeing in two processes: the second is told the shift is theirs already
        results.put((login, "taken", done.message) if done.message else (login, "won", ""))
    except Conflict as exc:
        results.put((login, "taken", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the caller
        results.put((login, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        backend.close()


def agree(url: str, login: str, swap_id: int, now_iso: str, barrier, results) -> None:
    """As `login` on the database at `url` (a SQLite file shared by the racers, or PostgreSQL)."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock

    _agree(lambda: LocalBackend(url, actor=login, clock=FixedClock(datetime.fromisoformat(now_iso))),
           login, swap_id, barrier, results)


def agree_remote(base_url: str, token: str, login: str, swap_id: int, barrier, results) -> None:
    """As `login` through `oncall serve` (RemoteBackend with their token)."""
    from oncall_tui.backend.remote import RemoteBackend

    _agree(lambda: RemoteBackend(base_url, token=token), login, swap_id, barrier, results)


def ask(url: str, login: str, uid: str, start_iso: str, end_iso: str, now_iso: str, barrier, results) -> None:
    """As `login`, ask everyone to cover `start_iso`..`end_iso` of shift `uid` the moment every
    racer is ready: puts (start, "asked" | "refused" | "error", message or swap id)."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.core.errors import Conflict

    try:
        backend = LocalBackend(url, actor=login, clock=FixedClock(datetime.fromisoformat(now_iso)))
        backend.whoami()
    except Exception as exc:  # noqa: BLE001 - reported to the caller
        barrier.wait()
        results.put((start_iso, "error", f"{type(exc).__name__}: {exc}"))
        return
    barrier.wait()
    try:
        swap = backend.swap_request(uid, start=datetime.fromisoformat(start_iso), end=datetime.fromisoformat(end_iso),
                                    everyone=True)
        results.put((start_iso, "asked", swap.id))
    except Conflict as exc:
        results.put((start_iso, "refused", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the caller
        results.put((start_iso, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        backend.close()
