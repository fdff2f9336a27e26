"""PostgreSQL quota usage."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection
from arco_domain.errors import QuotaExceeded, ValidationError
from arco_domain.ids import ClientId
from arco_domain.model.tiers import Resource


class PostgresQuotaLedger(Repository):
    async def admit(self, client_id: ClientId, resource: Resource, period: str, amount: int, limit: int | None) -> int:
        """One statement: create the usage row or add to it, only where `used + amount <= limit`.

        Concurrent admissions on one key queue on the row lock and each re-checks the condition against
        the committed usage before it, so no interleaving passes the limit.
        """
        if amount <= 0:
            raise ValidationError("a quota admission must request a positive amount", field="requested")
        q = t.quota_usage
        fits_fresh = literal(True) if limit is None else literal(amount) <= literal(limit)
        fresh = select(literal(client_id), literal(resource.value), literal(period), literal(amount)).where(fits_fresh)
        upsert = pg_insert(q).from_select(["client_id", "resource", "period", "used"], fresh)
        grow = q.c.used + upsert.excluded.used
        statement = upsert.on_conflict_do_update(
            index_elements=[q.c.client_id, q.c.resource, q.c.period],
            set_={"used": grow},
            where=None if limit is None else grow <= limit,
        ).returning(q.c.used)
        admitted = (await self._run(statement)).scalar()
        if admitted is None:
            assert limit is not None
            used = await self.used(client_id, resource, period)
            raise QuotaExceeded(resource.value, limit=limit, used=used, requested=amount)
        return int(admitted)

    async def release(self, client_id: ClientId, resource: Resource, period: str, amount: int) -> int:
        q = t.quota_usage
        statement = (
            update(q)
            .where(q.c.client_id == client_id, q.c.resource == resource.value, q.c.period == period)
            .values(used=func.greatest(q.c.used - amount, 0))
            .returning(q.c.used)
        )
        remaining = (await self._run(statement)).scalar()
        return 0 if remaining is None else int(remaining)

    async def usage(self, client_id: ClientId, periods: Mapping[Resource, str]) -> dict[Resource, int]:
        if not periods:
            return {}
        q = t.quota_usage
        wanted = [and_(q.c.resource == resource.value, q.c.period == period) for resource, period in periods.items()]
        query = select(q.c.resource, q.c.used).where(q.c.client_id == client_id, or_(*wanted))
        found = {Resource(row.resource): int(row.used) for row in await self._all(query)}
        return {resource: found.get(resource, 0) for resource in periods}

    async def used(self, client_id: ClientId, resource: Resource, period: str) -> int:
        q = t.quota_usage
        query = select(q.c.used).where(q.c.client_id == client_id, q.c.resource == resource.value, q.c.period == period)
        used = (await self._run(query)).scalar()
        return 0 if used is None else int(used)


class PostgresQuotaArea(UnitConnection):
    @cached_property
    def quotas(self) -> PostgresQuotaLedger:
        return PostgresQuotaLedger(self._open_connection)
