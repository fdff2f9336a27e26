"""Memory infrastructure and incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_domain.errors import Conflict
from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.infrastructure import Infrastructure
from arco_domain.model.uptime import Incident


class _ProjectChild(Scoped):
    def _check_project(self, client_id: ClientId, project_id: ProjectId) -> None:
        """What the `(client_id, project_id)` foreign key refuses: a project that is not the client's."""
        self._store.table("project").get(project_id, self._mine(client_id))


class MemoryInfrastructureRepository(_ProjectChild):
    kind = "infrastructure"  # keyed by project: one record each

    async def upsert(self, infrastructure: Infrastructure) -> None:
        self._check_project(infrastructure.client_id, infrastructure.project_id)
        self._table.put(infrastructure.project_id, infrastructure)

    async def list_for_client(self, client_id: ClientId) -> Sequence[Infrastructure]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda i: i.project_id)


class MemoryIncidentRepository(_ProjectChild):
    kind = "incident"

    async def add(self, incident: Incident) -> None:
        self._check_project(incident.client_id, incident.project_id)
        if incident.id in self._table.rows:
            raise Conflict(f"incident {incident.id} exists")
        self._insert(incident)

    async def update(self, incident: Incident) -> None:
        self._table.get(incident.id, self._mine(incident.client_id))
        self._check_project(incident.client_id, incident.project_id)
        self._table.put(incident.id, incident)

    async def list_overlapping(self, client_id: ClientId, start: datetime, end: datetime) -> Sequence[Incident]:
        mine = self._mine(client_id)
        rows = self._table.select(
            lambda i: mine(i) and i.started_at < end and (i.resolved_at is None or i.resolved_at > start)
        )
        return sorted(rows, key=lambda i: (i.started_at, i.id))


class MemoryOperationsArea(ScopedUnit):
    @cached_property
    def infrastructure(self) -> MemoryInfrastructureRepository:
        return MemoryInfrastructureRepository(self._store, self._scope)

    @cached_property
    def incidents(self) -> MemoryIncidentRepository:
        return MemoryIncidentRepository(self._store, self._scope)
