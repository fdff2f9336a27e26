"""Memory idempotency keys, for unit tests and sandbox runs (one process only)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from arco_ports.clock import Clock
from arco_ports.idempotency import (
    IN_FLIGHT_LEASE,
    RETENTION,
    Claimed,
    ClaimOutcome,
    Completed,
    InFlight,
    KeyReused,
    StoredResponse,
)


@dataclass(frozen=True, slots=True)
class _Entry:
    fingerprint: str
    created_at: datetime
    response: StoredResponse | None = None


class MemoryIdempotencyStore:
    def __init__(self, clock: Clock, retention: timedelta = RETENTION) -> None:
        self._clock = clock
        self._retention = retention
        self._entries: dict[tuple[UUID, str], _Entry] = {}
        # Every call reads and writes without awaiting in between; the lock keeps it so if that changes.
        self._lock = asyncio.Lock()

    def _live(self, owner: UUID, key: str) -> _Entry | None:
        entry = self._entries.get((owner, key))
        if entry is None or self._expired(entry):
            return None
        return entry

    def _expired(self, entry: _Entry) -> bool:
        return entry.created_at <= self._clock.now() - self._retention

    def _abandoned(self, entry: _Entry) -> bool:
        return entry.response is None and entry.created_at <= self._clock.now() - IN_FLIGHT_LEASE

    async def claim(self, owner: UUID, key: str, fingerprint: str) -> ClaimOutcome:
        async with self._lock:
            entry = self._live(owner, key)
            if entry is None or self._abandoned(entry):
                self._entries[owner, key] = _Entry(fingerprint, self._clock.now())
                return Claimed()
            if entry.fingerprint != fingerprint:
                return KeyReused()
            return InFlight() if entry.response is None else Completed(entry.response)

    async def complete(self, owner: UUID, key: str, response: StoredResponse) -> None:
        async with self._lock:
            entry = self._live(owner, key)
            if entry is not None and entry.response is None:
                self._entries[owner, key] = _Entry(entry.fingerprint, entry.created_at, response)

    async def release(self, owner: UUID, key: str) -> None:
        async with self._lock:
            entry = self._live(owner, key)
            if entry is not None and entry.response is None:
                del self._entries[owner, key]

    async def purge_expired(self) -> int:
        async with self._lock:
            expired = [k for k, entry in self._entries.items() if self._expired(entry)]
            for k in expired:
                del self._entries[k]
            return len(expired)
