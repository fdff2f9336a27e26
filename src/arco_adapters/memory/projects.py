"""Memory projects and milestones."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_domain.ids import ClientId, MilestoneId, ProjectId
from arco_domain.model.projects import Milestone, Project


class MemoryProjectRepository(Scoped):
    kind = "project"

    async def add(self, project: Project) -> None:
        self._insert(project)

    async def get(self, client_id: ClientId, project_id: ProjectId) -> Project:
        project: Project = self._table.get(project_id, self._mine(client_id))
        return project

    get_for_update = get

    async def list_for_client(self, client_id: ClientId) -> Sequence[Project]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda p: p.created_at)

    async def update(self, project: Project) -> None:
        self._replace(project)

    async def remove(self, client_id: ClientId, project_id: ProjectId) -> None:
        self._table.pop(project_id, self._mine(client_id))
        # What the foreign keys do in PostgreSQL: the project's own records go with it ...
        for kind in ("milestone", "incident", "infrastructure", "uptime_monitor"):
            self._store.table(kind).delete_where(lambda row: row.project_id == project_id)
        for series in ("traffic", "measurements"):
            points = self._store.series.get(series, {})
            self._store.series[series] = {key: p for key, p in points.items() if p.project_id != project_id}
        # ... and what only refers to it stays with the client, detached.
        for kind in ("domain", "ticket", "campaign", "storage_item"):
            self._store.table(kind).detach("project_id", project_id)


class MemoryMilestoneRepository(Scoped):
    kind = "milestone"

    async def add(self, milestone: Milestone) -> None:
        self._insert(milestone)

    async def get(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        milestone: Milestone = self._table.get(milestone_id, self._mine(client_id))
        return milestone

    get_for_update = get

    async def list_for_project(self, client_id: ClientId, project_id: ProjectId) -> Sequence[Milestone]:
        mine = self._mine(client_id)
        rows = self._table.select(lambda m: mine(m) and m.project_id == project_id)
        return sorted(rows, key=lambda m: (m.due_date is None, m.due_date, m.created_at))

    async def list_for_client(self, client_id: ClientId) -> Sequence[Milestone]:
        rows = self._table.select(self._mine(client_id))
        return sorted(rows, key=lambda m: (m.project_id, m.due_date is None, m.due_date, m.created_at))

    async def update(self, milestone: Milestone) -> None:
        self._replace(milestone)


class MemoryProjectArea(ScopedUnit):
    @cached_property
    def projects(self) -> MemoryProjectRepository:
        return MemoryProjectRepository(self._store, self._scope)

    @cached_property
    def milestones(self) -> MemoryMilestoneRepository:
        return MemoryMilestoneRepository(self._store, self._scope)
