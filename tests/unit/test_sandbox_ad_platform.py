from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arco_adapters.ads.sandbox import CPC_CENTS, SandboxAdPlatform
from arco_domain.errors import ValidationError
from arco_domain.model.campaigns import CampaignStatus, ctr
from arco_domain.model.tiers import CampaignPlatform
from arco_ports.ads import AdAccountAccess, AdPlatform, PlatformCampaign, PlatformDailyMetrics

ACCOUNT = AdAccountAccess("1234567890", secret="refresh-token")
MONDAY = date(2026, 3, 2)

platforms = st.sampled_from(CampaignPlatform)
currencies = st.sampled_from(sorted(CPC_CENTS))
account_ids = st.text("0123456789", min_size=6, max_size=12)
days = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))
spans = st.integers(min_value=0, max_value=10)


def campaigns(sandbox: AdPlatform, account: AdAccountAccess = ACCOUNT) -> Sequence[PlatformCampaign]:
    return asyncio.run(sandbox.list_campaigns(account))


def rows(sandbox: AdPlatform, start: date, end: date, account: AdAccountAccess = ACCOUNT) -> list[PlatformDailyMetrics]:
    return list(asyncio.run(sandbox.daily_metrics(account, start, end)))


def dates_by_campaign(found: Sequence[PlatformDailyMetrics]) -> dict[str, list[date]]:
    dates: dict[str, list[date]] = defaultdict(list)
    for row in found:
        dates[row.external_campaign_id].append(row.metrics.date)
    return dates


class TestCampaigns:
    @given(platform=platforms, account_id=account_ids, count=st.integers(min_value=1, max_value=8))
    def test_an_account_always_has_the_same_campaigns(
        self, platform: CampaignPlatform, account_id: str, count: int
    ) -> None:
        account = AdAccountAccess(account_id, secret="token")
        first = campaigns(SandboxAdPlatform(platform, campaigns_per_account=count), account)
        again = campaigns(SandboxAdPlatform(platform, campaigns_per_account=count), account)
        assert first == again
        assert len(first) == count
        assert len({campaign.external_id for campaign in first}) == count
        assert len({campaign.name for campaign in first}) == count

    @given(platform=platforms, account_id=account_ids, count=st.integers(min_value=2, max_value=8))
    def test_exactly_one_campaign_of_several_is_paused(
        self, platform: CampaignPlatform, account_id: str, count: int
    ) -> None:
        found = campaigns(SandboxAdPlatform(platform, campaigns_per_account=count), AdAccountAccess(account_id, "t"))
        statuses = [campaign.status for campaign in found]
        assert statuses.count(CampaignStatus.PAUSED) == 1
        assert statuses.count(CampaignStatus.ACTIVE) == count - 1

    def test_a_single_campaign_is_active(self) -> None:
        (only,) = campaigns(SandboxAdPlatform(CampaignPlatform.META_ADS, campaigns_per_account=1))
        assert only.status is CampaignStatus.ACTIVE

    def test_ids_look_like_the_platforms_own(self) -> None:
        digits = {
            CampaignPlatform.GOOGLE_ADS: 11,
            CampaignPlatform.META_ADS: 18,
            CampaignPlatform.LINKEDIN_ADS: 9,
            CampaignPlatform.TIKTOK_ADS: 19,
        }
        for platform, length in digits.items():
            for campaign in campaigns(SandboxAdPlatform(platform)):
                assert campaign.external_id.isdigit()
                assert len(campaign.external_id) == length

    def test_names_are_typical_of_the_platform(self) -> None:
        google = {campaign.name for campaign in campaigns(SandboxAdPlatform(CampaignPlatform.GOOGLE_ADS))}
        meta = {campaign.name for campaign in campaigns(SandboxAdPlatform(CampaignPlatform.META_ADS))}
        assert google <= {
            "Search — Brand",
            "Performance Max",
            "Remarketing",
            "Search — Generic",
            "YouTube — Awareness",
            "Display — Prospecting",
        }
        assert meta <= {
            "Prospecting",
            "Retargeting",
            "Lead form",
            "Advantage+ Shopping",
            "Lookalike — Purchasers",
            "Reels — Awareness",
        }

    def test_different_accounts_have_different_campaigns(self) -> None:
        sandbox = SandboxAdPlatform(CampaignPlatform.GOOGLE_ADS)
        ours = {campaign.external_id for campaign in campaigns(sandbox, ACCOUNT)}
        theirs = {campaign.external_id for campaign in campaigns(sandbox, AdAccountAccess("9876543210", "t"))}
        assert not ours & theirs

    def test_the_same_account_id_on_two_platforms_has_different_campaigns(self) -> None:
        google = campaigns(SandboxAdPlatform(CampaignPlatform.GOOGLE_ADS))
        tiktok = campaigns(SandboxAdPlatform(CampaignPlatform.TIKTOK_ADS))
        assert not {campaign.external_id for campaign in google} & {campaign.external_id for campaign in tiktok}


