"""Clients' projects and their milestones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from arco_domain.ids import ClientId, MilestoneId, ProjectId
from arco_domain.model.projects import Milestone, Project


class ProjectRepository(Protocol):
    async def add(self, project: Project) -> None: ...

    async def get(self, client_id: ClientId, project_id: ProjectId) -> Project: ...

    async def get_for_update(self, client_id: ClientId, project_id: ProjectId) -> Project:
        """`get`, holding the project's row until the unit of work ends. The project is also what a unit locks
        to change the project's uptime monitor and its incidents, whose rows may not exist yet."""
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Project]: ...

    async def update(self, project: Project) -> None: ...

    async def remove(self, client_id: ClientId, project_id: ProjectId) -> None:
        """Removes the project and its milestones."""
        ...


class MilestoneRepository(Protocol):
    async def add(self, milestone: Milestone) -> None: ...

    async def get(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone: ...

    async def get_for_update(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        """`get`, holding the milestone's row until the unit of work ends."""
        ...

    async def list_for_project(self, client_id: ClientId, project_id: ProjectId) -> Sequence[Milestone]: ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Milestone]:
        """Every milestone of the client's projects, by project id, each project's in `list_for_project` order."""
        ...

    async def update(self, milestone: Milestone) -> None: ...


class ProjectArea(Protocol):
    @property
    def projects(self) -> ProjectRepository: ...

    @property
    def milestones(self) -> MilestoneRepository: ...
