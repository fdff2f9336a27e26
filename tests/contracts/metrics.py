"""The metrics and campaign repository contract, run against every adapter."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from arco_domain.errors import Conflict, NotFound
from arco_domain.ids import CampaignId, ClientId, ProjectId
from arco_domain.model.access import DataScope
from arco_domain.model.campaigns import Campaign, CampaignStatus, DailyCampaignMetrics
from arco_domain.model.money import Money
from arco_domain.model.network import DailyTraffic
from arco_domain.model.performance import PerformanceSample
from arco_domain.model.tiers import CampaignPlatform, Tier
from arco_ports.metrics import Measurement
from arco_ports.unit_of_work import UnitOfWorkFactory
from tests.contracts.unit_of_work import NOW, new_client, new_project, seed

MAY = date(2026, 5, 1)


def campaign(client_id: ClientId, platform: CampaignPlatform, external_id: str = "c-1") -> Campaign:
    return Campaign(
        id=CampaignId(uuid4()), client_id=client_id, platform=platform, external_id=external_id, name="Brand",
        status=CampaignStatus.ACTIVE, project_id=None, budget_daily=None, created_at=NOW,
    )  # fmt: skip


def day(on: date, *, clicks: int, cost: str, revenue: str, conversions: str = "1") -> DailyCampaignMetrics:
    return DailyCampaignMetrics(
        date=on, impressions=clicks * 10, clicks=clicks, conversions=Decimal(conversions),
        cost=Money(Decimal(cost)), revenue=Money(Decimal(revenue)),
    )  # fmt: skip


def traffic(client_id: ClientId, project_id: ProjectId, on: date, ok: int, errors: int = 0) -> DailyTraffic:
    return DailyTraffic(client_id, project_id, on, ok * 1000, ok, 0, errors, 0)


class MetricsContract:
    async def _client_with_project(self, uow_factory: UnitOfWorkFactory) -> tuple[ClientId, ProjectId]:
        client = await seed(uow_factory, new_client(Tier.PRO))
        project = new_project(client.id)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.add(project)
            await uow.commit()
        return client.id, project.id

    async def test_traffic_totals_sum_the_range_and_name_the_busiest_day(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, project_id = await self._client_with_project(uow_factory)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            for offset, ok in enumerate([10, 50, 20]):
                await uow.metrics.record_traffic(traffic(client_id, project_id, MAY + timedelta(days=offset), ok, 1))
            await uow.metrics.record_traffic(traffic(client_id, project_id, MAY + timedelta(days=40), 999))
            await uow.commit()
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            totals = await uow.metrics.traffic_totals(client_id, MAY, date(2026, 5, 31))
        assert (totals.requests_2xx, totals.requests_4xx, totals.requests_total) == (80, 3, 83)
        assert totals.bandwidth_bytes == 80_000
        assert totals.busiest_day == MAY + timedelta(days=1)

    async def test_recording_a_day_twice_replaces_it(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, project_id = await self._client_with_project(uow_factory)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.metrics.record_traffic(traffic(client_id, project_id, MAY, 10))
            await uow.metrics.record_traffic(traffic(client_id, project_id, MAY, 7))
            await uow.commit()
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            assert (await uow.metrics.traffic_totals(client_id, MAY, MAY)).requests_2xx == 7

    async def test_empty_ranges_report_zero_and_no_busiest_day(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, _ = await self._client_with_project(uow_factory)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            totals = await uow.metrics.traffic_totals(client_id, MAY, MAY)
            assert await uow.metrics.campaign_totals(client_id, MAY, MAY) == {}
        assert (totals.requests_total, totals.busiest_day) == (0, None)

    async def test_campaign_totals_group_by_platform_and_replace_restated_days(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id, _ = await self._client_with_project(uow_factory)
        google, meta = campaign(client_id, CampaignPlatform.GOOGLE_ADS), campaign(client_id, CampaignPlatform.META_ADS)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.campaigns.add(google)
            await uow.campaigns.add(meta)
            await uow.metrics.record_campaign_days(
                client_id, [(google.id, day(MAY, clicks=10, cost="5.00", revenue="20.00"))]
            )
            await uow.metrics.record_campaign_days(
                client_id, [(google.id, day(MAY, clicks=12, cost="6.00", revenue="30.00"))]
            )
            await uow.metrics.record_campaign_days(
                client_id, [(google.id, day(MAY + timedelta(days=1), clicks=8, cost="4.00", revenue="0.00"))]
            )
            await uow.metrics.record_campaign_days(client_id, [(meta.id, day(MAY, clicks=1, cost="1.50", revenue="0"))])
            await uow.commit()
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            totals = await uow.metrics.campaign_totals(client_id, MAY, MAY + timedelta(days=1))
        google_total = totals[CampaignPlatform.GOOGLE_ADS]
        assert (google_total.clicks, google_total.spend, google_total.revenue) == (
            20,
            Money(Decimal("10.00")),
            Money(Decimal("30.00")),
        )
        assert google_total.roas == Decimal("3.0000")
        assert totals[CampaignPlatform.META_ADS].spend == Money(Decimal("1.50"))

    async def test_a_campaign_is_unique_per_platform_and_external_id(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, _ = await self._client_with_project(uow_factory)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.campaigns.add(campaign(client_id, CampaignPlatform.GOOGLE_ADS))
            with pytest.raises(Conflict):
                await uow.campaigns.add(campaign(client_id, CampaignPlatform.GOOGLE_ADS))

    async def test_metrics_for_another_clients_campaign_are_refused(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, _ = await self._client_with_project(uow_factory)
        theirs, _ = await self._client_with_project(uow_factory)
        their_campaign = campaign(theirs, CampaignPlatform.GOOGLE_ADS)
        async with uow_factory(DataScope.of_client(theirs)) as uow:
            await uow.campaigns.add(their_campaign)
            await uow.commit()
        async with uow_factory(DataScope.of_client(mine)) as uow:
            with pytest.raises(NotFound):
                await uow.metrics.record_campaign_days(
                    mine, [(their_campaign.id, day(MAY, clicks=1, cost="1", revenue="1"))]
                )
        async with uow_factory(DataScope.of_client(mine)) as uow:
            assert await uow.campaigns.list_for_client(theirs) == []
            assert await uow.metrics.campaign_totals(mine, MAY, MAY) == {}

    async def test_the_latest_measurement_of_each_project_is_returned(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, project_id = await self._client_with_project(uow_factory)
        old = Measurement(project_id, NOW, PerformanceSample(lcp_seconds=Decimal("3.1")))
        new = Measurement(project_id, NOW + timedelta(days=1), PerformanceSample(lcp_seconds=Decimal("1.9")))
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.metrics.record_measurement(client_id, old)
            await uow.metrics.record_measurement(client_id, new)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            latest = await uow.metrics.latest_measurements(client_id)
        assert [(m.measured_at, m.sample.lcp_seconds) for m in latest] == [(new.measured_at, Decimal("1.9"))]
