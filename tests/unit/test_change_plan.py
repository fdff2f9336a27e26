from __future__ import annotations

from datetime import timedelta

import pytest

from arco_adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from arco_domain.errors import Unavailable, ValidationError
from arco_domain.model.access import DataScope
from arco_domain.model.audit import AuditEvent
from arco_domain.model.clients import SubscriptionStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Resource, Tier
from arco_domain.use_cases.clients import ChangePlan, GetClientDetails, Subscription
from arco_domain.use_cases.projects import CreateProject
from arco_ports.audit import AuditLog
from tests.unit.conftest import World


class AuditLogDownForTierChanges:
    """An audit log that fails on a tier change's row: a failure after the contract limits were written."""

    def __init__(self, log: AuditLog) -> None:
        self._log = log

    async def record(self, event: AuditEvent) -> None:
        if event.action == "client.tier_change":
            raise Unavailable("the audit log is down")
        await self._log.record(event)


class UnitsFailingTierChanges(MemoryUnitOfWorkFactory):
    def __call__(self, scope: DataScope) -> MemoryUnitOfWork:
        unit = super().__call__(scope)
        unit.audit = AuditLogDownForTierChanges(unit.audit)  # type: ignore[assignment]
        return unit


class TestChangePlan:
    async def test_the_billing_system_sets_the_subscription_and_its_period(self, world: World) -> None:
        client, _ = await world.register()
        period = BillingPeriod(world.clock.now(), world.clock.now() + timedelta(days=30))
        change = world.build(ChangePlan)
        result = await change(
            None, client.id, tier=Tier.PRO, subscription=Subscription(SubscriptionStatus.ACTIVE, period)
        )
        assert (result.client.tier, result.client.billing_period, result.previous) == (Tier.PRO, period, Tier.FREE)
        assert result.client.subscription_status is SubscriptionStatus.ACTIVE

    async def test_a_staff_change_keeps_the_stored_subscription(self, world: World) -> None:
        client, _ = await world.register()
        period = BillingPeriod(world.clock.now(), world.clock.now() + timedelta(days=30))
        change = world.build(ChangePlan)
        await change(None, client.id, tier=Tier.BASIC, subscription=Subscription(SubscriptionStatus.PAST_DUE, period))
        result = await change(world.staff(), client.id, tier=Tier.PRO)
        assert (result.client.billing_period, result.client.subscription_status) == (
            period,
            SubscriptionStatus.PAST_DUE,
        )

    async def test_the_free_tier_counts_calendar_months_again(self, world: World) -> None:
        client, _ = await world.register()
        period = BillingPeriod(world.clock.now(), world.clock.now() + timedelta(days=30))
        change = world.build(ChangePlan)
        await change(None, client.id, tier=Tier.PRO, subscription=Subscription(SubscriptionStatus.ACTIVE, period))
        result = await change(world.staff(), client.id, tier=Tier.FREE)
        assert result.client.billing_period is None

    async def test_a_downgrade_deletes_nothing_and_reports_what_is_over(self, world: World) -> None:
        client, owner = await world.register()
        await world.build(ChangePlan)(world.staff(), client.id, tier=Tier.PRO)
        for name in ("Site", "Shop", "App"):
            await world.build(CreateProject)(owner, client.id, name=name)
        result = await world.build(ChangePlan)(world.staff(), client.id, tier=Tier.FREE)
        assert [(s.resource, s.used, s.limit) for s in result.over_limit] == [(Resource.PROJECTS, 3, 1)]
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert len(await uow.projects.list_for_client(client.id)) == 3

    async def test_a_tier_and_contract_change_is_stored_whole_with_an_audit_row_for_each(self, world: World) -> None:
        client, _ = await world.register()
        result = await world.build(ChangePlan)(
            world.staff(), client.id, tier=Tier.BASIC, custom_limits={Resource.TEAM_MEMBERS: 5}
        )
        assert (result.client.tier, result.client.custom_limits, result.previous) == (
            Tier.BASIC,
            {Resource.TEAM_MEMBERS: 5},
            Tier.FREE,
        )
        async with world.uow(DataScope.of_client(client.id)) as uow:
            stored = await uow.clients.get(client.id)
            actions = sorted(e.action for e in await uow.audit.list_recent(client.id, limit=10))
        assert (stored.tier, stored.custom_limits) == (Tier.BASIC, {Resource.TEAM_MEMBERS: 5})
        assert actions == ["client.custom_limits", "client.tier_change"]

    async def test_a_failure_after_the_contract_limits_were_written_stores_nothing_of_the_change(
        self, world: World
    ) -> None:
        client, _ = await world.register()
        failing = UnitsFailingTierChanges(world.uow.store)
        change = ChangePlan(uow=failing, clock=world.clock, ids=world.ids)
        with pytest.raises(Unavailable):
            await change(world.staff(), client.id, tier=Tier.PRO, custom_limits={Resource.PROJECTS: 50})
        async with world.uow(DataScope.of_client(client.id)) as uow:
            stored = await uow.clients.get(client.id)
            actions = [e.action for e in await uow.audit.list_recent(client.id, limit=10)]
        assert (stored.tier, stored.custom_limits) == (Tier.FREE, {})
        assert actions == []

    async def test_a_change_of_nothing_is_refused(self, world: World) -> None:
        client, _ = await world.register()
        with pytest.raises(ValidationError):
            await world.build(ChangePlan)(world.staff(), client.id)


class TestGetClientDetails:
    async def test_the_account_and_its_usage_come_together(self, world: World) -> None:
        client, owner = await world.register()
        await world.build(CreateProject)(owner, client.id, name="Site")
        details = await world.build(GetClientDetails)(world.staff(), client.id)
        assert details.client.id == client.id
        usage = {s.resource: (s.used, s.limit) for s in details.usage}
        assert (usage[Resource.PROJECTS], usage[Resource.TEAM_MEMBERS]) == ((1, 1), (1, 1))
        assert set(usage) == set(Resource)
