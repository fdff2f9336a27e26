"""Alembic environment: runs migrations on an async engine.

The URL comes from the Alembic config (set by `arco migrate` and the tests) or, for the plain `alembic`
command, from ARCO_MIGRATION_DATABASE_URL, falling back to ARCO_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from arco_adapters.postgres.tables import metadata


def database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "ARCO_MIGRATION_DATABASE_URL", os.environ.get("ARCO_DATABASE_URL", "")
    )
    if not url:
        raise SystemExit("set ARCO_MIGRATION_DATABASE_URL (or ARCO_DATABASE_URL), or run `arco migrate`")
    return url


def run_with(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_server_default=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(database_url())
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


asyncio.run(run_online())
