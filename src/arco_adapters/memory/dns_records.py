"""Memory DNS records of clients' domains."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_domain.ids import ClientId, DnsRecordId, DomainId
from arco_domain.model.dns import DnsDrift, DnsRecord


class MemoryDnsRecordRepository(Scoped):
    kind = "dns_record"

    async def add(self, record: DnsRecord) -> None:
        # The (client_id, domain_id) foreign key: only a domain of the record's own client will do.
        self._store.table("domain").get(record.domain_id, self._mine(record.client_id))
        self._insert(record)

    async def get(self, client_id: ClientId, record_id: DnsRecordId) -> DnsRecord:
        record: DnsRecord = self._table.get(record_id, self._mine(client_id))
        return record

    async def list_for_domain(self, client_id: ClientId, domain_id: DomainId) -> Sequence[DnsRecord]:
        mine = self._mine(client_id)
        rows = self._table.select(lambda r: mine(r) and r.domain_id == domain_id)
        return sorted(rows, key=lambda r: (r.created_at, r.id))

    async def update(self, record: DnsRecord) -> None:
        mine = self._mine(record.client_id)
        self._table.get(record.id, lambda stored: mine(stored) and stored.domain_id == record.domain_id)
        self._table.put(record.id, record)

    async def remove(self, client_id: ClientId, record_id: DnsRecordId) -> None:
        self._table.pop(record_id, self._mine(client_id))


class MemoryDnsDriftRepository(Scoped):
    kind = "dns_drift"

    async def replace_for_domain(self, client_id: ClientId, domain_id: DomainId, drift: Sequence[DnsDrift]) -> None:
        self._store.table("domain").get(domain_id, self._mine(client_id))
        mine = self._mine(client_id)
        self._table.delete_where(lambda row: mine(row) and row.domain_id == domain_id)
        for item in drift:
            self._insert(item)

    async def list_for_domain(self, client_id: ClientId, domain_id: DomainId) -> Sequence[DnsDrift]:
        mine = self._mine(client_id)
        rows = self._table.select(lambda row: mine(row) and row.domain_id == domain_id)
        return sorted(rows, key=lambda row: (row.detected_at, row.id))


class MemoryDnsRecordArea(ScopedUnit):
    @cached_property
    def dns_records(self) -> MemoryDnsRecordRepository:
        return MemoryDnsRecordRepository(self._store, self._scope)

    @cached_property
    def dns_drift(self) -> MemoryDnsDriftRepository:
        return MemoryDnsDriftRepository(self._store, self._scope)
