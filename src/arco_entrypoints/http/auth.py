"""Bearer-token authentication: every route needs a valid token unless it opts out."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from arco_domain.errors import AuthenticationFailed
from arco_domain.model.access import Principal
from arco_entrypoints.container import Container
from arco_entrypoints.observability.logs import bind_caller
from arco_entrypoints.providing import resolve
from arco_ports.tokens import AccessTokens

PUBLIC = "exclude_from_auth"
"""Route option that marks a route as open to anonymous callers."""


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, *, container: Container) -> None:
        # OPTIONS is authenticated like any other method (Litestar lets it through by default, and guards that
        # read the caller then fail): a browser's CORS preflight is answered earlier, by the CORS layer.
        super().__init__(app, exclude_from_auth_key=PUBLIC, exclude=["^/schema"], exclude_http_methods=())
        self._tokens = container.adapters.container.tokens
        self._identify_user = container.use_cases.container.identify_user

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationFailed("a bearer token is required")
        tokens: AccessTokens = self._tokens()
        claims = tokens.verify(token.strip())
        principal = claims.principal
        if principal is None:
            # A token from the external identity provider: look the user up once per request.
            identify_user = await resolve(self._identify_user)
            identity = await identify_user(claims.user_id)
            principal = identity.principal()
        bind_caller(principal)
        return AuthenticationResult(user=principal, auth=token)


def principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller, as the middleware identified it (a Litestar dependency)."""
    user: Principal = request.user
    return user
