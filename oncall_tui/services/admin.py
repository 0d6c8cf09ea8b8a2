"""Admin use cases (filled in by the admin work)."""
from __future__ import annotations

from .base import ServiceBase


class AdminService(ServiceBase):
    pass