class TestDailyMetrics:
    @given(platform=platforms, currency=currencies, account_id=account_ids, start=days, span=spans)
    def test_the_same_request_gives_the_same_rows(
        self, platform: CampaignPlatform, currency: str, account_id: str, start: date, span: int
    ) -> None:
        account = AdAccountAccess(account_id, secret="token")
        end = start + timedelta(days=span)
        first = rows(SandboxAdPlatform(platform, currency=currency), start, end, account)
        assert first == rows(SandboxAdPlatform(platform, currency=currency), start, end, account)

    @given(platform=platforms, account_id=account_ids, day=days, before=spans, after=spans)
    def test_a_days_rows_do_not_depend_on_the_range_asked(
        self, platform: CampaignPlatform, account_id: str, day: date, before: int, after: int
    ) -> None:
        sandbox = SandboxAdPlatform(platform)
        account = AdAccountAccess(account_id, secret="token")
        alone = rows(sandbox, day, day, account)
        within = rows(sandbox, day - timedelta(days=before), day + timedelta(days=after), account)
        assert alone == [row for row in within if row.metrics.date == day]

    @given(platform=platforms, currency=currencies, account_id=account_ids, start=days, span=spans)
    def test_figures_are_plausible_and_in_the_accounts_currency(
        self, platform: CampaignPlatform, currency: str, account_id: str, start: date, span: int
    ) -> None:
        found = rows(SandboxAdPlatform(platform, currency=currency), start, start + timedelta(days=span))
        assert found
        for row in found:
            day = row.metrics
            assert 0 < day.clicks <= day.impressions
            assert Decimal(1) <= (ctr(day.clicks, day.impressions) or 0) <= Decimal(6)
            assert day.conversions >= 0
            assert day.conversions.as_tuple().exponent == -2
            assert day.cost.currency == day.revenue.currency == currency
            for amount in (day.cost.amount, day.revenue.amount):
                assert amount >= 0
                assert amount.as_tuple().exponent == -2
            if day.conversions:
                # Revenue is rounded down to the cent, so the lowest ROAS can fall a cent short of 0.5.
                assert day.cost.amount / 2 - Decimal("0.01") <= day.revenue.amount <= day.cost.amount * 6
            else:
                assert day.revenue.amount == 0

    @given(platform=platforms, account_id=account_ids, start=days, span=spans)
    def test_every_active_campaign_has_a_row_for_every_day_and_none_outside_the_range(
        self, platform: CampaignPlatform, account_id: str, start: date, span: int
    ) -> None:
        sandbox = SandboxAdPlatform(platform)
        account = AdAccountAccess(account_id, secret="token")
        end = start + timedelta(days=span)
        found = rows(sandbox, start, end, account)
        every_day = [start + timedelta(days=offset) for offset in range(span + 1)]
        by_campaign = dates_by_campaign(found)
        for campaign in campaigns(sandbox, account):
            if campaign.status is CampaignStatus.ACTIVE:
                assert by_campaign[campaign.external_id] == every_day
        assert all(start <= row.metrics.date <= end for row in found)
        assert set(by_campaign) <= {campaign.external_id for campaign in campaigns(sandbox, account)}

    @settings(max_examples=20)  # over a year of rows per example
    @given(platform=platforms, account_id=account_ids)
    def test_a_paused_campaign_has_rows_up_to_a_day_in_2025_and_none_after(
        self, platform: CampaignPlatform, account_id: str
    ) -> None:
        sandbox = SandboxAdPlatform(platform)
        account = AdAccountAccess(account_id, secret="token")
        (paused,) = [campaign for campaign in campaigns(sandbox, account) if campaign.status is CampaignStatus.PAUSED]
        start = date(2024, 12, 1)
        ran_on = dates_by_campaign(rows(sandbox, start, date(2026, 1, 31), account))[paused.external_id]
        assert ran_on
        assert ran_on == [start + timedelta(days=offset) for offset in range(len(ran_on))]
        assert date(2024, 12, 31) <= ran_on[-1] < date(2025, 12, 31)

    def test_weekends_see_fewer_impressions(self) -> None:
        four_weeks = rows(SandboxAdPlatform(CampaignPlatform.GOOGLE_ADS), MONDAY, MONDAY + timedelta(days=27))
        weekday = [row.metrics.impressions for row in four_weeks if row.metrics.date.weekday() < 5]
        weekend = [row.metrics.impressions for row in four_weeks if row.metrics.date.weekday() >= 5]
        assert sum(weekend) / len(weekend) < 0.8 * sum(weekday) / len(weekday)

    def test_linkedin_clicks_cost_more_than_meta_clicks(self) -> None:
        def cost_per_click(platform: CampaignPlatform) -> Decimal:
            month = rows(SandboxAdPlatform(platform, campaigns_per_account=6), MONDAY, MONDAY + timedelta(days=29))
            spend = sum((row.metrics.cost.amount for row in month), Decimal(0))
            return spend / sum(row.metrics.clicks for row in month)

        assert cost_per_click(CampaignPlatform.LINKEDIN_ADS) > 2 * cost_per_click(CampaignPlatform.META_ADS)

    def test_a_range_that_ends_before_it_starts_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="starts on"):
            rows(SandboxAdPlatform(CampaignPlatform.GOOGLE_ADS), MONDAY, MONDAY - timedelta(days=1))


class TestConfiguration:
    def test_a_currency_without_known_click_prices_is_refused(self) -> None:
        with pytest.raises(ValueError, match="JPY"):
            SandboxAdPlatform(CampaignPlatform.GOOGLE_ADS, currency="JPY")

    def test_an_account_needs_a_campaign(self) -> None:
        with pytest.raises(ValueError, match="at least one"):
            SandboxAdPlatform(CampaignPlatform.GOOGLE_ADS, campaigns_per_account=0)
