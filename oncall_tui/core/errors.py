"""The small family of errors that cross the backend interface.

Each face (TUI, CLI, server) turns them into its own words; the server sends
them as JSON with `code` so the remote backend raises the same class again.
"""
from __future__ import annotations

from typing import Any


class OncallError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class NotFound(OncallError):
    code = "not_found"
    http_status = 404


class NotAllowed(OncallError):
    code = "not_allowed"
    http_status = 403


class UnknownUser(NotAllowed):
    """The login is not a person in this database."""

    code = "unknown_user"


class NotAuthenticated(OncallError):
    code = "not_authenticated"
    http_status = 401


class StaleEdit(OncallError):
    """Someone changed it first.  `fresh` holds the current state, as plain data."""

    code = "stale_edit"
    http_status = 409

    def __init__(self, message: str, fresh: Any = None, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.fresh = fresh

    def to_dict(self) -> dict[str, Any]:
        from .wire import to_builtins

        return {**super().to_dict(), "fresh": to_builtins(self.fresh)}


class Conflict(StaleEdit):
    """It is no longer open: someone else acted first ("already taken by Gus Lindqvist").
    The message names the current state; `fresh` holds it as plain data."""

    code = "conflict"


class InvalidInput(OncallError):
    code = "invalid_input"
    http_status = 422

    def __init__(self, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message, field=field, **extra)
        self.field = field


class SchemaTooNew(OncallError):
    code = "schema_too_new"
    http_status = 500


class Unavailable(OncallError):
    """The database or the endpoint cannot be reached right now."""

    code = "unavailable"
    http_status = 503


ERRORS_BY_CODE: dict[str, type[OncallError]] = {
    cls.code: cls
    for cls in (OncallError, NotFound, NotAllowed, UnknownUser, NotAuthenticated, StaleEdit,
                Conflict, InvalidInput, SchemaTooNew, Unavailable)
}


def error_from_dict(data: dict[str, Any]) -> OncallError:
    cls = ERRORS_BY_CODE.get(data.get("code", "error"), OncallError)
    extra = {k: v for k, v in data.items() if k not in ("code", "message")}
    message = data.get("message", "error")
    if issubclass(cls, StaleEdit):
        return cls(message, fresh=extra.pop("fresh", None), **extra)
    if cls is InvalidInput:
        return InvalidInput(message, field=extra.pop("field", None), **extra)
    return cls(message, **extra)
