"""PostgreSQL audit log."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import Row, insert, select

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection
from arco_domain.ids import AuditEventId, ClientId, UserId
from arco_domain.model.audit import AuditEvent


def _audit(row: Row[Any]) -> AuditEvent:
    return AuditEvent(
        id=AuditEventId(row.id),
        action=row.action,
        occurred_at=row.occurred_at,
        client_id=ClientId(row.client_id) if row.client_id else None,
        actor_id=UserId(row.actor_id) if row.actor_id else None,
        impersonator_id=UserId(row.impersonator_id) if row.impersonator_id else None,
        details=dict(row.details),
    )


class PostgresAuditLog(Repository):
    async def record(self, event: AuditEvent) -> None:
        await self._run(
            insert(t.audit_events).values(
                id=event.id,
                client_id=event.client_id,
                action=event.action,
                actor_id=event.actor_id,
                impersonator_id=event.impersonator_id,
                occurred_at=event.occurred_at,
                details=event.details,
            )
        )

    async def list_recent(self, client_id: ClientId | None, *, limit: int) -> Sequence[AuditEvent]:
        a = t.audit_events.c
        query = select(t.audit_events).order_by(a.occurred_at.desc()).limit(limit)
        if client_id is not None:
            query = query.where(a.client_id == client_id)
        return [_audit(row) for row in await self._all(query)]


class PostgresAuditArea(UnitConnection):
    @cached_property
    def audit(self) -> PostgresAuditLog:
        return PostgresAuditLog(self._open_connection)
