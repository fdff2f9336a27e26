"""Memory outbox: job requests kept with the unit of work that made them (rolled back with it)."""

from __future__ import annotations

from collections.abc import Mapping

from arco_adapters.memory.repositories import Scoped
from arco_adapters.memory.store import MemoryStore

Payload = Mapping[str, str | int | bool | None]


class MemoryJobQueue(Scoped):
    kind = "job_outbox"

    async def enqueue(self, job: str, payload: Payload, *, dedupe_key: str) -> None:
        self._store.series.setdefault("outbox", {}).setdefault(dedupe_key, (job, dict(payload)))


def requested_jobs(store: MemoryStore) -> dict[str, tuple[str, dict[str, str | int | bool | None]]]:
    """Every committed job request, by dedupe key: what a dispatcher would hand to the workers."""
    return dict(store.series.get("outbox", {}))
