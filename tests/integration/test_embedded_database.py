"""The embedded default: a real PostgreSQL in the data directory, migrated at start, kept across restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from arco_adapters.postgres.database import EmbeddedDatabase, start_embedded
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_domain.model.access import DataScope
from arco_domain.model.clients import Client
from tests.contracts.unit_of_work import new_client

SCOPE_KEY = "embedded-test-scope-key-of-32-characters-or-more"


async def _store(database: EmbeddedDatabase, client: Client) -> None:
    engine, agency = create_async_engine(database.url), create_async_engine(database.agency_url)
    async with PostgresUnitOfWorkFactory(engine, agency, SCOPE_KEY)(DataScope.of_client(client.id)) as uow:
        await uow.clients.add(client)
        await uow.commit()
    await engine.dispose()
    await agency.dispose()


async def _every_client(database: EmbeddedDatabase) -> list[Client]:
    engine, agency = create_async_engine(database.url), create_async_engine(database.agency_url)
    async with PostgresUnitOfWorkFactory(engine, agency, SCOPE_KEY)(DataScope.all_clients()) as uow:
        clients = await uow.clients.list_all(limit=10)
    await engine.dispose()
    await agency.dispose()
    return list(clients)


class TestEmbeddedDatabase:
    def test_data_survives_a_restart_of_the_embedded_server(self, tmp_path: Path) -> None:
        client = new_client()
        database = start_embedded(tmp_path, SCOPE_KEY)
        first_pid = database.server.pid
        asyncio.run(_store(database, client))
        database.server.stop()

        database = start_embedded(tmp_path, SCOPE_KEY)
        try:
            assert database.server.pid not in (None, first_pid)
            assert asyncio.run(_every_client(database)) == [client]
            assert database.url.startswith("postgresql+asyncpg://arco_app@/arco?")
            assert database.agency_url.startswith("postgresql+asyncpg://arco_agency_login@/arco?")
        finally:
            database.server.stop()
