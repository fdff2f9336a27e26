from __future__ import annotations

from datetime import timedelta

from arco_domain.model.access import DataScope
from arco_domain.model.clients import SubscriptionStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Resource, Tier
from arco_domain.use_cases.clients import ChangeTier, Subscription
from arco_domain.use_cases.projects import CreateProject
from tests.unit.conftest import World


class TestChangeTier:
    async def test_the_billing_system_sets_the_subscription_and_its_period(self, world: World) -> None:
        client, _ = await world.register()
        period = BillingPeriod(world.clock.now(), world.clock.now() + timedelta(days=30))
        change = world.build(ChangeTier)
        result = await change(
            None, client.id, tier=Tier.PRO, subscription=Subscription(SubscriptionStatus.ACTIVE, period)
        )
        assert (result.client.tier, result.client.billing_period, result.previous) == (Tier.PRO, period, Tier.FREE)
        assert result.client.subscription_status is SubscriptionStatus.ACTIVE

    async def test_a_staff_change_keeps_the_stored_subscription(self, world: World) -> None:
        client, _ = await world.register()
        period = BillingPeriod(world.clock.now(), world.clock.now() + timedelta(days=30))
        change = world.build(ChangeTier)
        await change(None, client.id, tier=Tier.BASIC, subscription=Subscription(SubscriptionStatus.PAST_DUE, period))
        result = await change(world.staff(), client.id, tier=Tier.PRO)
        assert (result.client.billing_period, result.client.subscription_status) == (
            period,
            SubscriptionStatus.PAST_DUE,
        )

    async def test_the_free_tier_counts_calendar_months_again(self, world: World) -> None:
        client, _ = await world.register()
        period = BillingPeriod(world.clock.now(), world.clock.now() + timedelta(days=30))
        change = world.build(ChangeTier)
        await change(None, client.id, tier=Tier.PRO, subscription=Subscription(SubscriptionStatus.ACTIVE, period))
        result = await change(world.staff(), client.id, tier=Tier.FREE)
        assert result.client.billing_period is None

    async def test_a_downgrade_deletes_nothing_and_reports_what_is_over(self, world: World) -> None:
        client, owner = await world.register()
        await world.build(ChangeTier)(world.staff(), client.id, tier=Tier.PRO)
        for name in ("Site", "Shop", "App"):
            await world.build(CreateProject)(owner, client.id, name=name)
        result = await world.build(ChangeTier)(world.staff(), client.id, tier=Tier.FREE)
        assert [(s.resource, s.used, s.limit) for s in result.over_limit] == [(Resource.PROJECTS, 3, 1)]
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert len(await uow.projects.list_for_client(client.id)) == 3
