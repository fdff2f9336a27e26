"""The client dashboard: every area's overview, read in one unit of work.

The store is asked once (`DashboardReader.facts`): the client row, usage counters, lists and sums come back
together, whatever the client holds, and every rule (limits, percentages, grades, uptime, averages) is
applied here on what came back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import reduce
from operator import add

from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.campaigns import CampaignTotals
from arco_domain.model.clients import Client
from arco_domain.model.domains import Domain
from arco_domain.model.infrastructure import Infrastructure
from arco_domain.model.money import Money
from arco_domain.model.network import TrafficTotals
from arco_domain.model.performance import Grade, performance_grade
from arco_domain.model.projects import Milestone, Project, ProjectStatus, completion_percent
from arco_domain.model.quotas import STOCK_PERIOD, QuotaStatus, calendar_month_key
from arco_domain.model.tiers import CampaignPlatform, Resource
from arco_domain.model.uptime import (
    Incident,
    downtime_minutes,
    downtime_within,
    month_uptime_percent,
    month_window,
)
from arco_domain.use_cases.tickets import TicketSummary, summarize_tickets
from arco_ports.clock import Clock
from arco_ports.metrics import Measurement
from arco_ports.unit_of_work import UnitOfWorkFactory

REPORTING_CURRENCY = "BRL"
"""The currency of an empty campaign summary (no spend yet): the agency's own."""


@dataclass(frozen=True, slots=True)
class ProjectProgress:
    """A project with its timeline (milestones, in due-date order) and how far along it is."""

    project: Project
    milestones: Sequence[Milestone]

    @property
    def completion_percent(self) -> int:
        return completion_percent(self.milestones)


def current_project(projects: Sequence[ProjectProgress]) -> ProjectProgress | None:
    """The project the dashboard puts first: the most recently created one that is still being delivered
    or is live. Projects in maintenance are handed over, so one is current only when every project is."""
    newest_first = sorted(projects, key=lambda p: (p.project.created_at, p.project.id), reverse=True)
    active = (p for p in newest_first if p.project.status is not ProjectStatus.MAINTENANCE)
    return next(active, newest_first[0] if newest_first else None)


@dataclass(frozen=True, slots=True)
class ProjectsPanel:
    items: Sequence[ProjectProgress]
    current: ProjectProgress | None


@dataclass(frozen=True, slots=True)
class StoragePanel:
    """Bytes held (stored files and uploads in flight) against the tier's limit, and the file count."""

    quota: QuotaStatus
    file_count: int


@dataclass(frozen=True, slots=True)
class ProjectPerformance:
    measurement: Measurement
    grade: Grade | None


@dataclass(frozen=True, slots=True)
class UptimePanel:
    """The month's uptime so far, its downtime (overlaps counted once) and its incidents, oldest first."""

    month_percent: Decimal
    downtime_minutes: int
    incidents: Sequence[Incident]


@dataclass(frozen=True, slots=True)
class CampaignsPanel:
    """The month's figures per platform and in all. `overall` is None when platforms report in different
    currencies, which cannot be added up."""

    by_platform: Mapping[CampaignPlatform, CampaignTotals]
    overall: CampaignTotals | None


@dataclass(frozen=True, slots=True)
class BusinessResults:
    """What the month's campaigns brought: ratios derived from the summed figures, None when undefined."""

    conversions: Decimal
    revenue: Money
    roi: Decimal | None
    conversion_rate: Decimal | None

    @classmethod
    def of(cls, totals: CampaignTotals) -> BusinessResults:
        return cls(totals.conversions, totals.revenue, totals.roi, totals.conversion_rate)


