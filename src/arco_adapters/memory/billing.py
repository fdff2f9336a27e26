"""Memory log of processed provider events."""

from __future__ import annotations

from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_domain.ids import ClientId


class MemoryProcessedEventLog(Scoped):
    kind = "processed_event"

    async def record(self, provider: str, event_id: str, event_type: str) -> bool:
        log = self._store.series.setdefault("processed_events", {})
        if (provider, event_id) in log:
            return False
        log[provider, event_id] = (event_type, None, "received")
        return True

    async def settle(self, provider: str, event_id: str, *, client_id: ClientId | None, outcome: str) -> None:
        log = self._store.series.setdefault("processed_events", {})
        event_type, _, _ = log[provider, event_id]
        log[provider, event_id] = (event_type, client_id, outcome)


class MemoryBillingArea(ScopedUnit):
    @cached_property
    def processed_events(self) -> MemoryProcessedEventLog:
        return MemoryProcessedEventLog(self._store, self._scope)
