"""The client dashboard body: every area's overview in one response.

Money and ratios travel as JSON strings ("1234.50", "99.98"), never as floats; money is the `Money` type.
Percentages are percents ("3.8" means 3.8 %); a ratio that is undefined (nothing to divide by) is null.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from arco_domain.model.campaigns import CampaignTotals
from arco_domain.model.infrastructure import BackupStatus, HostingStatus
from arco_domain.model.infrastructure import Infrastructure as InfrastructureEntity
from arco_domain.model.network import TrafficTotals
from arco_domain.model.performance import Grade
from arco_domain.model.tiers import CampaignPlatform
from arco_domain.model.uptime import Incident as IncidentEntity
from arco_domain.model.uptime import IncidentSeverity, IncidentStatus
from arco_domain.use_cases.dashboard import (
    BusinessResults,
    DashboardOverview,
    ProjectPerformance,
    ProjectProgress,
    ProjectsPanel,
    StoragePanel,
    UptimePanel,
)
from arco_domain.use_cases.tickets import TicketSummary
from arco_entrypoints.http.schemas.accounts import Client, Quota
from arco_entrypoints.http.schemas.base import Schema
from arco_entrypoints.http.schemas.domains import Domain
from arco_entrypoints.http.schemas.money import Money, money_text
from arco_entrypoints.http.schemas.projects import Milestone, Project


class DashboardProject(Schema):
    project: Project
    completion_percent: int
    timeline: list[Milestone]

    @classmethod
    def from_progress(cls, progress: ProjectProgress) -> DashboardProject:
        return cls(
            project=Project.from_entity(progress.project),
            completion_percent=progress.completion_percent,
            timeline=[Milestone.from_entity(m) for m in progress.milestones],
        )


class DashboardProjects(Schema):
    items: list[DashboardProject]
    current: DashboardProject | None
    """The most recently created project still in delivery or live."""

    @classmethod
    def from_panel(cls, panel: ProjectsPanel) -> DashboardProjects:
        return cls(
            items=[DashboardProject.from_progress(p) for p in panel.items],
            current=DashboardProject.from_progress(panel.current) if panel.current else None,
        )


class DashboardHosting(Schema):
    provider: str
    status: HostingStatus | None
    plan: str | None
    monthly_cost: Money | None
    currency: str | None


class DashboardCdn(Schema):
    provider: str
    cache_hit_rate: Decimal | None


class DashboardDatabase(Schema):
    provider: str
    size_bytes: int | None
    backup_status: BackupStatus | None
    last_backup_at: datetime | None


class DashboardInfrastructure(Schema):
    project_id: UUID
    hosting: DashboardHosting | None
    cdn: DashboardCdn | None
    database: DashboardDatabase | None

    @classmethod
    def from_entity(cls, infrastructure: InfrastructureEntity) -> DashboardInfrastructure:
        hosting, cdn, database = infrastructure.hosting, infrastructure.cdn, infrastructure.database
        cost = hosting.monthly_cost if hosting else None
        return cls(
            project_id=infrastructure.project_id,
            hosting=DashboardHosting(
                provider=hosting.provider, status=hosting.status, plan=hosting.plan,
                monthly_cost=money_text(cost.amount) if cost is not None else None,
                currency=cost.currency if cost is not None else None,
            ) if hosting else None,
            cdn=DashboardCdn(provider=cdn.provider, cache_hit_rate=cdn.cache_hit_rate) if cdn else None,
            database=DashboardDatabase(
                provider=database.provider, size_bytes=database.size_bytes, backup_status=database.backup_status,
                last_backup_at=database.last_backup_at,
            ) if database else None,
        )  # fmt: skip


class DashboardNetwork(Schema):
    """The month's traffic over every project; `busiest_day` has the most requests."""

    bandwidth_bytes: int
    requests_total: int
    requests_2xx: int
    requests_3xx: int
    requests_4xx: int
    requests_5xx: int
    busiest_day: date | None

    @classmethod
    def from_totals(cls, totals: TrafficTotals) -> DashboardNetwork:
        return cls(
            bandwidth_bytes=totals.bandwidth_bytes,
            requests_total=totals.requests_total,
            requests_2xx=totals.requests_2xx,
            requests_3xx=totals.requests_3xx,
            requests_4xx=totals.requests_4xx,
            requests_5xx=totals.requests_5xx,
            busiest_day=totals.busiest_day,
        )