@dataclass(frozen=True, slots=True)
class DashboardOverview:
    """Everything the client dashboard shows, as of one moment; "month" is the calendar month so far
    on the client's clock (its time zone)."""

    client: Client
    as_of: datetime
    month_start: datetime
    quotas: Sequence[QuotaStatus]
    projects: ProjectsPanel
    domains: Sequence[Domain]
    infrastructure: Sequence[Infrastructure]
    network: TrafficTotals | None
    """`None` while no traffic source is connected: no figure is shown rather than an invented one."""
    storage: StoragePanel
    tickets: TicketSummary
    performance: Sequence[ProjectPerformance]
    uptime: UptimePanel
    campaigns: CampaignsPanel
    business: BusinessResults | None


def quota_standing(client: Client, usage: Mapping[tuple[Resource, str], int], now: datetime) -> list[QuotaStatus]:
    """Each resource's standing in the quota period that holds `now`, from usage counters by (resource,
    period); a period without a counter has used nothing."""
    periods = {r: client.quota_period(r, now) for r in Resource}
    return [QuotaStatus(r, usage.get((r, period), 0), client.limit(r), period) for r, period in periods.items()]


def projects_panel(projects: Sequence[Project], milestones: Sequence[Milestone]) -> ProjectsPanel:
    by_project: dict[ProjectId, list[Milestone]] = {p.id: [] for p in projects}
    for milestone in milestones:
        by_project.setdefault(milestone.project_id, []).append(milestone)
    items = [ProjectProgress(p, by_project[p.id]) for p in projects]
    return ProjectsPanel(items, current_project(items))


def uptime_panel(incidents: Sequence[Incident], now: datetime, zone: tzinfo) -> UptimePanel:
    month_start, month_end = month_window(now, zone)
    down = downtime_within(incidents, month_start, min(month_end, now), now)
    percent = month_uptime_percent(incidents, month_of=now, now=now, zone=zone)
    return UptimePanel(percent, downtime_minutes(down), incidents)


def campaigns_panel(by_platform: Mapping[CampaignPlatform, CampaignTotals]) -> CampaignsPanel:
    ordered = {p: by_platform[p] for p in CampaignPlatform if p in by_platform}
    currencies = {t.currency for t in ordered.values()} or {REPORTING_CURRENCY}
    overall = None
    if len(currencies) == 1:
        overall = reduce(add, ordered.values(), CampaignTotals.empty(currencies.pop()))
    return CampaignsPanel(ordered, overall)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetDashboard:
    """The whole client dashboard in one read of the store, whatever the client holds."""

    uow: UnitOfWorkFactory
    clock: Clock
    traffic_connected: bool = True

    async def __call__(self, principal: Principal, client_id: ClientId) -> DashboardOverview:
        client_id = principal.client_in_reach(client_id)
        now = self.clock.now()
        # The client's zone comes with everything else, so ask for the calendar month `now` falls in anywhere.
        periods = {STOCK_PERIOD} | {calendar_month_key(now, timezone(timedelta(hours=h))) for h in (-12, 14)}
        async with self.uow(DataScope.of_client(client_id)) as uow:
            facts = await uow.dashboard.facts(client_id, now, periods)
        client = facts.client
        quotas = quota_standing(client, facts.usage, now)
        ticket_quota = next(q for q in quotas if q.resource is Resource.SUPPORT_TICKETS)
        campaigns = campaigns_panel(facts.campaigns)
        storage_quota = next(q for q in quotas if q.resource is Resource.STORAGE_BYTES)
        return DashboardOverview(
            client=client, as_of=now, month_start=facts.window.start, quotas=quotas,
            projects=projects_panel(facts.projects, facts.milestones), domains=facts.domains,
            infrastructure=facts.infrastructure, network=facts.traffic if self.traffic_connected else None,
            storage=StoragePanel(storage_quota, facts.file_count),
            tickets=summarize_tickets(ticket_quota, facts.first_responses),
            performance=[ProjectPerformance(m, performance_grade(m.sample)) for m in facts.measurements],
            uptime=uptime_panel(facts.incidents, now, client.zone), campaigns=campaigns,
            business=BusinessResults.of(campaigns.overall) if campaigns.overall is not None else None,
        )  # fmt: skip
