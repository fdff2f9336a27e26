"""Use-cases that change one row at the same time, on PostgreSQL: the first is held at its commit while the
second runs into the row it holds; both changes must stand, or the second must see the first's and act on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import pytest

from arco_adapters.cloudflare.sandbox import SandboxDnsProvider
from arco_adapters.memory.clock import ManualClock
from arco_adapters.memory.sandbox_dns import MemorySandboxDnsStore
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.system import Uuid7Generator
from arco_domain.ids import ClientId, UserId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.billing import PAST_DUE_GRACE
from arco_domain.model.clients import BillingAccount, Client, MemberRole, UserType
from arco_domain.model.projects import ProjectStatus
from arco_domain.model.tickets import AUTO_CLOSE_AFTER, Ticket, TicketStatus
from arco_domain.model.tiers import Resource, Tier
from arco_domain.use_cases.billing import EnforcePaymentGrace
from arco_domain.use_cases.clients import ChangePlan
from arco_domain.use_cases.domains import AddDomain, AssignDomainToProject, RefreshDomainStatus
from arco_domain.use_cases.projects import CreateProject, ProjectChanges, UpdateProject
from arco_domain.use_cases.tickets import AutoCloseResolvedTickets, CreateTicket, PostTicketMessage, TransitionTicket
from arco_ports.unit_of_work import UnitOfWorkFactory
from tests.integration.held_units import second_waits_for_first
from tests.use_case_ports import with_declared_ports

U = TypeVar("U")

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
Step = Callable[[UnitOfWorkFactory], Awaitable[Any]]


@dataclass
class Agency:
    """A pro client with its owner, the agency's admin, and the ports its use-cases take besides a unit of work."""

    uow: PostgresUnitOfWorkFactory
    client: Client
    owner: Principal
    admin: Principal
    clock: ManualClock
    ids: Uuid7Generator
    race: Callable[[Step, Step], Awaitable[tuple[Any, Any]]]

    def build(self, use_case: Callable[..., U], uow: UnitOfWorkFactory, **extra: object) -> U:
        """`use_case` on `uow` and the agency's clock and ids, as many of them as it declares."""
        return with_declared_ports(use_case, {"uow": uow, "clock": self.clock, "ids": self.ids}, **extra)


@pytest.fixture
async def agency(postgres_uow: PostgresUnitOfWorkFactory, postgres: EmbeddedPostgres, database: str) -> Agency:
    ids = Uuid7Generator()
    client = Client(id=ClientId(ids.new_id()), name="Race Co", tier=Tier.PRO, created_at=START)
    async with postgres_uow(DataScope.of_client(client.id)) as uow:
        await uow.clients.add(client)
        await uow.commit()
    return Agency(
        uow=postgres_uow,
        client=client,
        owner=Principal(UserId(ids.new_id()), UserType.CLIENT, client.id, client_role=MemberRole.OWNER),
        admin=Principal(UserId(ids.new_id()), UserType.ADMIN),
        clock=ManualClock(START),
        ids=ids,
        race=partial(second_waits_for_first, postgres_uow, postgres, database),
    )


async def open_ticket(agency: Agency) -> Ticket:
    create = agency.build(CreateTicket, agency.uow)
    return await create(agency.owner, subject="Checkout fails", description="Since 9am")


