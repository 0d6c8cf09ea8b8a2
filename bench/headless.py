"""What the benchmarks that run the app headless share: waiting for its workers, and the
event-loop lag probe (how late a short timer fires: how long a key press would wait)."""
from __future__ import annotations

import time


async def settled(app) -> None:
    """Every worker running now has finished (a screen's refresh worker replaced by a newer
    one is cancelled: no failure)."""
    from textual.worker import WorkerCancelled

    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


class LagProbe:
    """A timer every `every` seconds on the app's event loop; `lags` collects how late each
    firing was (seconds).  Clear `lags` between phases; `stop()` at the end."""

    def __init__(self, app, every: float = 0.01) -> None:
        self.every = every
        self.lags: list[float] = []
        self._expected = time.perf_counter() + every
        self._timer = app.set_interval(every, self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lags.append(max(0.0, now - self._expected))
        self._expected = now + self.every

    def stop(self) -> None:
        self._timer.stop()
