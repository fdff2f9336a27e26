"""The client dashboard over the memory adapters: every panel, the month's boundaries and tenant isolation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from arco_adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from arco_domain.errors import NotFound
from arco_domain.ids import CampaignId, ClientId, IncidentId, ProjectId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.campaigns import Campaign, CampaignStatus, DailyCampaignMetrics
from arco_domain.model.clients import DEFAULT_TIME_ZONE, Client, client_zone
from arco_domain.model.domains import DomainStatus
from arco_domain.model.infrastructure import Cdn, Hosting, HostingStatus, Infrastructure
from arco_domain.model.money import Money
from arco_domain.model.network import DailyTraffic
from arco_domain.model.performance import Grade, PerformanceSample
from arco_domain.model.projects import Project, ProjectStatus
from arco_domain.model.tiers import GIB, CampaignPlatform, Resource, Tier
from arco_domain.model.uptime import Incident, IncidentSeverity, IncidentStatus
from arco_domain.use_cases.clients import ChangePlan
from arco_domain.use_cases.dashboard import DashboardOverview, GetDashboard, ProjectProgress, current_project
from arco_domain.use_cases.domains import AddDomain
from arco_domain.use_cases.projects import AddMilestone, CompleteMilestone, CreateProject
from arco_domain.use_cases.storage import CompleteUpload, ReserveUpload
from arco_domain.use_cases.tickets import CreateTicket, PostTicketMessage, SummarizeTickets
from arco_ports.metrics import Measurement
from tests.unit.conftest import START, World

MARCH_1 = datetime(2026, 3, 1, tzinfo=client_zone(DEFAULT_TIME_ZONE))  # on a new client's clock
FEBRUARY_20 = datetime(2026, 2, 20, 10, tzinfo=UTC)
GOOD = PerformanceSample(
    lcp_seconds=Decimal("1.8"), inp_ms=Decimal(120), cls=Decimal("0.05"), lighthouse_performance=97
)  # fmt: skip
POOR = PerformanceSample(lcp_seconds=Decimal("5.0"), inp_ms=Decimal(700), cls=Decimal("0.05"))


def brl(amount: str) -> Money:
    return Money(Decimal(amount))


def campaign(client_id: ClientId, platform: CampaignPlatform) -> Campaign:
    return Campaign(
        id=CampaignId(uuid4()), client_id=client_id, platform=platform, external_id=f"{platform}-1", name="Always on",
        status=CampaignStatus.ACTIVE, project_id=None, budget_daily=None, created_at=START,
    )  # fmt: skip


def ad_day(on: date, clicks: int, conversions: str, cost: Money, revenue: Money) -> DailyCampaignMetrics:
    return DailyCampaignMetrics(on, clicks * 10, clicks, Decimal(conversions), cost, revenue)


def incident(project: Project, started: datetime, lasted: timedelta | None) -> Incident:
    return Incident(
        id=IncidentId(uuid4()), client_id=project.client_id, project_id=project.id, title="Site down",
        severity=IncidentSeverity.HIGH, started_at=started,
        status=IncidentStatus.RESOLVED if lasted is not None else IncidentStatus.INVESTIGATING,
        resolved_at=started + lasted if lasted is not None else None,
    )  # fmt: skip


async def dashboard(world: World, who: Principal, client_id: ClientId) -> DashboardOverview:
    return await world.build(GetDashboard)(who, client_id)


@dataclass
class Agency:
    """A pro client with something in every dashboard area, most of it this month (March 2026)."""

    client: Client
    owner: Principal
    site: Project
    shop: Project
    blog: Project
    march_incident: Incident


async def agency(world: World, company: str = "Acme") -> Agency:
    client, owner = await world.register(f"owner@{company.lower()}.example.com", company)
    await world.build(ChangePlan)(world.staff(), client.id, tier=Tier.PRO)
    create = world.build(CreateProject)
    site = await create(owner, client.id, name="Site", status=ProjectStatus.LIVE)
    world.clock.advance(timedelta(minutes=10))
    shop = await create(owner, client.id, name="Shop", status=ProjectStatus.DEVELOPMENT)
    world.clock.advance(timedelta(minutes=10))
    blog = await create(owner, client.id, name="Old blog", status=ProjectStatus.MAINTENANCE)
    milestones = [
        await world.build(AddMilestone)(owner, client.id, shop.id, title=title, due_date=date(2026, 4, day))
        for title, day in (("Design", 1), ("Build", 15), ("Launch", 30))
    ]
    await world.build(CompleteMilestone)(owner, client.id, shop.id, milestones[0].id)
    await world.build(AddDomain)(owner, client.id, name=f"{company.lower()}.com.br", project_id=site.id)
    tickets = [await world.build(CreateTicket)(owner, subject=f"Help {n}", description="Please") for n in range(3)]
    world.clock.advance(timedelta(hours=2))
    await world.build(PostTicketMessage)(world.staff(), client.id, tickets[0].id, body="On it")
    upload = await world.build(ReserveUpload)(owner, client.id, file_name="brief.pdf", size_bytes=1000)
    await world.build(CompleteUpload)(owner, client.id, upload.id, blob_key=f"{client.id}/brief.pdf")
    await world.build(ReserveUpload)(owner, client.id, file_name="video.mp4", size_bytes=500)

    march_incident = incident(site, MARCH_1 + timedelta(hours=9), timedelta(minutes=30))
    google, meta = campaign(client.id, CampaignPlatform.GOOGLE_ADS), campaign(client.id, CampaignPlatform.META_ADS)
    async with world.uow(DataScope.of_client(client.id)) as uow:
        await uow.infrastructure.upsert(
            Infrastructure(client.id, site.id, Hosting("Vercel", HostingStatus.ONLINE), Cdn("Cloudflare"))
        )
        await uow.incidents.add(march_incident)
        await uow.incidents.add(incident(site, FEBRUARY_20, timedelta(hours=5)))
        for day, ok in ((date(2026, 2, 28), 9000), (date(2026, 3, 1), 100), (date(2026, 3, 2), 300)):
            await uow.metrics.record_traffic(DailyTraffic(client.id, site.id, day, ok * 1000, ok, 0, 7, 1))
        await uow.metrics.record_traffic(DailyTraffic(client.id, shop.id, date(2026, 3, 1), 50_000, 50, 5, 0, 0))
        await uow.metrics.record_measurement(client.id, Measurement(site.id, START - timedelta(days=2), POOR))
        await uow.metrics.record_measurement(client.id, Measurement(site.id, START - timedelta(days=1), GOOD))
        await uow.metrics.record_measurement(client.id, Measurement(shop.id, START - timedelta(days=1), POOR))
        await uow.campaigns.add(google)
        await uow.campaigns.add(meta)
        days = (
            (google, ad_day(date(2026, 2, 27), 999, "99", brl("999.00"), brl("0.00"))),
            (google, ad_day(date(2026, 3, 1), 100, "4", brl("50.00"), brl("200.00"))),
            (meta, ad_day(date(2026, 3, 2), 25, "1", brl("25.00"), brl("0.00"))),
        )
        for which, day_metrics in days:
            await uow.metrics.record_campaign_days(client.id, [(which.id, day_metrics)])
        await uow.commit()
    return Agency(client, owner, site, shop, blog, march_incident)


class TestGetDashboard:
    async def test_with_no_traffic_source_the_network_panel_is_absent_rather_than_invented(self, world: World) -> None:
        client, owner = await world.register()
        overview = await world.build(GetDashboard, traffic_connected=False)(owner, client.id)
        assert overview.network is None

    async def test_a_new_client_sees_an_empty_dashboard_with_its_free_allowances(self, world: World) -> None:
        client, owner = await world.register()
        overview = await dashboard(world, owner, client.id)

        assert (overview.client.id, overview.client.tier) == (client.id, Tier.FREE)
        assert [(q.resource, q.used, q.limit) for q in overview.quotas] == [
            (Resource.PROJECTS, 0, 1),
            (Resource.DOMAINS, 0, 1),
            (Resource.TEAM_MEMBERS, 1, 1),
            (Resource.STORAGE_BYTES, 0, 5 * GIB),
            (Resource.SUPPORT_TICKETS, 0, 15),
        ]
        assert (overview.projects.items, overview.projects.current) == ([], None)
        assert (overview.domains, overview.infrastructure, overview.performance) == ([], [], [])
        assert overview.network is not None
        assert (overview.network.requests_total, overview.network.busiest_day) == (0, None)
        assert (overview.storage.quota.used, overview.storage.file_count) == (0, 0)
        assert (overview.tickets.quota.used, overview.tickets.average_first_response) == (0, None)
        assert (overview.uptime.month_percent, overview.uptime.downtime_minutes) == (Decimal("100.00"), 0)
        assert overview.campaigns.by_platform == {}
        assert overview.business is not None
        assert (overview.business.revenue, overview.business.roi, overview.business.conversion_rate) == (
            brl("0"),
            None,
            None,
        )

    async def test_projects_come_with_their_timeline_progress_and_the_current_one(self, world: World) -> None:
        acme = await agency(world)
        overview = await dashboard(world, acme.owner, acme.client.id)

        progress = {p.project.name: p for p in overview.projects.items}
        assert list(progress) == ["Site", "Shop", "Old blog"]
        assert [m.title for m in progress["Shop"].milestones] == ["Design", "Build", "Launch"]
        assert (progress["Shop"].completion_percent, progress["Site"].completion_percent) == (33, 0)
        assert overview.projects.current is not None
        assert overview.projects.current.project.id == acme.shop.id

    async def test_domains_infrastructure_storage_and_tickets_are_the_clients_own(self, world: World) -> None:
        acme = await agency(world)
        overview = await dashboard(world, acme.owner, acme.client.id)

        assert [(d.name, d.status, d.project_id) for d in overview.domains] == [
            ("acme.com.br", DomainStatus.PENDING, acme.site.id)
        ]
        assert [(i.project_id, i.hosting, i.database) for i in overview.infrastructure] == [
            (acme.site.id, Hosting("Vercel", HostingStatus.ONLINE), None)
        ]
        storage = overview.storage
        assert (storage.quota.used, storage.quota.limit, storage.file_count) == (1500, 100 * GIB, 1)
        assert (overview.tickets.quota.used, overview.tickets.quota.limit) == (3, 60)
        assert overview.tickets.average_first_response == timedelta(hours=2)

    async def test_the_ticket_panel_is_the_one_summarize_tickets_gives(self, world: World) -> None:
        acme = await agency(world)
        overview = await dashboard(world, acme.owner, acme.client.id)
        assert overview.tickets == await world.build(SummarizeTickets)(acme.owner, acme.client.id)

    async def test_network_and_campaigns_cover_this_month_only(self, world: World) -> None:
        acme = await agency(world)
        overview = await dashboard(world, acme.owner, acme.client.id)

        network = overview.network
        assert (network.requests_2xx, network.requests_3xx, network.requests_4xx, network.requests_5xx) == (
            450,
            5,
            14,
            2,
        )
        assert (network.bandwidth_bytes, network.busiest_day) == (450_000, date(2026, 3, 2))
        by_platform = overview.campaigns.by_platform
        assert list(by_platform) == [CampaignPlatform.GOOGLE_ADS, CampaignPlatform.META_ADS]
        assert by_platform[CampaignPlatform.GOOGLE_ADS].spend == brl("50.00")
        total = overview.campaigns.overall
        assert total is not None
        assert (total.spend, total.revenue, total.conversions, total.clicks) == (
            brl("75.00"),
            brl("200.00"),
            Decimal(5),
            125,
        )
        assert total.roas == Decimal("2.6667")

    async def test_business_results_derive_from_the_months_campaign_totals(self, world: World) -> None:
        acme = await agency(world)
        overview = await dashboard(world, acme.owner, acme.client.id)

        business = overview.business
        assert business is not None
        assert (business.conversions, business.revenue) == (Decimal(5), brl("200.00"))
        assert business.roi == Decimal("166.6667")  # (200 - 75) / 75
        assert business.conversion_rate == Decimal("4.0000")  # 5 conversions / 125 clicks

    async def test_performance_shows_the_latest_measurement_of_each_project_with_its_grade(self, world: World) -> None:
        acme = await agency(world)
        overview = await dashboard(world, acme.owner, acme.client.id)

        graded = {p.measurement.project_id: (p.measurement.sample, p.grade) for p in overview.performance}
        assert graded == {acme.site.id: (GOOD, Grade.A_PLUS), acme.shop.id: (POOR, Grade.F)}

    async def test_uptime_counts_this_months_incidents_over_the_elapsed_month(self, world: World) -> None:
        acme = await agency(world)
        overview = await dashboard(world, acme.owner, acme.client.id)

        now = world.clock.now()
        elapsed = Decimal((now - MARCH_1) // timedelta(microseconds=1))
        down = Decimal(timedelta(minutes=30) // timedelta(microseconds=1))
        exact = (elapsed - down) * 100 / elapsed
        assert overview.uptime.incidents == [acme.march_incident]
        assert overview.uptime.downtime_minutes == 30
        assert overview.uptime.month_percent <= exact < overview.uptime.month_percent + Decimal("0.01")

    async def test_an_incident_still_open_counts_until_now(self, world: World) -> None:
        acme = await agency(world)
        ongoing = incident(acme.shop, world.clock.now() - timedelta(minutes=45), None)
        async with world.uow(DataScope.of_client(acme.client.id)) as uow:
            await uow.incidents.add(ongoing)
            await uow.commit()

        overview = await dashboard(world, acme.owner, acme.client.id)

        assert overview.uptime.incidents == [acme.march_incident, ongoing]
        assert overview.uptime.downtime_minutes == 30 + 45

    async def test_platforms_in_different_currencies_have_no_overall_total(self, world: World) -> None:
        client, owner = await world.register()
        google, meta = campaign(client.id, CampaignPlatform.GOOGLE_ADS), campaign(client.id, CampaignPlatform.META_ADS)
        usd = Money(Decimal("10.00"), "USD")
        async with world.uow(DataScope.of_client(client.id)) as uow:
            await uow.campaigns.add(google)
            await uow.campaigns.add(meta)
            await uow.metrics.record_campaign_days(
                client.id, [(google.id, ad_day(MARCH_1.date(), 5, "1", brl("9"), brl("9")))]
            )
            await uow.metrics.record_campaign_days(client.id, [(meta.id, ad_day(MARCH_1.date(), 5, "1", usd, usd))])
            await uow.commit()

        overview = await dashboard(world, owner, client.id)

        assert overview.campaigns.by_platform[CampaignPlatform.META_ADS].spend == usd
        assert (overview.campaigns.overall, overview.business) == (None, None)

    async def test_the_dashboard_is_read_in_one_unit_of_work(self, world: World) -> None:
        acme = await agency(world)
        counting = CountingFactory(world.uow)
        await GetDashboard(uow=counting, clock=world.clock)(acme.owner, acme.client.id)
        assert counting.scopes == [DataScope.of_client(acme.client.id)]


class CountingFactory:
    """A unit-of-work factory that records the scope of every unit it hands out."""

    def __init__(self, inner: MemoryUnitOfWorkFactory) -> None:
        self._inner = inner
        self.scopes: list[DataScope] = []

    def __call__(self, scope: DataScope) -> MemoryUnitOfWork:
        self.scopes.append(scope)
        return self._inner(scope)


class TestDashboardIsolation:
    async def test_another_clients_dashboard_holds_none_of_the_first_clients_data(self, world: World) -> None:
        await agency(world, "Alpha")
        client, owner = await world.register("owner@beta.example.com", "Beta")

        overview = await dashboard(world, owner, client.id)

        assert overview.client.id == client.id
        assert overview.projects.items == [] and overview.domains == [] and overview.infrastructure == []
        assert (overview.network.requests_total, overview.storage.file_count, overview.tickets.quota.used) == (0, 0, 0)
        assert (overview.performance, overview.uptime.incidents, overview.campaigns.by_platform) == ([], [], {})

    async def test_a_client_user_cannot_read_another_clients_dashboard(self, world: World) -> None:
        alpha = await agency(world, "Alpha")
        _, beta_owner = await world.register("owner@beta.example.com", "Beta")
        with pytest.raises(NotFound):
            await dashboard(world, beta_owner, alpha.client.id)

    async def test_staff_read_any_clients_dashboard(self, world: World) -> None:
        alpha = await agency(world, "Alpha")
        overview = await dashboard(world, world.staff(), alpha.client.id)
        assert [p.project.id for p in overview.projects.items] == [alpha.site.id, alpha.shop.id, alpha.blog.id]


def progress(name: str, status: ProjectStatus, minutes: int) -> ProjectProgress:
    project = Project(
        id=ProjectId(uuid4()), client_id=ClientId(uuid4()), name=name, status=status,
        created_at=START + timedelta(minutes=minutes),
    )  # fmt: skip
    return ProjectProgress(project, [])


class TestCurrentProject:
    def test_is_the_most_recently_created_project_in_delivery_or_live(self) -> None:
        live = progress("Site", ProjectStatus.LIVE, 0)
        newer = progress("Shop", ProjectStatus.STAGING, 5)
        handed_over = progress("Blog", ProjectStatus.MAINTENANCE, 10)
        assert current_project([handed_over, live, newer]) == newer

    def test_falls_back_to_the_newest_project_when_all_are_in_maintenance(self) -> None:
        old, new = progress("Old", ProjectStatus.MAINTENANCE, 0), progress("New", ProjectStatus.MAINTENANCE, 5)
        assert current_project([new, old]) == new

    def test_is_none_without_projects(self) -> None:
        assert current_project([]) is None
