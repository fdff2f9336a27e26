"""Ad-account and campaign bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from arco_domain.model.ad_accounts import AdAccount as AdAccountEntity
from arco_domain.model.ad_accounts import AdAccountStatus
from arco_domain.model.campaigns import Campaign as CampaignEntity
from arco_domain.model.campaigns import CampaignStatus, CampaignTotals
from arco_domain.model.tiers import CampaignPlatform
from arco_domain.use_cases.campaigns import CampaignReport
from arco_entrypoints.http.schemas.base import Schema
from arco_entrypoints.http.schemas.dashboard import CampaignFigures

AccountNumber = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, description="Google: 123-456-7890 or digits; Meta: act_<digits>.")
]
Grant = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=4096,
        description="What the client granted ARCO: a Google OAuth2 refresh token, or a Meta access token. "
        "Stored encrypted; never returned.",
    ),
]  # fmt: skip


class AdAccountConnect(Schema):
    platform: str
    account_id: AccountNumber
    grant: Grant
    login_customer_id: AccountNumber | None = None
    """Google only: the manager account the access goes through."""


class AdAccount(Schema):
    id: UUID
    platform: CampaignPlatform
    account_id: str
    login_customer_id: str | None
    status: AdAccountStatus
    connected_at: datetime
    last_synced_at: datetime | None
    last_sync_error: str | None
    """Why the last sync failed for good (a revoked grant, say): reconnect the account to resume."""

    @classmethod
    def from_entity(cls, account: AdAccountEntity) -> AdAccount:
        return cls(
            id=account.id,
            platform=account.platform,
            account_id=account.external_id,
            login_customer_id=account.login_customer_id,
            status=account.status,
            connected_at=account.connected_at,
            last_synced_at=account.last_synced_at,
            last_sync_error=account.last_sync_error,
        )


class Campaign(Schema):
    id: UUID
    platform: CampaignPlatform
    external_id: str
    name: str
    status: CampaignStatus
    project_id: UUID | None
    ad_account_id: UUID | None
    created_at: datetime

    @classmethod
    def from_entity(cls, campaign: CampaignEntity) -> Campaign:
        return cls(
            id=campaign.id,
            platform=campaign.platform,
            external_id=campaign.external_id,
            name=campaign.name,
            status=campaign.status,
            project_id=campaign.project_id,
            ad_account_id=campaign.ad_account_id,
            created_at=campaign.created_at,
        )


class CampaignDay(Schema):
    date: date
    figures: CampaignFigures


class CampaignMetrics(Schema):
    """A campaign's days in the period asked for and their totals (null without any day): spend, ROAS, and
    `conversions`, the leads."""

    campaign: Campaign
    start: date
    end: date
    days: list[CampaignDay]
    totals: CampaignFigures | None

    @classmethod
    def from_report(cls, report: CampaignReport, start: date, end: date) -> CampaignMetrics:
        return cls(
            campaign=Campaign.from_entity(report.campaign),
            start=start,
            end=end,
            days=[
                CampaignDay(
                    date=day.date,
                    figures=CampaignFigures.from_totals(
                        CampaignTotals(day.impressions, day.clicks, day.conversions, day.cost, day.revenue)
                    ),
                )
                for day in report.days
            ],
            totals=CampaignFigures.from_totals(report.totals) if report.totals is not None else None,
        )
