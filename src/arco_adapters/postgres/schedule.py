"""Scheduled runs guarded in PostgreSQL: an advisory lock while a run is under way, a row once it is done.

The lock is session-level on a connection of its own that runs no transaction meanwhile (a run may take
minutes, and a transaction held that long would meet `idle_in_transaction_session_timeout` and keep
vacuum back). The server releases it however the worker ends, since the connection ends with it; the
`(job, tick)` row is written when the run succeeds, before the lock is let go.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arco_adapters.postgres import tables as t
from arco_domain.errors import Unavailable


class PostgresScheduledRuns:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop the record of runs for ticks before `cutoff`: no worker fires a tick that old again."""
        async with self._engine.begin() as connection:
            return int((await connection.execute(delete(t.job_ticks).where(t.job_ticks.c.tick < cutoff))).rowcount)

    @asynccontextmanager
    async def once(self, job: str, tick: datetime) -> AsyncIterator[bool]:
        try:
            connection = await self._engine.execution_options(isolation_level="AUTOCOMMIT").connect()
        except (OSError, OperationalError, InterfaceError) as error:
            raise Unavailable("the database could not be reached") from error
        try:
            key = func.hashtext(f"{job}@{tick.isoformat()}")
            if not await connection.scalar(select(func.pg_try_advisory_lock(key))):
                yield False
                return
            try:
                done = await connection.scalar(
                    select(func.count()).where(t.job_ticks.c.job == job, t.job_ticks.c.tick == tick)
                )
                yield not done
                if not done:
                    await connection.execute(pg_insert(t.job_ticks).values(job=job, tick=tick).on_conflict_do_nothing())
            finally:
                await _unlock(connection, key)
        finally:
            await connection.close()


async def _unlock(connection: AsyncConnection, key: Any) -> None:
    try:
        await connection.scalar(select(func.pg_advisory_unlock(key)))
    except BaseException:
        # A connection that may still hold the lock must not go back to the pool: closing it frees the lock.
        await connection.invalidate()
        raise