class DashboardStorage(Schema):
    used_bytes: int
    limit_bytes: int | None
    percent_used: Decimal | None
    over_limit: bool
    file_count: int

    @classmethod
    def from_panel(cls, panel: StoragePanel) -> DashboardStorage:
        quota = panel.quota
        return cls(
            used_bytes=quota.used,
            limit_bytes=quota.limit,
            percent_used=quota.percent,
            over_limit=quota.over_limit,
            file_count=panel.file_count,
        )


def _seconds(duration: timedelta | None) -> int | None:
    return None if duration is None else int(duration.total_seconds())


class DashboardTickets(Schema):
    monthly_used: int
    monthly_limit: int | None
    period: str
    average_first_response_seconds: int | None
    """Over this month's tickets that have had a first response; null when none has."""

    @classmethod
    def from_summary(cls, summary: TicketSummary) -> DashboardTickets:
        return cls(
            monthly_used=summary.quota.used,
            monthly_limit=summary.quota.limit,
            period=summary.quota.period,
            average_first_response_seconds=_seconds(summary.average_first_response),
        )


class DashboardPerformance(Schema):
    """The latest measurement of one project. FID is deprecated (INP replaced it) and never graded."""

    project_id: UUID
    measured_at: datetime
    grade: Grade | None
    lcp_seconds: Decimal | None
    inp_ms: Decimal | None
    cls: Decimal | None
    fid_ms: Decimal | None
    lighthouse_performance: int | None
    lighthouse_accessibility: int | None
    lighthouse_best_practices: int | None
    lighthouse_seo: int | None

    @classmethod
    def from_performance(cls, performance: ProjectPerformance) -> DashboardPerformance:
        measurement, sample = performance.measurement, performance.measurement.sample
        return cls(
            project_id=measurement.project_id,
            measured_at=measurement.measured_at,
            grade=performance.grade,
            lcp_seconds=sample.lcp_seconds,
            inp_ms=sample.inp_ms,
            cls=sample.cls,
            fid_ms=sample.fid_ms,
            lighthouse_performance=sample.lighthouse_performance,
            lighthouse_accessibility=sample.lighthouse_accessibility,
            lighthouse_best_practices=sample.lighthouse_best_practices,
            lighthouse_seo=sample.lighthouse_seo,
        )


class DashboardIncident(Schema):
    id: UUID
    project_id: UUID
    title: str
    severity: IncidentSeverity
    status: IncidentStatus
    started_at: datetime
    resolved_at: datetime | None
    downtime_minutes: int
    description: str | None
    root_cause: str | None
    resolution_notes: str | None
    affected_users: int | None

    @classmethod
    def from_entity(cls, incident: IncidentEntity, now: datetime) -> DashboardIncident:
        return cls(
            id=incident.id,
            project_id=incident.project_id,
            title=incident.title,
            severity=incident.severity,
            status=incident.status,
            started_at=incident.started_at,
            resolved_at=incident.resolved_at,
            downtime_minutes=incident.downtime_minutes(now),
            description=incident.description,
            root_cause=incident.root_cause,
            resolution_notes=incident.resolution_notes,
            affected_users=incident.affected_users,
        )


class DashboardUptime(Schema):
    current_month_percent: Decimal
    downtime_minutes: int
    incidents: list[DashboardIncident]

    @classmethod
    def from_panel(cls, panel: UptimePanel, now: datetime) -> DashboardUptime:
        return cls(
            current_month_percent=panel.month_percent,
            downtime_minutes=panel.downtime_minutes,
            incidents=[DashboardIncident.from_entity(i, now) for i in panel.incidents],
        )


