"""Memory quota usage."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_adapters.memory.store import in_scope
from arco_domain.errors import NotFound
from arco_domain.ids import ClientId
from arco_domain.model.quotas import admit
from arco_domain.model.tiers import Resource


class MemoryQuotaLedger(Scoped):
    kind = "quota_usage"

    def _key(self, client_id: ClientId, resource: Resource, period: str) -> tuple[ClientId, str, str]:
        if not in_scope(self._scope, client_id):
            raise NotFound("client", client_id)
        return client_id, resource.value, period

    async def admit(self, client_id: ClientId, resource: Resource, period: str, amount: int, limit: int | None) -> int:
        key = self._key(client_id, resource, period)
        self._store.usage[key] = admit(resource, self._store.usage.get(key, 0), amount, limit)
        return self._store.usage[key]

    async def release(self, client_id: ClientId, resource: Resource, period: str, amount: int) -> int:
        key = self._key(client_id, resource, period)
        self._store.usage[key] = max(self._store.usage.get(key, 0) - amount, 0)
        return self._store.usage[key]

    async def used(self, client_id: ClientId, resource: Resource, period: str) -> int:
        return self._store.usage.get(self._key(client_id, resource, period), 0)

    async def usage(self, client_id: ClientId, periods: Mapping[Resource, str]) -> dict[Resource, int]:
        return {resource: await self.used(client_id, resource, period) for resource, period in periods.items()}


class MemoryQuotaArea(ScopedUnit):
    @cached_property
    def quotas(self) -> MemoryQuotaLedger:
        return MemoryQuotaLedger(self._store, self._scope)
