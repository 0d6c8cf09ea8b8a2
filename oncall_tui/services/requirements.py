"""Requirements use cases (filled in by the requirements work)."""
from __future__ import annotations

from .base import ServiceBase


class RequirementsService(ServiceBase):
    pass
