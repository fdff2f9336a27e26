"""Billing: what a subscription state means for the tier, and applying provider events exactly once,
in any order, never going back to an older state."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arco_adapters.memory.clock import ManualClock
from arco_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from arco_adapters.system import Uuid7Generator
from arco_domain.errors import NotFound, Unverified
from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope
from arco_domain.model.billing import PAST_DUE_GRACE, BillingEvent, SubscriptionSnapshot, tier_for
from arco_domain.model.clients import BillingAccount, Client, SubscriptionStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Tier
from arco_domain.use_cases.billing import (
    EnforcePaymentGrace,
    HandleBillingEvent,
    ReceiveBillingWebhook,
    ReconcileBillingEvents,
)
from tests.unit.conftest import START, World

CUSTOMER = "cus_test"
S = SubscriptionStatus


def snapshot(status: S, tier: Tier | None, at: datetime, sub: str = "sub_1") -> SubscriptionSnapshot:
    return SubscriptionSnapshot(sub, CUSTOMER, status, tier, BillingPeriod(at, at + timedelta(days=30)), False, at)


class FakeGateway:
    """The provider's current subscriptions, for events that only name theirs."""

    def __init__(self) -> None:
        self.current: dict[str, SubscriptionSnapshot] = {}

    async def subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        if subscription_id not in self.current:
            raise NotFound("subscription", subscription_id)
        return self.current[subscription_id]


def event(kind: str, at: datetime, state: SubscriptionSnapshot | None = None, **extra: object) -> BillingEvent:
    return BillingEvent(
        id=f"evt_{uuid4().hex}", type=kind, created=at, customer_id=CUSTOMER, subscription=state, **extra
    )  # type: ignore[arg-type]


async def billed_client(world: World) -> Client:
    client, _ = await world.register()
    async with world.uow(DataScope.of_client(client.id)) as uow:
        stored = await uow.clients.get(client.id)
        stored.billing = BillingAccount(customer_id=CUSTOMER)
        await uow.clients.update(stored)
        await uow.commit()
    return stored


async def current(world: World, client_id: ClientId) -> Client:
    async with world.uow(DataScope.of_client(client_id)) as uow:
        return await uow.clients.get(client_id)


class TestTierFor:
    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            (S.ACTIVE, Tier.PRO),
            (S.TRIALING, Tier.PRO),
            (S.CANCELED, Tier.FREE),
            (S.UNPAID, Tier.FREE),
            (S.INCOMPLETE, Tier.BASIC),
        ],
    )
    def test_each_status_maps_to_its_tier(self, status: S, expected: Tier) -> None:
        assert tier_for(Tier.BASIC, snapshot(status, Tier.PRO, START), None, START) is expected

    def test_a_past_due_subscription_keeps_its_tier_through_the_grace_period_only(self) -> None:
        state = snapshot(S.PAST_DUE, Tier.PRO, START)
        assert tier_for(Tier.PRO, state, START, START + PAST_DUE_GRACE - timedelta(seconds=1)) is Tier.PRO
        assert tier_for(Tier.PRO, state, START, START + PAST_DUE_GRACE) is Tier.FREE

    def test_an_unknown_price_keeps_the_current_tier(self) -> None:
        assert tier_for(Tier.BASIC, snapshot(S.ACTIVE, None, START), None, START) is Tier.BASIC


