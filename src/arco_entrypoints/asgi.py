"""The ASGI application for a server process: `uvicorn --factory --no-server-header arco_entrypoints.asgi:create`.

It expects a prepared database (`arco serve` or `arco migrate` does that) named by ARCO_DATABASE_URL and
ARCO_AGENCY_DATABASE_URL, with ARCO_SCOPE_KEY installed in it.
"""

from __future__ import annotations

from litestar import Litestar

from arco_entrypoints.http.app import create_app
from arco_entrypoints.runtime import Runtime, services
from arco_entrypoints.settings import Settings


def create() -> Litestar:
    settings = Settings.from_environment()
    if not (settings.database_url and settings.agency_database_url and settings.jwt_secret and settings.scope_key):
        raise SystemExit(
            "ARCO_DATABASE_URL, ARCO_AGENCY_DATABASE_URL, ARCO_JWT_SECRET and ARCO_SCOPE_KEY must be set"
            " (`arco serve` sets them)"
        )
    runtime = Runtime(
        settings.database_url, settings.jwt_secret, None, agency_database_url=settings.agency_database_url,
        scope_key=settings.scope_key, **services(settings),
    )  # fmt: skip
    return create_app(runtime.container())
