"""The Litestar application, built from a container."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware

from arco_entrypoints.container import Container
from arco_entrypoints.http.api_docs import openapi_config
from arco_entrypoints.http.auth import BearerTokenMiddleware, principal
from arco_entrypoints.http.client_address import ClientAddresses, client_address_dependency
from arco_entrypoints.http.controllers import CONTROLLERS
from arco_entrypoints.http.controllers.metrics import MetricsController
from arco_entrypoints.http.controllers.sandbox import SandboxController
from arco_entrypoints.http.dependencies import current_time, provided, use_case_dependencies
from arco_entrypoints.http.errors import EXCEPTION_HANDLERS, JsonRequest
from arco_entrypoints.http.idempotency import HEADER as IDEMPOTENCY_KEY
from arco_entrypoints.http.idempotency import IdempotencyKeyDocs, IdempotencyMiddleware
from arco_entrypoints.http.response_headers import response_headers
from arco_entrypoints.http.throttle import ThrottleMiddleware
from arco_entrypoints.observability.metrics import ServiceMetrics
from arco_entrypoints.observability.requests import REQUEST_ID_HEADER, ObservedLitestar
from arco_entrypoints.providing import resolve, start_resources, stop_resources
from arco_entrypoints.settings import Settings


def create_app(container: Container, *, debug: bool = False) -> Litestar:
    metrics = ServiceMetrics()

    async def start() -> None:
        await start_resources(container)
        await metrics.watch_database_pools(container)

    async def stop() -> None:
        await stop_resources(container)
        metrics.forget_process()

    settings: Settings = container.settings()
    addresses = ClientAddresses(settings.proxy_networks)
    throttle = ThrottleMiddleware(
        limiter=partial(resolve, container.adapters.rate_limiter), limits=settings.rate_limits, addresses=addresses
    )
    sandbox = [SandboxController] if settings.billing_mode == "sandbox" else []
    return ObservedLitestar(
        route_handlers=[*CONTROLLERS, *sandbox, *([MetricsController] if settings.metrics_token else [])],
        dependencies={
            "access_tokens": provided(container.adapters.tokens),
            "payment_gateway": provided(container.adapters.payment_gateway),
            "outbox": provided(container.adapters.outbox),
            "caller": Provide(principal, sync_to_thread=False),
            "now": current_time(container),
            "client_address": client_address_dependency(addresses),
            **use_case_dependencies(container),
        },
        middleware=[
            throttle,
            DefineMiddleware(BearerTokenMiddleware, container=container),
            DefineMiddleware(IdempotencyMiddleware, container=container),  # needs the caller: after auth
        ],
        plugins=[IdempotencyKeyDocs()],
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=JsonRequest,
        cors_config=cors_config(settings.cors_origins),
        before_send=[response_headers(strict_transport=settings.strict_transport)],
        on_startup=[start],
        on_shutdown=[stop],
        state=State(
            {
                "container": container,
                "public_url": settings.public_url,
                "metrics": metrics,
                "metrics_token": settings.metrics_token,
            }
        ),
        openapi_config=openapi_config(docs_page=settings.docs_page),
        # The process's logging is ARCO's (JSON lines); Litestar's default would replace the root logger's handlers.
        logging_config=None,
        debug=debug,
    )


EXPOSED_HEADERS = (
    "Location",
    "Retry-After",
    "Idempotent-Replayed",
    "RateLimit-Policy",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    REQUEST_ID_HEADER,
)
"""Response headers a browser dashboard may read, beside the always-readable simple ones."""


def cors_config(origins: Sequence[str]) -> CORSConfig | None:
    """Cross-origin calls from the listed browser origins only (validated by the settings); none without any.

    Tokens travel in `Authorization`, never in cookies, so credentials stay off."""
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", IDEMPOTENCY_KEY, REQUEST_ID_HEADER],
        expose_headers=list(EXPOSED_HEADERS),
        allow_credentials=False,
        max_age=600,
    )
