"""Billing: buying a tier, managing the subscription, and applying what the payment provider reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from arco_domain.errors import Conflict, NotFound, ValidationError
from arco_domain.ids import AuditEventId, ClientId
from arco_domain.model.access import Capability, DataScope, Principal
from arco_domain.model.billing import (
    HANDLED_EVENTS,
    PAST_DUE_GRACE,
    SELF_SERVICE_TIERS,
    BillingEvent,
    SubscriptionSnapshot,
    is_newer,
    past_due_since,
    same_moment,
    tier_for,
)
from arco_domain.model.clients import BillingAccount, Client
from arco_domain.model.tiers import Tier
from arco_domain.use_cases.clients import Subscription, apply_tier_change
from arco_ports.clock import Clock, IdGenerator
from arco_ports.payments import PaymentGateway
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

RECONCILE_WINDOW = timedelta(days=3)
"""How far back reconciliation looks: the provider stops retrying a failed delivery after three days."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StartCheckout:
    """A hosted checkout page that subscribes the caller's client to a self-service tier (its owner only)."""

    uow: UnitOfWorkFactory
    gateway: PaymentGateway

    async def __call__(self, principal: Principal, *, tier: Tier, return_url: str) -> str:
        principal.require(Capability.MANAGE_BILLING)
        if tier not in SELF_SERVICE_TIERS:
            raise ValidationError("checkout sells the basic and pro tiers; enterprise is a contract", field="tier")
        client_id = principal.own_client()
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            user = await uow.users.get(principal.user_id)
        if client.tier is tier and client.billing and client.billing.subscription_id:
            raise Conflict(f"the client already subscribes to {tier}")
        customer_id = await self.gateway.ensure_customer(client_id, email=user.email, name=client.name)
        if _needs_customer(client, customer_id):
            async with self.uow(DataScope.of_client(client_id)) as uow:
                client = await uow.clients.get_for_update(client_id)
                if _needs_customer(client, customer_id):  # still, now that nothing else can change it
                    client.billing = BillingAccount(customer_id=customer_id)
                    await uow.clients.update(client)
                    await uow.commit()
        return await self.gateway.checkout_url(client_id, customer_id, tier=tier, return_url=return_url)


def _needs_customer(client: Client, customer_id: str) -> bool:
    return client.billing is None or client.billing.customer_id != customer_id


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenBillingPortal:
    """The provider's self-service page: payment methods, invoices, cancellation (the client's owner only)."""

    uow: UnitOfWorkFactory
    gateway: PaymentGateway

    async def __call__(self, principal: Principal, *, return_url: str) -> str:
        principal.require(Capability.MANAGE_BILLING)
        client_id = principal.own_client()
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
        if client.billing is None:
            raise Conflict("the client has no billing account yet: start with a checkout")
        return await self.gateway.portal_url(client.billing.customer_id, return_url=return_url)


