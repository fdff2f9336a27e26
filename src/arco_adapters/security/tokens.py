"""`JwtAccessTokens`: the `AccessTokens` port as HS256 JWTs with Supabase-compatible claims.

Tokens from Supabase Auth (same secret) are accepted as they are: `sub` is the user id, `aud` is
`authenticated`. ARCO's own tokens add `app_metadata.arco` with the user type, the client and the user's role
on its team, so a request needs no lookup to know who is calling and what they may do. A token without those
claims, or a client user's token without the team role (one issued before roles were carried), is resolved
from the database once per request.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from arco_domain.errors import AuthenticationFailed
from arco_domain.ids import ClientId, UserId
from arco_domain.model.access import Identity, Principal
from arco_domain.model.clients import MemberRole, UserType
from arco_ports.clock import Clock
from arco_ports.tokens import TokenClaims

AUDIENCE = "authenticated"
ACCESS_TOKEN_TTL = timedelta(hours=1)
EXPIRY_LEEWAY = timedelta(seconds=30)
"""How far past its expiry a token is still accepted: the issuer's clock and ours may disagree that much."""
REMEMBERED_TOKENS = 4096
"""How many verified tokens are kept; the least recently verified one goes first."""


class JwtAccessTokens:
    """Issues and verifies tokens. A token that verified is remembered, by its exact text, until it expires:
    a dashboard sends the same token with every request, and checking its signature each time costs more
    than the rest of the edge's work on a cached read."""

    def __init__(self, *, secret: str, clock: Clock) -> None:
        if len(secret) < 32:
            raise ValueError("ARCO_JWT_SECRET must be at least 32 characters")
        self._secret = secret
        self._clock = clock
        self._verified: OrderedDict[str, tuple[TokenClaims, datetime]] = OrderedDict()

    def issue(self, identity: Identity) -> str:
        user = identity.user
        claims = {"user_type": user.user_type.value, "client_id": str(identity.client_id or "") or None}
        if identity.client_role is not None:
            claims["client_role"] = identity.client_role.value
        return self._sign(user.id, user.email, claims, ACCESS_TOKEN_TTL)

    def _sign(self, user_id: UUID, email: str, arco: dict[str, Any], ttl: timedelta) -> str:
        now = self._clock.now()
        payload = {
            "sub": str(user_id),
            "email": email,
            "role": "authenticated",
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "app_metadata": {"arco": arco},
        }
        return jwt.encode(payload, self._secret, algorithm="HS256")

    def verify(self, token: str) -> TokenClaims:
        now = self._clock.now()
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, good_until = remembered
            if now <= good_until:
                self._verified.move_to_end(token)
                return claims
            del self._verified[token]
        claims, good_until = self._decode(token)
        # Expiry is read on ARCO's clock, the one the cached answers are checked against too.
        if now > good_until:
            raise AuthenticationFailed("invalid token: the token has expired")
        self._verified[token] = (claims, good_until)
        if len(self._verified) > REMEMBERED_TOKENS:
            self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str) -> tuple[TokenClaims, datetime]:
        """The claims of a token signed with ARCO's secret, and the last instant it may be accepted."""
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                options={"require": ["exp", "sub"], "verify_exp": False},
                leeway=EXPIRY_LEEWAY,
            )
            user_id = UserId(UUID(payload["sub"]))
            arco = (payload.get("app_metadata") or {}).get("arco")
            good_until = datetime.fromtimestamp(int(payload["exp"]), UTC) + EXPIRY_LEEWAY
            return TokenClaims(user_id, _principal(user_id, arco) if arco else None), good_until
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
            raise AuthenticationFailed(f"invalid token: {error}") from error


def _principal(user_id: UserId, arco: dict[str, Any]) -> Principal | None:
    """The caller the claims describe; `None` when they leave a client user's team role out, to be looked up.
    An impersonation is never looked up (that would drop who is impersonating): without a role it is a member's."""
    user_type = UserType(arco["user_type"])
    client = arco.get("client_id")
    role = arco.get("client_role")
    impersonator = arco.get("impersonator_id")
    if role is None and not impersonator and not user_type.is_staff:
        return None
    return Principal(
        user_id=user_id,
        user_type=user_type,
        client_id=ClientId(UUID(client)) if client else None,
        impersonator_id=UserId(UUID(impersonator)) if impersonator else None,
        client_role=MemberRole(role) if role is not None else None,
    )
