"""Project and milestone bodies."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from arco_domain.model.money import Money as MoneyEntity
from arco_domain.model.projects import Milestone as MilestoneEntity
from arco_domain.model.projects import Project as ProjectEntity
from arco_domain.model.projects import ProjectStatus
from arco_domain.use_cases.projects import ProjectChanges, ProjectDetail
from arco_entrypoints.http.schemas.base import Schema
from arco_entrypoints.http.schemas.common import Name, Text
from arco_entrypoints.http.schemas.money import Money, money_text, money_value


def _money(amount: str | None) -> MoneyEntity | None:
    return None if amount is None else MoneyEntity(money_value(amount))


class ProjectCreate(Schema):
    name: Name
    description: Text | None = None
    status: ProjectStatus = ProjectStatus.DISCOVERY
    start_date: date | None = None
    estimated_delivery: date | None = None
    budget_total: Money | None = None

    def budget(self) -> MoneyEntity | None:
        return _money(self.budget_total)


class ProjectUpdate(Schema):
    name: Name | None = None
    description: Text | None = None
    status: ProjectStatus | None = None
    start_date: date | None = None
    estimated_delivery: date | None = None
    budget_total: Money | None = None

    def changes(self) -> ProjectChanges:
        return ProjectChanges(
            name=self.name,
            description=self.description,
            status=self.status,
            start_date=self.start_date,
            estimated_delivery=self.estimated_delivery,
            budget_total=_money(self.budget_total),
        )


class Project(Schema):
    id: UUID
    name: str
    description: str | None
    status: ProjectStatus
    start_date: date | None
    estimated_delivery: date | None
    actual_delivery: date | None
    budget_total: Money | None
    budget_used: Money | None
    currency: str
    created_at: datetime

    @classmethod
    def from_entity(cls, project: ProjectEntity) -> Project:
        money = project.budget_total or project.budget_used
        return cls(
            id=project.id,
            name=project.name,
            description=project.description,
            status=project.status,
            start_date=project.start_date,
            estimated_delivery=project.estimated_delivery,
            actual_delivery=project.actual_delivery,
            budget_total=money_text(project.budget_total.amount) if project.budget_total else None,
            budget_used=money_text(project.budget_used.amount) if project.budget_used else None,
            currency=money.currency if money else "BRL",
            created_at=project.created_at,
        )


class MilestoneCreate(Schema):
    title: Name
    due_date: date | None = None


class Milestone(Schema):
    id: UUID
    title: str
    due_date: date | None
    completed_at: datetime | None

    @classmethod
    def from_entity(cls, milestone: MilestoneEntity) -> Milestone:
        return cls(
            id=milestone.id, title=milestone.title, due_date=milestone.due_date, completed_at=milestone.completed_at
        )


class ProjectWithMilestones(Schema):
    project: Project
    milestones: list[Milestone]
    completion_percent: int

    @classmethod
    def from_detail(cls, detail: ProjectDetail) -> ProjectWithMilestones:
        return cls(
            project=Project.from_entity(detail.project),
            milestones=[Milestone.from_entity(m) for m in detail.milestones],
            completion_percent=detail.completion_percent,
        )
