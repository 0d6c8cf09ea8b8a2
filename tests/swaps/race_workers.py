"""What each process of the swap races runs (imported by the forkserver, so kept small)."""
from __future__ import annotations

from datetime import datetime


def agree(url: str, login: str, swap_id: int, now_iso: str, barrier, results) -> None:
    """Agree to `swap_id` as `login` the moment every racer is ready: ("won" | "taken" | "error", message)."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.core.errors import Conflict

    try:
        backend = LocalBackend(url, actor=login, clock=FixedClock(datetime.fromisoformat(now_iso)))
        backend.whoami()  # connected and warm before the start
    except Exception as exc:  # noqa: BLE001 - reported to the test
        barrier.wait()
        results.put((login, "error", f"{type(exc).__name__}: {exc}"))
        return
    barrier.wait()
    try:
        backend.swap_agree(swap_id)
        results.put((login, "won", ""))
    except Conflict as exc:
        results.put((login, "taken", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put((login, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        backend.close()
