"""Integration fixtures: one embedded PostgreSQL per test session, a fresh database per test module.

The schema is migrated once into a template database; each module's database is a copy of it, which
PostgreSQL makes in milliseconds. Tests connect as the application roles (the client-serving `arco_app` and a
login granted `arco_agency`), so row-level security applies.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from arco_adapters.postgres.database import AGENCY_LOGIN, APP_ROLE, allow_logins
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.migrate import upgrade
from arco_adapters.postgres.scope import install_scope_key
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.valkey.embedded import EmbeddedValkey

TEMPLATE = "arco_template"
SCOPE_KEY = "test-scope-key-that-only-the-schema-owner-reads"
"""Installed in the template, so every module's database (a copy) holds it."""
_numbers = itertools.count()


async def _admin(server: EmbeddedPostgres, *statements: str) -> None:
    connection = await asyncpg.connect(host=server.socket_dir, user="postgres", database="postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")) / "data", delete_on_exit=True)
    asyncio.run(_admin(server, f"CREATE DATABASE {TEMPLATE}"))
    upgrade(server.url(database=TEMPLATE))
    asyncio.run(install_scope_key(server.url(database=TEMPLATE), SCOPE_KEY))
    asyncio.run(allow_logins(server))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def database(postgres: EmbeddedPostgres) -> Iterator[str]:
    """A fresh, migrated database for one test module; its name."""
    name = f"arco_test_{next(_numbers)}"
    asyncio.run(_admin(postgres, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    yield name
    asyncio.run(_admin(postgres, f"DROP DATABASE {name} WITH (FORCE)"))


@pytest.fixture(scope="module")
def database_urls(postgres: EmbeddedPostgres, database: str) -> dict[str, str]:
    """What a runtime or container needs to reach the module's database: both roles' URLs and the scope key."""
    return {
        "database_url": postgres.url(user=APP_ROLE, database=database),
        "agency_database_url": postgres.url(user=AGENCY_LOGIN, database=database),
        "scope_key": SCOPE_KEY,
    }


@pytest.fixture
async def app_engine(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    """An engine connecting as the client-serving role: not the owner, no BYPASSRLS, one signed client at most."""
    engine = create_async_engine(database_urls["database_url"], pool_size=5, max_overflow=80)
    yield engine
    await engine.dispose()


@pytest.fixture
async def agency_engine(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    """An engine connecting as a member of `arco_agency`: every client's rows, still no BYPASSRLS."""
    engine = create_async_engine(database_urls["agency_database_url"], pool_size=5, max_overflow=80)
    yield engine
    await engine.dispose()


@pytest.fixture
def postgres_uow(app_engine: AsyncEngine, agency_engine: AsyncEngine) -> PostgresUnitOfWorkFactory:
    return PostgresUnitOfWorkFactory(app_engine, agency_engine, SCOPE_KEY)


@pytest.fixture(scope="module")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedValkey]:
    """A real Valkey (the embedded server) for one test module."""
    server = EmbeddedValkey(Path(tmp_path_factory.mktemp("valkey")))
    yield server
    server.stop()


EMPTY_DATABASE = "arco_empty"


async def fetch_as_owner(server: EmbeddedPostgres, database: str, query: str) -> list[tuple[object, ...]]:
    """The rows of `query` run by the superuser on `database`."""
    connection = await asyncpg.connect(host=server.socket_dir, user="postgres", database=database)
    try:
        return [tuple(row) for row in await connection.fetch(query)]
    finally:
        await connection.close()


@pytest.fixture
def empty_database(postgres: EmbeddedPostgres) -> Iterator[str]:
    """The name of a database with nothing in it, dropped after the test."""
    asyncio.run(fetch_as_owner(postgres, "postgres", f"CREATE DATABASE {EMPTY_DATABASE}"))
    yield EMPTY_DATABASE
    asyncio.run(fetch_as_owner(postgres, "postgres", f"DROP DATABASE {EMPTY_DATABASE} WITH (FORCE)"))
