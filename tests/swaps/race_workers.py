"""What each process of the swap races runs (imported by the forkserver, so kept small)."""
from __future__ import annotations

from datetime import datetime


def _race(make, key: str, barrier, results, act, refused: str) -> None:
    """Make the backend (connected and warm), wait for every racer, then `act(backend)`: puts
    (key, *what act returns), or (key, `refused`, message) on a Conflict, or (key, "error", message)."""
    from oncall_tui.core.errors import Conflict

    try:
        backend = make()
        backend.whoami()
    except Exception as exc:  # noqa: BLE001 - reported to the caller
        barrier.wait()
        results.put((key, "error", f"{type(exc).__name__}: {exc}"))
        return
    barrier.wait()
    try:
        results.put((key, *act(backend)))
    except Conflict as exc:
        results.put((key, refused, str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the caller
        results.put((key, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        backend.close()


def _agree(make, login: str, swap_id: int, barrier, results) -> None:
    """Agree to `swap_id` on the backend `make()` gives, the moment every racer is ready:
    puts (login, "won" | "taken" | "error", message)."""
    def act(backend) -> tuple[str, str]:
        done = backend.swap_agree(swap_id)
        # the same person agreeing in two processes: the second is told the shift is theirs already
        return ("taken", done.message) if done.message else ("won", "")

    _race(make, login, barrier, results, act, "taken")


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

    def act(backend) -> tuple[str, int]:
        swap = backend.swap_request(uid, start=datetime.fromisoformat(start_iso), end=datetime.fromisoformat(end_iso),
                                    everyone=True)
        return "asked", swap.id

    _race(lambda: LocalBackend(url, actor=login, clock=FixedClock(datetime.fromisoformat(now_iso))),
          start_iso, barrier, results, act, "refused")
