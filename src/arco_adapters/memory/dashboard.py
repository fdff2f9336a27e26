"""Memory dashboard read: the memory repositories asked in turn, within the same scope."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from functools import cached_property

from arco_adapters.memory.clients import MemoryClientRepository
from arco_adapters.memory.domains import MemoryDomainRepository
from arco_adapters.memory.metrics import MemoryMetricsRepository
from arco_adapters.memory.operations import MemoryIncidentRepository, MemoryInfrastructureRepository
from arco_adapters.memory.projects import MemoryMilestoneRepository, MemoryProjectRepository
from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_adapters.memory.storage import MemoryStorageRepository
from arco_adapters.memory.tickets import MemoryTicketRepository
from arco_domain.ids import ClientId
from arco_domain.model.tiers import Resource
from arco_ports.dashboard import DashboardFacts, FirstResponses, MonthWindow


class MemoryDashboardReader(Scoped):
    kind = "client"

    def _usage(self, client_id: ClientId, periods: Collection[str]) -> dict[tuple[Resource, str], int]:
        mine = {(Resource(r), p): used for (owner, r, p), used in self._store.usage.items() if owner == client_id}
        greatest = {r: max(p for (kind, p) in mine if kind is r) for r, _ in mine}
        return {(r, p): used for (r, p), used in mine.items() if p in periods or p == greatest[r]}

    async def facts(self, client_id: ClientId, now: datetime, periods: Collection[str]) -> DashboardFacts:
        store, scope = self._store, self._scope
        client = await MemoryClientRepository(store, scope).get(client_id)
        metrics = MemoryMetricsRepository(store, scope)
        window = MonthWindow.holding(now, client.zone)
        return DashboardFacts(
            client=client,
            window=window,
            usage=self._usage(client_id, periods),
            first_responses=await self.first_responses(client_id, window.start, window.end),
            projects=await MemoryProjectRepository(store, scope).list_for_client(client_id),
            milestones=await MemoryMilestoneRepository(store, scope).list_for_client(client_id),
            domains=await MemoryDomainRepository(store, scope).list_for_client(client_id),
            infrastructure=await MemoryInfrastructureRepository(store, scope).list_for_client(client_id),
            traffic=await metrics.traffic_totals(client_id, window.first_day, window.today),
            file_count=await MemoryStorageRepository(store, scope).count_items(client_id),
            measurements=await metrics.latest_measurements(client_id),
            incidents=await MemoryIncidentRepository(store, scope).list_overlapping(
                client_id, window.start, window.end
            ),
            campaigns=await metrics.campaign_totals(client_id, window.first_day, window.today),
        )

    async def first_responses(self, client_id: ClientId, start: datetime, end: datetime) -> FirstResponses:
        tickets = await MemoryTicketRepository(self._store, self._scope).created_between(client_id, start, end)
        waits = [t.first_response_at - t.created_at for t in tickets if t.first_response_at is not None]
        return FirstResponses(len(waits), sum(waits, timedelta()))


class MemoryDashboardArea(ScopedUnit):
    @cached_property
    def dashboard(self) -> MemoryDashboardReader:
        return MemoryDashboardReader(self._store, self._scope)
