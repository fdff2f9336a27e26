"""The embedded default: a real PostgreSQL in the data directory, migrated at start, kept across restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from arco_adapters.postgres.database import start_embedded
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_domain.model.access import DataScope
from arco_domain.model.clients import Client
from tests.contracts.unit_of_work import new_client


async def _store(url: str, client: Client) -> None:
    engine = create_async_engine(url)
    async with PostgresUnitOfWorkFactory(engine)(DataScope.of_client(client.id)) as uow:
        await uow.clients.add(client)
        await uow.commit()
    await engine.dispose()


async def _load(url: str, client: Client) -> Client:
    engine = create_async_engine(url)
    async with PostgresUnitOfWorkFactory(engine)(DataScope.of_client(client.id)) as uow:
        loaded = await uow.clients.get(client.id)
    await engine.dispose()
    return loaded


class TestEmbeddedDatabase:
    def test_data_survives_a_restart_of_the_embedded_server(self, tmp_path: Path) -> None:
        client = new_client()
        server, url = start_embedded(tmp_path)
        first_pid = server.pid
        asyncio.run(_store(url, client))
        server.stop()

        server, url = start_embedded(tmp_path)
        try:
            assert server.pid not in (None, first_pid)
            assert asyncio.run(_load(url, client)) == client
            assert url.startswith("postgresql+asyncpg://arco_app@/arco?")
        finally:
            server.stop()
