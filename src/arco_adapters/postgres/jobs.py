"""The transactional outbox: job requests written in the unit of work, dispatched after it commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.connections import own_transaction
from arco_adapters.postgres.repository import Repository, UnitConnection, UnitSession

Payload = Mapping[str, str | int | bool | None]
Send = Callable[[str, Payload, str], Awaitable[object]]
"""Hands one job (name, payload, dedupe key) to the queue; raises when the queue is unreachable."""


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    """Requests committed but not yet handed to the queue, and when the oldest of them was committed."""

    pending: int
    oldest: datetime | None


class PostgresJobQueue(Repository):
    """The outbox as a unit of work writes to it: a client-scoped one stamps its client on every request."""

    def __init__(self, session: UnitSession, client_id: UUID | None) -> None:
        super().__init__(session)
        self._client_id = client_id

    async def enqueue(self, job: str, payload: Payload, *, dedupe_key: str) -> None:
        statement = (
            pg_insert(t.job_outbox)
            .values(id=func.uuidv7(), job=job, payload=dict(payload), dedupe_key=dedupe_key, client_id=self._client_id)
            # No conflict target: naming one needs SELECT on its columns, which the client-serving role lacks.
            # The fresh UUIDv7 never collides, so only the dedupe key can.
            .on_conflict_do_nothing()
        )
        await self._run(statement)


class PostgresJobArea(UnitConnection):
    @cached_property
    def jobs(self) -> PostgresJobQueue:
        return PostgresJobQueue(self._open_connection, self._scope.client_id)


class PostgresOutbox:
    """Moves committed job requests to the queue. Several dispatchers may run at once: each claims rows
    with SKIP LOCKED, and the queue's job id (the dedupe key) absorbs a hand-over repeated after a crash."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def backlog(self) -> OutboxBacklog:
        o = t.job_outbox.c
        statement = select(func.count(), func.min(o.created_at)).where(o.dispatched_at.is_(None))
        async with self._engine.connect() as connection:
            pending, oldest = (await connection.execute(statement)).one()
        return OutboxBacklog(pending=int(pending), oldest=oldest)

    async def purge_dispatched(self, before: datetime) -> int:
        """Forget requests handed over before `before`; pending ones are always kept."""
        o = t.job_outbox.c
        statement = delete(t.job_outbox).where(o.dispatched_at.is_not(None), o.dispatched_at < before)
        async with own_transaction(self._engine) as connection:
            return int((await connection.execute(statement)).rowcount)

    async def dispatch(self, send: Send, *, limit: int = 100) -> int:
        o = t.job_outbox.c
        pending = (
            select(o.id, o.job, o.payload, o.dedupe_key)
            .where(o.dispatched_at.is_(None))
            .order_by(o.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        # A send that fails leaves every row of the batch pending: the transaction rolls back.
        async with own_transaction(self._engine) as connection:
            rows = (await connection.execute(pending)).all()
            for row in rows:
                await send(row.job, row.payload, row.dedupe_key)
            if rows:
                await connection.execute(
                    update(t.job_outbox).where(o.id.in_([row.id for row in rows])).values(dispatched_at=func.now())
                )
        return len(rows)
