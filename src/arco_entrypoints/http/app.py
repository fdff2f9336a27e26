"""The Litestar application, built from a container."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from arco_entrypoints.http.auth import BearerTokenMiddleware, principal
from arco_entrypoints.http.controllers import CONTROLLERS
from arco_entrypoints.http.controllers.sandbox import SandboxController
from arco_entrypoints.http.dependencies import current_time, use_case_dependencies
from arco_entrypoints.http.errors import EXCEPTION_HANDLERS
from arco_entrypoints.http.idempotency import IdempotencyKeyDocs, IdempotencyMiddleware


def create_app(container: Any, *, debug: bool = False) -> Litestar:
    async def start() -> None:
        await container.init_resources()

    async def stop() -> None:
        await container.shutdown_resources()

    return Litestar(
        route_handlers=[*CONTROLLERS, *([SandboxController] if container.config.billing_mode() == "sandbox" else [])],
        dependencies={
            "caller": Provide(principal, sync_to_thread=False),
            "now": current_time(container),
            **use_case_dependencies(container),
        },
        middleware=[
            DefineMiddleware(BearerTokenMiddleware, container=container),
            DefineMiddleware(IdempotencyMiddleware, container=container),  # needs the caller: after auth
        ],
        plugins=[IdempotencyKeyDocs()],
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[start],
        on_shutdown=[stop],
        state=State({"container": container, "public_url": container.config.public_url()}),
        openapi_config=OpenAPIConfig(
            title="ARCO",
            version="0.1.0",
            description="The agency client platform: client dashboard, admin dashboard and acquisition funnel.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(path="/")],
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
            ),
            security=[{"bearer": []}],
        ),
        debug=debug,
    )
