"""ROI and conversion rate: the business figures derived from campaign totals, Decimal and safe division."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import ValidationError
from arco_domain.model.campaigns import CampaignTotals, conversion_rate, roi
from arco_domain.model.money import Money

amounts = st.decimals(min_value=0, max_value=10**9, places=2)
money = amounts.map(lambda amount: Money(amount, "BRL"))
spend = amounts.filter(lambda amount: amount > 0).map(lambda amount: Money(amount, "BRL"))
counts = st.integers(min_value=0, max_value=10**9)
conversions = st.decimals(min_value=0, max_value=10**6, places=2)


def brl(amount: str) -> Money:
    return Money(Decimal(amount), "BRL")


class TestRoi:
    def test_is_the_gain_over_the_spend_as_a_percentage(self) -> None:
        assert roi(brl("487.00"), brl("100.00")) == Decimal("387.0000")

    def test_is_negative_when_the_campaign_lost_money(self) -> None:
        assert roi(brl("50.00"), brl("200.00")) == Decimal("-75.0000")

    def test_is_none_without_spend(self) -> None:
        assert roi(brl("10.00"), brl("0")) is None

    def test_refuses_to_relate_different_currencies(self) -> None:
        with pytest.raises(ValidationError):
            roi(Money(Decimal(10), "USD"), brl("5"))

    @given(revenue=money, cost=money)
    def test_is_none_exactly_when_there_is_no_spend(self, revenue: Money, cost: Money) -> None:
        assert (roi(revenue, cost) is None) == (cost.amount == 0)

    @given(revenue=money, cost=spend)
    def test_is_roas_minus_one_in_percent_within_rounding(self, revenue: Money, cost: Money) -> None:
        result = roi(revenue, cost)
        assert result is not None
        exact = (revenue.amount - cost.amount) * 100 / cost.amount
        assert abs(result - exact) <= Decimal("0.00005")


class TestConversionRate:
    def test_is_conversions_per_click_as_a_percentage(self) -> None:
        assert conversion_rate(Decimal(38), 1000) == Decimal("3.8000")

    def test_is_none_without_clicks(self) -> None:
        assert conversion_rate(Decimal(3), 0) is None

    @given(conversions=conversions, clicks=counts)
    def test_is_none_exactly_when_there_are_no_clicks(self, conversions: Decimal, clicks: int) -> None:
        assert (conversion_rate(conversions, clicks) is None) == (clicks == 0)


class TestCampaignTotalsBusinessFigures:
    def test_totals_derive_roi_and_conversion_rate_from_their_sums(self) -> None:
        totals = CampaignTotals(10_000, 400, Decimal("15.5"), brl("250.00"), brl("1000.00"))
        assert (totals.roi, totals.conversion_rate) == (Decimal("300.0000"), Decimal("3.8750"))

    def test_empty_totals_have_no_ratios(self) -> None:
        empty = CampaignTotals.empty("BRL")
        assert (empty.roi, empty.conversion_rate) == (None, None)
