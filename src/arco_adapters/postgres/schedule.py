"""Scheduled runs guarded in PostgreSQL: an advisory lock while a run is under way, a row once it is done.

The lock is transaction-scoped on a connection of its own, so it is released however the worker ends; the
`(job, tick)` row is written in that same transaction when the run succeeds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

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
            connection = await self._engine.connect()
        except (OSError, OperationalError, InterfaceError) as error:
            raise Unavailable("the database could not be reached") from error
        try:
            async with connection.begin() as transaction:
                key = f"{job}@{tick.isoformat()}"
                locked = await connection.scalar(select(func.pg_try_advisory_xact_lock(func.hashtext(key))))
                done = await connection.scalar(
                    select(func.count()).where(t.job_ticks.c.job == job, t.job_ticks.c.tick == tick)
                )
                if not locked or done:
                    yield False
                    await transaction.rollback()
                    return
                yield True
                await connection.execute(pg_insert(t.job_ticks).values(job=job, tick=tick).on_conflict_do_nothing())
        finally:
            await connection.close()
