"""The infrastructure and incident repository contract, run against every adapter.

Adapters may share one database between tests, so every test works on clients it creates itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from arco_domain.errors import Conflict, NotFound
from arco_domain.ids import ClientId, IncidentId
from arco_domain.model.access import DataScope
from arco_domain.model.infrastructure import BackupStatus, Cdn, Database, Hosting, HostingStatus, Infrastructure
from arco_domain.model.money import Money
from arco_domain.model.projects import Project
from arco_domain.model.tiers import Tier
from arco_domain.model.uptime import Incident, IncidentSeverity, IncidentStatus
from arco_ports.unit_of_work import UnitOfWorkFactory
from tests.contracts.unit_of_work import NOW, new_client, new_project, seed

WINDOW_START, WINDOW_END = NOW, NOW + timedelta(days=1)


def full_infrastructure(project: Project) -> Infrastructure:
    return Infrastructure(
        client_id=project.client_id,
        project_id=project.id,
        hosting=Hosting("Vercel", HostingStatus.ONLINE, "Pro", Money(Decimal("120.50"))),
        cdn=Cdn("Cloudflare", Decimal("93.25")),
        database=Database("Supabase", 512 * 1024**2, BackupStatus.OK, NOW - timedelta(hours=3)),
    )


def new_incident(
    project: Project, started: timedelta, resolved: timedelta | None = None, *, title: str = "Checkout down"
) -> Incident:
    return Incident(
        id=IncidentId(uuid4()), client_id=project.client_id, project_id=project.id, title=title,
        severity=IncidentSeverity.CRITICAL, started_at=NOW + started,
        status=IncidentStatus.INVESTIGATING if resolved is None else IncidentStatus.RESOLVED,
        resolved_at=None if resolved is None else NOW + resolved, description="500s on /checkout",
        affected_users=120,
    )  # fmt: skip


class OperationsContract:
    async def _client_with_projects(self, uow_factory: UnitOfWorkFactory, count: int = 1) -> list[Project]:
        client = await seed(uow_factory, new_client(Tier.PRO))
        projects = [new_project(client.id, f"Site {n}") for n in range(count)]
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for project in projects:
                await uow.projects.add(project)
            await uow.commit()
        return projects

    async def _infrastructure(self, uow_factory: UnitOfWorkFactory, client_id: ClientId) -> list[Infrastructure]:
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            return list(await uow.infrastructure.list_for_client(client_id))

    async def _incidents(self, uow_factory: UnitOfWorkFactory, client_id: ClientId) -> list[Incident]:
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            return list(await uow.incidents.list_overlapping(client_id, WINDOW_START, WINDOW_END))

    # --- infrastructure --------------------------------------------------------------------------------------

    async def test_infrastructure_comes_back_equal_in_project_id_order(self, uow_factory: UnitOfWorkFactory) -> None:
        projects = await self._client_with_projects(uow_factory, 3)
        records = [full_infrastructure(p) for p in projects]
        records[1] = replace(records[1], cdn=None, database=None)
        records[2] = Infrastructure(records[2].client_id, records[2].project_id)
        async with uow_factory(DataScope.of_client(projects[0].client_id)) as uow:
            for record in reversed(records):
                await uow.infrastructure.upsert(record)
            await uow.commit()
        listed = await self._infrastructure(uow_factory, projects[0].client_id)
        assert listed == sorted(records, key=lambda r: r.project_id)

    async def test_a_second_upsert_replaces_the_projects_record(self, uow_factory: UnitOfWorkFactory) -> None:
        (project,) = await self._client_with_projects(uow_factory)
        moved = Infrastructure(
            project.client_id, project.id, hosting=Hosting("AWS", HostingStatus.MAINTENANCE), cdn=Cdn("Fastly")
        )
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            await uow.infrastructure.upsert(full_infrastructure(project))
            await uow.commit()
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            await uow.infrastructure.upsert(moved)
            await uow.commit()
        assert await self._infrastructure(uow_factory, project.client_id) == [moved]

    async def test_infrastructure_for_a_project_that_is_not_the_clients_is_not_found(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        (mine,) = await self._client_with_projects(uow_factory)
        (theirs,) = await self._client_with_projects(uow_factory)
        async with uow_factory(DataScope.of_client(theirs.client_id)) as uow:
            await uow.infrastructure.upsert(full_infrastructure(theirs))
            await uow.commit()
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.infrastructure.upsert(replace(full_infrastructure(theirs), client_id=mine.client_id))
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.infrastructure.upsert(full_infrastructure(new_project(mine.client_id, "Ghost")))
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.infrastructure.upsert(replace(full_infrastructure(theirs), cdn=None))
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            assert await uow.infrastructure.list_for_client(theirs.client_id) == []
        assert await self._infrastructure(uow_factory, theirs.client_id) == [full_infrastructure(theirs)]
        assert await self._infrastructure(uow_factory, mine.client_id) == []

    async def test_staff_cannot_write_one_clients_figures_over_anothers_record(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        (mine,) = await self._client_with_projects(uow_factory)
        (theirs,) = await self._client_with_projects(uow_factory)
        async with uow_factory(DataScope.of_client(theirs.client_id)) as uow:
            await uow.infrastructure.upsert(full_infrastructure(theirs))
            await uow.commit()
        async with uow_factory(DataScope.all_clients()) as uow:
            with pytest.raises(NotFound):
                await uow.infrastructure.upsert(Infrastructure(mine.client_id, theirs.id, cdn=Cdn("Hijack")))
        assert await self._infrastructure(uow_factory, theirs.client_id) == [full_infrastructure(theirs)]

    # --- incidents -------------------------------------------------------------------------------------------

    async def test_incidents_overlapping_a_window_are_listed_oldest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        project, other_project = await self._client_with_projects(uow_factory, 2)
        hours = timedelta(hours=1)
        still_open_from_before = new_incident(project, -5 * hours)
        resolved_inside = new_incident(other_project, 2 * hours, 3 * hours)
        crossing_the_end = new_incident(project, 20 * hours, 30 * hours)
        started_inside_still_open = new_incident(project, 4 * hours)
        ended_at_the_start = new_incident(project, -3 * hours, timedelta())
        started_at_the_end = new_incident(project, 24 * hours)
        over_before = new_incident(project, -10 * hours, -9 * hours)
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            for incident in (
                crossing_the_end, ended_at_the_start, started_inside_still_open, over_before,
                still_open_from_before, started_at_the_end, resolved_inside,
            ):  # fmt: skip
                await uow.incidents.add(incident)
            await uow.commit()
        assert await self._incidents(uow_factory, project.client_id) == [
            still_open_from_before,
            resolved_inside,
            started_inside_still_open,
            crossing_the_end,
        ]

    async def test_an_updated_incident_comes_back_changed(self, uow_factory: UnitOfWorkFactory) -> None:
        (project,) = await self._client_with_projects(uow_factory)
        incident = new_incident(project, timedelta(hours=1))
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            await uow.incidents.add(incident)
            await uow.commit()
        incident.move(IncidentStatus.IDENTIFIED, at=NOW + timedelta(hours=2))
        incident.move(IncidentStatus.RESOLVED, at=NOW + timedelta(hours=3))
        changed = replace(incident, root_cause="Expired TLS certificate", resolution_notes="Renewed", title="TLS")
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            await uow.incidents.update(changed)
            await uow.commit()
        assert await self._incidents(uow_factory, project.client_id) == [changed]

    async def test_an_incident_id_is_taken_once(self, uow_factory: UnitOfWorkFactory) -> None:
        (project,) = await self._client_with_projects(uow_factory)
        incident = new_incident(project, timedelta(hours=1))
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            await uow.incidents.add(incident)
            await uow.commit()
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            with pytest.raises(Conflict):
                await uow.incidents.add(replace(incident, title="Again"))
        assert await self._incidents(uow_factory, project.client_id) == [incident]

    async def test_incidents_of_another_client_cannot_be_read_written_or_changed(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        (mine,) = await self._client_with_projects(uow_factory)
        (theirs,) = await self._client_with_projects(uow_factory)
        their_incident = new_incident(theirs, timedelta(hours=1))
        async with uow_factory(DataScope.of_client(theirs.client_id)) as uow:
            await uow.incidents.add(their_incident)
            await uow.commit()
        hijacked = replace(their_incident, title="Hijacked")
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            assert await uow.incidents.list_overlapping(theirs.client_id, WINDOW_START, WINDOW_END) == []
            with pytest.raises(NotFound):
                await uow.incidents.update(hijacked)
            with pytest.raises(NotFound):
                await uow.incidents.update(replace(hijacked, client_id=mine.client_id))
            with pytest.raises(NotFound):
                await uow.incidents.update(new_incident(mine, timedelta(hours=1)))
            await uow.commit()
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.incidents.add(replace(new_incident(theirs, timedelta(hours=2)), client_id=mine.client_id))
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.incidents.add(new_incident(theirs, timedelta(hours=2)))
        assert await self._incidents(uow_factory, theirs.client_id) == [their_incident]
        assert await self._incidents(uow_factory, mine.client_id) == []

    async def test_removing_a_project_removes_its_infrastructure_and_incidents(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        doomed, kept = await self._client_with_projects(uow_factory, 2)
        kept_incident = new_incident(kept, timedelta(hours=1))
        async with uow_factory(DataScope.of_client(doomed.client_id)) as uow:
            for project in (doomed, kept):
                await uow.infrastructure.upsert(full_infrastructure(project))
            await uow.incidents.add(new_incident(doomed, timedelta(hours=1)))
            await uow.incidents.add(kept_incident)
            await uow.commit()
        async with uow_factory(DataScope.of_client(doomed.client_id)) as uow:
            await uow.projects.remove(doomed.client_id, doomed.id)
            await uow.commit()
        assert await self._infrastructure(uow_factory, doomed.client_id) == [full_infrastructure(kept)]
        assert await self._incidents(uow_factory, doomed.client_id) == [kept_incident]

    async def test_writes_without_commit_are_rolled_back(self, uow_factory: UnitOfWorkFactory) -> None:
        (project,) = await self._client_with_projects(uow_factory)
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            await uow.infrastructure.upsert(full_infrastructure(project))
            await uow.incidents.add(new_incident(project, timedelta(hours=1)))
        assert await self._infrastructure(uow_factory, project.client_id) == []
        assert await self._incidents(uow_factory, project.client_id) == []
