"""PostgreSQL domains."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import Row, and_, delete, func, insert, select, update

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection, locked
from arco_domain.ids import ClientId, DomainId, ProjectId
from arco_domain.model.domains import Domain, DomainStatus, HostnameStatus, SslStatus


def _domain(row: Row[Any]) -> Domain:
    return Domain(
        id=DomainId(row.id),
        client_id=ClientId(row.client_id),
        name=row.name,
        status=DomainStatus(row.status),
        nameservers=tuple(row.nameservers),
        ssl_status=SslStatus(row.ssl_status),
        ssl_expires_on=row.ssl_expires_on,
        renewal_date=row.renewal_date,
        project_id=ProjectId(row.project_id) if row.project_id else None,
        created_at=row.created_at,
        zone_id=row.zone_id,
        hostname_status=HostnameStatus(row.hostname_status),
        provider_checked_at=row.provider_checked_at,
        provider_unreachable_since=row.provider_unreachable_since,
    )


def _domain_values(domain: Domain) -> dict[str, Any]:
    return {
        "project_id": domain.project_id,
        "name": domain.name,
        "status": domain.status.value,
        "nameservers": list(domain.nameservers),
        "ssl_status": domain.ssl_status.value,
        "ssl_expires_on": domain.ssl_expires_on,
        "renewal_date": domain.renewal_date,
        "zone_id": domain.zone_id,
        "hostname_status": domain.hostname_status.value,
        "provider_checked_at": domain.provider_checked_at,
        "provider_unreachable_since": domain.provider_unreachable_since,
    }


class PostgresDomainRepository(Repository):
    def _where(self, client_id: ClientId, domain_id: DomainId) -> Any:
        return and_(t.domains.c.client_id == client_id, t.domains.c.id == domain_id)

    async def add(self, domain: Domain) -> None:
        await self._run(
            insert(t.domains).values(
                id=domain.id, client_id=domain.client_id, created_at=domain.created_at, **_domain_values(domain)
            )
        )

    async def get(self, client_id: ClientId, domain_id: DomainId) -> Domain:
        return _domain(await self._one(select(t.domains).where(self._where(client_id, domain_id)), "domain", domain_id))

    async def get_for_update(self, client_id: ClientId, domain_id: DomainId) -> Domain:
        query = locked(select(t.domains).where(self._where(client_id, domain_id)))
        return _domain(await self._one(query, "domain", domain_id))

    async def list_for_client(self, client_id: ClientId) -> Sequence[Domain]:
        query = select(t.domains).where(t.domains.c.client_id == client_id).order_by(t.domains.c.name)
        return [_domain(row) for row in await self._all(query)]

    async def list_all(self) -> Sequence[Domain]:
        query = select(t.domains).order_by(t.domains.c.client_id, t.domains.c.name)  # row-level security scopes it
        return [_domain(row) for row in await self._all(query)]

    async def update(self, domain: Domain) -> None:
        statement = (
            update(t.domains)
            .where(self._where(domain.client_id, domain.id))
            .values(updated_at=func.now(), **_domain_values(domain))
        )
        await self._must_change(statement, "domain", domain.id)

    async def remove(self, client_id: ClientId, domain_id: DomainId) -> None:
        await self._must_change(delete(t.domains).where(self._where(client_id, domain_id)), "domain", domain_id)


class PostgresDomainArea(UnitConnection):
    @cached_property
    def domains(self) -> PostgresDomainRepository:
        return PostgresDomainRepository(self._open_connection)