class TestHandleBillingEvent:
    def handler(self, world: World, gateway: FakeGateway | None = None) -> HandleBillingEvent:
        return world.build(HandleBillingEvent, gateway=gateway or FakeGateway())

    async def test_an_active_subscription_sets_tier_and_quota_period(self, world: World) -> None:
        client = await billed_client(world)
        state = snapshot(S.ACTIVE, Tier.PRO, START)
        assert await self.handler(world)(event("customer.subscription.created", START, state)) == "applied"
        stored = await current(world, client.id)
        assert (stored.tier, stored.billing_period, stored.subscription_status) == (Tier.PRO, state.period, S.ACTIVE)
        async with world.uow(DataScope.of_client(client.id)) as uow:
            actions = [e.action for e in await uow.audit.list_recent(client.id, limit=10)]
        assert "client.tier_change" in actions

    async def test_a_replayed_event_changes_nothing(self, world: World) -> None:
        client = await billed_client(world)
        handle = self.handler(world)
        delivered = event("customer.subscription.updated", START, snapshot(S.ACTIVE, Tier.PRO, START))
        outcomes = [await handle(delivered) for _ in range(5)]
        assert outcomes == ["applied"] + ["duplicate"] * 4
        assert (await current(world, client.id)).tier is Tier.PRO

    async def test_an_older_state_arriving_late_is_ignored(self, world: World) -> None:
        client = await billed_client(world)
        handle = self.handler(world)
        late = event("customer.subscription.updated", START, snapshot(S.ACTIVE, Tier.BASIC, START))
        newer = event(
            "customer.subscription.updated",
            START + timedelta(minutes=1),
            snapshot(S.ACTIVE, Tier.PRO, START + timedelta(minutes=1)),
        )
        assert await handle(newer) == "applied"
        assert await handle(late) == "stale"
        assert (await current(world, client.id)).tier is Tier.PRO

    async def test_every_order_of_three_events_ends_in_the_same_state(self) -> None:
        moments = [START + timedelta(minutes=n) for n in range(3)]
        states = [snapshot(S.ACTIVE, Tier.BASIC, moments[0]), snapshot(S.ACTIVE, Tier.PRO, moments[1]),
                  snapshot(S.PAST_DUE, Tier.PRO, moments[2])]  # fmt: skip
        events = [event("customer.subscription.updated", s.observed_at, s) for s in states]
        endings = set()
        for order in itertools.permutations(events):
            world = World(MemoryUnitOfWorkFactory(), ManualClock(START + timedelta(hours=1)), Uuid7Generator())
            client = await billed_client(world)
            for delivered in order:
                await self.handler(world)(delivered)
            stored = await current(world, client.id)
            endings.add((stored.tier, stored.subscription_status, stored.billing and stored.billing.observed_at))
        assert endings == {(Tier.PRO, S.PAST_DUE, moments[2])}

    async def test_unhandled_types_are_acknowledged_and_ignored(self, world: World) -> None:
        await billed_client(world)
        assert await self.handler(world)(event("charge.refunded", START)) == "ignored"

    async def test_an_unknown_customer_is_recorded_not_crashed_on(self, world: World) -> None:
        stray = BillingEvent("evt_stray", "customer.subscription.updated", START, "cus_nobody",
                             subscription=snapshot(S.ACTIVE, Tier.PRO, START))  # fmt: skip
        handle = self.handler(world)
        assert await handle(stray) == "unknown-customer"
        assert await handle(stray) == "duplicate"

    async def test_a_completed_checkout_links_the_customer_and_reads_the_subscription(self, world: World) -> None:
        client, _ = await world.register()
        gateway = FakeGateway()
        gateway.current["sub_9"] = snapshot(S.ACTIVE, Tier.BASIC, START, sub="sub_9")
        completed = BillingEvent("evt_checkout", "checkout.session.completed", START, CUSTOMER,
                                 client_reference=client.id, subscription_id="sub_9")  # fmt: skip
        assert await self.handler(world, gateway)(completed) == "applied"
        stored = await current(world, client.id)
        assert (stored.tier, stored.billing and stored.billing.customer_id) == (Tier.BASIC, CUSTOMER)

    async def test_cancellation_falls_back_to_free_and_drops_the_billing_period(self, world: World) -> None:
        client = await billed_client(world)
        handle = self.handler(world)
        await handle(event("customer.subscription.created", START, snapshot(S.ACTIVE, Tier.PRO, START)))
        later = START + timedelta(days=3)
        assert (
            await handle(event("customer.subscription.deleted", later, snapshot(S.CANCELED, Tier.PRO, later)))
            == "applied"
        )
        stored = await current(world, client.id)
        assert (stored.tier, stored.billing_period) == (Tier.FREE, None)

    async def test_a_payment_failure_keeps_the_tier_for_seven_days_then_free(self, world: World) -> None:
        client = await billed_client(world)
        handle = self.handler(world)
        await handle(event("customer.subscription.created", START, snapshot(S.ACTIVE, Tier.PRO, START)))
        failed_at = START + timedelta(days=1)
        await handle(event("customer.subscription.updated", failed_at, snapshot(S.PAST_DUE, Tier.PRO, failed_at)))
        assert (await current(world, client.id)).tier is Tier.PRO
        world.clock.set(failed_at + PAST_DUE_GRACE + timedelta(hours=1))
        still = failed_at + timedelta(days=8)
        await handle(event("customer.subscription.updated", still, snapshot(S.PAST_DUE, Tier.PRO, still)))
        stored = await current(world, client.id)
        assert (stored.tier, stored.billing and stored.billing.past_due_since) == (Tier.FREE, failed_at)


SEQUENCE = st.lists(
    st.tuples(st.sampled_from([S.ACTIVE, S.PAST_DUE, S.CANCELED, S.TRIALING]), st.sampled_from([Tier.BASIC, Tier.PRO])),
    min_size=1,
    max_size=5,
)


class TestOrderIndependence:
    @settings(max_examples=50, deadline=None)
    @given(sequence=SEQUENCE, order=st.randoms(use_true_random=False))
    async def test_any_delivery_order_ends_where_the_newest_state_leads(
        self, sequence: Sequence[tuple[S, Tier]], order: object
    ) -> None:
        moments = [START + timedelta(minutes=n) for n in range(len(sequence))]
        events = [
            event("customer.subscription.updated", at, snapshot(status, tier, at))
            for (status, tier), at in zip(sequence, moments, strict=True)
        ]
        world = World(MemoryUnitOfWorkFactory(), ManualClock(moments[-1]), Uuid7Generator())
        client = await billed_client(world)
        shuffled = list(events)
        order.shuffle(shuffled)  # type: ignore[attr-defined]
        for delivered in shuffled:
            await world.build(HandleBillingEvent, gateway=FakeGateway())(delivered)
        stored = await current(world, client.id)
        newest = events[-1].subscription
        assert newest is not None
        assert stored.subscription_status is newest.status
        assert stored.billing is not None and stored.billing.observed_at == newest.observed_at


