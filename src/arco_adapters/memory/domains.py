"""Memory domains."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_domain.errors import Conflict
from arco_domain.ids import ClientId, DomainId
from arco_domain.model.domains import Domain


class MemoryDomainRepository(Scoped):
    kind = "domain"

    def _check_name_is_free(self, domain: Domain) -> None:
        # Names are unique across all clients; the check must see past the scope, like a UNIQUE index.
        if any(d.name == domain.name and d.id != domain.id for d in self._table.rows.values()):
            raise Conflict(f"{domain.name} is already managed")

    async def add(self, domain: Domain) -> None:
        self._check_name_is_free(domain)
        self._insert(domain)

    async def get(self, client_id: ClientId, domain_id: DomainId) -> Domain:
        domain: Domain = self._table.get(domain_id, self._mine(client_id))
        return domain

    get_for_update = get

    async def list_for_client(self, client_id: ClientId) -> Sequence[Domain]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda d: d.name)

    async def list_all(self) -> Sequence[Domain]:
        return sorted(self._table.select(self._visible), key=lambda d: (d.client_id, d.name))

    async def update(self, domain: Domain) -> None:
        self._check_name_is_free(domain)
        self._replace(domain)

    async def remove(self, client_id: ClientId, domain_id: DomainId) -> None:
        self._table.pop(domain_id, self._mine(client_id))
        for child in ("dns_record", "dns_drift"):
            self._store.table(child).delete_where(lambda row: row.domain_id == domain_id)


class MemoryDomainArea(ScopedUnit):
    @cached_property
    def domains(self) -> MemoryDomainRepository:
        return MemoryDomainRepository(self._store, self._scope)
