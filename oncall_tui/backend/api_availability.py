"""The availability part of the backend interface."""
from __future__ import annotations

from .registry import read, write  # noqa: F401


class AvailabilityAPI:
    pass
