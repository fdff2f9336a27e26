"""`GET /v1/dashboard` on the real app and PostgreSQL: the body, tenant isolation and its query count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.system import SystemClock, Uuid7Generator
from arco_domain.ids import (
    CampaignId,
    ClientId,
    DomainId,
    IncidentId,
    MilestoneId,
    ProjectId,
    StorageItemId,
    TicketId,
    UserId,
)
from arco_domain.model.access import DataScope
from arco_domain.model.campaigns import Campaign, CampaignStatus, DailyCampaignMetrics
from arco_domain.model.clients import DEFAULT_TIME_ZONE, client_zone
from arco_domain.model.domains import Domain, DomainStatus, SslStatus
from arco_domain.model.infrastructure import Cdn, Database, Hosting, HostingStatus, Infrastructure
from arco_domain.model.money import Money
from arco_domain.model.network import DailyTraffic
from arco_domain.model.performance import PerformanceSample
from arco_domain.model.projects import Milestone, Project, ProjectStatus
from arco_domain.model.sla import SlaPolicy
from arco_domain.model.storage import StorageItem
from arco_domain.model.tickets import Ticket, TicketPriority
from arco_domain.model.tiers import CampaignPlatform, Tier
from arco_domain.model.uptime import Incident, IncidentSeverity, IncidentStatus, month_window
from arco_domain.use_cases.clients import ChangePlan
from arco_entrypoints.container import Container
from arco_ports.metrics import Measurement
from tests.integration.http.conftest import Account, sign_up

GOOD = PerformanceSample(
    lcp_seconds=Decimal("1.8"), inp_ms=Decimal(120), cls=Decimal("0.05"), lighthouse_performance=97
)  # fmt: skip


def client_of(account: Account) -> ClientId:
    return ClientId(UUID(account.client_id))


async def on_tier(factory: PostgresUnitOfWorkFactory, account: Account, tier: Tier) -> None:
    """What the billing system does on a paid subscription."""
    await ChangePlan(uow=factory, clock=SystemClock(), ids=Uuid7Generator())(None, client_of(account), tier=tier)


@contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement sent through `engine` inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def seed(
    factory: PostgresUnitOfWorkFactory, account: Account, *, projects: int, tickets: int, days: int, tag: str
) -> list[Project]:
    """Give the client `projects` projects with everything a dashboard shows, `tickets` tickets this month
    and `days` days of traffic, measurements and campaign figures up to today."""
    client_id, now = client_of(account), datetime.now(UTC)
    month_start, _ = month_window(now, client_zone(DEFAULT_TIME_ZONE))  # a new client's month
    today = now.date()
    made = [
        Project(id=ProjectId(uuid4()), client_id=client_id, name=f"{tag} site {n}", status=ProjectStatus.LIVE,
                created_at=now - timedelta(days=90 - n))
        for n in range(projects)
    ]  # fmt: skip
    google = Campaign(
        id=CampaignId(uuid4()), client_id=client_id, platform=CampaignPlatform.GOOGLE_ADS, external_id=f"{tag}-g",
        name=f"{tag} brand", status=CampaignStatus.ACTIVE, project_id=None, budget_daily=None, created_at=now,
    )  # fmt: skip
    async with factory(DataScope.of_client(client_id)) as uow:
        await uow.campaigns.add(google)
        for project in made:
            await uow.projects.add(project)
            for title, done in (("Design", True), ("Launch", False)):
                await uow.milestones.add(
                    Milestone(id=MilestoneId(uuid4()), project_id=project.id, client_id=client_id, title=title,
                              due_date=None, created_at=now, completed_at=now if done else None)
                )  # fmt: skip
            await uow.domains.add(
                Domain(id=DomainId(uuid4()), client_id=client_id, name=f"{tag}-{uuid4().hex[:10]}.com.br",
                       status=DomainStatus.ACTIVE, nameservers=("ns1.example.net", "ns2.example.net"),
                       ssl_status=SslStatus.ACTIVE, ssl_expires_on=today + timedelta(days=40),
                       renewal_date=today + timedelta(days=200), project_id=project.id, created_at=now)
            )  # fmt: skip
            await uow.infrastructure.upsert(
                Infrastructure(client_id, project.id, Hosting("Vercel", HostingStatus.ONLINE, "Pro",
                               Money(Decimal("120.00"))), Cdn("Cloudflare", Decimal("93.50")), Database("Supabase"))
            )  # fmt: skip
            await uow.incidents.add(
                Incident(id=IncidentId(uuid4()), client_id=client_id, project_id=project.id, title="Outage",
                         severity=IncidentSeverity.HIGH, started_at=month_start, status=IncidentStatus.RESOLVED,
                         resolved_at=month_start + timedelta(minutes=30))
            )  # fmt: skip
            await uow.storage.add_item(
                StorageItem(id=StorageItemId(uuid4()), client_id=client_id, file_name="brief.pdf",
                            blob_key=f"{client_id}/{uuid4()}", size_bytes=2048, created_at=now)
            )  # fmt: skip
            for back in range(days):
                day = today - timedelta(days=back)
                await uow.metrics.record_traffic(DailyTraffic(client_id, project.id, day, 10_000, 100, 5, 3, 1))
                measured = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
                await uow.metrics.record_measurement(client_id, Measurement(project.id, measured, GOOD))
        for back in range(days):
            day = today - timedelta(days=back)
            figures = DailyCampaignMetrics(day, 1000, 40, Decimal(2), Money(Decimal("30.00")), Money(Decimal("90.00")))
            await uow.metrics.record_campaign_days(client_id, [(google.id, figures)])
        for n in range(tickets):
            opened = month_start + (now - month_start) * (n + 1) / (tickets + 1)
            ticket = Ticket.open(
                id=TicketId(uuid4()), client_id=client_id, created_by=UserId(UUID(account.user_id)),
                subject=f"Request {n}", description="Please", priority=TicketPriority.MEDIUM, created_at=opened,
                sla=SlaPolicy(None, None),
            )  # fmt: skip
            ticket.first_response_at = opened + timedelta(minutes=30)
            await uow.tickets.add(ticket)
        await uow.commit()
    return made


class TestGetDashboard:
    async def test_a_signed_up_client_sees_its_whole_overview_in_one_response(
        self, api: AsyncTestClient[Any], alice: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        created = await api.post("/v1/projects", json={"name": "Storefront", "status": "live"}, headers=alice.headers)
        assert created.status_code == 201, created.text
        ticket = await api.post(
            "/v1/tickets", json={"subject": "Checkout", "description": "It fails"}, headers=alice.headers
        )
        assert ticket.status_code == 201, ticket.text
        await seed(postgres_uow, alice, projects=1, tickets=2, days=3, tag="alpha")

        response = await api.get("/v1/dashboard", headers=alice.headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["client"]["id"], body["client"]["tier"]) == (alice.client_id, "free")
        quotas = {q["resource"]: (q["used"], q["limit"]) for q in body["quotas"]}
        assert quotas["projects"] == (1, 1)
        assert quotas["support_tickets"] == (1, 15)
        projects = body["projects"]
        assert [p["project"]["name"] for p in projects["items"]] == ["alpha site 0", "Storefront"]
        assert projects["current"]["project"]["name"] == "Storefront"
        assert projects["items"][0]["completion_percent"] == 50
        assert [m["title"] for m in projects["items"][0]["timeline"]] == ["Design", "Launch"]
        (domain,) = body["domains"]
        assert (domain["status"], domain["ssl_status"], domain["days_until_ssl_expiry"]) == ("active", "active", 40)
        assert domain["nameservers"] == ["ns1.example.net", "ns2.example.net"]
        (infrastructure,) = body["infrastructure"]
        assert infrastructure["hosting"] == {
            "provider": "Vercel", "status": "online", "plan": "Pro", "monthly_cost": "120.00", "currency": "BRL"
        }  # fmt: skip
        assert infrastructure["cdn"] == {"provider": "Cloudflare", "cache_hit_rate": "93.50"}
        assert body["storage"]["file_count"] == 1
        assert body["tickets"]["monthly_used"] == 1 and body["tickets"]["monthly_limit"] == 15
        assert body["tickets"]["average_first_response_seconds"] == 30 * 60
        assert [(p["grade"], p["lcp_seconds"]) for p in body["performance"]] == [("A+", "1.800")]
        uptime = body["uptime"]
        assert [i["downtime_minutes"] for i in uptime["incidents"]] == [30]
        assert isinstance(uptime["current_month_percent"], str)
        assert Decimal(uptime["current_month_percent"]) < 100
        assert body["network"]["requests_2xx"] % 100 == 0 and body["network"]["requests_2xx"] > 0
        total = body["campaigns"]["total"]
        assert set(body["campaigns"]["by_platform"]) == {"google_ads"}
        assert (total["roas"], total["ctr_percent"]) == ("3.0000", "4.0000")
        assert body["business"]["roi_percent"] == "200.0000"
        assert body["business"]["conversion_rate_percent"] == "5.0000"

    async def test_bobs_dashboard_never_contains_alices_data(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        alices = await seed(postgres_uow, alice, projects=1, tickets=3, days=5, tag="alice")

        response = await api.get("/v1/dashboard", headers=bob.headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["client"]["id"] == bob.client_id
        for secret in (alice.client_id, str(alices[0].id), "alice"):
            assert secret not in response.text
        assert body["projects"]["items"] == [] and body["domains"] == [] and body["infrastructure"] == []
        assert body["performance"] == [] and body["uptime"]["incidents"] == []
        assert body["uptime"]["current_month_percent"] == "100.00"
        assert (body["network"]["requests_total"], body["storage"]["file_count"]) == (0, 0)
        assert (body["tickets"]["monthly_used"], body["campaigns"]["by_platform"]) == (0, {})
        alices_view = (await api.get("/v1/dashboard", headers=alice.headers)).json()
        assert [p["project"]["id"] for p in alices_view["projects"]["items"]] == [str(alices[0].id)]

    async def test_an_anonymous_caller_gets_no_dashboard(self, api: AsyncTestClient[Any]) -> None:
        response = await api.get("/v1/dashboard")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


class TestDashboardQueryCount:
    async def test_the_statement_count_does_not_grow_with_the_clients_data(
        self, api: AsyncTestClient[Any], container: Container, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        small, large = await sign_up(api, "Small"), await sign_up(api, "Large")
        for account in (small, large):
            await on_tier(postgres_uow, account, Tier.PRO)
        await seed(postgres_uow, small, projects=1, tickets=10, days=1, tag="small")
        await seed(postgres_uow, large, projects=10, tickets=60, days=60, tag="large")
        engine = await container.adapters.engine()  # the app's own engine, started with the app

        counts = []
        for account in (small, large):
            with counting_statements(engine) as statements:
                response = await api.get("/v1/dashboard", headers=account.headers)
            assert response.status_code == 200, response.text
            counts.append(len(statements))
        small_body = (await api.get("/v1/dashboard", headers=small.headers)).json()
        large_body = (await api.get("/v1/dashboard", headers=large.headers)).json()

        assert len(large_body["projects"]["items"]) == 10 and len(small_body["projects"]["items"]) == 1
        assert (len(large_body["performance"]), len(large_body["uptime"]["incidents"])) == (10, 10)
        assert large_body["tickets"]["average_first_response_seconds"] == 30 * 60
        # The scope's set_config, then the one statement that reads the whole dashboard.
        assert counts[0] == counts[1] == 2, counts

    async def test_a_client_without_tickets_this_month_runs_the_same_statements(
        self, api: AsyncTestClient[Any], container: Container
    ) -> None:
        account = await sign_up(api, "Quiet")
        engine = await container.adapters.engine()
        with counting_statements(engine) as statements:
            response = await api.get("/v1/dashboard", headers=account.headers)
        assert response.status_code == 200, response.text
        assert len(statements) == 2
        # The average first response is summed by the server: no ticket or history row is read out.
        assert not any("ticket_status_changes" in statement for statement in statements)

    async def test_the_count_test_would_notice_a_query_per_project(
        self, api: AsyncTestClient[Any], postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        account = await sign_up(api, "Probe")
        await on_tier(postgres_uow, account, Tier.PRO)
        projects = await seed(postgres_uow, account, projects=3, tickets=1, days=1, tag="probe")
        with counting_statements(postgres_uow.engine) as statements:
            async with postgres_uow(DataScope.of_client(client_of(account))) as uow:
                for project in projects:
                    await uow.milestones.list_for_project(client_of(account), project.id)
        assert len(statements) == 1 + len(projects)  # the scope's set_config, then one query per project
