"""The ASGI application for a server process: `uvicorn --factory arco_entrypoints.asgi:create`.

It expects a prepared database (`arco serve` or `arco migrate` does that) named by ARCO_DATABASE_URL.
"""

from __future__ import annotations

from litestar import Litestar

from arco_entrypoints.http.app import create_app
from arco_entrypoints.runtime import Runtime, services
from arco_entrypoints.settings import Settings


def create() -> Litestar:
    settings = Settings.from_environment()
    if not settings.database_url or not settings.jwt_secret:
        raise SystemExit("ARCO_DATABASE_URL and ARCO_JWT_SECRET must be set (`arco serve` sets them)")
    return create_app(Runtime(settings.database_url, settings.jwt_secret, None, **services(settings)).container())
