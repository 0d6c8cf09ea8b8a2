"""The backend interface and how to get one."""
from .api import Backend

__all__ = ["Backend"]
