"""Project and milestone use-cases."""

from __future__ import annotations

from datetime import date

from arco_domain.ids import ClientId, MilestoneId, ProjectId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.money import Money
from arco_domain.model.projects import Milestone, Project, ProjectStatus
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.base import UseCase, release_stock, take_quota


class CreateProject(UseCase):
    """Start a project for a client, within its project quota. Staff may create for any client."""

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
        client_id = principal.client_in_reach(client_id)
        now = self._clock.now()
        project = Project(
            id=ProjectId(self._ids.new_id()), client_id=client_id, name=name, status=status, created_at=now,
            description=description, start_date=start_date, estimated_delivery=estimated_delivery,
            budget_total=budget_total,
        )  # fmt: skip
        async with self._uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            await take_quota(uow, client, Resource.PROJECTS, 1, now)
            await uow.projects.add(project)
            await uow.commit()
        return project


class MoveProject(UseCase):
    """Advance a project along its pipeline (or send it back for rework)."""

    async def __call__(
        self, principal: Principal, client_id: ClientId, project_id: ProjectId, *, to: ProjectStatus
    ) -> Project:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            project = await uow.projects.get(client_id, project_id)
            project.move_to(to, self._clock.now().date())
            await uow.projects.update(project)
            await uow.commit()
        return project


class DeleteProject(UseCase):
    """Delete a project and its milestones, giving its seat in the quota back."""

    async def __call__(self, principal: Principal, client_id: ClientId, project_id: ProjectId) -> None:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            await uow.projects.remove(client_id, project_id)
            await release_stock(uow, client_id, Resource.PROJECTS, 1)
            await uow.commit()


class AddMilestone(UseCase):
    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        project_id: ProjectId,
        *,
        title: str,
        due_date: date | None = None,
    ) -> Milestone:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            await uow.projects.get(client_id, project_id)
            milestone = Milestone(
                id=MilestoneId(self._ids.new_id()), project_id=project_id, client_id=client_id,
                title=title, due_date=due_date, created_at=self._clock.now(),
            )  # fmt: skip
            await uow.milestones.add(milestone)
            await uow.commit()
        return milestone


class CompleteMilestone(UseCase):
    async def __call__(self, principal: Principal, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            milestone = await uow.milestones.get(client_id, milestone_id)
            if milestone.completed_at is None:
                milestone.completed_at = self._clock.now()
                await uow.milestones.update(milestone)
                await uow.commit()
        return milestone
