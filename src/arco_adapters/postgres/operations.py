"""PostgreSQL infrastructure and incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Row, Select, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection
from arco_domain.ids import ClientId, IncidentId, ProjectId
from arco_domain.model.infrastructure import (
    HOSTING_COST_CURRENCY,
    BackupStatus,
    Cdn,
    Database,
    Hosting,
    HostingStatus,
    Infrastructure,
)
from arco_domain.model.money import Money
from arco_domain.model.uptime import Incident, IncidentSeverity, IncidentStatus


def _infrastructure(row: Row[Any]) -> Infrastructure:
    hosting = cdn = database = None
    if row.hosting_provider is not None:
        cost = row.hosting_monthly_cost
        hosting = Hosting(
            provider=row.hosting_provider,
            status=HostingStatus(row.hosting_status) if row.hosting_status else None,
            plan=row.hosting_plan,
            monthly_cost=Money(cost, HOSTING_COST_CURRENCY) if cost is not None else None,
        )
    if row.cdn_provider is not None:
        cdn = Cdn(provider=row.cdn_provider, cache_hit_rate=row.cdn_cache_hit_rate)
    if row.database_provider is not None:
        database = Database(
            provider=row.database_provider,
            size_bytes=row.database_size_bytes,
            backup_status=BackupStatus(row.database_backup_status) if row.database_backup_status else None,
            last_backup_at=row.database_last_backup,
        )
    return Infrastructure(
        client_id=ClientId(row.client_id),
        project_id=ProjectId(row.project_id),
        hosting=hosting,
        cdn=cdn,
        database=database,
    )


def _infrastructure_values(infrastructure: Infrastructure) -> dict[str, Any]:
    hosting, cdn, database = infrastructure.hosting, infrastructure.cdn, infrastructure.database
    return {
        "hosting_provider": hosting.provider if hosting else None,
        "hosting_plan": hosting.plan if hosting else None,
        "hosting_status": hosting.status.value if hosting and hosting.status else None,
        "hosting_monthly_cost": hosting.monthly_cost.amount if hosting and hosting.monthly_cost else None,
        "cdn_provider": cdn.provider if cdn else None,
        "cdn_cache_hit_rate": cdn.cache_hit_rate if cdn else None,
        "database_provider": database.provider if database else None,
        "database_size_bytes": database.size_bytes if database else None,
        "database_backup_status": database.backup_status.value if database and database.backup_status else None,
        "database_last_backup": database.last_backup_at if database else None,
    }


class PostgresInfrastructureRepository(Repository):
    async def upsert(self, infrastructure: Infrastructure) -> None:
        i = t.infrastructure.c
        values = _infrastructure_values(infrastructure)
        statement = pg_insert(t.infrastructure).values(
            id=func.uuidv7(), client_id=infrastructure.client_id, project_id=infrastructure.project_id, **values
        )
        # The WHERE keeps a staff-scoped unit from writing one client's figures over another's row.
        statement = statement.on_conflict_do_update(
            index_elements=[i.project_id],
            set_={**values, "updated_at": func.now()},
            where=i.client_id == statement.excluded.client_id,
        )
        await self._must_change(statement, "project", infrastructure.project_id)

    async def list_for_client(self, client_id: ClientId) -> Sequence[Infrastructure]:
        i = t.infrastructure.c
        query = select(t.infrastructure).where(i.client_id == client_id).order_by(i.project_id)
        return [_infrastructure(row) for row in await self._all(query)]


def _incident(row: Row[Any]) -> Incident:
    return Incident(
        id=IncidentId(row.id),
        client_id=ClientId(row.client_id),
        project_id=ProjectId(row.project_id),
        title=row.title,
        severity=IncidentSeverity(row.severity),
        started_at=row.started_at,
        status=IncidentStatus(row.status),
        resolved_at=row.resolved_at,
        description=row.description,
        root_cause=row.root_cause,
        resolution_notes=row.resolution_notes,
        affected_users=row.affected_users,
    )


def _incident_values(incident: Incident) -> dict[str, Any]:
    return {
        "project_id": incident.project_id,
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "started_at": incident.started_at,
        "resolved_at": incident.resolved_at,
        "affected_users": incident.affected_users,
        "root_cause": incident.root_cause,
        "resolution_notes": incident.resolution_notes,
    }


def incidents_overlapping_query(client_id: ClientId, start: datetime, end: datetime) -> Select[Any]:
    i = t.incidents.c
    return (
        select(t.incidents)
        .where(i.client_id == client_id, i.started_at < end, or_(i.resolved_at.is_(None), i.resolved_at > start))
        .order_by(i.started_at, i.id)
    )


class PostgresIncidentRepository(Repository):
    async def add(self, incident: Incident) -> None:
        await self._run(
            insert(t.incidents).values(id=incident.id, client_id=incident.client_id, **_incident_values(incident))
        )

    async def update(self, incident: Incident) -> None:
        i = t.incidents.c
        statement = (
            update(t.incidents)
            .where(i.client_id == incident.client_id, i.id == incident.id)
            .values(updated_at=func.now(), **_incident_values(incident))
        )
        await self._must_change(statement, "incident", incident.id)

    async def list_overlapping(self, client_id: ClientId, start: datetime, end: datetime) -> Sequence[Incident]:
        return [_incident(row) for row in await self._all(incidents_overlapping_query(client_id, start, end))]


class PostgresOperationsArea(UnitConnection):
    @cached_property
    def infrastructure(self) -> PostgresInfrastructureRepository:
        return PostgresInfrastructureRepository(self._open_connection)

    @cached_property
    def incidents(self) -> PostgresIncidentRepository:
        return PostgresIncidentRepository(self._open_connection)
