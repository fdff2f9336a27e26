"""Preparing a configured database (`arco migrate`, and every command as it starts) migrates it as the schema
owner and installs the scope key, so the application's signed scopes open at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from arco_adapters.postgres.database import AGENCY_LOGIN, APP_ROLE
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_domain.model.access import DataScope
from arco_domain.model.clients import Client
from arco_entrypoints.runtime import Runtime, prepare
from arco_entrypoints.settings import Settings
from tests.contracts.unit_of_work import new_client

SCOPE_KEY = "the-scope-key-this-install-was-configured-with"


async def _store_then_list(runtime: Runtime, client: Client) -> list[Client]:
    engine = create_async_engine(runtime.settings.database_url or "")
    agency = create_async_engine(runtime.settings.agency_database_url or "")
    factory = PostgresUnitOfWorkFactory(engine, agency, runtime.settings.scope_key or "")
    try:
        async with factory(DataScope.of_client(client.id)) as uow:
            await uow.clients.add(client)
            await uow.commit()
        async with factory(DataScope.all_clients()) as uow:
            return list(await uow.clients.list_all(limit=10))
    finally:
        await engine.dispose()
        await agency.dispose()


def test_a_configured_database_is_migrated_and_given_the_scope_key(
    postgres: EmbeddedPostgres, empty_database: str, tmp_path: Path
) -> None:
    settings = Settings.from_environment(
        {
            "ARCO_ENV": "staging",
            "ARCO_DATA_DIR": str(tmp_path),
            "ARCO_DATABASE_URL": postgres.url(user=APP_ROLE, database=empty_database),
            "ARCO_AGENCY_DATABASE_URL": postgres.url(user=AGENCY_LOGIN, database=empty_database),
            "ARCO_MIGRATION_DATABASE_URL": postgres.url(database=empty_database),
            "ARCO_SCOPE_KEY": SCOPE_KEY,
        }
    )
    runtime = prepare(settings)
    client = new_client()
    assert runtime.settings.scope_key == SCOPE_KEY and runtime.embedded is None
    # The client-scoped write is checked against the installed key: a missing or other key would refuse it.
    assert asyncio.run(_store_then_list(runtime, client)) == [client]
