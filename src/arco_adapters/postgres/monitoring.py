"""PostgreSQL uptime monitors."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection
from arco_domain.ids import ClientId, IncidentId, ProjectId
from arco_domain.model.monitoring import CheckStatus, UptimeMonitor


def _monitor(row: Row[Any]) -> UptimeMonitor:
    return UptimeMonitor(
        client_id=ClientId(row.client_id),
        project_id=ProjectId(row.project_id),
        url=row.url,
        consecutive_failures=row.consecutive_failures,
        last_checked_at=row.last_checked_at,
        last_status=CheckStatus(row.last_status) if row.last_status is not None else None,
        open_incident_id=IncidentId(row.open_incident_id) if row.open_incident_id is not None else None,
    )


class PostgresUptimeMonitorRepository(Repository):
    async def get(self, client_id: ClientId, project_id: ProjectId) -> UptimeMonitor | None:
        m = t.uptime_monitors.c
        query = select(t.uptime_monitors).where(m.client_id == client_id, m.project_id == project_id)
        row = (await self._run(query)).first()
        return None if row is None else _monitor(row)

    async def upsert(self, monitor: UptimeMonitor) -> None:
        values = {
            "url": monitor.url,
            "consecutive_failures": monitor.consecutive_failures,
            "last_checked_at": monitor.last_checked_at,
            "last_status": monitor.last_status.value if monitor.last_status is not None else None,
            "open_incident_id": monitor.open_incident_id,
        }
        statement = pg_insert(t.uptime_monitors).values(
            client_id=monitor.client_id, project_id=monitor.project_id, **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=[t.uptime_monitors.c.client_id, t.uptime_monitors.c.project_id], set_=values
        )
        await self._run(statement)

    async def list_all(self) -> Sequence[UptimeMonitor]:
        m = t.uptime_monitors.c
        query = select(t.uptime_monitors).order_by(m.client_id, m.project_id)
        return [_monitor(row) for row in await self._all(query)]

    async def list_for_client(self, client_id: ClientId) -> Sequence[UptimeMonitor]:
        m = t.uptime_monitors.c
        query = select(t.uptime_monitors).where(m.client_id == client_id).order_by(m.project_id)
        return [_monitor(row) for row in await self._all(query)]


class PostgresMonitoringArea(UnitConnection):
    @cached_property
    def uptime_monitors(self) -> PostgresUptimeMonitorRepository:
        return PostgresUptimeMonitorRepository(self._open_connection)
