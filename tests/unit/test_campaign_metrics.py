from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import ValidationError
from arco_domain.ids import CampaignId, ClientId, ProjectId
from arco_domain.model.campaigns import (
    Campaign,
    CampaignStatus,
    CampaignTotals,
    DailyCampaignMetrics,
    cpa,
    cpc,
    ctr,
    micros_to_money,
    roas,
    summarize,
)
from arco_domain.model.money import Money
from arco_domain.model.tiers import CampaignPlatform

DAY = dt.date(2025, 3, 10)


def brl(amount: str) -> Money:
    return Money(Decimal(amount), "BRL")


def day(
    impressions: int = 1000,
    clicks: int = 50,
    conversions: str = "5",
    cost: str = "100.00",
    revenue: str = "487.00",
    currency: str = "BRL",
    date: dt.date = DAY,
) -> DailyCampaignMetrics:
    amounts = Money(Decimal(cost), currency), Money(Decimal(revenue), currency)
    return DailyCampaignMetrics(date, impressions, clicks, Decimal(conversions), *amounts)


counts = st.integers(min_value=0, max_value=10**9)
amounts = st.decimals(min_value=0, max_value=10**9, places=2)
conversion_counts = st.decimals(min_value=0, max_value=10**6, places=2)
money = amounts.map(lambda amount: Money(amount, "BRL"))
daily_metrics = st.builds(
    DailyCampaignMetrics,
    date=st.dates(),
    impressions=counts,
    clicks=counts,
    conversions=conversion_counts,
    cost=money,
    revenue=money,
)


class TestCampaign:
    def make(self, **changes: object) -> Campaign:
        fields: dict[str, object] = {
            "id": CampaignId(UUID(int=1)),
            "client_id": ClientId(UUID(int=2)),
            "platform": CampaignPlatform.GOOGLE_ADS,
            "external_id": "1234567890",
            "name": "Brand search",
            "status": CampaignStatus.ACTIVE,
            "project_id": ProjectId(UUID(int=3)),
            "budget_daily": brl("150.00"),
            "created_at": dt.datetime(2025, 1, 2, 12, tzinfo=dt.UTC),
        }
        return Campaign(**{**fields, **changes})  # type: ignore[arg-type]

    def test_platform_and_status_values_are_the_stored_names(self) -> None:
        assert [p.value for p in CampaignPlatform] == ["google_ads", "meta_ads", "linkedin_ads", "tiktok_ads"]
        assert [s.value for s in CampaignStatus] == ["active", "paused", "ended"]

    def test_a_campaign_may_have_no_project_and_no_budget(self) -> None:
        campaign = self.make(project_id=None, budget_daily=None)
        assert campaign.project_id is None and campaign.budget_daily is None

    def test_a_campaign_status_can_change(self) -> None:
        campaign = self.make()
        campaign.status = CampaignStatus.PAUSED
        assert campaign.status is CampaignStatus.PAUSED

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("external_id", " "),
            ("name", ""),
            ("budget_daily", brl("-1.00")),
            ("created_at", dt.datetime(2025, 1, 2, 12)),
        ],
    )
    def test_invalid_fields_are_rejected_with_their_name(self, field: str, value: object) -> None:
        with pytest.raises(ValidationError) as raised:
            self.make(**{field: value})
        assert raised.value.field == field


