"""Where "now" comes from.  Everything that needs the time takes a Clock."""
from __future__ import annotations

import os
from datetime import UTC, datetime


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that says the same instant until told otherwise (tests, demos, snapshots)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**delta)


def clock_from_env() -> Clock:
    """`ONCALL_NOW=2026-11-27T09:00:00+00:00` pins the clock (tests and screenshots)."""
    pinned = os.environ.get("ONCALL_NOW")
    if pinned:
        return FixedClock(datetime.fromisoformat(pinned))
    return Clock()
