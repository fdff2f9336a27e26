"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from arco_domain.use_cases.health import CheckReadiness
from arco_entrypoints.http.auth import PUBLIC
from arco_entrypoints.http.errors import problem
from arco_entrypoints.http.throttle import RATE_LIMIT


class HealthController(Controller):
    tags = ["health"]

    @get("/health", operation_id="health", opt={PUBLIC: True, RATE_LIMIT: None})
    async def health(self) -> dict[str, str]:
        """The process is up (it asks nothing of the database or the queue)."""
        return {"status": "ok"}

    @get("/ready", operation_id="ready", opt={PUBLIC: True, RATE_LIMIT: None})
    async def ready(self, check_readiness: NamedDependency[CheckReadiness]) -> Response[dict[str, Any]]:
        """The database and the queue answer; otherwise `503` problem details whose `down` names the ones that
        do not."""
        readiness = await check_readiness()
        if readiness.ready:
            return Response({"status": "ready"})
        names = " and ".join(readiness.down)
        detail = f"not ready: the {names} {'does' if len(readiness.down) == 1 else 'do'} not answer"
        return problem(503, "Service unavailable", detail, "not-ready", down=list(readiness.down))
