"""DNS records as ARCO stores them for a client's domains (the provider's copy is `arco_ports.dns`'s)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from arco_domain.ids import ClientId, DnsRecordId, DomainId
from arco_domain.model.dns import DnsDrift, DnsRecord


class DnsRecordRepository(Protocol):
    """Records always belong to one domain of one client.

    Like every repository, a record of another client, or under a domain the client does not have, is
    `NotFound`, never returned or changed. Records are checked against their rules by the domain before
    they get here; a repository only stores them. Removing a domain removes its records.
    """

    async def add(self, record: DnsRecord) -> None:
        """Raises `NotFound` when `record.domain_id` is not a domain of `record.client_id`."""
        ...

    async def get(self, client_id: ClientId, record_id: DnsRecordId) -> DnsRecord:
        """Raises `NotFound`."""
        ...

    async def list_for_domain(self, client_id: ClientId, domain_id: DomainId) -> Sequence[DnsRecord]:
        """The domain's records, oldest first; empty for a domain the client does not have."""
        ...

    async def update(self, record: DnsRecord) -> None:
        """Stores type, name, content, ttl, priority and proxied. A record never moves to another domain:
        raises `NotFound` unless the client has the record under `record.domain_id`."""
        ...

    async def remove(self, client_id: ClientId, record_id: DnsRecordId) -> None:
        """Raises `NotFound`."""
        ...


class DnsDriftRepository(Protocol):
    """The drift the last reconciliation of each domain reported: a report, replaced whole by the next one."""

    async def replace_for_domain(self, client_id: ClientId, domain_id: DomainId, drift: Sequence[DnsDrift]) -> None:
        """Make `drift` the domain's report. Raises `NotFound` when the client has no such domain."""
        ...

    async def list_for_domain(self, client_id: ClientId, domain_id: DomainId) -> Sequence[DnsDrift]:
        """The domain's report, oldest first; empty for a domain the client does not have."""
        ...


class DnsRecordArea(Protocol):
    @property
    def dns_records(self) -> DnsRecordRepository: ...

    @property
    def dns_drift(self) -> DnsDriftRepository: ...
