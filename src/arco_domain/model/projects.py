"""Projects the agency delivers for a client: a status pipeline and milestones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from arco_domain.errors import InvalidTransition, ValidationError
from arco_domain.ids import ClientId, MilestoneId, ProjectId
from arco_domain.model.money import Money

MAX_NAME = 200


class ProjectStatus(StrEnum):
    DISCOVERY = "discovery"
    DEVELOPMENT = "development"
    TESTING = "testing"
    STAGING = "staging"
    LIVE = "live"
    MAINTENANCE = "maintenance"


PIPELINE: tuple[ProjectStatus, ...] = tuple(ProjectStatus)


def can_move_project(frm: ProjectStatus, to: ProjectStatus) -> bool:
    """Forward one stage at a time; back to any earlier stage (rework) at any time.

    Maintenance is the last stage, so new work on a live site goes back to development.
    """
    step = PIPELINE.index(to) - PIPELINE.index(frm)
    return step == 1 or step < 0


@dataclass(slots=True)
class Project:
    id: ProjectId
    client_id: ClientId
    name: str
    status: ProjectStatus
    created_at: datetime
    description: str | None = None
    start_date: date | None = None
    estimated_delivery: date | None = None
    actual_delivery: date | None = None
    budget_total: Money | None = None
    budget_used: Money | None = None

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not self.name or len(self.name) > MAX_NAME:
            raise ValidationError(f"project name must be 1..{MAX_NAME} characters", field="name")
        if self.budget_total is not None and self.budget_total.amount < 0:
            raise ValidationError("budget cannot be negative", field="budget_total")
        if self.start_date and self.estimated_delivery and self.estimated_delivery < self.start_date:
            raise ValidationError("estimated delivery is before the start", field="estimated_delivery")

    def move_to(self, to: ProjectStatus, today: date) -> None:
        if to == self.status:
            return
        if not can_move_project(self.status, to):
            raise InvalidTransition(self.status, to, "projects advance one stage at a time")
        self.status = to
        if to is ProjectStatus.LIVE and self.actual_delivery is None:
            self.actual_delivery = today


@dataclass(slots=True)
class Milestone:
    id: MilestoneId
    project_id: ProjectId
    client_id: ClientId
    title: str
    due_date: date | None
    created_at: datetime
    completed_at: datetime | None = None

    def __post_init__(self) -> None:
        self.title = self.title.strip()
        if not self.title or len(self.title) > MAX_NAME:
            raise ValidationError(f"milestone title must be 1..{MAX_NAME} characters", field="title")


def completion_percent(milestones: Sequence[Milestone]) -> int:
    """Share of completed milestones, rounded down: a project is 100 % only when all are done."""
    if not milestones:
        return 0
    done = sum(1 for m in milestones if m.completed_at is not None)
    return int(Decimal(done * 100) / len(milestones))
