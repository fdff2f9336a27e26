"""The uptime monitor repository contract, run against every adapter.

Adapters may share one database between tests, so every test works on clients it creates itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid5

import pytest

from arco_domain.errors import NotFound
from arco_domain.ids import ClientId, IncidentId
from arco_domain.model.access import DataScope
from arco_domain.model.monitoring import CheckStatus, UptimeMonitor
from arco_domain.model.projects import Project
from arco_domain.model.tiers import Tier
from arco_ports.unit_of_work import UnitOfWorkFactory
from tests.contracts.unit_of_work import NOW, new_client, new_project, seed


def failing_monitor(project: Project) -> UptimeMonitor:
    """A monitor with every field set: three failures and the incident they opened."""
    return UptimeMonitor(
        client_id=project.client_id, project_id=project.id, url="https://shop.example.com.br",
        consecutive_failures=3, last_checked_at=NOW + timedelta(microseconds=123_457),
        last_status=CheckStatus.DOWN, open_incident_id=IncidentId(uuid5(project.id, "incident")),
    )  # fmt: skip


def fresh_monitor(project: Project) -> UptimeMonitor:
    return UptimeMonitor(project.client_id, project.id, f"https://{project.name.lower().replace(' ', '')}.example")


class UptimeMonitorContract:
    async def _client_with_projects(self, uow_factory: UnitOfWorkFactory, count: int = 1) -> list[Project]:
        client = await seed(uow_factory, new_client(Tier.PRO))
        projects = [new_project(client.id, f"Site {n}") for n in range(count)]
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for project in projects:
                await uow.projects.add(project)
            await uow.commit()
        return projects

    async def _store(self, uow_factory: UnitOfWorkFactory, *monitors: UptimeMonitor) -> None:
        async with uow_factory(DataScope.of_client(monitors[0].client_id)) as uow:
            for monitor in monitors:
                await uow.uptime_monitors.upsert(monitor)
            await uow.commit()

    async def _monitors(self, uow_factory: UnitOfWorkFactory, client_id: ClientId) -> list[UptimeMonitor]:
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            return list(await uow.uptime_monitors.list_for_client(client_id))

    async def test_a_stored_monitor_comes_back_equal(self, uow_factory: UnitOfWorkFactory) -> None:
        watched, unwatched = await self._client_with_projects(uow_factory, 2)
        monitor = failing_monitor(watched)
        await self._store(uow_factory, monitor)
        async with uow_factory(DataScope.of_client(watched.client_id)) as uow:
            assert await uow.uptime_monitors.get(watched.client_id, watched.id) == monitor
            assert await uow.uptime_monitors.get(watched.client_id, unwatched.id) is None

    async def test_a_second_upsert_replaces_the_projects_monitor(self, uow_factory: UnitOfWorkFactory) -> None:
        (project,) = await self._client_with_projects(uow_factory)
        recovered = replace(
            failing_monitor(project), url="https://new.example.com.br", consecutive_failures=0,
            last_checked_at=NOW + timedelta(minutes=5), last_status=CheckStatus.UP, open_incident_id=None,
        )  # fmt: skip
        await self._store(uow_factory, failing_monitor(project))
        await self._store(uow_factory, recovered)
        assert await self._monitors(uow_factory, project.client_id) == [recovered]

    async def test_a_clients_monitors_are_listed_in_project_id_order(self, uow_factory: UnitOfWorkFactory) -> None:
        projects = await self._client_with_projects(uow_factory, 3)
        monitors = [fresh_monitor(projects[1]), failing_monitor(projects[2]), fresh_monitor(projects[0])]
        await self._store(uow_factory, *monitors)
        assert await self._monitors(uow_factory, projects[0].client_id) == sorted(monitors, key=lambda m: m.project_id)

    async def test_a_job_lists_every_clients_monitors_by_client_then_project(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        first = await self._client_with_projects(uow_factory, 2)
        second = await self._client_with_projects(uow_factory, 1)
        monitors = [fresh_monitor(second[0]), failing_monitor(first[1]), fresh_monitor(first[0])]
        await self._store(uow_factory, *monitors[1:])
        await self._store(uow_factory, monitors[0])
        async with uow_factory(DataScope.all_clients()) as uow:
            listed = await uow.uptime_monitors.list_all()
        ours = [m for m in listed if m.client_id in {first[0].client_id, second[0].client_id}]
        assert ours == sorted(monitors, key=lambda m: (m.client_id, m.project_id))
        assert list(listed) == sorted(listed, key=lambda m: (m.client_id, m.project_id))

    async def test_another_clients_monitor_is_invisible(self, uow_factory: UnitOfWorkFactory) -> None:
        (mine,) = await self._client_with_projects(uow_factory)
        (theirs,) = await self._client_with_projects(uow_factory)
        await self._store(uow_factory, fresh_monitor(mine))
        await self._store(uow_factory, failing_monitor(theirs))
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            assert await uow.uptime_monitors.get(theirs.client_id, theirs.id) is None
            assert await uow.uptime_monitors.get(mine.client_id, theirs.id) is None
            assert await uow.uptime_monitors.list_for_client(theirs.client_id) == []
            assert await uow.uptime_monitors.list_all() == [fresh_monitor(mine)]

    async def test_a_monitor_for_a_project_that_is_not_the_clients_is_not_found(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        (mine,) = await self._client_with_projects(uow_factory)
        (theirs,) = await self._client_with_projects(uow_factory)
        await self._store(uow_factory, failing_monitor(theirs))
        attempts = [
            (DataScope.of_client(mine.client_id), replace(fresh_monitor(theirs), client_id=mine.client_id)),
            (DataScope.of_client(mine.client_id), fresh_monitor(theirs)),
            (DataScope.of_client(mine.client_id), fresh_monitor(new_project(mine.client_id, "Ghost"))),
            (DataScope.all_clients(), replace(fresh_monitor(theirs), client_id=mine.client_id)),
        ]
        for scope, monitor in attempts:
            async with uow_factory(scope) as uow:
                with pytest.raises(NotFound):
                    await uow.uptime_monitors.upsert(monitor)
        assert await self._monitors(uow_factory, mine.client_id) == []
        assert await self._monitors(uow_factory, theirs.client_id) == [failing_monitor(theirs)]

    async def test_removing_a_project_removes_its_monitor(self, uow_factory: UnitOfWorkFactory) -> None:
        doomed, kept = await self._client_with_projects(uow_factory, 2)
        await self._store(uow_factory, failing_monitor(doomed), fresh_monitor(kept))
        async with uow_factory(DataScope.of_client(doomed.client_id)) as uow:
            await uow.projects.remove(doomed.client_id, doomed.id)
            await uow.commit()
        assert await self._monitors(uow_factory, doomed.client_id) == [fresh_monitor(kept)]
        async with uow_factory(DataScope.all_clients()) as uow:
            assert await uow.uptime_monitors.get(doomed.client_id, doomed.id) is None
            assert all(m.project_id != doomed.id for m in await uow.uptime_monitors.list_all())

    async def test_writes_without_commit_are_rolled_back(self, uow_factory: UnitOfWorkFactory) -> None:
        (project,) = await self._client_with_projects(uow_factory)
        async with uow_factory(DataScope.of_client(project.client_id)) as uow:
            await uow.uptime_monitors.upsert(failing_monitor(project))
        assert await self._monitors(uow_factory, project.client_id) == []
