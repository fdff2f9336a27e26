"""Memory unit of work: serializable by a store-wide lock, rolled back from a snapshot.

The lock is the coarsest form of the row locks `get_for_update` takes in PostgreSQL: a second unit that would
read a row the first one holds waits, here already at its start, until the first commits or rolls back, and
then reads what was committed. Interleavings that PostgreSQL allows between units on different rows are
therefore not exercised here; the contract tests that race two writers prove the real adapter.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from arco_adapters.memory.ad_accounts import MemoryAdAccountRepository
from arco_adapters.memory.billing import MemoryProcessedEventLog
from arco_adapters.memory.dns_records import MemoryDnsDriftRepository, MemoryDnsRecordRepository
from arco_adapters.memory.jobs import MemoryJobQueue
from arco_adapters.memory.metrics import MemoryCampaignRepository, MemoryMetricsRepository
from arco_adapters.memory.monitoring import MemoryUptimeMonitorRepository
from arco_adapters.memory.operations import MemoryIncidentRepository, MemoryInfrastructureRepository
from arco_adapters.memory.repositories import (
    MemoryAuditLog,
    MemoryClientRepository,
    MemoryDomainRepository,
    MemoryMemberRepository,
    MemoryMilestoneRepository,
    MemoryProjectRepository,
    MemoryQuotaLedger,
    MemoryStorageRepository,
    MemoryTicketRepository,
    MemoryUserRepository,
)
from arco_adapters.memory.store import MemoryStore, Snapshot
from arco_domain.model.access import DataScope


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore, scope: DataScope) -> None:
        self._store = store
        self._snapshot: Snapshot | None = None
        self.clients = MemoryClientRepository(store, scope)
        self.jobs = MemoryJobQueue(store, scope)
        self.processed_events = MemoryProcessedEventLog(store, scope)
        self.users = MemoryUserRepository(store, scope)
        self.members = MemoryMemberRepository(store, scope)
        self.projects = MemoryProjectRepository(store, scope)
        self.milestones = MemoryMilestoneRepository(store, scope)
        self.domains = MemoryDomainRepository(store, scope)
        self.dns_records = MemoryDnsRecordRepository(store, scope)
        self.dns_drift = MemoryDnsDriftRepository(store, scope)
        self.tickets = MemoryTicketRepository(store, scope)
        self.storage = MemoryStorageRepository(store, scope)
        self.quotas = MemoryQuotaLedger(store, scope)
        self.audit = MemoryAuditLog(store, scope)
        self.campaigns = MemoryCampaignRepository(store, scope)
        self.ad_accounts = MemoryAdAccountRepository(store, scope)
        self.metrics = MemoryMetricsRepository(store, scope)
        self.infrastructure = MemoryInfrastructureRepository(store, scope)
        self.incidents = MemoryIncidentRepository(store, scope)
        self.uptime_monitors = MemoryUptimeMonitorRepository(store, scope)

    async def __aenter__(self) -> Self:
        # Holding the lock for the whole unit makes every check-then-write atomic, as a
        # serializable transaction would; concurrency tests rely on it.
        await self._store.lock.acquire()
        self._snapshot = self._store.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._snapshot is not None:
                self._store.restore(self._snapshot)
        finally:
            self._snapshot = None
            self._store.lock.release()

    async def commit(self) -> None:
        self._snapshot = self._store.snapshot()


class MemoryUnitOfWorkFactory:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store or MemoryStore()

    def __call__(self, scope: DataScope) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store, scope)
