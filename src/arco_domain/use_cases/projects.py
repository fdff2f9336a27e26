"""Project and milestone use-cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from arco_domain.errors import NotFound
from arco_domain.ids import ClientId, MilestoneId, ProjectId
from arco_domain.model.access import Capability, DataScope, Principal
from arco_domain.model.money import Money
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.model.projects import Milestone, Project, ProjectStatus, completion_percent
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.base import release_stock, take_quota
from arco_ports.clock import Clock, IdGenerator
from arco_ports.unit_of_work import UnitOfWorkFactory

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateProject:
    """Start a project for a client, within its project quota. Staff may create for any client."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        *,
        name: str,
        description: str | None = None,
        status: ProjectStatus = ProjectStatus.DISCOVERY,
        start_date: date | None = None,
        estimated_delivery: date | None = None,
        budget_total: Money | None = None,
    ) -> Project:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        now = self.clock.now()
        project = Project(
            id=ProjectId(self.ids.new_id()), client_id=client_id, name=name, status=status, created_at=now,
            description=description, start_date=start_date, estimated_delivery=estimated_delivery,
            budget_total=budget_total,
        )  # fmt: skip
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            await take_quota(uow, client, Resource.PROJECTS, 1, now)
            await uow.projects.add(project)
            await uow.commit()
        return project


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteProject:
    """Delete a project and its milestones, giving its seat in the quota back."""

    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, project_id: ProjectId) -> None:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            await uow.projects.remove(client_id, project_id)
            await release_stock(uow, client_id, Resource.PROJECTS, 1)
            await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class AddMilestone:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        project_id: ProjectId,
        *,
        title: str,
        due_date: date | None = None,
    ) -> Milestone:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            await uow.projects.get(client_id, project_id)
            milestone = Milestone(
                id=MilestoneId(self.ids.new_id()), project_id=project_id, client_id=client_id,
                title=title, due_date=due_date, created_at=self.clock.now(),
            )  # fmt: skip
            await uow.milestones.add(milestone)
            await uow.commit()
        return milestone


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteMilestone:
    uow: UnitOfWorkFactory
    clock: Clock

    async def __call__(
        self, principal: Principal, client_id: ClientId, project_id: ProjectId, milestone_id: MilestoneId
    ) -> Milestone:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            milestone = await uow.milestones.get_for_update(client_id, milestone_id)
            if milestone.project_id != project_id:
                raise NotFound("milestone", milestone_id)
            if milestone.completed_at is None:
                milestone.completed_at = self.clock.now()
                await uow.milestones.update(milestone)
                await uow.commit()
        return milestone


@dataclass(frozen=True, slots=True, kw_only=True)
class ListProjects:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, page: PageRequest) -> Page[Project]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            projects = await uow.projects.list_for_client(client_id)
        return paginate(projects, page, lambda p: p.id)


@dataclass(frozen=True, slots=True)
class ProjectDetail:
    project: Project
    milestones: Sequence[Milestone]

    @property
    def completion_percent(self) -> int:
        return completion_percent(self.milestones)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetProject:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, project_id: ProjectId) -> ProjectDetail:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            project = await uow.projects.get(client_id, project_id)
            return ProjectDetail(project, await uow.milestones.list_for_project(client_id, project_id))


@dataclass(frozen=True, slots=True)
class ProjectChanges:
    """Fields to change; `None` leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    status: ProjectStatus | None = None
    start_date: date | None = None
    estimated_delivery: date | None = None
    budget_total: Money | None = None


def _either(change: T | None, current: T) -> T:
    return current if change is None else change


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateProject:
    """Edit a project's details; a status change follows the pipeline rule."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def __call__(
        self, principal: Principal, client_id: ClientId, project_id: ProjectId, changes: ProjectChanges
    ) -> Project:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            current = await uow.projects.get_for_update(client_id, project_id)
            edited = Project(
                id=current.id, client_id=current.client_id, name=_either(changes.name, current.name),
                status=current.status, created_at=current.created_at,
                description=_either(changes.description, current.description),
                start_date=_either(changes.start_date, current.start_date),
                estimated_delivery=_either(changes.estimated_delivery, current.estimated_delivery),
                actual_delivery=current.actual_delivery,
                budget_total=_either(changes.budget_total, current.budget_total), budget_used=current.budget_used,
            )  # fmt: skip
            if changes.status is not None:
                edited.move_to(changes.status, self.clock.now().date())
            await uow.projects.update(edited)
            await uow.commit()
        return edited
