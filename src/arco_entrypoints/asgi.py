"""The ASGI application for a server process: `uvicorn --factory --no-server-header arco_entrypoints.asgi:create`.

It expects a prepared database (`arco serve` or `arco migrate` does that) named by ARCO_DATABASE_URL and
ARCO_AGENCY_DATABASE_URL, with ARCO_SCOPE_KEY installed in it.
"""

from __future__ import annotations

from litestar import Litestar

from arco_entrypoints.http.app import create_app
from arco_entrypoints.observability.process import observe_process
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Settings

PREPARED = ("database_url", "agency_database_url", "jwt_secret", "scope_key", "secrets_key")
"""What `arco serve` hands its server processes once the database and the secrets are ready."""


def create() -> Litestar:
    settings = Settings.from_environment()
    observe_process(settings)
    missing = [Settings.variable(field) for field in PREPARED if not getattr(settings, field)]
    if missing:
        raise SystemExit(f"{', '.join(missing)} must be set (`arco serve` sets them)")
    return create_app(Runtime(settings).container())
