"""`/metrics`: the operational figures in Prometheus's format, for a scraper that shows the metrics token.

Mounted only when `ARCO_METRICS_TOKEN` is set: without a token nothing is served, in any environment."""

from __future__ import annotations

import asyncio
import hmac
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from prometheus_client.core import Metric

from arco_adapters.postgres.jobs import PostgresOutbox
from arco_domain.errors import AuthenticationFailed
from arco_entrypoints.http.auth import PUBLIC
from arco_entrypoints.http.throttle import RATE_LIMIT
from arco_entrypoints.observability.logs import get_logger
from arco_entrypoints.observability.metrics import CONTENT_TYPE, ServiceMetrics, outbox_figures

SCRAPE_QUERY_SECONDS = 2.0
log = get_logger("arco.metrics")


def require_metrics_token(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    expected: str = connection.app.state.metrics_token
    scheme, _, given = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise AuthenticationFailed("the metrics token is required")


async def measured_now(outbox: PostgresOutbox, now: datetime) -> list[Metric]:
    """Figures read at scrape time: the outbox's backlog. Left out, not failed, when the database is slow or away
    (`/ready` says which dependency is down)."""
    try:
        async with asyncio.timeout(SCRAPE_QUERY_SECONDS):
            backlog = await outbox.backlog()
    except Exception as error:
        log.warning("the outbox backlog could not be read for a scrape", error=type(error).__name__)
        return []
    return outbox_figures(backlog, now)


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get(
        "/", operation_id="metrics", opt={PUBLIC: True, RATE_LIMIT: None}, guards=[require_metrics_token],
        media_type=CONTENT_TYPE,
    )  # fmt: skip
    async def metrics(
        self, request: Request[Any, Any, Any], outbox: NamedDependency[PostgresOutbox], now: NamedDependency[datetime]
    ) -> Response[bytes]:
        metrics: ServiceMetrics = request.app.state.metrics
        return Response(metrics.exposition(await measured_now(outbox, now)), media_type=CONTENT_TYPE)
