"""Advertising platforms: the campaigns of one ad account and their daily metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from arco_domain.model.campaigns import CampaignStatus, DailyCampaignMetrics


@dataclass(frozen=True, slots=True)
class AdAccountAccess:
    """What an adapter needs to read one ad account on the client's behalf.

    `account_id` is the platform's id (a Google Ads customer id, digits only; a Meta ad account id, without
    its `act_` prefix). `secret` is the grant the client gave: a Google OAuth2 refresh token, a Meta access
    token. `login_customer_id` is the Google Ads manager account the access goes through, when it does.
    """

    account_id: str
    secret: str = field(repr=False)
    login_customer_id: str | None = None


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
    """One platform's reporting API.

    Adapters bound every call with timeouts, pace themselves by the platform's own rate-limit signals and
    retry transient failures; what still fails leaves as an `ArcoError`: `Unavailable` (rate limited, the
    platform down; with `retry_after` when known), `ProviderError` for a grant
    that is revoked or lacks permission (the client must reconnect the account), `ValidationError` for a
    request the platform calls malformed.
    """

    async def list_campaigns(self, account: AdAccountAccess) -> Sequence[PlatformCampaign]: ...

    async def daily_metrics(self, account: AdAccountAccess, start: date, end: date) -> Sequence[PlatformDailyMetrics]:
        """One row per campaign and day in `[start, end]` (inclusive) that had any activity, money in the
        account's currency."""
        ...
