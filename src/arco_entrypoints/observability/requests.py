"""Every HTTP request runs inside its own log context, is answered with its request id, and is counted.

This wraps the whole application (not one route's middleware) so that every answer is covered: unknown paths,
refusals by middleware and errors mapped by the exception handlers alike.
"""

from __future__ import annotations

import re
import time
from typing import Any, cast

import structlog
from litestar import Litestar
from litestar.types import HTTPScope, Message, Receive, Scope, Send
from uuid_utils import uuid7

from arco_entrypoints.observability.logs import get_logger
from arco_entrypoints.observability.metrics import ServiceMetrics

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode()
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
"""What ARCO accepts as a caller's request id: it ends up in log lines and response headers unchanged."""
UNMATCHED_ROUTE = "unmatched"
"""The route label of requests no route answers: their raw paths would make a label value per path."""
PROBE_ROUTES = frozenset({"/health", "/ready", "/metrics"})
"""Routes called every few seconds by machines: their access lines are logged at DEBUG."""

access_log = get_logger("arco.http.access")


def request_id_of(scope: HTTPScope) -> str:
    """The caller's `X-Request-ID` when it is a sane token, else a new one."""
    for name, value in scope["headers"]:
        if name.lower() == _HEADER_KEY:
            given = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(given):
                return given
            break
    return str(uuid7())


class ObservedLitestar(Litestar):
    """Litestar, with a request id, an access line and a latency figure for every HTTP request.

    The app's `state.metrics` is the process's `ServiceMetrics`."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        await self._observe(cast(HTTPScope, scope), receive, send)

    async def _observe(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        request_id = request_id_of(scope)
        status: int | None = None
        started = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != _HEADER_KEY]
                message["headers"] = [*headers, (_HEADER_KEY, request_id.encode())]
            await send(message)

        # Each request starts from an empty context: nothing bound for an earlier one carries over.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await super().__call__(cast(Scope, scope), receive, send_with_request_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            structlog.contextvars.clear_contextvars()

    def _record(self, scope: HTTPScope, status: int | None, seconds: float) -> None:
        route = scope.get("path_template") or UNMATCHED_ROUTE
        answered = str(status) if status is not None else "none"
        metrics: ServiceMetrics = self.state.metrics
        metrics.observe_request(scope["method"], route, answered, seconds)
        line = access_log.debug if route in PROBE_ROUTES else access_log.info
        line(
            "request answered", method=scope["method"], path=scope["path"], route=route, status=status,
            duration_ms=round(seconds * 1000, 2),
        )  # fmt: skip
