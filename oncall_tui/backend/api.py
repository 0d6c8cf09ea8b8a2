"""The one backend interface that the TUI, the CLI, the server and the tests call.

Each area of the product declares its methods in its own `api_*.py` module;
`Backend` is their sum.  Methods take and return plain data (`domain.py` and
the areas' own dataclasses) and raise only the errors in `errors.py`.
"""
from __future__ import annotations

from .api_admin import AdminAPI
from .api_availability import AvailabilityAPI
from .api_calendar import CalendarAPI
from .api_core import CoreAPI
from .api_delivery import DeliveryAPI
from .api_planning import PlanningAPI
from .api_requirements import RequirementsAPI
from .api_swaps import SwapsAPI
from .registry import api_methods


class Backend(CoreAPI, RequirementsAPI, AvailabilityAPI, PlanningAPI, AdminAPI, SwapsAPI, CalendarAPI,
              DeliveryAPI):
    """Implemented by `LocalBackend` (a database) and `RemoteBackend` (`oncall serve`)."""

    #: True when `--as LOGIN` may switch who the backend acts as (demo databases only).
    demo: bool = False
    #: False when `draft_plan` solves somewhere else (on the server): the solve cannot be watched.
    solves_here: bool = True

    def close(self) -> None:
        """Let go of connections."""

    def release_thread(self) -> None:
        """A worker thread is done with the backend: let go of its connection."""


def backend_methods():
    return api_methods(Backend)
