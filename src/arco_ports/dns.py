"""The DNS provider: zones, records and certificate status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from arco_domain.model.dns import CertificateState, DnsRecordSpec, DnsZone, ProviderDnsRecord


class DnsProvider(Protocol):
    """A DNS host's API, one account of it.

    Adapters retry transient failures (with backoff, honouring the provider's `Retry-After`) and bound
    every call with timeouts. What still fails leaves as an `ArcoError`: `Unavailable` when the provider
    could not be asked ("try again later" — never a verdict on the domain or its certificate),
    `ValidationError` when it refused the input, `NotFound` for a zone or record it does not have,
    `ProviderError` for what only ARCO's operators can fix (a revoked token, missing permissions).
    Record names go out relative to the zone (`@` for the apex) and come back fully qualified.
    """

    async def find_zone(self, name: str) -> DnsZone | None:
        """The account's zone named `name`, or None."""
        ...

    async def create_zone(self, name: str) -> DnsZone: ...

    async def zone(self, zone_id: str) -> DnsZone:
        """The zone's current state and nameservers."""
        ...

    async def delete_zone(self, zone_id: str) -> None:
        """Deleting a zone that is already gone succeeds."""
        ...

    async def list_records(self, zone_id: str) -> Sequence[ProviderDnsRecord]:
        """Every record of the zone, across all pages."""
        ...

    async def create_record(self, zone_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord: ...

    async def update_record(self, zone_id: str, record_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord: ...

    async def delete_record(self, zone_id: str, record_id: str) -> None:
        """Deleting a record that is already gone succeeds."""
        ...

    async def certificate(self, zone_id: str, hostname: str) -> CertificateState:
        """The state of the certificate covering `hostname`; `SslStatus.NONE` when none covers it."""
        ...
