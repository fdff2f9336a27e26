"""Ad accounts and the campaigns synced from them."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from arco_domain.ids import AdAccountId, CampaignId
from arco_domain.model.access import Principal
from arco_domain.use_cases.campaigns import (
    ConnectAdAccount,
    DisconnectAdAccount,
    GetCampaignMetrics,
    ListAdAccounts,
    ListCampaigns,
)
from arco_entrypoints.http.paging import DEFAULT_PAGE_SIZE, PageSize, page_out, page_request
from arco_entrypoints.http.schemas.base import Page
from arco_entrypoints.http.schemas.campaigns import AdAccount, AdAccountConnect, Campaign, CampaignMetrics


class CampaignController(Controller):
    path = "/v1"
    tags = ["campaigns"]

    @get("/ad-accounts", operation_id="listAdAccounts")
    async def list_ad_accounts(
        self,
        caller: NamedDependency[Principal],
        list_ad_accounts: NamedDependency[ListAdAccounts],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
    ) -> Page[AdAccount]:
        page = await list_ad_accounts(caller, caller.own_client(), page_request(limit, cursor))
        return page_out(page, AdAccount.from_entity)

    @post("/ad-accounts", operation_id="connectAdAccount")
    async def connect_ad_account(
        self,
        caller: NamedDependency[Principal],
        data: JSONBody[AdAccountConnect],
        connect_ad_account: NamedDependency[ConnectAdAccount],
    ) -> AdAccount:
        """Connect an ad account if the tier includes its platform (`403` naming the tiers that do).

        The grant is tried on the platform before anything is stored (`422` or `502` when it does not work);
        the account's campaigns then sync at once and daily.
        """
        account = await connect_ad_account(
            caller, caller.own_client(), platform=data.platform, account_id=data.account_id, grant=data.grant,
            login_customer_id=data.login_customer_id,
        )  # fmt: skip
        return AdAccount.from_entity(account)

    @delete("/ad-accounts/{account_id:uuid}", operation_id="disconnectAdAccount")
    async def disconnect_ad_account(
        self,
        caller: NamedDependency[Principal],
        account_id: FromPath[UUID],
        disconnect_ad_account: NamedDependency[DisconnectAdAccount],
    ) -> None:
        """Stop syncing the account and forget its grant; its campaigns and their history stay."""
        await disconnect_ad_account(caller, caller.own_client(), AdAccountId(account_id))

    @get("/campaigns", operation_id="listCampaigns")
    async def list_campaigns(
        self,
        caller: NamedDependency[Principal],
        list_campaigns: NamedDependency[ListCampaigns],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
    ) -> Page[Campaign]:
        page = await list_campaigns(caller, caller.own_client(), page_request(limit, cursor))
        return page_out(page, Campaign.from_entity)

    @get("/campaigns/{campaign_id:uuid}/metrics", operation_id="getCampaignMetrics")
    async def get_campaign_metrics(
        self,
        caller: NamedDependency[Principal],
        campaign_id: FromPath[UUID],
        get_campaign_metrics: NamedDependency[GetCampaignMetrics],
        start: Annotated[date, QueryParameter(name="from", description="First day, inclusive.")],
        end: Annotated[date, QueryParameter(name="to", description="Last day, inclusive; at most 366 days in all.")],
    ) -> CampaignMetrics:
        """The campaign's daily figures and their totals; CTR, CPC, CPA and ROAS are derived by ARCO."""
        report = await get_campaign_metrics(caller, caller.own_client(), CampaignId(campaign_id), start, end)
        return CampaignMetrics.from_report(report, start, end)
