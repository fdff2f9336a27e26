"""PostgreSQL log of processed provider events."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection
from arco_domain.ids import ClientId


class PostgresProcessedEventLog(Repository):
    async def record(self, provider: str, event_id: str, event_type: str) -> bool:
        statement = (
            pg_insert(t.processed_webhook_events)
            .values(provider=provider, event_id=event_id, event_type=event_type, outcome="received")
            .on_conflict_do_nothing()
            .returning(t.processed_webhook_events.c.event_id)
        )
        return (await self._run(statement)).first() is not None

    async def settle(self, provider: str, event_id: str, *, client_id: ClientId | None, outcome: str) -> None:
        e = t.processed_webhook_events.c
        statement = (
            update(t.processed_webhook_events)
            .where(e.provider == provider, e.event_id == event_id)
            .values(client_id=client_id, outcome=outcome)
        )
        await self._must_change(statement, "processed event", event_id)


class PostgresBillingArea(UnitConnection):
    @cached_property
    def processed_events(self) -> PostgresProcessedEventLog:
        return PostgresProcessedEventLog(self._open_connection)
