"""A short transaction on a connection of its own, for stores that live outside any unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arco_domain.errors import Unavailable

CONNECTION_ERRORS = (OSError, OperationalError, InterfaceError)
LOST_CONNECTION = (OperationalError, InterfaceError)
"""What SQLAlchemy raises for a connection lost mid-transaction (not an `OSError` of the caller's own work)."""


@asynccontextmanager
async def own_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Commit when the block ends normally, roll back otherwise; an unreachable or lost database is
    `Unavailable`, which callers may retry."""
    try:
        connection = await engine.connect()
    except CONNECTION_ERRORS as error:
        raise Unavailable("the database could not be reached") from error
    try:
        async with connection.begin():
            yield connection
    except LOST_CONNECTION as error:
        raise Unavailable("the database connection was lost") from error
    finally:
        await connection.close()
