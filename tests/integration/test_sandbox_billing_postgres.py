"""The sandbox payment provider keeps its state in PostgreSQL: gateways on separate connection pools, as in
separate server processes, act as one provider."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from arco_adapters.memory.clock import ManualClock
from arco_adapters.postgres.sandbox_billing import PostgresSandboxBillingStore
from arco_adapters.stripe.sandbox import SandboxPaymentGateway
from arco_domain.errors import NotFound
from arco_domain.ids import ClientId
from arco_domain.model.billing import BillingEvent
from arco_domain.model.clients import SubscriptionStatus
from arco_domain.model.tiers import Tier

SECRET = "whsec_sandbox_store_test"
PRICES = {Tier.BASIC: "price_sandbox_basic", Tier.PRO: "price_sandbox_pro"}


class Provider:
    """One server process's view of the sandbox: its own pool, its own gateway, the events it delivered."""

    def __init__(self, engine: AsyncEngine, clock: ManualClock) -> None:
        self.delivered: list[BillingEvent] = []
        self.gateway = SandboxPaymentGateway(
            webhook_secret=SECRET, public_url="http://127.0.0.1:9", prices=PRICES, clock=clock,
            deliver=self._deliver, store=PostgresSandboxBillingStore(engine),
        )  # fmt: skip

    async def _deliver(self, body: bytes, signature: str) -> None:
        self.delivered.append(self.gateway.parse_event(body, signature))

    async def checkout_token(self, client_id: ClientId, tier: Tier = Tier.PRO) -> str:
        """The token a checkout link issued to `client_id` carries."""
        customer = await self.gateway.ensure_customer(client_id, email="owner@example.com", name="Owner")
        url = await self.gateway.checkout_url(client_id, customer, tier=tier, return_url="http://127.0.0.1:9/done")
        return urlsplit(url).path.rsplit("/", 1)[-1]


@pytest.fixture
def clock() -> ManualClock:
    # Near the real time: deliveries are checked like Stripe's, with a 300-second tolerance.
    return ManualClock(datetime.now(UTC))


@pytest.fixture
async def other_agency_engine(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_urls["agency_database_url"], pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
def first(agency_engine: AsyncEngine, clock: ManualClock) -> Provider:
    return Provider(agency_engine, clock)


@pytest.fixture
def second(other_agency_engine: AsyncEngine, clock: ManualClock) -> Provider:
    return Provider(other_agency_engine, clock)


def new_client() -> ClientId:
    return ClientId(uuid4())


class TestSandboxBillingAcrossProcesses:
    async def test_a_checkout_issued_by_one_process_is_paid_on_another_and_read_by_the_first(
        self, first: Provider, second: Provider
    ) -> None:
        client = new_client()
        token = await first.checkout_token(client)
        assert await second.gateway.complete_checkout(token) == "http://127.0.0.1:9/done"
        assert [event.type for event in second.delivered] == [
            "checkout.session.completed",
            "customer.subscription.created",
        ]
        subscription_id = second.delivered[0].subscription_id
        assert subscription_id is not None
        snapshot = await first.gateway.subscription(subscription_id)
        assert (snapshot.status, snapshot.tier, snapshot.customer_id) == (
            SubscriptionStatus.ACTIVE,
            Tier.PRO,
            f"cus_sandbox_{client.hex[:24]}",
        )

    async def test_paying_again_on_another_process_updates_the_subscription(
        self, first: Provider, second: Provider
    ) -> None:
        client = new_client()
        await first.gateway.complete_checkout(await first.checkout_token(client, Tier.BASIC))
        await second.gateway.complete_checkout(await second.checkout_token(client, Tier.PRO))
        assert second.delivered[-1].type == "customer.subscription.updated"
        assert second.delivered[-1].subscription is not None
        assert second.delivered[-1].subscription.tier is Tier.PRO

    async def test_cancelling_on_two_processes_at_once_sends_one_deletion(
        self, first: Provider, second: Provider
    ) -> None:
        client = new_client()
        await first.gateway.complete_checkout(await first.checkout_token(client))
        portal = await first.gateway.portal_url(f"cus_sandbox_{client.hex[:24]}", return_url="http://127.0.0.1:9/p")
        token = urlsplit(portal).path.rsplit("/", 1)[-1]
        await asyncio.gather(first.gateway.cancel_subscription(token), second.gateway.cancel_subscription(token))
        deletions = [e for e in first.delivered + second.delivered if e.type == "customer.subscription.deleted"]
        assert len(deletions) == 1
        subscription_id = first.delivered[0].subscription_id
        assert subscription_id is not None
        assert (await second.gateway.subscription(subscription_id)).status is SubscriptionStatus.CANCELED

    async def test_every_process_lists_every_event_since_a_moment_oldest_first(
        self, first: Provider, second: Provider, clock: ManualClock
    ) -> None:
        clock.advance(timedelta(seconds=30))
        since = clock.now()
        await first.gateway.complete_checkout(await first.checkout_token(new_client()))
        clock.advance(timedelta(seconds=1))
        await second.gateway.complete_checkout(await second.checkout_token(new_client()))
        sent = [event.id for event in first.delivered + second.delivered]
        assert [event.id for event in await second.gateway.events_since(since)] == sent
        assert [event.id for event in await first.gateway.events_since(since + timedelta(seconds=1))] == sent[2:]

    async def test_a_subscription_no_process_created_is_not_found(self, first: Provider) -> None:
        with pytest.raises(NotFound):
            await first.gateway.subscription("sub_sandbox_nobody")


class TestSandboxBillingTables:
    @pytest.mark.parametrize("table", ["sandbox_subscriptions", "sandbox_billing_events"])
    async def test_the_client_serving_role_cannot_read_them(self, app_engine: AsyncEngine, table: str) -> None:
        async with app_engine.connect() as connection:
            with pytest.raises(ProgrammingError, match="permission denied"):
                await connection.execute(text(f"SELECT count(*) FROM {table}"))
