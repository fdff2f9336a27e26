"""`JwtAccessTokens`: the `AccessTokens` port as HS256 JWTs with Supabase-compatible claims.

Tokens from Supabase Auth (same secret) are accepted as they are: `sub` is the user id, `aud` is
`authenticated`. ARCO's own tokens add `app_metadata.arco` with the user type, the client and the user's role
on its team, so a request needs no lookup to know who is calling and what they may do. A token without those
claims, or a client user's token without the team role (one issued before roles were carried), is resolved
from the database once per request.
"""

from __future__ import annotations

from datetime import timedelta
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


class JwtAccessTokens:
    def __init__(self, *, secret: str, clock: Clock) -> None:
        if len(secret) < 32:
            raise ValueError("ARCO_JWT_SECRET must be at least 32 characters")
        self._secret = secret
        self._clock = clock

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
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                options={"require": ["exp", "sub"]},
                leeway=timedelta(seconds=30),
            )
            user_id = UserId(UUID(payload["sub"]))
            arco = (payload.get("app_metadata") or {}).get("arco")
            return TokenClaims(user_id, _principal(user_id, arco) if arco else None)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError) as error:
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
