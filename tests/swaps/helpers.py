"""Shared bits of the swap tests: the demo team with December published, and who holds what."""
from __future__ import annotations

from datetime import timedelta

from oncall_tui.backend.local import LocalBackend

from ..conftest import DEMO_YOU
from ..planning.helpers import MONTH, ROT


def publish_month(url: str, clock, month: str = MONTH) -> None:
    """December drafted (greedy: quick and repeatable) and published by the demo's manager."""
    root = LocalBackend(url, actor=DEMO_YOU, clock=clock)
    loosen_rules(root)
    view = root.draft_plan(ROT, month, solver="greedy", time_limit=5)
    root.publish_plan(view.summary.id, view.summary.version)


def future_shift(backend, login: str, clock, role: str = "primary", after_days: int = 5):
    """`login`'s first published shift at least `after_days` days ahead, in `role`."""
    for s in backend.shifts(person="*", first=(clock.now() + timedelta(days=after_days)).date()):
        a = s.assignment
        if a.person.login == login and a.role == role and a.start > clock.now() + timedelta(days=after_days):
            return a
    return None


def holders(backend, clock, role: str = "primary", after_days: int = 5) -> list:
    """Every published shift in `role` at least `after_days` ahead, in time order."""
    first = (clock.now() + timedelta(days=after_days)).date()
    return [s.assignment for s in backend.shifts(person="*", first=first)
            if s.assignment.role == role and s.assignment.start > clock.now() + timedelta(days=after_days)]


def loosen_rules(backend: LocalBackend) -> None:
    """Room to swap: at most 20 shifts a month (the demo's 8 leaves most people full in December)."""
    from oncall_tui.store import models as m

    def run() -> None:
        rot = m.Rotation.get(m.Rotation.slug == ROT)
        m.Rotation.update(rules={**(rot.rules or {}), "max_shifts_per_period": 20}).where(
            m.Rotation.id == rot.id).execute()
    backend._write(run)
