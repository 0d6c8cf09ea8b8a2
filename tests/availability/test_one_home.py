"""Rules written once: the team grid, the month view and the planner read a person the same way."""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import oncall_tui.core
from tests.conftest import DEMO_YOU

from .calendars import MEETING_26_JAN
from .test_service import JAN, import_text


def test_every_core_dataclass_is_built_by_keyword_only():
    """A positional construction put the utilisation share into busy_hours; keywords only stop that."""
    positional = []
    for info in pkgutil.iter_modules(oncall_tui.core.__path__):
        module = importlib.import_module(f"oncall_tui.core.{info.name}")
        for value in vars(module).values():
            if (isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__
                    and not all(f.kw_only for f in dataclasses.fields(value))):
                positional.append(f"{module.__name__}.{value.__name__}")
    assert positional == []


def test_the_team_grid_shows_busy_hours_not_the_utilisation_share(as_user):
    alice = as_user("alice")
    import_text(alice, MEETING_26_JAN, JAN)  # two hours busy on a Tuesday
    own = alice.availability(month=JAN)
    grid = {m.person.login: m for m in as_user(DEMO_YOU).team_availability(month=JAN).members}["alice"]
    assert own.busy_hours == 2.0
    assert grid.busy_hours == own.busy_hours
    assert 0 < grid.recommendation.utilisation < 0.05
