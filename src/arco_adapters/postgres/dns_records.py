"""PostgreSQL DNS records of clients' domains."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection
from arco_domain.ids import ClientId, DnsDriftId, DnsRecordId, DomainId
from arco_domain.model.dns import DnsDrift, DnsRecord, DnsRecordType, DriftKind

KIND = "dns_record"


def _record(row: Row[Any]) -> DnsRecord:
    return DnsRecord(
        id=DnsRecordId(row.id),
        client_id=ClientId(row.client_id),
        domain_id=DomainId(row.domain_id),
        type=DnsRecordType(row.type),
        name=row.name,
        content=row.content,
        ttl=row.ttl,
        priority=row.priority,
        proxied=row.proxied,
        created_at=row.created_at,
        provider_record_id=row.provider_record_id,
    )


def _record_values(record: DnsRecord) -> dict[str, Any]:
    return {
        "type": record.type.value,
        "name": record.name,
        "content": record.content,
        "ttl": record.ttl,
        "priority": record.priority,
        "proxied": record.proxied,
        "provider_record_id": record.provider_record_id,
    }


class PostgresDnsRecordRepository(Repository):
    async def add(self, record: DnsRecord) -> None:
        # The (client_id, domain_id) foreign key refuses a domain of another client as NotFound.
        await self._run(
            insert(t.dns_records).values(
                id=record.id,
                client_id=record.client_id,
                domain_id=record.domain_id,
                created_at=record.created_at,
                **_record_values(record),
            )
        )

    async def get(self, client_id: ClientId, record_id: DnsRecordId) -> DnsRecord:
        r = t.dns_records.c
        query = select(t.dns_records).where(r.client_id == client_id, r.id == record_id)
        return _record(await self._one(query, KIND, record_id))

    async def list_for_domain(self, client_id: ClientId, domain_id: DomainId) -> Sequence[DnsRecord]:
        r = t.dns_records.c
        query = (
            select(t.dns_records).where(r.client_id == client_id, r.domain_id == domain_id).order_by(r.created_at, r.id)
        )
        return [_record(row) for row in await self._all(query)]

    async def update(self, record: DnsRecord) -> None:
        r = t.dns_records.c
        statement = (
            update(t.dns_records)
            .where(r.client_id == record.client_id, r.domain_id == record.domain_id, r.id == record.id)
            .values(**_record_values(record))
        )
        await self._must_change(statement, KIND, record.id)

    async def remove(self, client_id: ClientId, record_id: DnsRecordId) -> None:
        r = t.dns_records.c
        statement = delete(t.dns_records).where(r.client_id == client_id, r.id == record_id)
        await self._must_change(statement, KIND, record_id)


def _drift(row: Row[Any]) -> DnsDrift:
    return DnsDrift(
        id=DnsDriftId(row.id),
        client_id=ClientId(row.client_id),
        domain_id=DomainId(row.domain_id),
        kind=DriftKind(row.kind),
        record_id=DnsRecordId(row.record_id) if row.record_id else None,
        provider_record_id=row.provider_record_id,
        arco=row.arco,
        provider=row.provider,
        detail=row.detail,
        detected_at=row.detected_at,
    )


class PostgresDnsDriftRepository(Repository):
    async def replace_for_domain(self, client_id: ClientId, domain_id: DomainId, drift: Sequence[DnsDrift]) -> None:
        d = t.domains.c
        await self._one(select(d.id).where(d.client_id == client_id, d.id == domain_id), "domain", domain_id)
        r = t.dns_drift.c
        await self._run(delete(t.dns_drift).where(r.client_id == client_id, r.domain_id == domain_id))
        if drift:
            await self._run(
                insert(t.dns_drift).values(
                    [
                        {
                            "id": item.id,
                            "client_id": item.client_id,
                            "domain_id": item.domain_id,
                            "kind": item.kind.value,
                            "record_id": item.record_id,
                            "provider_record_id": item.provider_record_id,
                            "arco": item.arco,
                            "provider": item.provider,
                            "detail": item.detail,
                            "detected_at": item.detected_at,
                        }
                        for item in drift
                    ]
                )
            )

    async def list_for_domain(self, client_id: ClientId, domain_id: DomainId) -> Sequence[DnsDrift]:
        r = t.dns_drift.c
        query = (
            select(t.dns_drift).where(r.client_id == client_id, r.domain_id == domain_id).order_by(r.detected_at, r.id)
        )
        return [_drift(row) for row in await self._all(query)]


class PostgresDnsRecordArea(UnitConnection):
    @cached_property
    def dns_records(self) -> PostgresDnsRecordRepository:
        return PostgresDnsRecordRepository(self._open_connection)

    @cached_property
    def dns_drift(self) -> PostgresDnsDriftRepository:
        return PostgresDnsDriftRepository(self._open_connection)
