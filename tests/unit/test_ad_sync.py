"""Ad accounts and their sync over the memory adapters: tier gating, sealed grants, idempotent re-syncs,
restatements, campaigns following the platform, and the daily pass."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest

from arco_adapters.ads.errors import AdGrantRevoked
from arco_adapters.ads.sandbox import SandboxAdPlatform
from arco_adapters.memory.jobs import requested_jobs
from arco_adapters.security.secret_box import FernetSecretBox, new_key
from arco_domain.errors import Conflict, PermissionDenied, ValidationError
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.ad_accounts import FIRST_SYNC_DAYS, AdAccount, AdAccountStatus
from arco_domain.model.campaigns import CampaignStatus, DailyCampaignMetrics
from arco_domain.model.clients import Client
from arco_domain.model.money import Money
from arco_domain.model.paging import PageRequest
from arco_domain.model.tiers import CampaignPlatform, Tier
from arco_domain.use_cases.campaigns import (
    SYNC_AD_ACCOUNT_JOB,
    ConnectAdAccount,
    DisconnectAdAccount,
    GetCampaignMetrics,
    ListCampaigns,
    ScheduleAdSyncs,
    SyncAdAccount,
)
from arco_domain.use_cases.clients import ChangePlan
from arco_ports.ads import AdAccountAccess, PlatformCampaign, PlatformDailyMetrics
from tests.unit.conftest import World

GOOGLE, META = CampaignPlatform.GOOGLE_ADS, CampaignPlatform.META_ADS
GRANT = "1//0gTest-refresh-token-Qx7"


class ScriptedPlatform:
    """An ad platform whose campaigns and figures the test sets; it records the windows it was asked for."""

    def __init__(self) -> None:
        self.campaigns: list[PlatformCampaign] = [PlatformCampaign("111", "Brand", CampaignStatus.ACTIVE)]
        self.figures: dict[tuple[str, date], DailyCampaignMetrics] = {}
        self.windows: list[tuple[date, date]] = []
        self.refuse: Exception | None = None
        self.grants: list[str] = []

    def day(self, campaign: str, on: date, clicks: int, cost: str) -> None:
        self.figures[(campaign, on)] = DailyCampaignMetrics(
            date=on, impressions=clicks * 20, clicks=clicks, conversions=Decimal(clicks) / 10,
            cost=Money(Decimal(cost)), revenue=Money(Decimal(cost) * 3),
        )  # fmt: skip

    async def list_campaigns(self, account: AdAccountAccess) -> Sequence[PlatformCampaign]:
        self.grants.append(account.secret)
        if self.refuse is not None:
            raise self.refuse
        return list(self.campaigns)

    async def daily_metrics(self, account: AdAccountAccess, start: date, end: date) -> Sequence[PlatformDailyMetrics]:
        self.windows.append((start, end))
        return [PlatformDailyMetrics(c, m) for (c, on), m in sorted(self.figures.items()) if start <= on <= end]


class Ads:
    def __init__(self, world: World) -> None:
        self.world = world
        self.google, self.meta = ScriptedPlatform(), ScriptedPlatform()
        self.box = FernetSecretBox([new_key()])
        self.extra = {"platforms": {GOOGLE: self.google, META: self.meta}, "secrets": self.box}

    def connect(self) -> ConnectAdAccount:
        return self.world.build(ConnectAdAccount, **self.extra)

    def sync(self, lookback: int = 28) -> SyncAdAccount:
        return self.world.build(SyncAdAccount, **self.extra, lookback_days={GOOGLE: lookback, META: 7})

    async def client_on(self, tier: Tier) -> tuple[Client, Principal]:
        client, owner = await self.world.register(f"owner-{tier.value}@example.com")
        await self.world.build(ChangePlan)(self.world.staff(), client.id, tier=tier)
        return client, owner

    async def stored_days(self, client: Client) -> dict[tuple[str, date], DailyCampaignMetrics]:
        today = self.world.clock.now().date()
        async with self.world.uow(DataScope.of_client(client.id)) as uow:
            rows = {}
            for campaign in await uow.campaigns.list_for_client(client.id):
                for day in await uow.metrics.campaign_days(client.id, campaign.id, today - timedelta(days=400), today):
                    rows[(campaign.external_id, day.date)] = day
            return rows


@pytest.fixture
def ads(world: World) -> Ads:
    return Ads(world)


class TestConnectAdAccount:
    @pytest.mark.parametrize(
        ("tier", "platform", "allowed"),
        [(Tier.FREE, GOOGLE, False), (Tier.BASIC, GOOGLE, True), (Tier.BASIC, META, False), (Tier.PRO, META, True),
         (Tier.ENTERPRISE, CampaignPlatform.LINKEDIN_ADS, True)],
    )  # fmt: skip
    async def test_the_tier_decides_which_platforms_connect(
        self, ads: Ads, tier: Tier, platform: CampaignPlatform, allowed: bool
    ) -> None:
        client, owner = await ads.client_on(tier)
        connect = ads.world.build(ConnectAdAccount, platforms={p: ScriptedPlatform() for p in CampaignPlatform},
                                  secrets=ads.box)  # fmt: skip
        if allowed:
            account = await connect(owner, client.id, platform=platform, account_id="1234567890", grant="g")
            assert account.status is AdAccountStatus.CONNECTED
        else:
            with pytest.raises(PermissionDenied, match=f"does not include {platform.value}"):
                await connect(owner, client.id, platform=platform, account_id="1234567890", grant="g")

    async def test_the_grant_is_tried_then_kept_sealed_and_the_first_sync_is_asked_for(self, ads: Ads) -> None:
        client, owner = await ads.client_on(Tier.PRO)
        account = await ads.connect()(owner, client.id, platform="google_ads", account_id="123-456-7890",
                                      grant="1//refresh", login_customer_id="999-888-7777")  # fmt: skip
        assert (account.external_id, account.login_customer_id) == ("1234567890", "9998887777")
        assert ads.google.grants == ["1//refresh"]
        assert b"1//refresh" not in account.sealed_grant and ads.box.open(account.sealed_grant) == "1//refresh"
        [payload] = [
            payload for job, payload in requested_jobs(ads.world.uow.store).values() if job == SYNC_AD_ACCOUNT_JOB
        ]
        assert payload == {"client_id": str(client.id), "ad_account_id": str(account.id)}

    async def test_a_grant_the_platform_refuses_stores_nothing(self, ads: Ads) -> None:
        client, owner = await ads.client_on(Tier.PRO)
        ads.meta.refuse = AdGrantRevoked("the token has expired")
        with pytest.raises(AdGrantRevoked):
            await ads.connect()(owner, client.id, platform="meta_ads", account_id="act_42", grant="EAAB")
        async with ads.world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.ad_accounts.list_for_client(client.id) == []

    @pytest.mark.parametrize(("platform", "account_id", "field"), [
        ("bing_ads", "1", "platform"), ("google_ads", "12-ab", "account_id"), ("meta_ads", "act_", "account_id"),
    ])  # fmt: skip
    async def test_bad_input_is_refused_naming_the_field(
        self, ads: Ads, platform: str, account_id: str, field: str
    ) -> None:
        client, owner = await ads.client_on(Tier.PRO)
        with pytest.raises(ValidationError) as refused:
            await ads.connect()(owner, client.id, platform=platform, account_id=account_id, grant="g")
        assert refused.value.field == field

    async def test_a_connected_account_is_a_conflict_and_a_disconnected_one_connects_again(self, ads: Ads) -> None:
        client, owner = await ads.client_on(Tier.PRO)
        first = await ads.connect()(owner, client.id, platform="meta_ads", account_id="act_42", grant="EAAB-1")
        with pytest.raises(Conflict):
            await ads.connect()(owner, client.id, platform="meta_ads", account_id="42", grant="EAAB-2")
        await ads.world.build(DisconnectAdAccount)(owner, client.id, first.id)
        again = await ads.connect()(owner, client.id, platform="meta_ads", account_id="42", grant="EAAB-3")
        assert again.id == first.id and ads.box.open(again.sealed_grant) == "EAAB-3"


class TestSyncAdAccount:
    async def connected(self, ads: Ads, platform: str = "google_ads") -> tuple[Client, Principal, AdAccount]:
        client, owner = await ads.client_on(Tier.PRO)
        account = await ads.connect()(owner, client.id, platform=platform, account_id="1234567890", grant=GRANT)
        return client, owner, account

    async def test_the_first_sync_reads_back_further_then_each_sync_reads_the_lookback(self, ads: Ads) -> None:
        client, _, account = await self.connected(ads)
        today = ads.world.clock.now().date()
        await ads.sync(lookback=14)(client.id, account.id)
        await ads.sync(lookback=14)(client.id, account.id)
        assert ads.google.windows == [(today - timedelta(days=FIRST_SYNC_DAYS - 1), today),
                                      (today - timedelta(days=13), today)]  # fmt: skip

    async def test_running_a_sync_twice_leaves_the_same_rows(self, ads: Ads) -> None:
        client, _, account = await self.connected(ads)
        today = ads.world.clock.now().date()
        for back in range(5):
            ads.google.day("111", today - timedelta(days=back), clicks=10 + back, cost="12.34")
        first = await ads.sync()(client.id, account.id)
        once = await ads.stored_days(client)
        await ads.sync()(client.id, account.id)
        assert await ads.stored_days(client) == once and len(once) == 5 == first.days

    async def test_a_restated_day_inside_the_window_replaces_the_stored_one(self, ads: Ads) -> None:
        client, _, account = await self.connected(ads)
        today = ads.world.clock.now().date()
        ads.google.day("111", today - timedelta(days=3), clicks=10, cost="10.00")
        await ads.sync()(client.id, account.id)
        ads.google.day("111", today - timedelta(days=3), clicks=14, cost="10.00")
        await ads.sync()(client.id, account.id)
        assert (await ads.stored_days(client))[("111", today - timedelta(days=3))].clicks == 14

    async def test_campaigns_follow_the_platform_and_none_is_ever_deleted(self, ads: Ads) -> None:
        client, owner, account = await self.connected(ads)
        ads.google.campaigns = [PlatformCampaign("111", "Brand", CampaignStatus.ACTIVE),
                                PlatformCampaign("222", "Generic", CampaignStatus.ACTIVE)]  # fmt: skip
        await ads.sync()(client.id, account.id)
        ads.google.campaigns = [PlatformCampaign("111", "Brand 2027", CampaignStatus.PAUSED)]
        ads.google.day("333", ads.world.clock.now().date(), clicks=3, cost="1.00")  # removed since, spend still real
        await ads.sync()(client.id, account.id)
        page = await ads.world.build(ListCampaigns)(owner, client.id, PageRequest(limit=50))
        found = {c.external_id: (c.name, c.status, c.ad_account_id) for c in page.items}
        assert found == {"111": ("Brand 2027", CampaignStatus.PAUSED, account.id),
                         "222": ("Generic", CampaignStatus.ENDED, account.id),
                         "333": ("Campaign 333", CampaignStatus.ENDED, account.id)}  # fmt: skip

    async def test_a_downgrade_stops_the_sync_and_keeps_the_history(self, ads: Ads) -> None:
        client, _, account = await self.connected(ads, "meta_ads")
        ads.meta.day("111", ads.world.clock.now().date(), clicks=5, cost="5.00")
        await ads.sync()(client.id, account.id)
        await ads.world.build(ChangePlan)(ads.world.staff(), client.id, tier=Tier.BASIC)
        outcome = await ads.sync()(client.id, account.id)
        assert outcome.skipped == "the basic tier leaves meta_ads out"
        assert len(ads.meta.windows) == 1 and len(await ads.stored_days(client)) == 1

    async def test_a_revoked_grant_is_recorded_for_the_dashboard(self, ads: Ads) -> None:
        client, _, account = await self.connected(ads)
        ads.google.refuse = AdGrantRevoked(f"invalid_grant: the refresh token {GRANT} was revoked")
        with pytest.raises(AdGrantRevoked):
            await ads.sync()(client.id, account.id)
        async with ads.world.uow(DataScope.of_client(client.id)) as uow:
            stored = await uow.ad_accounts.get(client.id, account.id)
        assert stored.last_sync_error == "invalid_grant: the refresh token [grant] was revoked"
        assert stored.status is AdAccountStatus.CONNECTED and ads.box.open(stored.sealed_grant) == GRANT

    async def test_a_sync_finishing_after_a_disconnect_does_not_connect_the_account_again(self, ads: Ads) -> None:
        client, owner, account = await self.connected(ads)

        class DisconnectedMeanwhile(ScriptedPlatform):
            async def daily_metrics(
                self, access: AdAccountAccess, start: date, end: date
            ) -> Sequence[PlatformDailyMetrics]:
                await ads.world.build(DisconnectAdAccount)(owner, client.id, account.id)
                return await super().daily_metrics(access, start, end)

        sync = ads.world.build(
            SyncAdAccount, platforms={GOOGLE: DisconnectedMeanwhile()}, secrets=ads.box, lookback_days={}
        )
        await sync(client.id, account.id)
        async with ads.world.uow(DataScope.of_client(client.id)) as uow:
            stored = await uow.ad_accounts.get(client.id, account.id)
        assert (stored.status, stored.sealed_grant, stored.last_synced_at) == (AdAccountStatus.DISCONNECTED, b"", None)

    async def test_a_sync_after_a_long_gap_reads_back_to_the_last_one(self, ads: Ads) -> None:
        client, _, account = await self.connected(ads)
        await ads.sync(lookback=14)(client.id, account.id)
        ads.world.clock.advance(timedelta(days=40))
        await ads.sync(lookback=14)(client.id, account.id)
        today = ads.world.clock.now().date()
        assert ads.google.windows[-1] == (today - timedelta(days=40), today)

    @pytest.mark.parametrize("grant", ["", "token with spaces", "tøken", "line\nbreak"])
    async def test_a_grant_that_is_not_a_token_is_refused_before_the_platform_is_asked(
        self, ads: Ads, grant: str
    ) -> None:
        client, owner = await ads.client_on(Tier.PRO)
        with pytest.raises(ValidationError) as refused:
            await ads.connect()(owner, client.id, platform="google_ads", account_id="1", grant=grant)
        assert refused.value.field == "grant" and ads.google.grants == []

    async def test_a_disconnected_account_is_not_read_and_its_history_stays(self, ads: Ads) -> None:
        client, owner, account = await self.connected(ads)
        ads.google.day("111", ads.world.clock.now().date(), clicks=5, cost="5.00")
        await ads.sync()(client.id, account.id)
        disconnected = await ads.world.build(DisconnectAdAccount)(owner, client.id, account.id)
        assert disconnected.sealed_grant == b""
        assert (await ads.sync()(client.id, account.id)).skipped == "disconnected"
        assert len(await ads.stored_days(client)) == 1

    async def test_the_sandbox_platform_syncs_a_pro_clients_google_and_meta_campaigns(self, world: World) -> None:
        box = FernetSecretBox([new_key()])
        platforms = {p: SandboxAdPlatform(p) for p in (GOOGLE, META)}
        ads = Ads(world)
        client, owner = await ads.client_on(Tier.PRO)
        connect = world.build(ConnectAdAccount, platforms=platforms, secrets=box)
        sync = world.build(SyncAdAccount, platforms=platforms, secrets=box, lookback_days={})
        for platform in ("google_ads", "meta_ads"):
            account = await connect(owner, client.id, platform=platform, account_id="1234567890", grant="g")
            await sync(client.id, account.id)
        page = await world.build(ListCampaigns)(owner, client.id, PageRequest(limit=50))
        assert {c.platform for c in page.items} == {GOOGLE, META}
        today = world.clock.now().date()
        running = next(c for c in page.items if c.status is CampaignStatus.ACTIVE)
        report = await world.build(GetCampaignMetrics)(owner, client.id, running.id, today - timedelta(days=6), today)
        assert len(report.days) == 7 and report.totals is not None and report.totals.spend.amount > 0


class TestScheduleAdSyncs:
    async def test_one_job_per_connected_account_and_day_within_the_tier(self, ads: Ads) -> None:
        client, owner = await ads.client_on(Tier.PRO)
        google = await ads.connect()(owner, client.id, platform="google_ads", account_id="1", grant="g")
        meta = await ads.connect()(owner, client.id, platform="meta_ads", account_id="2", grant="m")
        schedule = ads.world.build(ScheduleAdSyncs)
        assert await schedule() == 2
        await ads.world.build(ChangePlan)(ads.world.staff(), client.id, tier=Tier.BASIC)
        assert await schedule() == 1
        daily = [key for key in requested_jobs(ads.world.uow.store) if "daily" in key]
        today = ads.world.clock.now().date().isoformat()
        assert sorted(daily) == sorted([f"ad-sync-{google.id}-daily-{today}", f"ad-sync-{meta.id}-daily-{today}"])


class TestGetCampaignMetrics:
    async def test_a_period_backwards_or_too_long_is_refused(self, ads: Ads, world: World) -> None:
        client, owner = await ads.client_on(Tier.PRO)
        account = await ads.connect()(owner, client.id, platform="google_ads", account_id="1", grant="g")
        await ads.sync()(client.id, account.id)
        page = await world.build(ListCampaigns)(owner, client.id, PageRequest(limit=5))
        get = world.build(GetCampaignMetrics)
        today = world.clock.now().date()
        with pytest.raises(ValidationError):
            await get(owner, client.id, page.items[0].id, today, today - timedelta(days=1))
        with pytest.raises(ValidationError):
            await get(owner, client.id, page.items[0].id, today - timedelta(days=366), today)
        empty = await get(owner, client.id, page.items[0].id, today, today)
        assert (empty.days, empty.totals) == ((), None)
