"""The ad-account repository contract, run against every adapter.

A subclass provides the `uow_factory` fixture. An account belongs to one client and is unique per client,
platform and account id; the daily sync reads every client's connected accounts in an all-clients unit of
work, while a one-client unit sees that client's only. Adapters may share one database between tests, so a
query that spans clients is checked against the accounts the test itself wrote, never against a total.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest

from arco_domain.errors import Conflict, NotFound
from arco_domain.ids import AdAccountId, ClientId
from arco_domain.model.access import DataScope
from arco_domain.model.ad_accounts import AdAccount, AdAccountStatus
from arco_domain.model.tiers import CampaignPlatform, Tier
from arco_ports.unit_of_work import UnitOfWorkFactory
from tests.contracts.metrics import campaign
from tests.contracts.unit_of_work import NOW, new_client, seed

GOOGLE, META, LINKEDIN = CampaignPlatform.GOOGLE_ADS, CampaignPlatform.META_ADS, CampaignPlatform.LINKEDIN_ADS
EVERY_BYTE = bytes(range(256))
"""A sealed grant is ciphertext: any byte may occur in it, NUL included."""


def new_account(
    client_id: ClientId,
    platform: CampaignPlatform = GOOGLE,
    external_id: str = "1234567890",
    *,
    status: AdAccountStatus = AdAccountStatus.CONNECTED,
    sealed_grant: bytes = EVERY_BYTE,
) -> AdAccount:
    return AdAccount(
        id=AdAccountId(uuid4()), client_id=client_id, platform=platform, external_id=external_id,
        login_customer_id="9876543210" if platform is GOOGLE else None, sealed_grant=sealed_grant, status=status,
        connected_at=NOW,
    )  # fmt: skip


async def new_client_id(factory: UnitOfWorkFactory) -> ClientId:
    return (await seed(factory, new_client(Tier.PRO))).id


async def stored(factory: UnitOfWorkFactory, *accounts: AdAccount) -> None:
    async with factory(DataScope.of_client(accounts[0].client_id)) as uow:
        for account in accounts:
            await uow.ad_accounts.add(account)
        await uow.commit()


async def accounts_of(factory: UnitOfWorkFactory, client_id: ClientId) -> list[AdAccount]:
    async with factory(DataScope.of_client(client_id)) as uow:
        return list(await uow.ad_accounts.list_for_client(client_id))


class AdAccountContract:
    async def test_an_added_account_comes_back_equal_with_its_sealed_grant_intact(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id = await new_client_id(uow_factory)
        account = new_account(client_id)
        await stored(uow_factory, account)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            found = await uow.ad_accounts.get(client_id, account.id)
            assert await uow.ad_accounts.get_for_update(client_id, account.id) == account
        assert found == account
        assert found.sealed_grant == EVERY_BYTE
        assert type(found.sealed_grant) is bytes

    async def test_accounts_added_without_commit_are_rolled_back(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id = await new_client_id(uow_factory)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.ad_accounts.add(new_account(client_id))
            assert len(await uow.ad_accounts.list_for_client(client_id)) == 1
        assert await accounts_of(uow_factory, client_id) == []

    # --- uniqueness and lookup -------------------------------------------------------------------------------

    async def test_a_client_connects_a_platforms_account_only_once(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id = await new_client_id(uow_factory)
        first = new_account(client_id)
        await stored(uow_factory, first)
        again = new_account(client_id, sealed_grant=b"another grant")
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            with pytest.raises(Conflict):
                await uow.ad_accounts.add(again)
        assert await accounts_of(uow_factory, client_id) == [first]

    async def test_the_same_account_id_may_be_connected_on_another_platform_and_by_another_client(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        mine, theirs = await new_client_id(uow_factory), await new_client_id(uow_factory)
        on_google, on_meta = new_account(mine, GOOGLE), new_account(mine, META)
        their_google = new_account(theirs, GOOGLE)
        await stored(uow_factory, on_google, on_meta)
        await stored(uow_factory, their_google)
        async with uow_factory(DataScope.of_client(mine)) as uow:
            assert await uow.ad_accounts.find(mine, GOOGLE, "1234567890") == on_google
            assert await uow.ad_accounts.find(mine, META, "1234567890") == on_meta
        async with uow_factory(DataScope.of_client(theirs)) as uow:
            assert await uow.ad_accounts.find(theirs, GOOGLE, "1234567890") == their_google

    async def test_find_returns_the_one_matching_account_or_none(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id = await new_client_id(uow_factory)
        account, other = new_account(client_id, GOOGLE, "1111111111"), new_account(client_id, GOOGLE, "2222222222")
        await stored(uow_factory, account, other)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            assert await uow.ad_accounts.find(client_id, GOOGLE, "1111111111") == account
            assert await uow.ad_accounts.find(client_id, GOOGLE.value, "2222222222") == other
            assert await uow.ad_accounts.find(client_id, META, "1111111111") is None
            assert await uow.ad_accounts.find(client_id, GOOGLE, "3333333333") is None

    async def test_a_client_lists_only_its_own_accounts_by_platform_then_account_id(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        mine, theirs = await new_client_id(uow_factory), await new_client_id(uow_factory)
        meta = new_account(mine, META, "2000000000")
        google_late = new_account(mine, GOOGLE, "3000000000", status=AdAccountStatus.DISCONNECTED, sealed_grant=b"")
        linkedin = new_account(mine, LINKEDIN, "0500000000")
        google_early = new_account(mine, GOOGLE, "1000000000")
        await stored(uow_factory, meta, google_late, linkedin, google_early)
        await stored(uow_factory, new_account(theirs, GOOGLE, "0000000001"))
        assert await accounts_of(uow_factory, mine) == [google_early, google_late, linkedin, meta]

    # --- the connected accounts the sync reads ---------------------------------------------------------------

    async def test_the_all_clients_scope_lists_the_connected_accounts_of_every_client(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        first, second = await new_client_id(uow_factory), await new_client_id(uow_factory)
        first_on, first_off = new_account(first, GOOGLE), new_account(first, META, status=AdAccountStatus.DISCONNECTED)
        second_on, second_off = new_account(second, META), new_account(second, GOOGLE, "5555555555")
        second_off = replace(second_off, status=AdAccountStatus.DISCONNECTED, sealed_grant=b"")
        await stored(uow_factory, first_on, first_off)
        await stored(uow_factory, second_on, second_off)
        written = {a.id for a in (first_on, first_off, second_on, second_off)}
        async with uow_factory(DataScope.all_clients()) as uow:
            connected = [a for a in await uow.ad_accounts.list_connected() if a.id in written]
        assert sorted(connected, key=lambda a: a.platform) == [first_on, second_on]

    async def test_a_one_client_scope_lists_only_that_clients_connected_accounts(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        mine, theirs = await new_client_id(uow_factory), await new_client_id(uow_factory)
        connected = new_account(mine, GOOGLE)
        await stored(uow_factory, connected, new_account(mine, META, status=AdAccountStatus.DISCONNECTED))
        await stored(uow_factory, new_account(theirs, GOOGLE))
        async with uow_factory(DataScope.of_client(mine)) as uow:
            assert await uow.ad_accounts.list_connected() == [connected]

    # --- updates ---------------------------------------------------------------------------------------------

    async def test_an_update_stores_the_status_grant_and_sync_outcome(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id = await new_client_id(uow_factory)
        account = new_account(client_id)
        await stored(uow_factory, account)
        synced = replace(account, last_synced_at=NOW + timedelta(hours=1), last_sync_error="the grant was revoked")
        disconnected = replace(synced, status=AdAccountStatus.DISCONNECTED, sealed_grant=b"", login_customer_id=None)
        reconnected = replace(
            disconnected,
            status=AdAccountStatus.CONNECTED,
            sealed_grant=b"\x00new grant\xff",
            connected_at=NOW + timedelta(days=1),
            last_synced_at=None,
            last_sync_error=None,
        )
        for edited in (synced, disconnected, reconnected):
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                await uow.ad_accounts.update(edited)
                await uow.commit()
            assert await accounts_of(uow_factory, client_id) == [edited]

    async def test_a_sync_outcome_changes_only_its_own_fields_and_only_on_a_connected_account(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id = await new_client_id(uow_factory)
        connected, gone = (
            new_account(client_id),
            new_account(client_id, META, "42", status=AdAccountStatus.DISCONNECTED),
        )
        await stored(uow_factory, connected, gone)
        synced_at = NOW + timedelta(hours=2)
        for account in (connected, gone):
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                await uow.ad_accounts.record_sync(client_id, account.id, synced_at=synced_at, error=None)
                await uow.ad_accounts.record_sync(client_id, account.id, synced_at=None, error="rate limited")
                await uow.commit()
        assert await accounts_of(uow_factory, client_id) == [
            replace(connected, last_synced_at=synced_at, last_sync_error="rate limited"), gone,
        ]  # fmt: skip

    async def test_an_update_never_moves_an_account_to_another_platform_or_account_id(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id = await new_client_id(uow_factory)
        account = new_account(client_id, GOOGLE, "1111111111")
        await stored(uow_factory, account)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.ad_accounts.update(replace(account, platform=META, external_id="2222222222", last_sync_error="x"))
            await uow.commit()
        assert await accounts_of(uow_factory, client_id) == [replace(account, last_sync_error="x")]

    async def test_an_account_that_does_not_exist_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id = await new_client_id(uow_factory)
        ghost = new_account(client_id)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.ad_accounts.get(client_id, ghost.id)
            with pytest.raises(NotFound):
                await uow.ad_accounts.get_for_update(client_id, ghost.id)
            with pytest.raises(NotFound):
                await uow.ad_accounts.update(ghost)
        assert await accounts_of(uow_factory, client_id) == []

    # --- scope: another client's accounts --------------------------------------------------------------------

    async def test_another_clients_account_is_neither_seen_nor_changed(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, theirs = await new_client_id(uow_factory), await new_client_id(uow_factory)
        their_account = new_account(theirs)
        await stored(uow_factory, their_account)
        async with uow_factory(DataScope.of_client(mine)) as uow:
            for client_id in (theirs, mine):
                with pytest.raises(NotFound):
                    await uow.ad_accounts.get(client_id, their_account.id)
                with pytest.raises(NotFound):
                    await uow.ad_accounts.get_for_update(client_id, their_account.id)
                assert await uow.ad_accounts.find(client_id, GOOGLE, their_account.external_id) is None
                assert await uow.ad_accounts.list_for_client(client_id) == []
                with pytest.raises(NotFound):
                    await uow.ad_accounts.update(
                        replace(their_account, client_id=client_id, status=AdAccountStatus.DISCONNECTED)
                    )
            # Committed, so a change an adapter let through would stick and show below.
            await uow.commit()
        assert await accounts_of(uow_factory, theirs) == [their_account]

    async def test_an_account_cannot_be_added_for_another_client(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, theirs = await new_client_id(uow_factory), await new_client_id(uow_factory)
        async with uow_factory(DataScope.of_client(mine)) as uow:
            with pytest.raises(NotFound):
                await uow.ad_accounts.add(new_account(theirs))
        assert await accounts_of(uow_factory, theirs) == []

    # --- the campaigns synced from an account ----------------------------------------------------------------

    async def test_a_campaign_keeps_the_account_it_is_synced_from(self, uow_factory: UnitOfWorkFactory) -> None:
        client_id = await new_client_id(uow_factory)
        account = new_account(client_id)
        await stored(uow_factory, account)
        synced = replace(campaign(client_id, GOOGLE), ad_account_id=account.id)
        by_hand = campaign(client_id, GOOGLE, "c-2")
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.campaigns.add(synced)
            await uow.campaigns.add(by_hand)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            assert (await uow.campaigns.get(client_id, synced.id)).ad_account_id == account.id
            assert (await uow.campaigns.get(client_id, by_hand.id)).ad_account_id is None

    async def test_an_update_links_a_campaign_to_an_account_and_unlinks_it(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client_id = await new_client_id(uow_factory)
        account = new_account(client_id)
        await stored(uow_factory, account)
        entered = campaign(client_id, GOOGLE)
        async with uow_factory(DataScope.of_client(client_id)) as uow:
            await uow.campaigns.add(entered)
            await uow.commit()
        for ad_account_id in (account.id, None):
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                await uow.campaigns.update(replace(entered, ad_account_id=ad_account_id))
                await uow.commit()
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                assert (await uow.campaigns.get(client_id, entered.id)).ad_account_id == ad_account_id

    async def test_an_update_cannot_link_a_campaign_to_another_clients_account(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        mine, theirs = await new_client_id(uow_factory), await new_client_id(uow_factory)
        their_account = new_account(theirs)
        await stored(uow_factory, their_account)
        entered = campaign(mine, GOOGLE)
        async with uow_factory(DataScope.of_client(mine)) as uow:
            await uow.campaigns.add(entered)
            await uow.commit()
        for ad_account_id in (their_account.id, AdAccountId(uuid4())):
            async with uow_factory(DataScope.of_client(mine)) as uow:
                with pytest.raises(NotFound):
                    await uow.campaigns.update(replace(entered, name="Linked", ad_account_id=ad_account_id))
        async with uow_factory(DataScope.of_client(mine)) as uow:
            assert await uow.campaigns.get(mine, entered.id) == entered