class CampaignFigures(Schema):
    """Summed figures and the ratios of the sums; `conversions` are the leads."""

    impressions: int
    clicks: int
    conversions: Decimal
    spend: Money
    revenue: Money
    currency: str
    ctr_percent: Decimal | None
    cpc: Money | None
    cpa: Money | None
    roas: Decimal | None

    @classmethod
    def from_totals(cls, totals: CampaignTotals) -> CampaignFigures:
        cpc, cpa = totals.cpc, totals.cpa
        return cls(
            impressions=totals.impressions,
            clicks=totals.clicks,
            conversions=totals.conversions,
            spend=money_text(totals.spend.amount),
            revenue=money_text(totals.revenue.amount),
            currency=totals.currency,
            ctr_percent=totals.ctr,
            cpc=money_text(cpc.amount) if cpc is not None else None,
            cpa=money_text(cpa.amount) if cpa is not None else None,
            roas=totals.roas,
        )


class DashboardCampaigns(Schema):
    by_platform: dict[CampaignPlatform, CampaignFigures]
    total: CampaignFigures | None
    """All platforms together; null when they report in different currencies."""


class DashboardBusiness(Schema):
    conversions: Decimal
    revenue: Money
    currency: str
    roi_percent: Decimal | None
    conversion_rate_percent: Decimal | None

    @classmethod
    def from_results(cls, results: BusinessResults) -> DashboardBusiness:
        return cls(
            conversions=results.conversions,
            revenue=money_text(results.revenue.amount),
            currency=results.revenue.currency,
            roi_percent=results.roi,
            conversion_rate_percent=results.conversion_rate,
        )


NETWORK_NOT_CONNECTED = "not connected: no traffic analytics source is configured"


class Dashboard(Schema):
    """The caller's whole dashboard as of `as_of`; "month" figures cover the UTC month from `month_start`."""

    as_of: datetime
    month_start: datetime
    client: Client
    quotas: list[Quota]
    projects: DashboardProjects
    domains: list[Domain]
    infrastructure: list[DashboardInfrastructure]
    network: DashboardNetwork | None
    """`null` while no traffic source is connected; `unavailable.network` says why."""
    storage: DashboardStorage
    tickets: DashboardTickets
    performance: list[DashboardPerformance]
    uptime: DashboardUptime
    campaigns: DashboardCampaigns
    business: DashboardBusiness | None
    unavailable: dict[str, str]
    """Panels shown as `null` because their source is not connected, each with the reason."""

    @classmethod
    def from_overview(cls, overview: DashboardOverview) -> Dashboard:
        now, campaigns = overview.as_of, overview.campaigns
        return cls(
            as_of=now,
            month_start=overview.month_start,
            client=Client.from_entity(overview.client),
            quotas=[Quota.from_status(s) for s in overview.quotas],
            projects=DashboardProjects.from_panel(overview.projects),
            domains=[Domain.from_entity(d, now) for d in overview.domains],
            infrastructure=[DashboardInfrastructure.from_entity(i) for i in overview.infrastructure],
            network=DashboardNetwork.from_totals(overview.network) if overview.network else None,
            unavailable={} if overview.network else {"network": NETWORK_NOT_CONNECTED},
            storage=DashboardStorage.from_panel(overview.storage),
            tickets=DashboardTickets.from_summary(overview.tickets),
            performance=[DashboardPerformance.from_performance(p) for p in overview.performance],
            uptime=DashboardUptime.from_panel(overview.uptime, now),
            campaigns=DashboardCampaigns(
                by_platform={p: CampaignFigures.from_totals(t) for p, t in campaigns.by_platform.items()},
                total=CampaignFigures.from_totals(campaigns.overall) if campaigns.overall is not None else None,
            ),
            business=DashboardBusiness.from_results(overview.business) if overview.business is not None else None,
        )
