"""The dashboard read contract, run against every adapter: the one read holds what the area repositories
hold, picks the usage periods it promises, and adds first responses up as the domain averages them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arco_domain.errors import NotFound
from arco_domain.ids import ClientId, IncidentId
from arco_domain.model.access import DataScope
from arco_domain.model.infrastructure import Cdn, Hosting, HostingStatus, Infrastructure
from arco_domain.model.money import Money
from arco_domain.model.performance import PerformanceSample
from arco_domain.model.quotas import STOCK_PERIOD, BillingPeriod, QuotaStatus
from arco_domain.model.tickets import Ticket, average_first_response
from arco_domain.model.tiers import CampaignPlatform, Resource, Tier
from arco_domain.model.uptime import Incident, IncidentSeverity
from arco_domain.use_cases.tickets import summarize_tickets
from arco_ports.dashboard import MonthWindow
from arco_ports.metrics import Measurement
from arco_ports.unit_of_work import UnitOfWorkFactory
from tests.contracts.metrics import campaign, day, traffic
from tests.contracts.repositories import new_domain, new_item, new_milestone, new_ticket
from tests.contracts.unit_of_work import NOW, new_client, new_project, seed

MAY_START = NOW.replace(day=1, hour=0)
MAY_PERIODS = {STOCK_PERIOD, "2026-05"}


def answered(ticket: Ticket, after: timedelta | None) -> Ticket:
    return ticket if after is None else replace(ticket, first_response_at=ticket.created_at + after)


class DashboardContract:
    async def test_a_client_outside_the_scope_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(ClientId(uuid4()))) as uow:
            with pytest.raises(NotFound):
                await uow.dashboard.facts(client.id, NOW, MAY_PERIODS)

    @pytest.mark.parametrize(
        ("zone", "month"), [("Asia/Tokyo", 6), ("America/Sao_Paulo", 5), ("Pacific/Pago_Pago", 5), ("UTC", 5)]
    )
    async def test_the_month_is_the_one_on_the_clients_clock(
        self, uow_factory: UnitOfWorkFactory, zone: str, month: int
    ) -> None:
        client = await seed(uow_factory, replace(new_client(), time_zone=zone))
        evening = datetime(2026, 5, 31, 20, 30, tzinfo=UTC)  # already 1 June in Tokyo
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            window = (await uow.dashboard.facts(client.id, evening, MAY_PERIODS)).window
        assert window == MonthWindow.holding(evening, client.zone)
        assert (window.first_day, window.start.astimezone(client.zone).hour) == (date(2026, month, 1), 0)
        assert window.start <= evening < window.end
        assert window.today == evening.astimezone(client.zone).date()

    async def test_usage_holds_the_asked_periods_and_each_resources_greatest(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        billing = BillingPeriod(MAY_START - timedelta(days=3), MAY_START + timedelta(days=27))
        client = await seed(uow_factory, replace(new_client(Tier.PRO), billing_period=billing))
        current = client.quota_period(Resource.SUPPORT_TICKETS, NOW)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for resource, period, used in (
                (Resource.PROJECTS, STOCK_PERIOD, 1),
                (Resource.SUPPORT_TICKETS, "2026-04", 9),
                (Resource.SUPPORT_TICKETS, "2026-05", 2),
                (Resource.SUPPORT_TICKETS, "billing:2026-03-29T00:00:00Z", 7),
                (Resource.SUPPORT_TICKETS, current, 3),
            ):
                await uow.quotas.admit(client.id, resource, period, used, None)
            await uow.commit()

        async with uow_factory(DataScope.of_client(client.id)) as uow:
            facts = await uow.dashboard.facts(client.id, NOW, MAY_PERIODS)

        assert current.startswith("billing:")
        assert facts.usage == {
            (Resource.PROJECTS, STOCK_PERIOD): 1,
            (Resource.SUPPORT_TICKETS, "2026-05"): 2,
            (Resource.SUPPORT_TICKETS, current): 3,
        }

    async def test_the_one_read_holds_what_each_repository_gives(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, replace(new_client(Tier.PRO), time_zone="America/Manaus"))
        site, shop = new_project(client.id, "Site"), new_project(client.id, "Shop")
        google = campaign(client.id, CampaignPlatform.GOOGLE_ADS)
        sample = PerformanceSample(lcp_seconds=Decimal("2.125"), inp_ms=Decimal("180.50"), lighthouse_seo=91)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for project in (site, shop):
                await uow.projects.add(project)
            await uow.milestones.add(new_milestone(shop, "Launch", date(2026, 6, 1)))
            await uow.milestones.add(new_milestone(shop, "Design", None))
            await uow.domains.add(replace(new_domain(client.id), project_id=site.id))
            await uow.infrastructure.upsert(
                Infrastructure(
                    client.id, site.id, Hosting("Vercel", HostingStatus.ONLINE, "pro", Money(Decimal("99.90"))),
                    Cdn("Cloudflare", Decimal("93.50")),
                )
            )  # fmt: skip
            for hours_ago in (30, 6):
                await uow.metrics.record_measurement(
                    client.id, Measurement(site.id, NOW - timedelta(hours=hours_ago), sample)
                )
            down = Incident(
                IncidentId(uuid4()), client.id, site.id, "Down", IncidentSeverity.HIGH, NOW - timedelta(hours=2)
            )
            await uow.incidents.add(down)
            await uow.metrics.record_traffic(traffic(client.id, site.id, NOW.date(), 40, 2))
            await uow.metrics.record_traffic(traffic(client.id, site.id, date(2026, 4, 30), 99))
            await uow.campaigns.add(google)
            await uow.metrics.record_campaign_days(
                client.id, [(google.id, day(NOW.date(), clicks=7, cost="12.30", revenue="40.00", conversions="1.5"))]
            )
            await uow.storage.add_item(new_item(client.id))
            await uow.commit()

        async with uow_factory(DataScope.of_client(client.id)) as uow:
            facts = await uow.dashboard.facts(client.id, NOW, MAY_PERIODS)
            window = facts.window
            assert window == MonthWindow.holding(NOW, client.zone)
            assert facts.client == await uow.clients.get(client.id)
            assert facts.projects == await uow.projects.list_for_client(client.id)
            assert facts.milestones == await uow.milestones.list_for_client(client.id)
            assert facts.domains == await uow.domains.list_for_client(client.id)
            assert facts.infrastructure == await uow.infrastructure.list_for_client(client.id)
            assert facts.traffic == await uow.metrics.traffic_totals(client.id, window.first_day, window.today)
            assert facts.file_count == 1
            assert facts.measurements == await uow.metrics.latest_measurements(client.id)
            assert facts.incidents == await uow.incidents.list_overlapping(client.id, window.start, window.end)
            assert facts.campaigns == await uow.metrics.campaign_totals(client.id, window.first_day, window.today)
        assert [m.measured_at for m in facts.measurements] == [NOW - timedelta(hours=6)]
        assert facts.traffic.requests_total == 42 and facts.campaigns[CampaignPlatform.GOOGLE_ADS].clicks == 7

    async def test_first_responses_average_as_the_domain_averages_the_tickets(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        loop = asyncio.get_running_loop()
        quota = QuotaStatus(Resource.SUPPORT_TICKETS, 0, None, "2026-05")
        moments = st.timedeltas(min_value=-timedelta(days=10), max_value=timedelta(days=40))
        waits = st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))

        async def check(opened: list[tuple[timedelta, timedelta | None]]) -> None:
            client = await seed(uow_factory, new_client())
            tickets = [answered(new_ticket(client.id, at=at - (NOW - MAY_START)), wait) for at, wait in opened]
            async with uow_factory(DataScope.of_client(client.id)) as uow:
                for ticket in tickets:
                    await uow.tickets.add(ticket)
                await uow.commit()
            window = MonthWindow.holding(NOW, client.zone)
            async with uow_factory(DataScope.of_client(client.id)) as uow:
                facts = await uow.dashboard.facts(client.id, NOW, MAY_PERIODS)
                alone = await uow.dashboard.first_responses(client.id, window.start, window.end)
            in_window = [t for t in tickets if window.start <= t.created_at < window.end]
            assert facts.first_responses == alone
            assert summarize_tickets(quota, alone).average_first_response == average_first_response(in_window)

        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(st.tuples(moments, waits), max_size=8))
        def averages_agree(opened: list[tuple[timedelta, timedelta | None]]) -> None:
            # Hypothesis drives a blocking function; the adapter runs on the test's own loop meanwhile.
            asyncio.run_coroutine_threadsafe(check(opened), loop).result()

        await asyncio.to_thread(averages_agree)
