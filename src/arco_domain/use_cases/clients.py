"""Client account use-cases: sign-up, plan changes (tier and contract limits) and the usage report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from arco_domain.errors import ValidationError
from arco_domain.ids import AuditEventId, ClientId, MemberId, UserId
from arco_domain.model.access import Capability, DataScope, Principal
from arco_domain.model.clients import (
    Client,
    Member,
    MemberRole,
    MemberStatus,
    SubscriptionStatus,
    User,
    UserType,
    normalize_email,
)
from arco_domain.model.paging import Page, PageRequest, page_of
from arco_domain.model.quotas import BillingPeriod, QuotaStatus
from arco_domain.model.tiers import Resource, Tier, validate_custom_limits
from arco_domain.use_cases.base import take_quota, write_audit
from arco_domain.use_cases.identity import hash_password
from arco_ports.clock import Clock, IdGenerator
from arco_ports.identity import PasswordHasher
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Registration:
    user: User
    client: Client
    owner: Member


def new_client_account(
    ids: IdGenerator, *, email: str, company_name: str, full_name: str | None, password_hash: str | None,
    now: datetime,
) -> Registration:  # fmt: skip
    """A free-tier client with its first user as the team's owner, not yet stored."""
    user = User(
        id=UserId(ids.new_id()), email=normalize_email(email), user_type=UserType.CLIENT, created_at=now,
        full_name=full_name, password_hash=password_hash,
    )  # fmt: skip
    client = Client(id=ClientId(ids.new_id()), name=company_name.strip() or user.email, tier=Tier.FREE, created_at=now)
    owner = Member(
        id=MemberId(ids.new_id()), client_id=client.id, email=user.email, role=MemberRole.OWNER,
        status=MemberStatus.ACTIVE, created_at=now, user_id=user.id, full_name=full_name,
    )  # fmt: skip
    return Registration(user, client, owner)


async def open_client_account(uow: UnitOfWork, registration: Registration, now: datetime) -> None:
    """Store a new account in `uow` (scoped to its client); `Conflict` if the e-mail already has a user."""
    await uow.users.add(registration.user)
    await uow.clients.add(registration.client)
    await take_quota(uow, registration.client, Resource.TEAM_MEMBERS, 1, now)
    await uow.members.add(registration.owner)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterClient:
    """Sign a new client up on the free tier, with its first user as the team's owner.

    With a password (ARCO's own sign-in) the user can log in at once; without one, the user signs in
    through an external identity provider whose tokens carry the same user id.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    hasher: PasswordHasher | None = None

    async def __call__(
        self, *, email: str, company_name: str, full_name: str | None = None, password: str | None = None
    ) -> Registration:
        now = self.clock.now()
        registration = new_client_account(
            self.ids, email=email, company_name=company_name, full_name=full_name,
            password_hash=await hash_password(self.hasher, password), now=now,
        )  # fmt: skip
        async with self.uow(DataScope.of_client(registration.client.id)) as uow:
            await open_client_account(uow, registration, now)
            await uow.commit()
        return registration


async def usage_report(uow: UnitOfWork, client: Client, now_period_of: Mapping[Resource, str]) -> list[QuotaStatus]:
    """Each resource's standing at the given period, read in one go."""
    used = await uow.quotas.usage(client.id, now_period_of)
    return [
        QuotaStatus(resource, used[resource], client.limit(resource), period)
        for resource, period in now_period_of.items()
    ]


async def current_usage(uow: UnitOfWork, client: Client, now: datetime) -> list[QuotaStatus]:
    """Each resource's standing in the quota period that holds `now`."""
    return await usage_report(uow, client, {r: client.quota_period(r, now) for r in Resource})


@dataclass(frozen=True, slots=True, kw_only=True)
class GetUsage:
    """Each quota of a client: used, limit, percent, over-limit state and period."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def __call__(self, principal: Principal, client_id: ClientId) -> list[QuotaStatus]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            return await current_usage(uow, await uow.clients.get(client_id), self.clock.now())


@dataclass(frozen=True, slots=True)
class ClientDetails:
    client: Client
    usage: list[QuotaStatus]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetClientDetails:
    """A client's account and each of its quotas, read in one unit of work so that both describe one moment."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def __call__(self, principal: Principal, client_id: ClientId) -> ClientDetails:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            return ClientDetails(client, await current_usage(uow, client, self.clock.now()))


