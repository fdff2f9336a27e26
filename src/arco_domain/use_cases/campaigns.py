"""Ad-account and campaign use-cases: connecting accounts within the tier, syncing them, reading results.

A sync reads the platform outside any transaction, then stores what it read in one unit of work: campaigns
created, renamed, paused or ended as the platform says, and each campaign's days upserted on (campaign, date),
so a sync that runs twice, or re-reads restated days, leaves one row per day holding the latest figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from arco_domain.errors import Conflict, ProviderError, ValidationError
from arco_domain.ids import AdAccountId, AuditEventId, CampaignId, ClientId
from arco_domain.model.access import Capability, DataScope, Principal
from arco_domain.model.ad_accounts import (
    DEFAULT_LOOKBACK_DAYS,
    AdAccount,
    AdAccountStatus,
    check_platform_allowed,
    normalize_account_id,
    sync_window,
)
from arco_domain.model.campaigns import Campaign, CampaignStatus, CampaignTotals, DailyCampaignMetrics, summarize
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.model.tiers import CampaignPlatform, plan_for
from arco_domain.use_cases.base import write_audit
from arco_ports.ad_accounts import SecretBox
from arco_ports.ads import AdAccountAccess, AdPlatform, PlatformCampaign, PlatformDailyMetrics
from arco_ports.clock import Clock, IdGenerator
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

SYNC_AD_ACCOUNT_JOB = "sync_ad_account"
MAX_REPORT_DAYS = 366


def _platform_named(raw: CampaignPlatform | str) -> CampaignPlatform:
    try:
        return CampaignPlatform(raw)
    except ValueError:
        allowed = ", ".join(CampaignPlatform)
        raise ValidationError(f"platform {raw!r} is not one of {allowed}", field="platform") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class _AdsUseCase:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    platforms: Mapping[CampaignPlatform, AdPlatform]
    secrets: SecretBox

    def _adapter(self, platform: CampaignPlatform) -> AdPlatform:
        adapter = self.platforms.get(platform)
        if adapter is None:
            raise ValidationError(f"ARCO cannot read {platform.value} accounts yet", field="platform")
        return adapter


async def _audit(
    uow: UnitOfWork, ids: IdGenerator, clock: Clock, principal: Principal, action: str, account: AdAccount
) -> None:
    await write_audit(
        uow, event_id=AuditEventId(ids.new_id()), at=clock.now(), principal=principal, action=action,
        client_id=account.client_id,
        details={"ad_account_id": str(account.id), "platform": account.platform.value, "account": account.external_id},
    )  # fmt: skip


async def _request_sync(uow: UnitOfWork, account: AdAccount, reason: str) -> None:
    payload = {"client_id": str(account.client_id), "ad_account_id": str(account.id)}
    await uow.jobs.enqueue(SYNC_AD_ACCOUNT_JOB, payload, dedupe_key=f"ad-sync-{account.id}-{reason}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectAdAccount(_AdsUseCase):
    """Connect a client's ad account with the grant the client gave, if the tier includes the platform
    (the client's owner, or an admin).

    The grant is tried on the platform first (a grant that does not work is refused, nothing stored), then
    kept sealed; the first sync is asked for at once. A disconnected account connects again in place.
    """

    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        *,
        platform: CampaignPlatform | str,
        account_id: str,
        grant: str,
        login_customer_id: str | None = None,
    ) -> AdAccount:
        principal.require(Capability.MANAGE_AD_ACCOUNTS)
        client_id = principal.client_in_reach(client_id)
        chosen = _platform_named(platform)
        scope = DataScope.of_client(client_id)
        async with self.uow(scope) as uow:
            check_platform_allowed((await uow.clients.get(client_id)).tier, chosen)
        external_id = normalize_account_id(chosen, account_id)
        manager = None if login_customer_id is None else normalize_account_id(chosen, login_customer_id)
        if not grant or not grant.isascii() or not grant.isprintable() or any(c.isspace() for c in grant):
            # Tokens of both platforms are printable ASCII; anything else could not even go in a header.
            raise ValidationError(
                "the grant must be the token as the platform gave it: printable ASCII, no spaces", field="grant"
            )
        await self._adapter(chosen).list_campaigns(AdAccountAccess(external_id, grant, manager))
        now = self.clock.now()
        async with self.uow(scope) as uow:
            known = await uow.ad_accounts.find(client_id, chosen.value, external_id)
            if known is not None:
                known = await uow.ad_accounts.get_for_update(client_id, known.id)
            if known is not None and known.status is AdAccountStatus.CONNECTED:
                raise Conflict(f"the {chosen.value} account {external_id} is already connected")
            account = AdAccount(
                id=known.id if known else AdAccountId(self.ids.new_id()), client_id=client_id, platform=chosen,
                external_id=external_id, login_customer_id=manager, sealed_grant=self.secrets.seal(grant),
                status=AdAccountStatus.CONNECTED, connected_at=now,
                last_synced_at=known.last_synced_at if known else None,
            )  # fmt: skip
            await (uow.ad_accounts.update if known else uow.ad_accounts.add)(account)
            await _audit(uow, self.ids, self.clock, principal, "ad_account.connect", account)
            await _request_sync(uow, account, f"connect-{now.isoformat()}")
            await uow.commit()
        return account


@dataclass(frozen=True, slots=True, kw_only=True)
class DisconnectAdAccount:
    """Stop syncing an account and forget its grant; its campaigns and their history stay."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(self, principal: Principal, client_id: ClientId, account_id: AdAccountId) -> AdAccount:
        principal.require(Capability.MANAGE_AD_ACCOUNTS)
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            account = await uow.ad_accounts.get_for_update(client_id, account_id)
            account = replace(account, status=AdAccountStatus.DISCONNECTED, sealed_grant=b"")
            await uow.ad_accounts.update(account)
            await _audit(uow, self.ids, self.clock, principal, "ad_account.disconnect", account)
            await uow.commit()
        return account


@dataclass(frozen=True, slots=True, kw_only=True)
class ListAdAccounts:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, page: PageRequest) -> Page[AdAccount]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            accounts = await uow.ad_accounts.list_for_client(client_id)
        return paginate(accounts, page, lambda a: a.id)


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    campaigns: int
    days: int
    skipped: str | None = None
    """Why nothing was read: the account is disconnected, or the client's tier leaves its platform out."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncAdAccount(_AdsUseCase):
    """Read one account's campaigns and the days of its sync window, and store them (see the module's text)."""

    lookback_days: Mapping[CampaignPlatform, int]

    async def __call__(self, client_id: ClientId, account_id: AdAccountId) -> SyncOutcome:
        scope = DataScope.of_client(client_id)
        async with self.uow(scope) as uow:
            account = await uow.ad_accounts.get(client_id, account_id)
            tier = (await uow.clients.get(client_id)).tier
        if account.status is not AdAccountStatus.CONNECTED:
            return SyncOutcome(0, 0, skipped="disconnected")
        if account.platform not in plan_for(tier).campaign_platforms:
            return SyncOutcome(0, 0, skipped=f"the {tier.value} tier leaves {account.platform.value} out")
        now = self.clock.now()
        start, end = sync_window(
            now.astimezone(UTC).date(), self.lookback_days.get(account.platform, DEFAULT_LOOKBACK_DAYS),
            last_synced_on=account.last_synced_at.astimezone(UTC).date() if account.last_synced_at else None,
        )  # fmt: skip
        grant = ""
        try:
            grant = self.secrets.open(account.sealed_grant)
            access = AdAccountAccess(account.external_id, grant, account.login_customer_id)
            adapter = self._adapter(account.platform)
            listed = await adapter.list_campaigns(access)
            days = await adapter.daily_metrics(access, start, end)
        except (ProviderError, ValidationError) as refusal:
            # What only the client or the agency can mend is shown on the account; the grant never is.
            detail = refusal.detail.replace(grant, "[grant]") if grant else refusal.detail
            await self._note(scope, account, error=detail)
            raise
        async with self.uow(scope) as uow:
            campaign_ids = await self._store_campaigns(uow, account, listed, days, now)
            await uow.metrics.record_campaign_days(
                client_id, [(campaign_ids[day.external_campaign_id], day.metrics) for day in days]
            )
            await uow.ad_accounts.record_sync(client_id, account.id, synced_at=now, error=None)
            await uow.commit()
        return SyncOutcome(campaigns=len(campaign_ids), days=len(days))

    async def _store_campaigns(
        self,
        uow: UnitOfWork,
        account: AdAccount,
        listed: Sequence[PlatformCampaign],
        days: Sequence[PlatformDailyMetrics],
        now: datetime,
    ) -> dict[str, CampaignId]:
        """Campaigns as the platform now describes them; a campaign the platform no longer lists has ended.
        One that only appears in the figures (removed since, its spend still real) is kept as ended."""
        known = {
            c.external_id: c
            for c in await uow.campaigns.list_for_client(account.client_id)
            if c.platform == account.platform
        }
        described = {c.external_id: (c.name, c.status) for c in listed}
        for day in days:
            described.setdefault(
                day.external_campaign_id, (f"Campaign {day.external_campaign_id}", CampaignStatus.ENDED)
            )
        for mine in known.values():
            if mine.ad_account_id == account.id and mine.external_id not in described:
                described[mine.external_id] = (mine.name, CampaignStatus.ENDED)
        ids: dict[str, CampaignId] = {}
        for external_id, (name, status) in described.items():
            current = known.get(external_id)
            if current is None:
                current = Campaign(
                    id=CampaignId(self.ids.new_id()), client_id=account.client_id, platform=account.platform,
                    external_id=external_id, name=name, status=status, project_id=None, budget_daily=None,
                    created_at=now, ad_account_id=account.id,
                )  # fmt: skip
                await uow.campaigns.add(current)
            elif (current.name, current.status, current.ad_account_id) != (name, status, account.id):
                # Only what the platform describes is the sync's to set; the rest is taken as it stands now.
                held = await uow.campaigns.get_for_update(account.client_id, current.id)
                await uow.campaigns.update(replace(held, name=name, status=status, ad_account_id=account.id))
            ids[external_id] = current.id
        return ids

    async def _note(self, scope: DataScope, account: AdAccount, *, error: str) -> None:
        async with self.uow(scope) as uow:
            await uow.ad_accounts.record_sync(account.client_id, account.id, synced_at=None, error=error)
            await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleAdSyncs:
    """The daily pass: one sync job per connected account whose platform the client's tier includes, asked
    for once per account and day however often the pass runs."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def __call__(self) -> int:
        today = self.clock.now().astimezone(UTC).date()
        asked = 0
        async with self.uow(DataScope.all_clients()) as uow:
            tiers = {}
            for account in await uow.ad_accounts.list_connected():
                if account.client_id not in tiers:
                    tiers[account.client_id] = (await uow.clients.get(account.client_id)).tier
                if account.platform in plan_for(tiers[account.client_id]).campaign_platforms:
                    await _request_sync(uow, account, f"daily-{today.isoformat()}")
                    asked += 1
            await uow.commit()
        return asked