class TestUseCasesOnOneRow:
    async def test_a_tier_change_and_new_limits_both_stand(self, agency: Agency) -> None:
        client_id = agency.client.id

        def upgrade(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            return agency.build(ChangePlan, uow)(agency.admin, client_id, tier=Tier.ENTERPRISE)

        def set_limits(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            return agency.build(ChangePlan, uow)(agency.admin, client_id, custom_limits={Resource.PROJECTS: 50})

        await agency.race(upgrade, set_limits)
        async with agency.uow(DataScope.of_client(client_id)) as uow:
            stored = await uow.clients.get(client_id)
        assert (stored.tier, stored.custom_limits) == (Tier.ENTERPRISE, {Resource.PROJECTS: 50})

    async def test_a_payment_recorded_while_the_grace_period_is_enforced_keeps_the_tier(self, agency: Agency) -> None:
        client_id = agency.client.id
        overdue = BillingAccount(customer_id=f"cus_{client_id.hex[:12]}", past_due_since=START - PAST_DUE_GRACE)
        async with agency.uow(DataScope.of_client(client_id)) as uow:
            await uow.clients.update(replace(agency.client, billing=overdue))
            await uow.commit()

        async def pay(uow: UnitOfWorkFactory) -> None:
            async with uow(DataScope.all_clients()) as unit:
                client = await unit.clients.get_for_update(client_id)
                await unit.clients.update(replace(client, billing=replace(overdue, past_due_since=None)))
                await unit.commit()

        def enforce_grace(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            return agency.build(EnforcePaymentGrace, uow)()

        _, downgraded = await agency.race(pay, enforce_grace)
        async with agency.uow(DataScope.of_client(client_id)) as uow:
            stored = await uow.clients.get(client_id)
        assert client_id not in downgraded
        assert (stored.tier, stored.billing) == (Tier.PRO, replace(overdue, past_due_since=None))

    async def test_a_rename_and_a_status_change_of_a_project_both_stand(self, agency: Agency) -> None:
        client_id = agency.client.id
        project = await agency.build(CreateProject, agency.uow)(agency.owner, client_id, name="Shop")

        def edit(changes: ProjectChanges) -> Step:
            return lambda uow: agency.build(UpdateProject, uow)(agency.owner, client_id, project.id, changes)

        await agency.race(edit(ProjectChanges(name="Shop 2.0")), edit(ProjectChanges(status=ProjectStatus.DEVELOPMENT)))
        async with agency.uow(DataScope.of_client(client_id)) as uow:
            stored = await uow.projects.get(client_id, project.id)
        assert (stored.name, stored.status) == ("Shop 2.0", ProjectStatus.DEVELOPMENT)

    async def test_a_domain_assigned_while_its_status_is_refreshed_stays_assigned(self, agency: Agency) -> None:
        client_id = agency.client.id
        dns = SandboxDnsProvider(MemorySandboxDnsStore(), clock=agency.clock)
        project = await agency.build(CreateProject, agency.uow)(agency.owner, client_id, name="Shop")
        domain = await agency.build(AddDomain, agency.uow, dns=dns)(agency.owner, client_id, name="race-co.com.br")
        agency.clock.advance(timedelta(hours=1))

        def assign(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            return agency.build(AssignDomainToProject, uow)(agency.owner, client_id, domain.id, project_id=project.id)

        def refresh(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            return agency.build(RefreshDomainStatus, uow, dns=dns)(None, client_id, domain.id)

        await agency.race(assign, refresh)
        async with agency.uow(DataScope.of_client(client_id)) as uow:
            stored = await uow.domains.get(client_id, domain.id)
        assert (stored.project_id, stored.provider_checked_at) == (project.id, agency.clock.now())

    async def test_a_status_change_and_a_first_response_on_one_ticket_both_stand(self, agency: Agency) -> None:
        ticket = await open_ticket(agency)
        agency.clock.advance(timedelta(minutes=30))

        def take_in_hand(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            move = agency.build(TransitionTicket, uow)
            return move(agency.admin, ticket.client_id, ticket.id, to=TicketStatus.IN_PROGRESS)

        def answer(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            post = agency.build(PostTicketMessage, uow)
            return post(agency.admin, ticket.client_id, ticket.id, body="Looking into it now")

        _, message = await agency.race(take_in_hand, answer)
        async with agency.uow(DataScope.of_client(ticket.client_id)) as uow:
            stored = await uow.tickets.get(ticket.client_id, ticket.id)
        assert (stored.status, stored.first_response_at) == (TicketStatus.IN_PROGRESS, message.created_at)
        assert [change.to for change in stored.history] == [TicketStatus.IN_PROGRESS]

    async def test_a_ticket_reopened_while_resolved_tickets_are_closed_stays_open(self, agency: Agency) -> None:
        ticket = await open_ticket(agency)
        for status in (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED):
            await agency.build(TransitionTicket, agency.uow)(agency.admin, ticket.client_id, ticket.id, to=status)
        # The last moment a client may reopen is also the first the ticket closes itself.
        agency.clock.advance(AUTO_CLOSE_AFTER)

        def reopen(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            move = agency.build(TransitionTicket, uow)
            return move(agency.owner, ticket.client_id, ticket.id, to=TicketStatus.OPEN)

        def close_resolved(uow: UnitOfWorkFactory) -> Awaitable[Any]:
            return agency.build(AutoCloseResolvedTickets, uow)()

        _, closed = await agency.race(reopen, close_resolved)
        async with agency.uow(DataScope.of_client(ticket.client_id)) as uow:
            stored = await uow.tickets.get(ticket.client_id, ticket.id)
        assert ticket.id not in closed
        assert (stored.status, stored.closed_at) == (TicketStatus.OPEN, None)
