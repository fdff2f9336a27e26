"""`PostgresSandboxDnsStore`: the sandbox DNS provider's zones and records in `sandbox_dns_zones` and
`sandbox_dns_records`, each call its own short transaction.

These tables hold the stand-in provider's data, not a client's: no row-level security applies. An `open_zone`
block is one transaction that starts by locking the zone's row (`SELECT ... FOR UPDATE`), so blocks on the same
zone run one after the other and each reads what the previous one committed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.connections import own_transaction
from arco_adapters.sandbox_zones import SandboxZone
from arco_domain.model.dns import ProviderDnsRecord
from arco_domain.model.domains import HostnameStatus

_zones = t.sandbox_dns_zones
_z = _zones.c
_records = t.sandbox_dns_records
_r = _records.c


def _zone(row: Row[Any]) -> SandboxZone:
    return SandboxZone(
        id=row.id,
        name=row.name,
        nameservers=tuple(row.nameservers),
        status=HostnameStatus(row.status),
        created_at=row.created_at,
    )


def _record(row: Row[Any]) -> ProviderDnsRecord:
    return ProviderDnsRecord(
        provider_id=row.id,
        type=row.type,
        name=row.name,
        content=row.content,
        ttl=row.ttl,
        priority=row.priority,
        proxied=row.proxied,
    )


class _PostgresZoneRecords:
    def __init__(self, connection: AsyncConnection, zone: SandboxZone) -> None:
        self._connection = connection
        self._zone = zone

    @property
    def zone(self) -> SandboxZone:
        return self._zone

    async def records(self) -> Sequence[ProviderDnsRecord]:
        rows = (await self._connection.execute(select(_records).where(_r.zone_id == self._zone.id))).all()
        return [_record(row) for row in rows]

    async def put(self, record: ProviderDnsRecord) -> None:
        fields = {
            "type": record.type,
            "name": record.name,
            "content": record.content,
            "ttl": record.ttl,
            "priority": record.priority,
            "proxied": record.proxied,
        }
        statement = (
            pg_insert(_records)
            .values(id=record.provider_id, zone_id=self._zone.id, **fields)
            .on_conflict_do_update(index_elements=[_r.id], set_=fields, where=_r.zone_id == self._zone.id)
        )
        await self._connection.execute(statement)

    async def remove(self, record_id: str) -> None:
        await self._connection.execute(delete(_records).where(_r.zone_id == self._zone.id, _r.id == record_id))

    async def set_status(self, status: HostnameStatus) -> None:
        await self._connection.execute(update(_zones).where(_z.id == self._zone.id).values(status=status.value))
        self._zone = replace(self._zone, status=status)


class PostgresSandboxDnsStore:
    """A `SandboxDnsStore` on PostgreSQL; deleting a zone deletes its records through the foreign key."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add_zone(self, zone: SandboxZone) -> bool:
        """`ON CONFLICT DO NOTHING` on the name waits for a concurrent insert of the same name to commit, so
        of racing callers exactly one adds the zone."""
        statement = (
            pg_insert(_zones)
            .values(
                id=zone.id,
                name=zone.name,
                status=zone.status.value,
                nameservers=list(zone.nameservers),
                created_at=zone.created_at,
            )
            .on_conflict_do_nothing(index_elements=[_z.name])
            .returning(_z.id)
        )
        async with own_transaction(self._engine) as connection:
            return (await connection.execute(statement)).first() is not None

    async def zone_named(self, name: str) -> SandboxZone | None:
        async with own_transaction(self._engine) as connection:
            row = (await connection.execute(select(_zones).where(_z.name == name))).first()
        return None if row is None else _zone(row)

    async def delete_zone(self, zone_id: str) -> None:
        async with own_transaction(self._engine) as connection:
            await connection.execute(delete(_zones).where(_z.id == zone_id))

    @asynccontextmanager
    async def open_zone(self, zone_id: str) -> AsyncIterator[_PostgresZoneRecords | None]:
        async with own_transaction(self._engine) as connection:
            locked = select(_zones).where(_z.id == zone_id).with_for_update()
            row = (await connection.execute(locked)).first()
            yield None if row is None else _PostgresZoneRecords(connection, _zone(row))
