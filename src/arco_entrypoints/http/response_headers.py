"""Headers on every response, whatever answered it: a handler, an error, the router's 404 or a CORS preflight."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

STRICT_TRANSPORT = "max-age=31536000"
"""A year of HTTPS-only for ARCO's own host; subdomains are the agency's to decide, not the API's."""


def response_headers(*, strict_transport: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """A `before_send` hook: `nosniff` always, `no-store` unless the response chose its own caching (tokens and
    client data must never sit in a shared cache), and HSTS where ARCO is served over HTTPS (production)."""
    always = {"X-Content-Type-Options": "nosniff"}
    if strict_transport:
        always["Strict-Transport-Security"] = STRICT_TRANSPORT

    async def add(message: Message, _: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers.update(always)
        if "cache-control" not in headers:
            headers["Cache-Control"] = "no-store"

    return add