@dataclass(frozen=True, slots=True, kw_only=True)
class ListCampaigns:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, page: PageRequest) -> Page[Campaign]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            campaigns = await uow.campaigns.list_for_client(client_id)
        return paginate(campaigns, page, lambda c: c.id)


@dataclass(frozen=True, slots=True)
class CampaignReport:
    campaign: Campaign
    days: tuple[DailyCampaignMetrics, ...]
    totals: CampaignTotals | None
    """Over the days reported; None when there are none (no currency to total in)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GetCampaignMetrics:
    """A campaign's daily figures for `[start, end]` and their totals (ratios of the sums)."""

    uow: UnitOfWorkFactory

    async def __call__(
        self, principal: Principal, client_id: ClientId, campaign_id: CampaignId, start: date, end: date
    ) -> CampaignReport:
        client_id = principal.client_in_reach(client_id)
        if start > end:
            raise ValidationError(f"the period starts on {start}, after its end on {end}", field="from")
        if (end - start).days >= MAX_REPORT_DAYS:
            raise ValidationError(f"a report covers at most {MAX_REPORT_DAYS} days", field="to")
        async with self.uow(DataScope.of_client(client_id)) as uow:
            campaign = await uow.campaigns.get(client_id, campaign_id)
            days = tuple(await uow.metrics.campaign_days(client_id, campaign_id, start, end))
        return CampaignReport(campaign, days, summarize(days, days[0].currency) if days else None)
