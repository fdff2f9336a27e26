"""ARCO's connections to PostgreSQL: engines with bounded waits, pooled connections that outlive a server
restart replaced before use, and every failure a later attempt may not meet reported as `Unavailable`.

Also a short transaction on a connection of its own, for stores that live outside any unit of work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from asyncpg import PostgresError
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from arco_domain.errors import Unavailable

_CONNECTION_EXCEPTION_CLASS = "08"
_TRY_AGAIN_STATES = {
    "57014": "a database statement took longer than allowed",
    "55P03": "a database row stayed locked longer than a request waits",
    "40P01": "the database ended a deadlock between two requests",
    "40001": "a concurrent change got in the way",
    "53300": "the database has no connection slot free",
    "57P01": "the database is shutting down",
    "57P02": "the database is recovering from a crash",
    "57P03": "the database is not accepting connections now (starting or shutting down)",
}
"""SQLSTATEs of refusals that another attempt a moment later may not meet, with what they mean."""


@dataclass(frozen=True, slots=True)
class DatabaseLimits:
    """How long ARCO waits on its database before answering `Unavailable`, rather than letting one stuck
    statement or lock hold a request, and then every pooled connection, indefinitely."""

    statement_timeout: timedelta = timedelta(seconds=5)
    """The longest one statement runs before the server cancels it."""
    lock_timeout: timedelta = timedelta(seconds=2)
    """The longest a statement waits for a lock another transaction holds."""
    pool_timeout: timedelta = timedelta(seconds=5)
    """The longest a caller waits for a pooled connection to come free, or for a new one to open."""

    def connect_args(self) -> dict[str, Any]:
        """The driver's arguments: the timeouts travel in the connection's startup packet (no round trip),
        and a server that stops answering altogether is given up on a second after it should have cancelled
        the statement itself."""
        return {
            "timeout": self.pool_timeout.total_seconds(),
            "command_timeout": (self.statement_timeout + timedelta(seconds=1)).total_seconds(),
            "server_settings": {
                "statement_timeout": _milliseconds(self.statement_timeout),
                "lock_timeout": _milliseconds(self.lock_timeout),
            },
        }


def _milliseconds(span: timedelta) -> str:
    return f"{round(span.total_seconds() * 1000)}ms"


def create_database_engine(url: str, *, pool_size: int, limits: DatabaseLimits) -> AsyncEngine:
    """An engine that holds up to `pool_size` connections (and as many again at peaks), recycles them after
    half an hour, waits no longer than `limits`, and never hands out a connection the server has closed."""
    engine = create_async_engine(
        url,
        # A statement's parameters (hashes, sealed grants, e-mail addresses) stay out of logs and error texts.
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=limits.pool_timeout.total_seconds(),
        connect_args=limits.connect_args(),
    )
    event.listen(engine.sync_engine, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
    """A server restart closes every idle pooled connection; the driver notices each closure when it
    happens, so asking it costs no round trip (unlike a ping before every use). The pool then opens a fresh
    connection in this one's place, and replaces every connection older than it on its next checkout."""
    if dbapi_connection.driver_connection.is_closed():
        raise InvalidatePoolError("the server closed this pooled connection")


def unavailable(error: BaseException) -> Unavailable | None:
    """The `Unavailable` that `error` means when it is a database failure a later attempt may not meet: the
    server unreachable or gone mid-request, a statement or lock wait past its limit, no pooled connection
    free in time. `None` for anything else (a refusal of the data itself, a bug)."""
    if isinstance(error, PoolTimeout):
        return Unavailable("no database connection came free in time")
    if isinstance(error, OSError):  # refused, unreachable, or asyncpg's own timeout
        return Unavailable("the database could not be reached in time")
    if not isinstance(error, DBAPIError | PostgresError):
        return None
    state = sqlstate(error)
    invalidated = isinstance(error, DBAPIError) and error.connection_invalidated
    if invalidated or (state or "").startswith(_CONNECTION_EXCEPTION_CLASS):
        return Unavailable("the database connection was lost")
    reason = _TRY_AGAIN_STATES.get(state or "")
    return None if reason is None else Unavailable(reason)


def sqlstate(error: DBAPIError | PostgresError) -> str | None:
    """The server's SQLSTATE for `error`, wherever the driver's wrapping put it."""
    origin = error.orig if isinstance(error, DBAPIError) else error
    state = getattr(origin, "sqlstate", None) or getattr(getattr(origin, "__cause__", None), "sqlstate", None)
    return None if state is None else str(state)


DRIVER_FAILURES: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout, OSError, PostgresError)
"""What a call into the database driver raises when it fails, through SQLAlchemy or straight from asyncpg."""


@contextmanager
def faults_as_unavailable(failures: tuple[type[Exception], ...] = DRIVER_FAILURES) -> Iterator[None]:
    """Re-raise the `failures` a later attempt may not meet as `Unavailable`; let the rest through."""
    try:
        yield
    except failures as error:
        meaning = unavailable(error)
        if meaning is None:
            raise
        raise meaning from error


@asynccontextmanager
async def own_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Commit when the block ends normally, roll back otherwise; an unreachable or lost database is
    `Unavailable`, which callers may retry."""
    with faults_as_unavailable():
        connection = await engine.connect()
    try:
        # The block's own work may raise an `OSError` that is not the database's (a queue that is down).
        with faults_as_unavailable((DBAPIError, TimeoutError)):
            async with connection.begin():
                yield connection
    finally:
        await connection.close()
