"""Planning use cases (filled in by the planning work)."""
from __future__ import annotations

from .base import ServiceBase


class PlanningService(ServiceBase):
    pass
