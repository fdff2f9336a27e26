"""Advertising platforms: campaigns and their daily metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from arco_domain.model.campaigns import CampaignStatus, DailyCampaignMetrics


@dataclass(frozen=True, slots=True)
class PlatformCampaign:
    external_id: str
    name: str
    status: CampaignStatus


@dataclass(frozen=True, slots=True)
class PlatformDailyMetrics:
    external_campaign_id: str
    metrics: DailyCampaignMetrics


class AdPlatform(Protocol):
    """One platform's reporting API for one ad account. The adapter honours the platform's rate limits
    and retries transient failures; what still fails raises an `ArcoError`."""

    async def list_campaigns(self, account_id: str) -> Sequence[PlatformCampaign]: ...

    async def daily_metrics(self, account_id: str, start: date, end: date) -> Sequence[PlatformDailyMetrics]:
        """One row per campaign and day in `[start, end]` (inclusive), money in the account's currency."""
        ...
