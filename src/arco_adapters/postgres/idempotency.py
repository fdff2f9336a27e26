"""PostgreSQL idempotency keys: one short transaction per call, outside any unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, delete, null, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.connections import own_transaction
from arco_ports.clock import Clock
from arco_ports.idempotency import (
    IN_FLIGHT_LEASE,
    RETENTION,
    Claimed,
    ClaimOutcome,
    Completed,
    InFlight,
    KeyReused,
    StoredResponse,
)

_keys = t.idempotency_keys
_k = _keys.c


def _stored(row: Row[Any]) -> StoredResponse:
    return StoredResponse(
        status=row.status,
        headers=tuple((name, value) for name, value in row.response_headers),
        body=bytes(row.response_body),
    )


class PostgresIdempotencyStore:
    def __init__(self, engine: AsyncEngine, clock: Clock, retention: timedelta = RETENTION) -> None:
        self._engine = engine
        self._clock = clock
        self._retention = retention

    def _expired_before(self) -> datetime:
        return self._clock.now() - self._retention

    def _live(self, owner: UUID, key: str) -> ColumnElement[bool]:
        return (_k.owner_id == owner) & (_k.key == key) & (_k.created_at > self._expired_before())

    async def claim(self, owner: UUID, key: str, fingerprint: str) -> ClaimOutcome:
        """Insert the key, or take over an expired row in the same statement.

        When the key is live, `ON CONFLICT DO UPDATE ... WHERE` updates nothing but still locks the row
        (waiting for a concurrent claimant to commit first), so the read that follows sees it as it stays
        until this transaction ends.
        """
        fresh = pg_insert(_keys).values(owner_id=owner, key=key, fingerprint=fingerprint, created_at=self._clock.now())
        take = fresh.on_conflict_do_update(
            index_elements=[_k.owner_id, _k.key],
            set_={
                "fingerprint": fresh.excluded.fingerprint,
                "created_at": fresh.excluded.created_at,
                "status": null(),
                "response_headers": null(),
                "response_body": null(),
            },
            where=(_k.created_at <= self._expired_before())
            | (_k.status.is_(None) & (_k.created_at <= self._clock.now() - IN_FLIGHT_LEASE)),
        ).returning(_k.owner_id)
        async with own_transaction(self._engine) as connection:
            if (await connection.execute(take)).first() is not None:
                return Claimed()
            query = select(_keys).where(_k.owner_id == owner, _k.key == key)
            row = (await connection.execute(query)).one()
        if row.fingerprint != fingerprint:
            return KeyReused()
        return InFlight() if row.status is None else Completed(_stored(row))

    async def complete(self, owner: UUID, key: str, response: StoredResponse) -> None:
        statement = (
            update(_keys)
            .where(self._live(owner, key), _k.status.is_(None))
            .values(
                status=response.status,
                response_headers=[[name, value] for name, value in response.headers],
                response_body=response.body,
            )
        )
        async with own_transaction(self._engine) as connection:
            await connection.execute(statement)

    async def release(self, owner: UUID, key: str) -> None:
        statement = delete(_keys).where(self._live(owner, key), _k.status.is_(None))
        async with own_transaction(self._engine) as connection:
            await connection.execute(statement)

    async def purge_expired(self) -> int:
        statement = delete(_keys).where(_k.created_at <= self._expired_before())
        async with own_transaction(self._engine) as connection:
            return (await connection.execute(statement)).rowcount
