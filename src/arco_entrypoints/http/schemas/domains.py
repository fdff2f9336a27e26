"""Domain and DNS-record bodies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from arco_domain.model.dns import AUTOMATIC_TTL, DnsRecordType, DriftKind
from arco_domain.model.dns import DnsDrift as DnsDriftEntity
from arco_domain.model.dns import DnsRecord as DnsRecordEntity
from arco_domain.model.domains import Domain as DomainEntity
from arco_domain.model.domains import DomainStatus, HostnameStatus, SslStatus
from arco_entrypoints.http.schemas.base import Schema

# Loose bounds only: the domain's rules decide, and answer `422` naming the field.
DomainName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=1024, description="e.g. example.com.br or café.example")
]
RecordType = Annotated[
    str, msgspec.Meta(min_length=1, max_length=16, description="A, AAAA, CNAME, MX, TXT, NS, CAA or SRV")
]
RecordName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=1024, description='Relative to the domain; "@" is the domain itself.')
]
RecordContent = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
Ttl = Annotated[int, msgspec.Meta(description="Seconds, 60..86400, or 1 for automatic.")]
Priority = Annotated[int, msgspec.Meta(description="MX and SRV only, 0..65535.")]


class DomainCreate(Schema):
    name: DomainName
    project_id: UUID | None = None


class DomainUpdate(Schema):
    project_id: UUID | None
    """The project the domain belongs to, or `null` to detach it."""


class Domain(Schema):
    id: UUID
    name: str
    status: DomainStatus
    nameservers: list[str]
    hostname_status: HostnameStatus
    """The zone at the DNS provider: `pending` until the registrar points at `nameservers`."""
    ssl_status: SslStatus
    ssl_expires_on: date | None
    days_until_ssl_expiry: int | None
    provider_checked_at: datetime | None
    """When the DNS provider last answered for this domain; the statuses are as of then."""
    provider_unreachable_since: datetime | None
    """Set while the DNS provider cannot be asked; the statuses are then the last known ones."""
    renewal_date: date | None
    days_until_renewal: int | None
    project_id: UUID | None
    created_at: datetime

    @classmethod
    def from_entity(cls, domain: DomainEntity, now: datetime) -> Domain:
        today = now.astimezone(UTC).date()
        return cls(
            id=domain.id,
            name=domain.name,
            status=domain.status,
            nameservers=list(domain.nameservers),
            hostname_status=domain.hostname_status,
            ssl_status=domain.ssl_status,
            ssl_expires_on=domain.ssl_expires_on,
            days_until_ssl_expiry=domain.days_until_ssl_expiry(today),
            provider_checked_at=domain.provider_checked_at,
            provider_unreachable_since=domain.provider_unreachable_since,
            renewal_date=domain.renewal_date,
            days_until_renewal=domain.days_until_renewal(today),
            project_id=domain.project_id,
            created_at=domain.created_at,
        )


class DnsRecordCreate(Schema):
    type: RecordType
    name: RecordName
    content: RecordContent
    ttl: Ttl = AUTOMATIC_TTL
    priority: Priority | None = None
    proxied: bool = False


class DnsRecordUpdate(Schema):
    """Fields to change; those left out stay as they are. The type is fixed: delete and add to change it."""

    name: RecordName | None = None
    content: RecordContent | None = None
    ttl: Ttl | None = None
    priority: Priority | None = None
    proxied: bool | None = None


class DnsRecord(Schema):
    id: UUID
    domain_id: UUID
    type: DnsRecordType
    name: str
    content: str
    ttl: int
    priority: int | None
    proxied: bool
    created_at: datetime

    @classmethod
    def from_entity(cls, record: DnsRecordEntity) -> DnsRecord:
        return cls(
            id=record.id,
            domain_id=record.domain_id,
            type=record.type,
            name=record.name,
            content=record.content,
            ttl=record.ttl,
            priority=record.priority,
            proxied=record.proxied,
            created_at=record.created_at,
        )


class DnsDrift(Schema):
    """A difference the last reconciliation found between ARCO's records and the DNS provider's and left to
    the client: a record deleted at the provider outside ARCO, or one ARCO's rules cannot hold."""

    id: UUID
    kind: DriftKind
    record_id: UUID | None
    provider_record_id: str | None
    arco: dict[str, object] | None
    """ARCO's record, for `missing_at_provider`."""
    provider: dict[str, object] | None
    """The provider's record, for `unmanageable`."""
    detail: str
    detected_at: datetime

    @classmethod
    def from_entity(cls, drift: DnsDriftEntity) -> DnsDrift:
        return cls(
            id=drift.id,
            kind=drift.kind,
            record_id=drift.record_id,
            provider_record_id=drift.provider_record_id,
            arco=drift.arco,
            provider=drift.provider,
            detail=drift.detail,
            detected_at=drift.detected_at,
        )
