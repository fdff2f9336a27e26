"""Memory audit log."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_adapters.memory.store import in_scope
from arco_domain.errors import NotFound
from arco_domain.ids import ClientId
from arco_domain.model.audit import AuditEvent


class MemoryAuditLog(Scoped):
    kind = "audit_event"

    async def record(self, event: AuditEvent) -> None:
        if not in_scope(self._scope, event.client_id):
            raise NotFound("client", event.client_id)
        self._table.put(event.id, event)

    async def list_recent(self, client_id: ClientId | None, *, limit: int) -> Sequence[AuditEvent]:
        rows = self._table.select(
            lambda e: in_scope(self._scope, e.client_id) and (client_id is None or e.client_id == client_id)
        )
        return sorted(rows, key=lambda e: e.occurred_at, reverse=True)[:limit]


class MemoryAuditArea(ScopedUnit):
    @cached_property
    def audit(self) -> MemoryAuditLog:
        return MemoryAuditLog(self._store, self._scope)