class TestDailyCampaignMetrics:
    def test_fractional_conversions_are_kept_exactly(self) -> None:
        assert day(conversions="2.75").conversions == Decimal("2.75")

    def test_clicks_above_impressions_are_accepted_because_platforms_report_them(self) -> None:
        metrics = day(impressions=0, clicks=3)
        assert (metrics.impressions, metrics.clicks) == (0, 3)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"impressions": -1}, "impressions"),
            ({"clicks": -1}, "clicks"),
            ({"conversions": "-0.5"}, "conversions"),
            ({"conversions": "NaN"}, "conversions"),
            ({"cost": "-0.01"}, "cost"),
            ({"revenue": "-0.01"}, "revenue"),
        ],
    )
    def test_negative_or_non_finite_figures_are_rejected(self, changes: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as raised:
            day(**changes)  # type: ignore[arg-type]
        assert raised.value.field == field

    def test_a_count_given_as_a_float_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            day(impressions=10.0)  # type: ignore[arg-type]

    def test_cost_and_revenue_in_different_currencies_are_rejected(self) -> None:
        with pytest.raises(ValidationError):
            DailyCampaignMetrics(DAY, 10, 1, Decimal(1), brl("1.00"), Money(Decimal(5), "USD"))


class TestCtr:
    def test_is_a_percentage_of_impressions(self) -> None:
        assert ctr(25, 1000) == Decimal("2.5000")

    def test_is_rounded_to_four_places(self) -> None:
        assert ctr(1, 3) == Decimal("33.3333")
        assert ctr(2, 3) == Decimal("66.6667")

    def test_rounds_exact_halves_to_even(self) -> None:
        assert ctr(1, 400_000) == Decimal("0.0002")  # 0.00025
        assert ctr(3, 2_000_000) == Decimal("0.0002")  # 0.00015

    def test_is_none_without_impressions(self) -> None:
        assert ctr(5, 0) is None

    @given(clicks=counts, impressions=counts)
    def test_is_none_exactly_when_there_are_no_impressions(self, clicks: int, impressions: int) -> None:
        assert (ctr(clicks, impressions) is None) == (impressions == 0)


class TestCpc:
    def test_divides_cost_by_clicks_in_the_cost_currency(self) -> None:
        assert cpc(Money(Decimal("100.00"), "USD"), 40) == Money(Decimal("2.50"), "USD")

    def test_rounds_to_cents_half_to_even(self) -> None:
        assert cpc(brl("0.25"), 2) == brl("0.12")
        assert cpc(brl("0.75"), 2) == brl("0.38")

    def test_is_none_without_clicks(self) -> None:
        assert cpc(brl("10.00"), 0) is None

    @given(cost=money, clicks=counts)
    def test_is_none_exactly_when_there_are_no_clicks(self, cost: Money, clicks: int) -> None:
        assert (cpc(cost, clicks) is None) == (clicks == 0)


class TestCpa:
    def test_divides_cost_by_fractional_conversions(self) -> None:
        assert cpa(brl("100.00"), Decimal("2.5")) == brl("40.00")

    def test_is_none_without_conversions(self) -> None:
        assert cpa(brl("100.00"), Decimal("0.00")) is None

    @given(cost=money, conversions=conversion_counts)
    def test_is_none_exactly_when_there_are_no_conversions(self, cost: Money, conversions: Decimal) -> None:
        assert (cpa(cost, conversions) is None) == (conversions == 0)


class TestRoas:
    def test_is_revenue_per_unit_of_cost(self) -> None:
        assert roas(brl("487.00"), brl("100.00")) == Decimal("4.8700")

    def test_is_none_without_spend(self) -> None:
        assert roas(brl("487.00"), brl("0.00")) is None

    def test_refuses_to_relate_different_currencies(self) -> None:
        with pytest.raises(ValidationError):
            roas(Money(Decimal(10), "USD"), brl("5.00"))

    @given(revenue=money, cost=money)
    def test_is_none_exactly_when_there_is_no_spend(self, revenue: Money, cost: Money) -> None:
        assert (roas(revenue, cost) is None) == (cost.amount == 0)

    @given(revenue=money, cost=amounts.filter(lambda amount: amount > 0).map(lambda a: Money(a, "BRL")))
    def test_times_cost_gives_back_revenue_within_rounding(self, revenue: Money, cost: Money) -> None:
        ratio = roas(revenue, cost)
        assert ratio is not None
        assert abs(ratio * cost.amount - revenue.amount) <= Decimal("0.00005") * cost.amount


class TestSummarize:
    def test_adds_up_the_days_and_derives_ratios_from_the_totals(self) -> None:
        totals = summarize(
            [
                day(impressions=1000, clicks=50, conversions="4.5", cost="100.00", revenue="400.00"),
                day(impressions=3000, clicks=30, conversions="0.5", cost="60.00", revenue="379.20"),
            ],
            "BRL",
        )
        assert (totals.impressions, totals.clicks, totals.conversions) == (4000, 80, Decimal("5.0"))
        assert (totals.spend, totals.revenue) == (brl("160.00"), brl("779.20"))
        assert totals.ctr == Decimal("2.0000")
        assert totals.cpc == brl("2.00")
        assert totals.cpa == brl("32.00")
        assert totals.roas == Decimal("4.8700")

    def test_ctr_is_the_ratio_of_totals_not_the_average_of_daily_ratios(self) -> None:
        days = [day(impressions=10, clicks=1), day(impressions=1000, clicks=10)]
        # the daily CTRs are 10 % and 1 %: their average (5.5 %) would overweight the tiny day
        assert summarize(days, "BRL").ctr == Decimal("1.0891")

    def test_a_day_without_impressions_still_counts_its_clicks_and_spend(self) -> None:
        totals = summarize([day(impressions=0, clicks=2, cost="3.00"), day(impressions=100, clicks=8)], "BRL")
        assert totals.ctr == Decimal("10.0000")
        assert totals.spend == brl("103.00")

    def test_no_days_give_zero_totals_and_no_ratios(self) -> None:
        totals = summarize([], "EUR")
        assert totals == CampaignTotals.empty("EUR")
        assert totals.spend == Money.zero("EUR")
        assert (totals.ctr, totals.cpc, totals.cpa, totals.roas) == (None, None, None, None)

    def test_days_in_another_currency_are_rejected(self) -> None:
        with pytest.raises(ValidationError) as raised:
            summarize([day(), day(currency="USD")], "BRL")
        assert raised.value.field == "currency"

    @given(metrics=st.lists(daily_metrics, max_size=20), cut=st.integers(min_value=0, max_value=20))
    def test_summarizing_a_list_equals_adding_the_totals_of_its_halves(
        self, metrics: list[DailyCampaignMetrics], cut: int
    ) -> None:
        whole = summarize(metrics, "BRL")
        combined = summarize(metrics[:cut], "BRL") + summarize(metrics[cut:], "BRL")
        assert combined == whole
        ratios = (whole.ctr, whole.cpc, whole.cpa, whole.roas)
        assert (combined.ctr, combined.cpc, combined.cpa, combined.roas) == ratios

    @given(metrics=st.lists(daily_metrics, max_size=20))
    def test_totals_are_the_sums_of_the_days(self, metrics: list[DailyCampaignMetrics]) -> None:
        totals = summarize(metrics, "BRL")
        assert totals.impressions == sum(m.impressions for m in metrics)
        assert totals.clicks == sum(m.clicks for m in metrics)
        assert totals.spend.amount == sum((m.cost.amount for m in metrics), Decimal(0))


class TestMicrosToMoney:
    def test_converts_google_ads_micros_to_currency_units(self) -> None:
        assert micros_to_money(1_230_000, "BRL") == brl("1.23")

    def test_keeps_sub_cent_precision(self) -> None:
        assert micros_to_money(1, "USD").amount == Decimal("0.000001")

    def test_rejects_a_float(self) -> None:
        with pytest.raises(ValidationError):
            micros_to_money(1.5, "BRL")  # type: ignore[arg-type]

    @given(micros=st.integers(min_value=-(10**18), max_value=10**18))
    def test_is_exact(self, micros: int) -> None:
        money = micros_to_money(micros, "BRL")
        assert money.amount * 1_000_000 == micros
        assert money.currency == "BRL"
