"""Liveness and readiness."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from arco_domain.use_cases.health import CheckReadiness
from arco_entrypoints.http.auth import PUBLIC
from arco_entrypoints.http.throttle import RATE_LIMIT


class HealthController(Controller):
    tags = ["health"]

    @get("/health", operation_id="health", opt={PUBLIC: True, RATE_LIMIT: None})
    async def health(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @get("/ready", operation_id="ready", opt={PUBLIC: True, RATE_LIMIT: None})
    async def ready(self, check_readiness: NamedDependency[CheckReadiness]) -> dict[str, str]:
        """The database answers (`503` problem details otherwise)."""
        await check_readiness()
        return {"status": "ready"}
