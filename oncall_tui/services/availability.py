"""Availability use cases (filled in by the availability work)."""
from __future__ import annotations

from .base import ServiceBase


class AvailabilityService(ServiceBase):
    pass
