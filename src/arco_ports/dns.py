"""The DNS provider: zones, records and certificate status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from arco_domain.model.dns import CertificateState, DnsRecordSpec, DnsZone, ProviderDnsRecord


class DnsProvider(Protocol):
    """Calls are retried on transient failures inside the adapter; what still fails raises an
    `ArcoError`. A failure to ask ("provider unreachable") is never reported as a failed certificate."""

    async def ensure_zone(self, name: str) -> DnsZone:
        """The zone for `name`, created when the provider has none."""
        ...

    async def list_records(self, zone_id: str) -> Sequence[ProviderDnsRecord]:
        """Every record of the zone, across all pages."""
        ...

    async def create_record(self, zone_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord: ...

    async def update_record(self, zone_id: str, record_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord: ...

    async def delete_record(self, zone_id: str, record_id: str) -> None:
        """Deleting a record that is already gone succeeds."""
        ...

    async def certificate(self, zone_id: str, hostname: str) -> CertificateState: ...
