"""Memory uptime monitors."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.monitoring import UptimeMonitor


class MemoryUptimeMonitorRepository(Scoped):
    kind = "uptime_monitor"  # keyed by project: one monitor each

    async def get(self, client_id: ClientId, project_id: ProjectId) -> UptimeMonitor | None:
        mine = self._mine(client_id)
        found = self._table.select(lambda m: m.project_id == project_id and mine(m))
        return next(found, None)

    async def upsert(self, monitor: UptimeMonitor) -> None:
        # What the `(client_id, project_id)` foreign key and row-level security refuse.
        self._store.table("project").get(monitor.project_id, self._mine(monitor.client_id))
        self._table.put(monitor.project_id, monitor)

    async def list_all(self) -> Sequence[UptimeMonitor]:
        rows = self._table.select(self._visible)
        return sorted(rows, key=lambda m: (m.client_id, m.project_id))

    async def list_for_client(self, client_id: ClientId) -> Sequence[UptimeMonitor]:
        mine = self._mine(client_id)
        return sorted(self._table.select(mine), key=lambda m: m.project_id)


class MemoryMonitoringArea(ScopedUnit):
    @cached_property
    def uptime_monitors(self) -> MemoryUptimeMonitorRepository:
        return MemoryUptimeMonitorRepository(self._store, self._scope)
