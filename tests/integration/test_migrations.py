"""The migrations build the schema the code expects, and walk down and up again on an empty database."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.migrate import downgrade, upgrade
from arco_adapters.postgres.tables import metadata
from tests.integration.conftest import EMPTY_DATABASE, fetch_as_owner

DATABASE = EMPTY_DATABASE


@pytest.fixture
def empty_database(empty_database: str, postgres: EmbeddedPostgres) -> str:
    """The empty database's URL, as the schema owner reaches it."""
    return postgres.url(database=empty_database)


def table_names(server: EmbeddedPostgres) -> set[object]:
    query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    return {name for (name,) in asyncio.run(fetch_as_owner(server, DATABASE, query))}


def schema_drift(url: str) -> list[object]:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_server_default": True})
        return list(compare_metadata(context, metadata))

    async def compare() -> list[object]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(diff)
        finally:
            await engine.dispose()

    return asyncio.run(compare())


class TestMigrations:
    def test_up_down_up_on_an_empty_database(self, postgres: EmbeddedPostgres, empty_database: str) -> None:
        upgrade(empty_database)
        assert set(metadata.tables) <= table_names(postgres)
        downgrade(empty_database)
        assert table_names(postgres) == {"alembic_version"}
        upgrade(empty_database)
        assert set(metadata.tables) <= table_names(postgres)

    def test_the_signed_scope_walks_down_to_the_settings_it_replaced_and_up_again(
        self, postgres: EmbeddedPostgres, empty_database: str
    ) -> None:
        state = (
            "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 'arco_private'),"
            " to_regprocedure('arco_scope_client()') IS NOT NULL, to_regprocedure('arco_all_clients()') IS NOT NULL,"
            " has_table_privilege('arco_app', 'users', 'SELECT'),"
            " (SELECT count(*) FROM pg_policies WHERE qual LIKE '%arco_all_clients%')"
        )
        upgrade(empty_database)
        signed = asyncio.run(fetch_as_owner(postgres, DATABASE, state))[0]
        downgrade(empty_database, "0006")
        forgeable = asyncio.run(fetch_as_owner(postgres, DATABASE, state))[0]
        upgrade(empty_database)
        assert signed == asyncio.run(fetch_as_owner(postgres, DATABASE, state))[0] == (1, True, False, False, 0)
        assert forgeable == (0, False, True, True, 23)  # the old policy back on clients and the 22 tenant tables

    def test_the_migrated_schema_matches_the_tables_the_code_uses(self, empty_database: str) -> None:
        upgrade(empty_database)
        assert schema_drift(empty_database) == []
