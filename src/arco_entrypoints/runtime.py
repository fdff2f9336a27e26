"""Getting ARCO's runtime ready from settings: the database, the signing secret, the container."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arco_adapters.postgres.database import start_embedded
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.migrate import upgrade
from arco_adapters.postgres.scope import install_scope_key
from arco_adapters.security.secret_box import new_key
from arco_entrypoints.container import Container
from arco_entrypoints.settings import Settings

SECRET_FILE = "jwt-secret"
SECRETS_KEY_FILE = "secrets-key"
SCOPE_KEY_FILE = "scope-key"


@dataclass
class Runtime:
    """A prepared ARCO: its settings, complete (the database's URLs and every secret known), and the embedded
    database server if it runs one."""

    settings: Settings
    embedded: EmbeddedPostgres | None = None

    def container(self, *, pool_size: int | None = None, worker: bool = False) -> Container:
        settings = self.settings.for_worker() if worker else self.settings
        settings = settings if pool_size is None else settings.replace(db_pool_size=pool_size)
        container = Container(settings=settings)
        # A provider left without what it needs fails here, at start, not on the first request that uses it.
        container.check_dependencies()
        return container

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


def persisted_secret(
    data_dir: Path, name: str = SECRET_FILE, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)
) -> str:
    """A random secret kept in the data dir (readable by its owner only), so a local install keeps its tokens
    and its sealed credentials across restarts."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def scope_key(settings: Settings) -> str:
    return settings.scope_key or persisted_secret(settings.data_dir, SCOPE_KEY_FILE)


def prepare(settings: Settings) -> Runtime:
    """Migrate the configured database and install the scope key in it (when `settings.migrates_on_start`), or
    start and migrate the embedded one; the secrets not configured are the ones kept in the data dir. Call
    outside an event loop."""
    settings = settings.replace(
        jwt_secret=settings.jwt_secret or persisted_secret(settings.data_dir),
        scope_key=scope_key(settings),
        secrets_key=settings.secrets_key or (persisted_secret(settings.data_dir, SECRETS_KEY_FILE, new_key),),
    )
    assert settings.scope_key is not None
    if settings.database_url:
        if settings.migrates_on_start:
            owner_url = settings.migration_database_url or settings.database_url
            upgrade(owner_url)
            asyncio.run(install_scope_key(owner_url, settings.scope_key))
        return Runtime(settings)
    embedded = start_embedded(settings.data_dir, settings.scope_key)
    return Runtime(
        settings.replace(database_url=embedded.url, agency_database_url=embedded.agency_url), embedded.server
    )


def export(runtime: Runtime) -> None:
    """Hand the prepared runtime to worker processes, which read the environment: the database is ready, so they
    have nothing to migrate (the application roles they connect as could not)."""
    settings = runtime.settings
    assert settings.database_url and settings.agency_database_url and settings.scope_key and settings.jwt_secret
    os.environ["ARCO_DATABASE_URL"] = settings.database_url
    os.environ["ARCO_AGENCY_DATABASE_URL"] = settings.agency_database_url
    os.environ["ARCO_SCOPE_KEY"] = settings.scope_key
    os.environ["ARCO_JWT_SECRET"] = settings.jwt_secret
    os.environ["ARCO_SECRETS_KEY"] = ",".join(settings.secrets_key)
    os.environ["ARCO_MIGRATE_ON_START"] = "off"
