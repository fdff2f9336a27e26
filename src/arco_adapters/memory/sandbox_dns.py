"""`MemorySandboxDnsStore`: the sandbox DNS provider's zones and records in this process, for tests and demos."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace

from arco_adapters.sandbox_zones import SandboxZone
from arco_domain.model.dns import ProviderDnsRecord
from arco_domain.model.domains import HostnameStatus


class _MemoryZoneRecords:
    def __init__(self, zones: dict[str, SandboxZone], records: dict[str, ProviderDnsRecord], zone_id: str) -> None:
        self._zones = zones
        self._records = records
        self._zone_id = zone_id

    @property
    def zone(self) -> SandboxZone:
        return self._zones[self._zone_id]

    async def records(self) -> Sequence[ProviderDnsRecord]:
        return list(self._records.values())

    async def put(self, record: ProviderDnsRecord) -> None:
        self._records[record.provider_id] = record

    async def remove(self, record_id: str) -> None:
        self._records.pop(record_id, None)

    async def set_status(self, status: HostnameStatus) -> None:
        self._zones[self._zone_id] = replace(self.zone, status=status)


class MemorySandboxDnsStore:
    """A `SandboxDnsStore` in dictionaries; one lock serializes every `open_zone` block of the store."""

    def __init__(self) -> None:
        self._zones: dict[str, SandboxZone] = {}
        self._records: dict[str, dict[str, ProviderDnsRecord]] = {}
        self._lock = asyncio.Lock()

    async def add_zone(self, zone: SandboxZone) -> bool:
        if await self.zone_named(zone.name) is not None:
            return False
        self._zones[zone.id] = zone
        self._records[zone.id] = {}
        return True

    async def zone_named(self, name: str) -> SandboxZone | None:
        return next((zone for zone in self._zones.values() if zone.name == name), None)

    async def delete_zone(self, zone_id: str) -> None:
        self._zones.pop(zone_id, None)
        self._records.pop(zone_id, None)

    @asynccontextmanager
    async def open_zone(self, zone_id: str) -> AsyncIterator[_MemoryZoneRecords | None]:
        async with self._lock:
            yield _MemoryZoneRecords(self._zones, self._records[zone_id], zone_id) if zone_id in self._zones else None
