"""`SandboxAdPlatform`: the `AdPlatform` port with no ad account, for local use, staging and tests.

The campaigns and figures are made up but plausible and repeatable: everything is drawn from SHA-256 hashes
of the platform, the account id, the campaign id and the day, so the same request gives the same answer in
any process, and a day's row is the same whichever range it is asked in.

- An account has `campaigns_per_account` campaigns with names typical of the platform and ids shaped like
  its own (11 digits for Google Ads, 18 for Meta ...). With two or more, one of them is paused: it has rows
  up to the day before its pause date, a day in 2025 drawn from its hash, and none from that day on. Every
  other campaign is active and has a row for every day ever asked.
- Each campaign has a character (reach, CTR, CPC, conversion rate, ROAS) that each day moves around:
  1 500 to 15 000 impressions on a typical weekday, a day moving that by up to 25 % either way, and 35 %
  fewer on Saturdays and Sundays; CTR 1 to 6 %; CPC within a range typical of the currency, dearer on
  LinkedIn and cheaper on Meta and TikTok; 0.75 to 15 conversions per 100 clicks, fractional as data-driven
  attribution reports them; revenue 0.5 to 6 times the spend, and none on a day without conversions.
- All arithmetic is on integers (cents, hundredths, basis points) so money is exact, already in cents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from arco_domain.errors import ValidationError
from arco_domain.model.campaigns import CampaignStatus, DailyCampaignMetrics
from arco_domain.model.money import Money
from arco_domain.model.tiers import CampaignPlatform
from arco_ports.ads import AdAccountAccess, PlatformCampaign, PlatformDailyMetrics

CPC_CENTS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "BRL": (60, 450),
        "USD": (25, 250),
        "EUR": (25, 220),
        "GBP": (20, 200),
        "CAD": (35, 300),
        "AUD": (35, 300),
        "MXN": (300, 2_500),
    }
)
"""The range of a campaign's typical cost per click, in cents of each currency the sandbox knows."""

_NAMES: Mapping[CampaignPlatform, tuple[str, ...]] = MappingProxyType(
    {
        CampaignPlatform.GOOGLE_ADS: (
            "Search — Brand",
            "Performance Max",
            "Remarketing",
            "Search — Generic",
            "YouTube — Awareness",
            "Display — Prospecting",
        ),
        CampaignPlatform.META_ADS: (
            "Prospecting",
            "Retargeting",
            "Lead form",
            "Advantage+ Shopping",
            "Lookalike — Purchasers",
            "Reels — Awareness",
        ),
        CampaignPlatform.LINKEDIN_ADS: (
            "Sponsored content — Decision makers",
            "Lead gen form",
            "Retargeting — Site visitors",
            "Conversation ads",
            "Document ads",
            "Text ads",
        ),
        CampaignPlatform.TIKTOK_ADS: (
            "In-feed — Prospecting",
            "Spark ads",
            "Retargeting",
            "Lead generation",
            "Shopping ads",
            "TopView — Launch",
        ),
    }
)
_ID_DIGITS: Mapping[CampaignPlatform, int] = MappingProxyType(
    {
        CampaignPlatform.GOOGLE_ADS: 11,
        CampaignPlatform.META_ADS: 18,
        CampaignPlatform.LINKEDIN_ADS: 9,
        CampaignPlatform.TIKTOK_ADS: 19,
    }
)
_CPC_PERCENT: Mapping[CampaignPlatform, int] = MappingProxyType(
    {
        CampaignPlatform.GOOGLE_ADS: 100,
        CampaignPlatform.META_ADS: 70,
        CampaignPlatform.LINKEDIN_ADS: 300,
        CampaignPlatform.TIKTOK_ADS: 60,
    }
)
_PAUSES_FROM = date(2025, 1, 1)
_WEEKEND_PERCENT = 65
_DRAW_RANGE = 1 << 16


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("|".join(parts).encode()).digest()


def _draws(*parts: str) -> tuple[int, ...]:
    """Sixteen integers in [0, 65536) drawn from a hash of `parts`: the same parts, the same numbers."""
    digest = _digest(*parts)
    return tuple(int.from_bytes(digest[i : i + 2], "big") for i in range(0, len(digest), 2))


def _between(draw: int, low: int, high: int) -> int:
    """Spread a draw over [low, high)."""
    return low + (high - low) * draw // _DRAW_RANGE


def _cents(amount: int) -> Decimal:
    """`amount` hundredths as a Decimal with two places; parsed, so no decimal context can round it."""
    return Decimal(f"{amount}e-2")


