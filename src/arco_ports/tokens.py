"""Access tokens: what a caller presents on every request after signing in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from arco_domain.ids import UserId
from arco_domain.model.access import Identity, Principal


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token says: always the user, and ARCO's own claims when it carries them."""

    user_id: UserId
    principal: Principal | None
    """`None` when the token leaves out what ARCO needs to know about the caller, who is then looked up."""


class AccessTokens(Protocol):
    def issue(self, identity: Identity) -> str:
        """A signed token for `identity`, valid for a limited time."""
        ...

    def verify(self, token: str) -> TokenClaims:
        """What `token` says; `AuthenticationFailed` when it is not one this deployment accepts, or has expired."""
        ...
