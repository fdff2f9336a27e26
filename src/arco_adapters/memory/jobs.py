"""Memory outbox: job requests kept with the unit of work that made them (rolled back with it)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_adapters.memory.store import MemoryStore

Payload = Mapping[str, str | int | bool | None]


class MemoryJobQueue(Scoped):
    kind = "job_outbox"

    async def enqueue(self, job: str, payload: Payload, *, dedupe_key: str) -> None:
        self._store.series.setdefault("outbox", {}).setdefault(dedupe_key, (job, dict(payload)))


class MemoryJobArea(ScopedUnit):
    @cached_property
    def jobs(self) -> MemoryJobQueue:
        return MemoryJobQueue(self._store, self._scope)


def requested_jobs(store: MemoryStore) -> dict[str, tuple[str, dict[str, str | int | bool | None]]]:
    """Every committed job request, by dedupe key: what a dispatcher would hand to the workers."""
    return dict(store.series.get("outbox", {}))
