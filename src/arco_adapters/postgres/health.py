"""`PostgresProbe`: the database answers `SELECT 1` on every connection pool ARCO uses."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("arco.health")


class PostgresProbe:
    def __init__(self, *engines: AsyncEngine, timeout: timedelta = timedelta(seconds=2)) -> None:
        self._engines = engines
        self._timeout = timeout.total_seconds()

    async def answers(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                for engine in self._engines:
                    async with engine.connect() as connection:
                        await connection.execute(text("SELECT 1"))
        except Exception as error:
            # Any failure means the same to a readiness check; what it was is for the operator's log.
            log.warning("the database does not answer: %s: %s", type(error).__name__, error)
            return False
        return True
