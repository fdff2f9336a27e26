"""Ad campaigns: the daily metrics synced per platform and the ratios derived from them.

Derived ratios divide safely: a zero denominator yields ``None`` ("not enough data"), never an error
and never a misleading zero. Every quotient is rounded with ROUND_HALF_EVEN (banker's rounding, so that
rounding errors do not drift one way when many figures are added up): ratios (CTR as a percentage, ROAS)
to 4 decimal places, money (CPC, CPA) to 2 decimal places.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from enum import StrEnum

from arco_domain.errors import ValidationError
from arco_domain.ids import AdAccountId, CampaignId, ClientId, ProjectId
from arco_domain.model.money import Money
from arco_domain.model.tiers import CampaignPlatform

RATIO_QUANTUM = Decimal("0.0001")
MONEY_QUANTUM = Decimal("0.01")
# An explicit context keeps the results independent of whatever thread-local decimal context the caller
# set, with headroom so quantizing never runs out of digits for realistic figures.
_CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)


class CampaignStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


@dataclass(slots=True)
class Campaign:
    """A client's campaign on one ad platform, optionally attributed to one of the client's projects."""

    id: CampaignId
    client_id: ClientId
    platform: CampaignPlatform
    external_id: str
    name: str
    status: CampaignStatus
    project_id: ProjectId | None
    budget_daily: Money | None
    created_at: dt.datetime
    ad_account_id: AdAccountId | None = None
    """The connected account the campaign is synced from; None for a campaign entered by hand."""

    def __post_init__(self) -> None:
        if not self.external_id.strip():
            raise ValidationError("external id must not be blank", field="external_id")
        if not self.name.strip():
            raise ValidationError("campaign name must not be blank", field="name")
        if self.budget_daily is not None and self.budget_daily.amount < 0:
            raise ValidationError("daily budget must not be negative", field="budget_daily")
        if self.created_at.utcoffset() is None:
            raise ValidationError("created_at must be timezone-aware", field="created_at")


def _check_figures(
    impressions: int, clicks: int, conversions: Decimal, cost: Money, revenue: Money, cost_field: str
) -> None:
    # clicks <= impressions is deliberately not enforced: platforms do report clicks without impressions in
    # edge cases (late attribution, invalid-traffic adjustments), and rejecting the row would drop real spend.
    for field, count in (("impressions", impressions), ("clicks", clicks)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(f"{field} must be a non-negative integer", field=field)
    if not isinstance(conversions, Decimal) or not conversions.is_finite() or conversions < 0:
        raise ValidationError("conversions must be a finite, non-negative Decimal", field="conversions")
    for field, money in ((cost_field, cost), ("revenue", revenue)):
        if money.amount < 0:
            raise ValidationError(f"{field} must not be negative", field=field)
    if cost.currency != revenue.currency:
        raise ValidationError(
            f"{cost_field} in {cost.currency} and revenue in {revenue.currency} must share a currency",
            field="revenue",
        )


@dataclass(frozen=True, slots=True)
class DailyCampaignMetrics:
    """One campaign's figures for one day, as its platform reported them."""

    date: dt.date
    impressions: int
    clicks: int
    conversions: Decimal  # platforms attribute fractional conversions (data-driven attribution)
    cost: Money
    revenue: Money

    def __post_init__(self) -> None:
        _check_figures(self.impressions, self.clicks, self.conversions, self.cost, self.revenue, "cost")

    @property
    def currency(self) -> str:
        return self.cost.currency


