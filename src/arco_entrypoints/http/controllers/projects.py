"""Projects and their milestones."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from arco_domain.ids import MilestoneId, ProjectId
from arco_domain.model.access import Principal
from arco_domain.use_cases.projects import (
    AddMilestone,
    CompleteMilestone,
    CreateProject,
    DeleteProject,
    GetProject,
    ListProjects,
    UpdateProject,
)
from arco_entrypoints.http.paging import DEFAULT_PAGE_SIZE, PageSize, page_out, page_request
from arco_entrypoints.http.schemas.base import Page
from arco_entrypoints.http.schemas.projects import (
    Milestone,
    MilestoneCreate,
    Project,
    ProjectCreate,
    ProjectUpdate,
    ProjectWithMilestones,
)


class ProjectController(Controller):
    path = "/v1/projects"
    tags = ["projects"]

    @get("/", operation_id="listProjects")
    async def list_projects(
        self,
        caller: NamedDependency[Principal],
        list_projects: NamedDependency[ListProjects],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
    ) -> Page[Project]:
        """The caller's projects, oldest first."""
        page = await list_projects(caller, caller.own_client(), page_request(limit, cursor))
        return page_out(page, Project.from_entity)

    @post("/", operation_id="createProject")
    async def create_project(
        self,
        caller: NamedDependency[Principal],
        data: JSONBody[ProjectCreate],
        create_project: NamedDependency[CreateProject],
    ) -> Project:
        """Start a project, within the tier's project quota (`409 quota-exceeded` past it)."""
        project = await create_project(
            caller, caller.own_client(), name=data.name, description=data.description, status=data.status,
            start_date=data.start_date, estimated_delivery=data.estimated_delivery, budget_total=data.budget(),
        )  # fmt: skip
        return Project.from_entity(project)

    @get("/{project_id:uuid}", operation_id="getProject")
    async def get_project(
        self, caller: NamedDependency[Principal], project_id: FromPath[UUID], get_project: NamedDependency[GetProject]
    ) -> ProjectWithMilestones:
        return ProjectWithMilestones.from_detail(await get_project(caller, caller.own_client(), ProjectId(project_id)))

    @patch("/{project_id:uuid}", operation_id="updateProject")
    async def update_project(
        self,
        caller: NamedDependency[Principal],
        project_id: FromPath[UUID],
        data: JSONBody[ProjectUpdate],
        update_project: NamedDependency[UpdateProject],
    ) -> Project:
        """Change a project's details; `status` moves one stage forward or back to an earlier stage."""
        project = await update_project(caller, caller.own_client(), ProjectId(project_id), data.changes())
        return Project.from_entity(project)

    @delete("/{project_id:uuid}", operation_id="deleteProject")
    async def delete_project(
        self,
        caller: NamedDependency[Principal],
        project_id: FromPath[UUID],
        delete_project: NamedDependency[DeleteProject],
    ) -> None:
        """Delete a project and its milestones; its seat in the quota is freed."""
        await delete_project(caller, caller.own_client(), ProjectId(project_id))

    @post("/{project_id:uuid}/milestones", operation_id="addMilestone")
    async def add_milestone(
        self,
        caller: NamedDependency[Principal],
        project_id: FromPath[UUID],
        data: JSONBody[MilestoneCreate],
        add_milestone: NamedDependency[AddMilestone],
    ) -> Milestone:
        milestone = await add_milestone(
            caller, caller.own_client(), ProjectId(project_id), title=data.title, due_date=data.due_date
        )
        return Milestone.from_entity(milestone)

    @post(
        "/{project_id:uuid}/milestones/{milestone_id:uuid}/complete", operation_id="completeMilestone", status_code=200
    )
    async def complete_milestone(
        self,
        caller: NamedDependency[Principal],
        project_id: FromPath[UUID],
        milestone_id: FromPath[UUID],
        complete_milestone: NamedDependency[CompleteMilestone],
    ) -> Milestone:
        milestone = await complete_milestone(
            caller, caller.own_client(), ProjectId(project_id), MilestoneId(milestone_id)
        )
        return Milestone.from_entity(milestone)