class ReplayingGateway(FakeGateway):
    """A provider that lists the events it sent, delivered to ARCO or not."""

    def __init__(self, events: Sequence[BillingEvent]) -> None:
        super().__init__()
        self.sent = list(events)

    async def events_since(self, since: datetime) -> Sequence[BillingEvent]:
        return [e for e in self.sent if e.created >= since]


class TestReconcileBillingEvents:
    async def test_missed_events_are_applied_and_delivered_ones_are_not_applied_twice(self, world: World) -> None:
        client = await billed_client(world)
        first = event("customer.subscription.created", START, snapshot(S.ACTIVE, Tier.BASIC, START))
        missed = event("customer.subscription.updated", START + timedelta(hours=1),
                       snapshot(S.ACTIVE, Tier.PRO, START + timedelta(hours=1)))  # fmt: skip
        gateway = ReplayingGateway([missed, first])
        handle = world.build(HandleBillingEvent, gateway=gateway)
        assert await handle(first) == "applied"
        world.clock.set(START + timedelta(days=1))
        reconcile = world.build(ReconcileBillingEvents, gateway=gateway, handle=handle)
        assert await reconcile() == [(first.id, "duplicate"), (missed.id, "applied")]
        assert (await current(world, client.id)).tier is Tier.PRO

    async def test_only_the_last_three_days_are_read(self, world: World) -> None:
        await billed_client(world)
        old = event("customer.subscription.created", START, snapshot(S.ACTIVE, Tier.PRO, START))
        gateway = ReplayingGateway([old])
        world.clock.set(START + timedelta(days=3, seconds=1))
        reconcile = world.build(
            ReconcileBillingEvents, gateway=gateway, handle=world.build(HandleBillingEvent, gateway=gateway)
        )
        assert await reconcile() == []


class SigningGateway(FakeGateway):
    """A provider whose deliveries carry one known signature."""

    SIGNATURE = "t=1,v1=good"

    def __init__(self, delivered: BillingEvent) -> None:
        super().__init__()
        self.delivered = delivered

    def parse_event(self, payload: bytes, signature: str) -> BillingEvent:
        if signature != self.SIGNATURE:
            raise Unverified("the signature does not match")
        return self.delivered


class TestReceiveBillingWebhook:
    def receiver(self, world: World, gateway: SigningGateway) -> ReceiveBillingWebhook:
        handle = world.build(HandleBillingEvent, gateway=gateway)
        return world.build(ReceiveBillingWebhook, gateway=gateway, handle=handle)

    async def test_a_signed_delivery_is_parsed_and_applied_once(self, world: World) -> None:
        client = await billed_client(world)
        delivered = event("customer.subscription.created", START, snapshot(S.ACTIVE, Tier.PRO, START))
        receive = self.receiver(world, SigningGateway(delivered))
        handled = await receive(b"{}", SigningGateway.SIGNATURE)
        assert (handled.event, handled.outcome) == (delivered, "applied")
        assert (await receive(b"{}", SigningGateway.SIGNATURE)).outcome == "duplicate"
        assert (await current(world, client.id)).tier is Tier.PRO

    async def test_a_bad_signature_is_refused_and_changes_nothing(self, world: World) -> None:
        client = await billed_client(world)
        delivered = event("customer.subscription.created", START, snapshot(S.ACTIVE, Tier.PRO, START))
        with pytest.raises(Unverified):
            await self.receiver(world, SigningGateway(delivered))(b"{}", "t=1,v1=forged")
        assert (await current(world, client.id)).tier is Tier.FREE


class TestEnforcePaymentGrace:
    async def test_a_client_past_due_beyond_the_grace_period_moves_to_free_without_any_event(
        self, world: World
    ) -> None:
        client = await billed_client(world)
        handle = world.build(HandleBillingEvent, gateway=FakeGateway())
        await handle(event("customer.subscription.created", START, snapshot(S.ACTIVE, Tier.PRO, START)))
        failed = START + timedelta(hours=1)
        await handle(event("customer.subscription.updated", failed, snapshot(S.PAST_DUE, Tier.PRO, failed)))
        enforce = world.build(EnforcePaymentGrace)
        world.clock.set(failed + PAST_DUE_GRACE - timedelta(minutes=1))
        assert await enforce() == ()
        world.clock.set(failed + PAST_DUE_GRACE)
        assert await enforce() == (client.id,)
        assert (await current(world, client.id)).tier is Tier.FREE
        assert await enforce() == ()
