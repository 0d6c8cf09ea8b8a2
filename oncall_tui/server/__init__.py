"""`oncall serve`: the HTTP face of the backend.  Imported only by `oncall serve` and tests."""
from .app import create_app

__all__ = ["create_app"]
