"""The unit-of-work contract, written once and run against every adapter.

A subclass provides the `uow_factory` fixture and a way to seed a client with `seed_client`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from arco_domain.errors import NotFound, QuotaExceeded
from arco_domain.ids import ClientId, ProjectId, TicketId, UserId
from arco_domain.model.access import DataScope
from arco_domain.model.clients import Client
from arco_domain.model.projects import Project, ProjectStatus
from arco_domain.model.sla import SlaPolicy
from arco_domain.model.tickets import Actor, Ticket, TicketPriority, TicketStatus
from arco_domain.model.tiers import Resource, Tier
from arco_ports.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def new_client(tier: Tier = Tier.FREE) -> Client:
    return Client(id=ClientId(uuid4()), name="Contract Co", tier=tier, created_at=NOW)


def new_project(client_id: ClientId, name: str = "Site") -> Project:
    return Project(
        id=ProjectId(uuid4()), client_id=client_id, name=name, status=ProjectStatus.DISCOVERY, created_at=NOW
    )


async def seed(factory: UnitOfWorkFactory, client: Client) -> Client:
    async with factory(DataScope.of_client(client.id)) as uow:
        await uow.clients.add(client)
        await uow.commit()
    return client


class UnitOfWorkContract:
    async def test_changes_without_commit_are_rolled_back(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        project = new_project(client.id)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.quotas.admit(client.id, Resource.PROJECTS, "stock", 1, 1)
            await uow.projects.add(project)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.projects.list_for_client(client.id) == []
            assert await uow.quotas.used(client.id, Resource.PROJECTS, "stock") == 0

    async def test_an_exception_rolls_the_unit_back(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        with pytest.raises(RuntimeError):
            async with uow_factory(DataScope.of_client(client.id)) as uow:
                await uow.projects.add(new_project(client.id))
                raise RuntimeError("boom")
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.projects.list_for_client(client.id) == []

    async def test_committed_rows_come_back_equal(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        project = new_project(client.id)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.add(project)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.projects.get(client.id, project.id) == project
            assert await uow.clients.get(client.id) == client

    async def test_a_unit_builds_a_repository_when_first_used_and_keeps_it(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            projects = uow.projects
            assert await projects.list_for_client(client.id) == []
            assert uow.projects is projects
            assert "tickets" not in vars(uow)

    async def test_a_row_of_another_client_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, theirs = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        project = new_project(theirs.id)
        async with uow_factory(DataScope.of_client(theirs.id)) as uow:
            await uow.projects.add(project)
            await uow.commit()
        async with uow_factory(DataScope.of_client(mine.id)) as uow:
            with pytest.raises(NotFound):
                await uow.projects.get(mine.id, project.id)
            with pytest.raises(NotFound):
                await uow.projects.get(theirs.id, project.id)
            with pytest.raises(NotFound):
                await uow.clients.get(theirs.id)
            assert await uow.projects.list_for_client(theirs.id) == []

    async def test_admission_refuses_past_the_limit_and_changes_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.quotas.admit(client.id, Resource.STORAGE_BYTES, "stock", 70, 100) == 70
            with pytest.raises(QuotaExceeded) as refused:
                await uow.quotas.admit(client.id, Resource.STORAGE_BYTES, "stock", 31, 100)
            assert (refused.value.limit, refused.value.used, refused.value.requested) == (100, 70, 31)
            assert await uow.quotas.admit(client.id, Resource.STORAGE_BYTES, "stock", 30, 100) == 100
            assert await uow.quotas.admit(client.id, Resource.STORAGE_BYTES, "stock", 5, None) == 105
            await uow.commit()

    async def test_release_never_goes_below_zero(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.quotas.admit(client.id, Resource.DOMAINS, "stock", 1, 3)
            assert await uow.quotas.release(client.id, Resource.DOMAINS, "stock", 5) == 0
            await uow.commit()

    async def test_periods_count_apart(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.quotas.admit(client.id, Resource.SUPPORT_TICKETS, "2026-05", 15, 15)
            assert await uow.quotas.admit(client.id, Resource.SUPPORT_TICKETS, "2026-06", 1, 15) == 1
            await uow.commit()

    async def test_usage_reads_every_resource_at_its_own_period(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.quotas.admit(client.id, Resource.PROJECTS, "stock", 1, 3)
            await uow.quotas.admit(client.id, Resource.SUPPORT_TICKETS, "2026-05", 4, 15)
            await uow.quotas.admit(client.id, Resource.SUPPORT_TICKETS, "2026-04", 9, 15)
            periods = {Resource.PROJECTS: "stock", Resource.SUPPORT_TICKETS: "2026-05", Resource.DOMAINS: "stock"}
            assert await uow.quotas.usage(client.id, periods) == {
                Resource.PROJECTS: 1,
                Resource.SUPPORT_TICKETS: 4,
                Resource.DOMAINS: 0,
            }
            assert await uow.quotas.usage(client.id, {}) == {}

    async def test_concurrent_admissions_never_pass_the_limit(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())

        async def create_one() -> bool:
            try:
                async with uow_factory(DataScope.of_client(client.id)) as uow:
                    await uow.quotas.admit(client.id, Resource.PROJECTS, "stock", 1, 1)
                    await uow.projects.add(new_project(client.id))
                    await uow.commit()
                    return True
            except QuotaExceeded:
                return False

        outcomes = await asyncio.gather(*(create_one() for _ in range(64)))
        assert outcomes.count(True) == 1
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert len(await uow.projects.list_for_client(client.id)) == 1
            assert await uow.quotas.used(client.id, Resource.PROJECTS, "stock") == 1

    async def test_a_ticket_keeps_its_history_and_sla(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        ticket = Ticket.open(
            id=TicketId(uuid4()), client_id=client.id, created_by=UserId(uuid4()), subject="Site down",
            description="500s everywhere", priority=TicketPriority.URGENT, created_at=NOW,
            sla=SlaPolicy(timedelta(hours=4), timedelta(hours=48)),
        )  # fmt: skip
        ticket.move(TicketStatus.IN_PROGRESS, actor=Actor.STAFF, at=NOW + timedelta(minutes=5))
        ticket.move(TicketStatus.WAITING_CLIENT, actor=Actor.STAFF, at=NOW + timedelta(minutes=9))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.tickets.add(ticket)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            stored = await uow.tickets.get(client.id, ticket.id)
        assert stored == ticket
        assert stored.response_due_at == NOW + timedelta(hours=4)

    async def test_the_all_clients_scope_sees_every_client(self, uow_factory: UnitOfWorkFactory) -> None:
        first, second = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        async with uow_factory(DataScope.all_clients()) as uow:
            seen = {c.id for c in await uow.clients.list_all(limit=1000)}
        assert {first.id, second.id} <= seen