@dataclass(frozen=True, slots=True)
class PlanChange:
    client: Client
    previous: Tier
    over_limit: tuple[QuotaStatus, ...]
    """Resources above the new limits: kept, but closed to new creates until back under."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """What the billing system says of a client's subscription."""

    status: SubscriptionStatus
    period: BillingPeriod | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePlan:
    """Move a client to another tier and/or give it new contract limits (by an admin, or by the billing system
    with `principal=None`), in one unit of work: either every part of the change is stored or none is.

    New contract limits replace the old ones (`None` in the mapping means unlimited) and apply before the tier,
    so what is reported over limit is measured against both. Upgrades apply at once; downgrades delete nothing
    and report what is now over limit. A `subscription` from the billing system, given with a `tier`, replaces
    the stored one, and its period becomes the quota period of the monthly ticket allowance; without one (a
    staff decision) the stored subscription stays as it is. The free tier counts calendar months, so it drops
    the billing period.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(
        self,
        principal: Principal | None,
        client_id: ClientId,
        *,
        tier: Tier | None = None,
        custom_limits: Mapping[Resource, int | None] | None = None,
        subscription: Subscription | None = None,
        reason: str = "manual",
    ) -> PlanChange:
        if principal is not None:
            principal.require(Capability.CHANGE_PLANS)
        if tier is None and custom_limits is None:
            raise ValidationError("name a tier, custom limits or both")
        limits = None if custom_limits is None else validate_custom_limits(custom_limits)
        now = self.clock.now()
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get_for_update(client_id)
            previous = client.tier
            if limits is not None:
                await apply_custom_limits(
                    uow, client, limits, principal=principal, now=now, event_id=AuditEventId(self.ids.new_id())
                )
            if tier is None:
                over = over_limit(await current_usage(uow, client, now))
            else:
                over = await apply_tier_change(
                    uow, client, tier=tier, subscription=subscription, principal=principal, reason=reason, now=now,
                    event_id=AuditEventId(self.ids.new_id()),
                )  # fmt: skip
            await uow.commit()
        return PlanChange(client, previous, over)


def over_limit(usage: Iterable[QuotaStatus]) -> tuple[QuotaStatus, ...]:
    return tuple(s for s in usage if s.over_limit)


async def apply_custom_limits(
    uow: UnitOfWork,
    client: Client,
    limits: Mapping[Resource, int | None],
    *,
    principal: Principal | None,
    now: datetime,
    event_id: AuditEventId,
) -> None:
    """New contract limits inside an open unit of work, on a `client` the unit read with `get_for_update`;
    the caller commits."""
    before = {r.value: v for r, v in client.custom_limits.items()}
    client.custom_limits = dict(limits)
    await uow.clients.update(client)
    await write_audit(
        uow, event_id=event_id, at=now, principal=principal, action="client.custom_limits", client_id=client.id,
        details={"before": before, "after": {r.value: v for r, v in limits.items()}},
    )  # fmt: skip


async def apply_tier_change(
    uow: UnitOfWork,
    client: Client,
    *,
    tier: Tier,
    subscription: Subscription | None,
    principal: Principal | None,
    reason: str,
    now: datetime,
    event_id: AuditEventId,
) -> tuple[QuotaStatus, ...]:
    """The tier change rule inside an open unit of work (see `ChangePlan`) on a `client` the unit read with
    `get_for_update`; what is now over limit. The caller commits."""
    previous = client.tier
    client.tier = tier
    if subscription is not None:
        client.billing_period, client.subscription_status = subscription.period, subscription.status
    if tier is Tier.FREE:
        client.billing_period = None
    await uow.clients.update(client)
    over = over_limit(await current_usage(uow, client, now))
    await write_audit(
        uow, event_id=event_id, at=now, principal=principal, action="client.tier_change", client_id=client.id,
        details={"from": previous, "to": tier, "reason": reason, "over_limit": [s.resource.value for s in over]},
    )  # fmt: skip
    return over


@dataclass(frozen=True, slots=True, kw_only=True)
class GetClient:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId) -> Client:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            return await uow.clients.get(client_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListClients:
    """Every client, for the agency's admin dashboard."""

    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, page: PageRequest) -> Page[Client]:
        principal.require(Capability.SEE_ALL_CLIENTS)
        async with self.uow(DataScope.all_clients()) as uow:
            clients = await uow.clients.list_all(
                limit=page.limit + 1, after=ClientId(page.after) if page.after else None
            )
        return page_of(clients, page, lambda c: c.id)
