"""Memory unit of work: serializable by a store-wide lock, rolled back from a snapshot.

The lock is the coarsest form of the row locks `get_for_update` takes in PostgreSQL: a second unit that would
read a row the first one holds waits, here already at its start, until the first commits or rolls back, and
then reads what was committed. Interleavings that PostgreSQL allows between units on different rows are
therefore not exercised here; the contract tests that race two writers prove the real adapter.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from arco_adapters.memory.ad_accounts import MemoryAdAccountArea
from arco_adapters.memory.audit import MemoryAuditArea
from arco_adapters.memory.billing import MemoryBillingArea
from arco_adapters.memory.clients import MemoryClientArea
from arco_adapters.memory.dashboard import MemoryDashboardArea
from arco_adapters.memory.dns_records import MemoryDnsRecordArea
from arco_adapters.memory.domains import MemoryDomainArea
from arco_adapters.memory.jobs import MemoryJobArea
from arco_adapters.memory.metrics import MemoryMetricsArea
from arco_adapters.memory.monitoring import MemoryMonitoringArea
from arco_adapters.memory.operations import MemoryOperationsArea
from arco_adapters.memory.projects import MemoryProjectArea
from arco_adapters.memory.quotas import MemoryQuotaArea
from arco_adapters.memory.storage import MemoryStorageArea
from arco_adapters.memory.store import MemoryStore, Snapshot
from arco_adapters.memory.tickets import MemoryTicketArea
from arco_domain.model.access import DataScope


class MemoryUnitOfWork(
    MemoryClientArea,
    MemoryProjectArea,
    MemoryDomainArea,
    MemoryDnsRecordArea,
    MemoryTicketArea,
    MemoryStorageArea,
    MemoryQuotaArea,
    MemoryAuditArea,
    MemoryMetricsArea,
    MemoryAdAccountArea,
    MemoryOperationsArea,
    MemoryMonitoringArea,
    MemoryBillingArea,
    MemoryJobArea,
    MemoryDashboardArea,
):
    def __init__(self, store: MemoryStore, scope: DataScope) -> None:
        self._store = store
        self._scope = scope
        self._snapshot: Snapshot | None = None

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
