"""What the DNS sandbox keeps, shared by its provider (`arco_adapters.cloudflare.sandbox`) and its stores (in
memory and in PostgreSQL): the zone as stored, and the store's contract."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from arco_domain.model.dns import DnsZone, ProviderDnsRecord
from arco_domain.model.domains import HostnameStatus


@dataclass(frozen=True, slots=True)
class SandboxZone:
    """A zone as the sandbox keeps it: what the port shows of it, and when it was created."""

    id: str
    name: str
    nameservers: tuple[str, ...]
    status: HostnameStatus
    created_at: datetime

    def as_dns_zone(self) -> DnsZone:
        return DnsZone(provider_id=self.id, name=self.name, nameservers=self.nameservers, status=self.status)


class SandboxZoneRecords(Protocol):
    """One zone, held for the length of an `open_zone` block: no other block on it runs meanwhile."""

    @property
    def zone(self) -> SandboxZone:
        """The zone as it stands, including a status set in this block."""
        ...

    async def records(self) -> Sequence[ProviderDnsRecord]:
        """Every record of the zone, in no particular order."""
        ...

    async def put(self, record: ProviderDnsRecord) -> None:
        """Store `record` in the zone under its `provider_id`, replacing the zone's record with that id."""
        ...

    async def remove(self, record_id: str) -> None:
        """Remove the zone's record with that id; nothing happens when there is none."""
        ...

    async def set_status(self, status: HostnameStatus) -> None: ...


class SandboxDnsStore(Protocol):
    """Where the sandbox keeps zones and their records; it stores what it is given and checks nothing else."""

    async def add_zone(self, zone: SandboxZone) -> bool:
        """Store `zone`; False, storing nothing, when a zone of the same name exists (even one added concurrently)."""
        ...

    async def zone_named(self, name: str) -> SandboxZone | None: ...

    async def delete_zone(self, zone_id: str) -> None:
        """Remove the zone and all its records; nothing happens when there is no such zone."""
        ...

    def open_zone(self, zone_id: str) -> AbstractAsyncContextManager[SandboxZoneRecords | None]:
        """Hold the zone for the block, or None when there is no such zone.

        Blocks on the same zone run one after the other, each seeing what the previous one wrote, so reading
        the records and writing one in a block is atomic.
        """
        ...
