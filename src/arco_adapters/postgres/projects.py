"""PostgreSQL projects and milestones."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import Row, Select, and_, delete, func, insert, select, update

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection, locked
from arco_domain.ids import ClientId, MilestoneId, ProjectId
from arco_domain.model.money import Money
from arco_domain.model.projects import Milestone, Project, ProjectStatus


def _money(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount, currency)


def _project(row: Row[Any]) -> Project:
    return Project(
        id=ProjectId(row.id),
        client_id=ClientId(row.client_id),
        name=row.name,
        status=ProjectStatus(row.status),
        created_at=row.created_at,
        description=row.description,
        start_date=row.start_date,
        estimated_delivery=row.estimated_delivery,
        actual_delivery=row.actual_delivery,
        budget_total=_money(row.budget_total, row.currency),
        budget_used=_money(row.budget_used, row.currency),
    )


def _project_values(project: Project) -> dict[str, Any]:
    currency = next((m.currency for m in (project.budget_total, project.budget_used) if m), "BRL")
    return {
        "name": project.name,
        "description": project.description,
        "status": project.status.value,
        "start_date": project.start_date,
        "estimated_delivery": project.estimated_delivery,
        "actual_delivery": project.actual_delivery,
        "budget_total": project.budget_total.amount if project.budget_total else None,
        "budget_used": project.budget_used.amount if project.budget_used else None,
        "currency": currency,
    }


class PostgresProjectRepository(Repository):
    def _where(self, client_id: ClientId, project_id: ProjectId) -> Any:
        return and_(t.projects.c.client_id == client_id, t.projects.c.id == project_id)

    async def add(self, project: Project) -> None:
        await self._run(
            insert(t.projects).values(
                id=project.id, client_id=project.client_id, created_at=project.created_at, **_project_values(project)
            )
        )

    async def get(self, client_id: ClientId, project_id: ProjectId) -> Project:
        return _project(
            await self._one(select(t.projects).where(self._where(client_id, project_id)), "project", project_id)
        )

    async def get_for_update(self, client_id: ClientId, project_id: ProjectId) -> Project:
        return _project(
            await self._one(locked(select(t.projects).where(self._where(client_id, project_id))), "project", project_id)
        )

    async def list_for_client(self, client_id: ClientId) -> Sequence[Project]:
        query = select(t.projects).where(t.projects.c.client_id == client_id).order_by(t.projects.c.created_at)
        return [_project(row) for row in await self._all(query)]

    async def update(self, project: Project) -> None:
        statement = (
            update(t.projects)
            .where(self._where(project.client_id, project.id))
            .values(updated_at=func.now(), **_project_values(project))
        )
        await self._must_change(statement, "project", project.id)

    async def remove(self, client_id: ClientId, project_id: ProjectId) -> None:
        # Milestones, infrastructure and metrics go with it (ON DELETE CASCADE); tickets, domains and
        # files stay, detached from the project.
        await self._must_change(delete(t.projects).where(self._where(client_id, project_id)), "project", project_id)


def _milestone(row: Row[Any]) -> Milestone:
    return Milestone(
        id=MilestoneId(row.id),
        project_id=ProjectId(row.project_id),
        client_id=ClientId(row.client_id),
        title=row.title,
        due_date=row.due_date,
        created_at=row.created_at,
        completed_at=row.completed_at,
    )


class PostgresMilestoneRepository(Repository):
    async def add(self, milestone: Milestone) -> None:
        await self._run(
            insert(t.milestones).values(
                id=milestone.id,
                client_id=milestone.client_id,
                project_id=milestone.project_id,
                title=milestone.title,
                due_date=milestone.due_date,
                completed_at=milestone.completed_at,
                created_at=milestone.created_at,
            )
        )

    def _one_of(self, client_id: ClientId, milestone_id: MilestoneId) -> Select[Any]:
        return select(t.milestones).where(t.milestones.c.client_id == client_id, t.milestones.c.id == milestone_id)

    async def get(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        return _milestone(await self._one(self._one_of(client_id, milestone_id), "milestone", milestone_id))

    async def get_for_update(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        return _milestone(await self._one(locked(self._one_of(client_id, milestone_id)), "milestone", milestone_id))

    async def list_for_project(self, client_id: ClientId, project_id: ProjectId) -> Sequence[Milestone]:
        m = t.milestones.c
        query = (
            select(t.milestones)
            .where(m.client_id == client_id, m.project_id == project_id)
            .order_by(m.due_date.asc().nulls_last(), m.created_at)
        )
        return [_milestone(row) for row in await self._all(query)]

    async def list_for_client(self, client_id: ClientId) -> Sequence[Milestone]:
        m = t.milestones.c
        query = (
            select(t.milestones)
            .where(m.client_id == client_id)
            .order_by(m.project_id, m.due_date.asc().nulls_last(), m.created_at)
        )
        return [_milestone(row) for row in await self._all(query)]

    async def update(self, milestone: Milestone) -> None:
        m = t.milestones.c
        statement = (
            update(t.milestones)
            .where(m.client_id == milestone.client_id, m.id == milestone.id)
            .values(title=milestone.title, due_date=milestone.due_date, completed_at=milestone.completed_at)
        )
        await self._must_change(statement, "milestone", milestone.id)


class PostgresProjectArea(UnitConnection):
    @cached_property
    def projects(self) -> PostgresProjectRepository:
        return PostgresProjectRepository(self._open_connection)

    @cached_property
    def milestones(self) -> PostgresMilestoneRepository:
        return PostgresMilestoneRepository(self._open_connection)