@dataclass(frozen=True, slots=True, kw_only=True)
class HandleBillingEvent:
    """Apply one verified provider event, exactly once and never older than the state already applied.

    Events that only refer to a subscription (a completed checkout, an invoice) are resolved by reading
    the subscription afresh from the provider, whose current state is the newest there is.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    gateway: PaymentGateway

    async def __call__(self, event: BillingEvent) -> str:
        snapshot = event.subscription
        if snapshot is None and event.subscription_id and event.type in HANDLED_EVENTS:
            snapshot = await self.gateway.subscription(event.subscription_id)
        now = self.clock.now()
        async with self.uow(DataScope.all_clients()) as uow:
            if not await uow.processed_events.record("stripe", event.id, event.type):
                return "duplicate"
            outcome, client_id = await self._apply(uow, event, snapshot, now)
            await uow.processed_events.settle("stripe", event.id, client_id=client_id, outcome=outcome)
            await uow.commit()
        return outcome

    async def _apply(
        self, uow: UnitOfWork, event: BillingEvent, snapshot: SubscriptionSnapshot | None, now: datetime
    ) -> tuple[str, ClientId | None]:
        if event.type not in HANDLED_EVENTS:
            return "ignored", None
        client = await self._client_of(uow, event)
        if client is None:
            return "unknown-customer", None
        if snapshot is None:
            return "no-subscription", client.id
        if same_moment(snapshot, client.billing):
            # A tie: the provider's current state is the newest, whichever event came first.
            snapshot = replace(
                await self.gateway.subscription(snapshot.subscription_id), observed_at=snapshot.observed_at
            )
        elif not is_newer(snapshot, client.billing):
            return "stale", client.id
        overdue = past_due_since(snapshot, client.billing)
        tier = tier_for(client.tier, snapshot, overdue, now)
        client.billing = BillingAccount(
            customer_id=snapshot.customer_id, subscription_id=snapshot.subscription_id,
            observed_at=snapshot.observed_at, past_due_since=overdue,
            cancel_at_period_end=snapshot.cancel_at_period_end,
        )  # fmt: skip
        await apply_tier_change(
            uow, client, tier=tier, subscription=Subscription(snapshot.status, snapshot.period), principal=None,
            reason=f"billing {event.type} {event.id}", now=now, event_id=AuditEventId(self.ids.new_id()),
        )  # fmt: skip
        return "applied", client.id

    async def _client_of(self, uow: UnitOfWork, event: BillingEvent) -> Client | None:
        """The event's client, held until the unit ends: whether the event is newer than the state stored must
        stay true until its own state is stored, or of two events applied at once the older could win."""
        found = await uow.clients.find_by_billing_customer(event.customer_id) if event.customer_id else None
        client_id = found.id if found is not None else event.client_reference
        if client_id is None:
            return None
        try:
            return await uow.clients.get_for_update(client_id)
        except NotFound:
            return None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnforcePaymentGrace:
    """Move to free every client whose payment has failed for longer than the grace period, even when the
    provider has sent nothing since (rule 5: nothing is deleted)."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(self) -> tuple[ClientId, ...]:
        now = self.clock.now()
        downgraded: list[ClientId] = []
        async with self.uow(DataScope.all_clients()) as uow:
            for found in await uow.clients.past_due_before(now - PAST_DUE_GRACE):
                client = await uow.clients.get_for_update(found.id)
                if not _grace_expired(client, now):  # paid, or moved, since it was found
                    continue
                await apply_tier_change(
                    uow, client, tier=Tier.FREE, subscription=None, principal=None, reason="payment grace expired",
                    now=now, event_id=AuditEventId(self.ids.new_id()),
                )  # fmt: skip
                downgraded.append(client.id)
            await uow.commit()
        return tuple(downgraded)


def _grace_expired(client: Client, now: datetime) -> bool:
    since = client.billing.past_due_since if client.billing else None
    return client.tier is not Tier.FREE and since is not None and now - since >= PAST_DUE_GRACE


@dataclass(frozen=True, slots=True)
class HandledEvent:
    event: BillingEvent
    outcome: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiveBillingWebhook:
    """One webhook delivery: the gateway proves it came from the provider (`Unverified` otherwise, and nothing
    changes), then the event is handled as any other."""

    gateway: PaymentGateway
    handle: HandleBillingEvent

    async def __call__(self, payload: bytes, signature: str) -> HandledEvent:
        event = self.gateway.parse_event(payload, signature)
        return HandledEvent(event, await self.handle(event))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconcileBillingEvents:
    """Apply the provider's events of the last three days that were never handled (a missed delivery)."""

    clock: Clock
    gateway: PaymentGateway
    handle: HandleBillingEvent

    async def __call__(self) -> Sequence[tuple[str, str]]:
        events = await self.gateway.events_since(self.clock.now() - RECONCILE_WINDOW)
        # Oldest first, so that each state is applied in the order the provider produced it.
        return [(event.id, await self.handle(event)) for event in sorted(events, key=lambda e: e.created)]
