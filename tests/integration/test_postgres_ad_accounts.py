from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_domain.model.access import DataScope
from arco_domain.model.tiers import CampaignPlatform
from tests.contracts.ad_accounts import AdAccountContract, new_account, new_client_id, stored
from tests.contracts.metrics import MAY, campaign, day


class TestPostgresAdAccounts(AdAccountContract):
    @pytest.fixture
    def uow_factory(self, postgres_uow: PostgresUnitOfWorkFactory) -> PostgresUnitOfWorkFactory:
        return postgres_uow

    async def test_deleting_an_account_outside_the_port_unlinks_its_campaigns_and_keeps_their_days(
        self, uow_factory: PostgresUnitOfWorkFactory, agency_engine: AsyncEngine
    ) -> None:
        client_id = await new_client_id(uow_factory)
        account = new_account(client_id)
        await stored(uow_factory, account)
        synced = replace(campaign(client_id, CampaignPlatform.GOOGLE_ADS), ad_account_id=account.id)
        figures = day(MAY, clicks=3, cost="1.00", revenue="4.00")
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.campaigns.add(synced)
            await uow.metrics.record_campaign_days(client_id, [(synced.id, figures)])
            await uow.commit()
        # The repository has no way to delete an account (disconnecting keeps it); an operator's SQL might.
        async with agency_engine.begin() as connection:
            deleted = await connection.execute(delete(t.ad_accounts).where(t.ad_accounts.c.id == account.id))
            assert deleted.rowcount == 1
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            assert await uow.campaigns.get(client_id, synced.id) == replace(synced, ad_account_id=None)
            assert await uow.metrics.campaign_days(client_id, synced.id, MAY, MAY) == [figures]
            assert await uow.ad_accounts.list_for_client(client_id) == []