class SandboxAdPlatform:
    """Made-up but plausible campaigns and daily metrics for any account of `platform` (see the module's
    docstring), money in `currency`; never fails, never touches the network."""

    def __init__(self, platform: CampaignPlatform, *, currency: str = "BRL", campaigns_per_account: int = 3) -> None:
        if currency not in CPC_CENTS:
            raise ValueError(f"the sandbox has no cost per click for {currency}; it knows {', '.join(CPC_CENTS)}")
        if campaigns_per_account < 1:
            raise ValueError("an account needs at least one campaign")
        self._platform = platform
        self._currency = currency
        self._campaigns_per_account = campaigns_per_account

    async def list_campaigns(self, account: AdAccountAccess) -> Sequence[PlatformCampaign]:
        return self._campaigns(account.account_id)

    async def daily_metrics(self, account: AdAccountAccess, start: date, end: date) -> Sequence[PlatformDailyMetrics]:
        if start > end:
            raise ValidationError(f"the period starts on {start}, after its end on {end}", field="start")
        campaigns = self._campaigns(account.account_id)
        rows: list[PlatformDailyMetrics] = []
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            rows.extend(
                PlatformDailyMetrics(campaign.external_id, self._metrics(account.account_id, campaign.external_id, day))
                for campaign in campaigns
                if self._runs_on(account.account_id, campaign, day)
            )
        return rows

    def _campaigns(self, account_id: str) -> list[PlatformCampaign]:
        names = _NAMES[self._platform]
        first_name, paused = _draws("account", self._platform, account_id)[:2]
        count = self._campaigns_per_account
        paused_index = paused % count if count > 1 else None
        campaigns = []
        for index in range(count):
            name = names[(first_name + index) % len(names)]
            lap = index // len(names)
            if lap:
                name = f"{name} {lap + 1}"
            status = CampaignStatus.PAUSED if index == paused_index else CampaignStatus.ACTIVE
            campaigns.append(PlatformCampaign(self._external_id(account_id, index), name, status))
        return campaigns

    def _external_id(self, account_id: str, index: int) -> str:
        digits = _ID_DIGITS[self._platform]
        number = int.from_bytes(_digest("campaign", self._platform, account_id, str(index)), "big")
        return str(10 ** (digits - 1) + number % (9 * 10 ** (digits - 1)))

    def _character(self, account_id: str, external_campaign_id: str) -> tuple[int, ...]:
        return _draws("character", self._platform, account_id, external_campaign_id)

    def _runs_on(self, account_id: str, campaign: PlatformCampaign, day: date) -> bool:
        if campaign.status is CampaignStatus.ACTIVE:
            return True
        paused_after = _between(self._character(account_id, campaign.external_id)[5], 0, 365)
        return day < _PAUSES_FROM + timedelta(days=paused_after)

    def _metrics(self, account_id: str, external_campaign_id: str, day: date) -> DailyCampaignMetrics:
        reach, ctr, cpc, conversion, roas = self._character(account_id, external_campaign_id)[:5]
        swings = _draws("day", self._platform, account_id, external_campaign_id, day.isoformat())
        weekend = _WEEKEND_PERCENT if day.weekday() >= 5 else 100
        impressions = _between(reach, 1_500, 15_000) * _between(swings[0], 75, 126) * weekend // 10_000
        ctr_basis_points = _between(ctr, 125, 500) * _between(swings[1], 80, 121) // 100
        clicks = impressions * ctr_basis_points // 10_000
        low, high = CPC_CENTS[self._currency]
        cpc_cents = _between(cpc, low, high) * _CPC_PERCENT[self._platform] // 100
        cost_cents = clicks * max(1, cpc_cents * _between(swings[2], 85, 116) // 100)
        conversion_basis_points = _between(conversion, 150, 1_000) * _between(swings[3], 50, 151) // 100
        conversion_hundredths = clicks * conversion_basis_points // 100
        roas_hundredths = _between(roas, 84, 445) * _between(swings[4], 60, 136) // 100
        revenue_cents = cost_cents * roas_hundredths // 100 if conversion_hundredths else 0
        return DailyCampaignMetrics(
            date=day,
            impressions=impressions,
            clicks=clicks,
            conversions=_cents(conversion_hundredths),
            cost=Money(_cents(cost_cents), self._currency),
            revenue=Money(_cents(revenue_cents), self._currency),
        )