def _quotient(numerator: Decimal, denominator: Decimal, quantum: Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    return _CONTEXT.divide(numerator, denominator).quantize(quantum, context=_CONTEXT)


def ctr(clicks: int, impressions: int) -> Decimal | None:
    """Click-through rate as a percentage (``Decimal("2.5")`` means 2.5 %); None without impressions."""
    return _quotient(Decimal(clicks * 100), Decimal(impressions), RATIO_QUANTUM)


def cpc(cost: Money, clicks: int) -> Money | None:
    """Cost per click, in the cost's currency; None without clicks."""
    amount = _quotient(cost.amount, Decimal(clicks), MONEY_QUANTUM)
    return None if amount is None else Money(amount, cost.currency)


def cpa(cost: Money, conversions: Decimal) -> Money | None:
    """Cost per acquisition (conversion), in the cost's currency; None without conversions."""
    amount = _quotient(cost.amount, conversions, MONEY_QUANTUM)
    return None if amount is None else Money(amount, cost.currency)


def roas(revenue: Money, cost: Money) -> Decimal | None:
    """Return on ad spend as a ratio (``Decimal("4.87")`` means 4.87 of revenue per 1 spent); None without
    spend. Raises ValidationError when the currencies differ."""
    if revenue.currency != cost.currency:
        raise ValidationError(f"cannot relate revenue in {revenue.currency} to cost in {cost.currency}")
    return _quotient(revenue.amount, cost.amount, RATIO_QUANTUM)


def roi(revenue: Money, cost: Money) -> Decimal | None:
    """Return on investment as a percentage: what the spend earned beyond itself (``Decimal("387")`` means
    revenue of 4.87 per 1 spent); None without spend. Raises ValidationError when the currencies differ."""
    if revenue.currency != cost.currency:
        raise ValidationError(f"cannot relate revenue in {revenue.currency} to cost in {cost.currency}")
    gain = _CONTEXT.multiply(_CONTEXT.subtract(revenue.amount, cost.amount), Decimal(100))
    return _quotient(gain, cost.amount, RATIO_QUANTUM)


def conversion_rate(conversions: Decimal, clicks: int) -> Decimal | None:
    """Conversions per click as a percentage (``Decimal("3.8")`` means 3.8 %); None without clicks."""
    return _quotient(_CONTEXT.multiply(conversions, Decimal(100)), Decimal(clicks), RATIO_QUANTUM)


@dataclass(frozen=True, slots=True)
class CampaignTotals:
    """Figures added up over a period (and possibly over campaigns); the ratios are ratios of the sums."""

    impressions: int
    clicks: int
    conversions: Decimal
    spend: Money
    revenue: Money

    def __post_init__(self) -> None:
        _check_figures(self.impressions, self.clicks, self.conversions, self.spend, self.revenue, "spend")

    @classmethod
    def empty(cls, currency: str) -> CampaignTotals:
        return cls(0, 0, Decimal(0), Money.zero(currency), Money.zero(currency))

    def __add__(self, other: CampaignTotals) -> CampaignTotals:
        return CampaignTotals(
            self.impressions + other.impressions,
            self.clicks + other.clicks,
            self.conversions + other.conversions,
            self.spend + other.spend,
            self.revenue + other.revenue,
        )

    @property
    def currency(self) -> str:
        return self.spend.currency

    @property
    def ctr(self) -> Decimal | None:
        return ctr(self.clicks, self.impressions)

    @property
    def cpc(self) -> Money | None:
        return cpc(self.spend, self.clicks)

    @property
    def cpa(self) -> Money | None:
        return cpa(self.spend, self.conversions)

    @property
    def roas(self) -> Decimal | None:
        return roas(self.revenue, self.spend)

    @property
    def roi(self) -> Decimal | None:
        return roi(self.revenue, self.spend)

    @property
    def conversion_rate(self) -> Decimal | None:
        return conversion_rate(self.conversions, self.clicks)


def summarize(metrics: Iterable[DailyCampaignMetrics], currency: str) -> CampaignTotals:
    """Add up daily metrics, all in `currency`; the ratios of the result are computed over the totals.

    Ratios of totals rather than averages of daily ratios: an average would weigh a day with ten
    impressions as much as a day with ten thousand, and days whose ratio is undefined (no clicks, no spend)
    could only be skipped or counted as zero, both of which distort the result. A ratio of sums is also
    what the ad platforms themselves report for a date range, so the dashboard matches them.
    """
    totals = CampaignTotals.empty(currency)
    for day in metrics:
        if day.currency != currency:
            raise ValidationError(f"metrics of {day.date} are in {day.currency}, expected {currency}", field="currency")
        totals += CampaignTotals(day.impressions, day.clicks, day.conversions, day.cost, day.revenue)
    return totals


def micros_to_money(micros: int, currency: str) -> Money:
    """Convert a Google Ads ``*_micros`` amount (millionths of the currency unit) exactly."""
    if isinstance(micros, bool) or not isinstance(micros, int):
        raise ValidationError("micros must be an integer", field="micros")
    sign, digits, _ = Decimal(micros).as_tuple()
    # Built from the digits rather than divided, so no decimal context can round it.
    return Money(Decimal((sign, digits, -6)), currency)
