"""The admin part of the backend interface: personal tokens for `oncall serve`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import allow, read, write

if TYPE_CHECKING:  # resolved by registry.api_methods() when needed
    from ..core.domain_admin import IssuedToken, TokenInfo


class AdminAPI:
    @write(allow("self", "manager", "admin", person="login"))
    def issue_token(self, login: str, expires_days: int = 90, label: str = "") -> IssuedToken:
        """Issue a personal token for LOGIN (a manager of a team LOGIN is in).

        The secret is in the answer only; the server keeps its hash.  It stops
        working after `expires_days` days (1 to 730) or when revoked."""
        raise NotImplementedError

    @read(allow("self", "manager_was", "admin", person="login"))
    def tokens(self, login: str | None = None) -> list[TokenInfo]:
        """Tokens I may see: my own, and those of the people I manage (or only LOGIN's)."""
        raise NotImplementedError

    @write(allow("self", "manager_was", "admin", token="token_id"))
    def revoke_token(self, token_id: int) -> TokenInfo:
        """Stop a token working at once (its owner, or a manager of its owner)."""
        raise NotImplementedError
