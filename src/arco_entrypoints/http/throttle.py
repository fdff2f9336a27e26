"""Per-address rate limits on the routes anyone can call, with the IETF draft's `RateLimit-*` headers.

Every public route is limited per client address: sign-up and login by their own limits (named in the
route's `opt`), any other public route by the general public limit, per route. A route opts out with
`opt={RATE_LIMIT: None}`: the payment provider's webhook (its signature is its authentication) and the
health probes. Limits per account (failed logins) are the domain's, not this middleware's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from arco_domain.model.throttling import RateLimit, RateLimits, RateVerdict
from arco_entrypoints.http.auth import PUBLIC
from arco_entrypoints.http.client_address import ClientAddresses
from arco_ports.rate_limiter import RateLimiter

RATE_LIMIT = "rate_limit"
"""Route option: the name of the `RateLimits` field that limits the route per address, or `None` for none."""


def rate_limit_headers(verdict: RateVerdict) -> dict[str, str]:
    rule = verdict.rule
    window = int(rule.period.total_seconds())
    return {
        "RateLimit-Policy": f"{rule.limit};w={window}",
        "RateLimit-Limit": str(rule.limit),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(max(0, round(verdict.reset_after.total_seconds()))),
    }


class ThrottleMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(
        self, *, limiter: Callable[[], Awaitable[RateLimiter]], limits: RateLimits, addresses: ClientAddresses
    ) -> None:
        self._limiter = limiter
        """Awaited per request: the limiter is a resource the app starts after this middleware is built."""
        self._limits = limits
        self._addresses = addresses

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        rule = self._rule_for(scope)
        if rule is None or scope.get("method") == "OPTIONS":
            await next_app(scope, receive, send)
            return
        address = self._addresses.of(scope)
        key = address if rule is not self._limits.public_per_address else f"{scope['path']}|{address}"
        verdict = await (await self._limiter()).hit(rule, key)
        if not verdict.allowed:
            raise verdict.refusal("requests from this address")
        headers = [(name.lower().encode(), value.encode()) for name, value in rate_limit_headers(verdict).items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = message.get("headers", [])
                # A refusal by a stricter limit (failed logins per account) already names its own.
                if not any(name.lower() == b"ratelimit-limit" for name, _ in present):
                    message["headers"] = [*present, *headers]
            await send(message)

        await next_app(scope, receive, send_with_headers)

    def _rule_for(self, scope: Scope) -> RateLimit | None:
        handler: Any = scope.get("route_handler")
        options = handler.opt if handler is not None else {}
        if RATE_LIMIT in options:
            name = options[RATE_LIMIT]
            return None if name is None else getattr(self._limits, name)
        return self._limits.public_per_address if options.get(PUBLIC) else None
