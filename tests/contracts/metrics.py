"""The metrics and campaign repository contract, run against every adapter."""

from __future__ import annotations

from dataclasses import replace
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


def day(
    on: date, *, clicks: int, cost: str, revenue: str, conversions: str = "1", currency: str = "BRL"
) -> DailyCampaignMetrics:
    return DailyCampaignMetrics(
        date=on, impressions=clicks * 10, clicks=clicks, conversions=Decimal(conversions),
        cost=Money(Decimal(cost), currency), revenue=Money(Decimal(revenue), currency),
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

    # --- campaign days ---------------------------------------------------------------------------------------

    async def _client_with_campaigns(
        self, uow_factory: UnitOfWorkFactory, *platforms: CampaignPlatform
    ) -> tuple[ClientId, list[Campaign]]:
        client = await seed(uow_factory, new_client(Tier.PRO))
        campaigns = [campaign(client.id, platform, f"c-{n}") for n, platform in enumerate(platforms)]
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for each in campaigns:
                await uow.campaigns.add(each)
            await uow.commit()
        return client.id, campaigns

    async def _record(
        self,
        uow_factory: UnitOfWorkFactory,
        client_id: ClientId,
        days: list[tuple[CampaignId, DailyCampaignMetrics]],
    ) -> None:
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.metrics.record_campaign_days(client_id, days)
            await uow.commit()

    async def _days(
        self, uow_factory: UnitOfWorkFactory, client_id: ClientId, campaign_id: CampaignId, start: date, end: date
    ) -> list[DailyCampaignMetrics]:
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            return list(await uow.metrics.campaign_days(client_id, campaign_id, start, end))

    async def test_one_call_stores_the_days_of_several_campaigns(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, (google, meta) = await self._client_with_campaigns(
            uow_factory, CampaignPlatform.GOOGLE_ADS, CampaignPlatform.META_ADS
        )
        google_first = day(MAY, clicks=10, cost="5.00", revenue="20.00")
        google_second = day(MAY + timedelta(days=1), clicks=8, cost="4.00", revenue="0.00")
        meta_first = day(MAY, clicks=3, cost="1.50", revenue="9.90")
        await self._record(
            uow_factory, client_id, [(google.id, google_first), (meta.id, meta_first), (google.id, google_second)]
        )
        end = MAY + timedelta(days=1)
        assert await self._days(uow_factory, client_id, google.id, MAY, end) == [google_first, google_second]
        assert await self._days(uow_factory, client_id, meta.id, MAY, end) == [meta_first]

    async def test_a_restated_day_replaces_the_stored_figures_and_is_never_duplicated(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id, (google,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        first, second = MAY, MAY + timedelta(days=1)
        await self._record(
            uow_factory,
            client_id,
            [
                (google.id, day(first, clicks=10, cost="5.00", revenue="20.00")),
                (google.id, day(second, clicks=8, cost="4.00", revenue="0.00")),
            ],
        )
        restated = day(first, clicks=12, cost="6.00", revenue="31.50", conversions="2.5")
        untouched = day(second, clicks=8, cost="4.00", revenue="0.00")
        # The same figures reported a second time, as the next day's sync reads the window again.
        for _ in range(2):
            await self._record(uow_factory, client_id, [(google.id, restated), (google.id, untouched)])
            assert await self._days(uow_factory, client_id, google.id, first, second) == [restated, untouched]
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            totals = (await uow.metrics.campaign_totals(client_id, first, second))[CampaignPlatform.GOOGLE_ADS]
        assert (totals.clicks, totals.conversions, totals.spend) == (20, Decimal("3.5"), Money(Decimal("10.00")))

    async def test_when_one_call_holds_a_day_twice_the_later_figures_are_kept(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id, (google,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        earlier = day(MAY, clicks=1, cost="1.00", revenue="1.00")
        later = day(MAY, clicks=2, cost="2.00", revenue="2.00")
        await self._record(uow_factory, client_id, [(google.id, earlier), (google.id, later)])
        assert await self._days(uow_factory, client_id, google.id, MAY, MAY) == [later]

    async def test_campaign_days_come_oldest_first_from_an_inclusive_range(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id, (google, other) = await self._client_with_campaigns(
            uow_factory, CampaignPlatform.GOOGLE_ADS, CampaignPlatform.GOOGLE_ADS
        )
        stored = {
            offset: day(MAY + timedelta(days=offset), clicks=offset + 2, cost=f"{offset + 2}.00", revenue="0")
            for offset in (3, -1, 0, 5, 1)
        }
        await self._record(uow_factory, client_id, [(google.id, metrics) for metrics in stored.values()])
        gap = MAY + timedelta(days=2)
        await self._record(uow_factory, client_id, [(other.id, day(gap, clicks=9, cost="9", revenue="9"))])
        start, end = MAY, MAY + timedelta(days=3)
        assert await self._days(uow_factory, client_id, google.id, start, end) == [stored[0], stored[1], stored[3]]
        assert await self._days(uow_factory, client_id, google.id, end, end) == [stored[3]]
        assert await self._days(uow_factory, client_id, google.id, gap, gap) == []
        assert await self._days(uow_factory, client_id, google.id, end, start) == []

    async def test_campaign_days_of_another_clients_campaign_are_empty(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, _ = await self._client_with_campaigns(uow_factory)
        theirs, (their_campaign,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        their_day = day(MAY, clicks=1, cost="1.00", revenue="2.00")
        await self._record(uow_factory, theirs, [(their_campaign.id, their_day)])
        async with uow_factory(DataScope.of_client(mine)) as uow:
            for client_id in (mine, theirs):
                assert await uow.metrics.campaign_days(client_id, their_campaign.id, MAY, MAY) == []
        async with uow_factory(DataScope.all_clients()) as uow:
            assert await uow.metrics.campaign_days(mine, their_campaign.id, MAY, MAY) == []
            assert await uow.metrics.campaign_days(theirs, their_campaign.id, MAY, MAY) == [their_day]

    @pytest.mark.parametrize(
        "intruder", ["their campaign", "no campaign", "their client id"], ids=lambda intruder: intruder
    )
    async def test_a_call_naming_a_campaign_that_is_not_the_clients_stores_none_of_its_days(
        self, uow_factory: UnitOfWorkFactory, intruder: str
    ) -> None:
        mine, (my_campaign,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        theirs, (their_campaign,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        kept = day(MAY, clicks=1, cost="1.00", revenue="1.00")
        await self._record(uow_factory, mine, [(my_campaign.id, kept)])
        foreign = their_campaign.id if intruder != "no campaign" else CampaignId(uuid4())
        client_id = theirs if intruder == "their client id" else mine
        next_day = MAY + timedelta(days=1)
        restated = day(MAY, clicks=5, cost="5.00", revenue="5.00")
        added = day(next_day, clicks=2, cost="2.00", revenue="2.00")
        async with uow_factory(DataScope.of_client(mine)) as uow:
            with pytest.raises(NotFound):
                await uow.metrics.record_campaign_days(
                    client_id, [(my_campaign.id, restated), (foreign, added), (my_campaign.id, added)]
                )
        assert await self._days(uow_factory, mine, my_campaign.id, MAY, next_day) == [kept]
        assert await self._days(uow_factory, theirs, their_campaign.id, MAY, next_day) == []

    async def test_recording_no_days_changes_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, (google,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        kept = day(MAY, clicks=1, cost="1.00", revenue="1.00")
        await self._record(uow_factory, client_id, [(google.id, kept)])
        await self._record(uow_factory, client_id, [])
        assert await self._days(uow_factory, client_id, google.id, MAY, MAY) == [kept]

    async def test_figures_come_back_exactly_to_the_last_stored_digit(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, (google,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        # Money is kept to the cent and conversions to four places, with up to 14 digits in all.
        largest = DailyCampaignMetrics(
            date=MAY, impressions=9_000_000_000_000, clicks=4_000_000_000, conversions=Decimal("9999999999.9999"),
            cost=Money(Decimal("999999999999.99"), "USD"), revenue=Money(Decimal("123456789012.34"), "USD"),
        )  # fmt: skip
        smallest = day(
            MAY + timedelta(days=1), clicks=0, cost="0.01", revenue="0.10", conversions="0.0001", currency="USD"
        )
        third = day(
            MAY + timedelta(days=2), clicks=0, cost="0.02", revenue="0.20", conversions="0.3333", currency="USD"
        )
        await self._record(uow_factory, client_id, [(google.id, largest), (google.id, smallest), (google.id, third)])
        stored = await self._days(uow_factory, client_id, google.id, MAY, MAY + timedelta(days=2))
        assert stored == [largest, smallest, third]
        assert [(str(d.cost.amount), str(d.revenue.amount), str(d.conversions)) for d in stored] == [
            ("999999999999.99", "123456789012.34", "9999999999.9999"),
            ("0.01", "0.10", "0.0001"),
            ("0.02", "0.20", "0.3333"),
        ]
        assert {d.currency for d in stored} == {"USD"}
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            totals = await uow.metrics.campaign_totals(client_id, MAY + timedelta(days=1), MAY + timedelta(days=2))
        google_total = totals[CampaignPlatform.GOOGLE_ADS]
        assert (google_total.spend, google_total.revenue) == (
            Money(Decimal("0.03"), "USD"),
            Money(Decimal("0.30"), "USD"),
        )
        assert google_total.conversions == Decimal("0.3334")

    # --- campaign updates ------------------------------------------------------------------------------------

    async def test_an_update_stores_the_name_status_budget_and_project(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id, project_id = await self._client_with_project(uow_factory)
        entered = campaign(client_id, CampaignPlatform.GOOGLE_ADS)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.campaigns.add(entered)
            await uow.commit()
        edited = replace(
            entered,
            name="Brand (Brasil)",
            status=CampaignStatus.PAUSED,
            budget_daily=Money(Decimal("150.25"), "USD"),
            project_id=project_id,
        )
        cleared = replace(edited, status=CampaignStatus.ENDED, budget_daily=None, project_id=None)
        for expected in (edited, cleared):
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                await uow.campaigns.update(expected)
                await uow.commit()
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                assert await uow.campaigns.get(client_id, entered.id) == expected
                assert await uow.campaigns.get_for_update(client_id, entered.id) == expected
                assert await uow.campaigns.list_for_client(client_id) == [expected]

    async def test_an_update_keeps_the_platform_external_id_and_creation_time(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id, (google,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        moved = replace(
            google,
            platform=CampaignPlatform.META_ADS,
            external_id="elsewhere",
            created_at=NOW + timedelta(days=3),
            name="Renamed",
        )
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.campaigns.update(moved)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            assert await uow.campaigns.get(client_id, google.id) == replace(google, name="Renamed")

    async def test_another_clients_campaign_is_not_found_for_an_update(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, _ = await self._client_with_campaigns(uow_factory)
        theirs, (their_campaign,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        async with uow_factory(DataScope.of_client(mine)) as uow:
            for client_id in (theirs, mine):
                with pytest.raises(NotFound):
                    await uow.campaigns.get_for_update(client_id, their_campaign.id)
                with pytest.raises(NotFound):
                    await uow.campaigns.update(replace(their_campaign, client_id=client_id, name="Hijacked"))
            with pytest.raises(NotFound):
                await uow.campaigns.update(campaign(mine, CampaignPlatform.GOOGLE_ADS, "never-added"))
            # Committed, so a change an adapter let through would stick and show below.
            await uow.commit()
        async with uow_factory(DataScope.of_client(theirs)) as uow:
            assert await uow.campaigns.get(theirs, their_campaign.id) == their_campaign

    async def test_an_update_cannot_attribute_a_campaign_to_another_clients_project(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _, their_project = await self._client_with_project(uow_factory)
        mine, (entered,) = await self._client_with_campaigns(uow_factory, CampaignPlatform.GOOGLE_ADS)
        for project_id in (their_project, ProjectId(uuid4())):
            async with uow_factory(DataScope.of_client(mine)) as uow:
                with pytest.raises(NotFound):
                    await uow.campaigns.update(replace(entered, name="Attributed", project_id=project_id))
        async with uow_factory(DataScope.of_client(mine)) as uow:
            assert await uow.campaigns.get(mine, entered.id) == entered
