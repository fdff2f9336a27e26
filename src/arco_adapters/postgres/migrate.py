"""Run the schema migrations programmatically (the `arco migrate` command and the tests).

Processes that start together (the API and the worker, several server replicas) may each ask for the
latest schema at once. A migration is one transaction, and two of them creating the same tables would
collide, so each caller first takes a session advisory lock in the database: one migrates, the others wait,
then find the schema current and change nothing. The lock is held on a connection of its own in autocommit
(no transaction stays open while the migration runs), and the server frees it if the process dies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

MIGRATION_LOCK = int.from_bytes(b"arcomigr")
"""The advisory lock key (the one-`bigint` form) that migrations take. It lies outside the `int4` range the
scheduled runs' `hashtext` keys come from, so the two never meet."""

log = logging.getLogger("arco.migrate")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "arco_adapters.postgres:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` (a role that owns the schema) up to `revision`, once however many processes
    ask at the same time. Call it outside an event loop."""
    asyncio.run(_one_at_a_time(url, lambda: command.upgrade(alembic_config(url), revision)))


def downgrade(url: str, revision: str = "base") -> None:
    asyncio.run(_one_at_a_time(url, lambda: command.downgrade(alembic_config(url), revision)))


async def _one_at_a_time(url: str, migrate: Callable[[], None]) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            if not await connection.scalar(select(func.pg_try_advisory_lock(MIGRATION_LOCK))):
                log.info("another process is migrating this database; waiting for it to finish")
                await connection.scalar(select(func.pg_advisory_lock(MIGRATION_LOCK)))
            # Alembic runs its own event loop, so the migration runs in a thread while this one holds the lock;
            # closing the connection lets the lock go.
            await asyncio.to_thread(migrate)
    finally:
        await engine.dispose()
