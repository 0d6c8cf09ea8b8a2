"""Plain data of the admin area: personal tokens for the remote endpoint."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TOKEN_STATES = ("active", "expired", "revoked")


@dataclass(frozen=True, kw_only=True)
class TokenInfo:
    """A personal token as anyone may see it: never the secret, only its first characters."""

    id: int
    login: str
    label: str
    hint: str  # e.g. "oc_1a2B3c" – enough to tell two tokens apart
    status: str  # active | expired | revoked
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    issued_by: str | None = None


@dataclass(frozen=True, kw_only=True)
class IssuedToken:
    """A token just issued.  `token` is the secret: it is shown this once and kept only hashed."""

    token: str
    info: TokenInfo
