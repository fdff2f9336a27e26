"""Quotas hold on PostgreSQL when requests race on separate connections."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from arco_adapters.memory.clock import ManualClock
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.system import Uuid7Generator
from arco_domain.errors import QuotaExceeded
from arco_domain.ids import UserId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import Client, UserType
from arco_domain.model.quotas import STOCK_PERIOD
from arco_domain.model.storage import MAX_UPLOAD_BYTES
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.clients import ChangePlan, RegisterClient
from arco_domain.use_cases.projects import CreateProject
from arco_domain.use_cases.storage import ReserveUpload
from arco_domain.use_cases.tickets import CreateTicket
from tests.contracts.unit_of_work import NOW


def ports(uow: PostgresUnitOfWorkFactory) -> dict[str, Any]:
    return {"uow": uow, "clock": ManualClock(NOW), "ids": Uuid7Generator()}


async def registered(uow: PostgresUnitOfWorkFactory, email: str) -> tuple[Client, Principal]:
    registration = await RegisterClient(**ports(uow))(email=email, company_name="Racing Co")
    return registration.client, Principal(registration.user.id, UserType.CLIENT, registration.client.id)


async def successes(attempts: list[Awaitable[object]]) -> int:
    outcomes = await asyncio.gather(*attempts, return_exceptions=True)
    unexpected = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, QuotaExceeded)]
    assert unexpected == []
    return sum(not isinstance(o, BaseException) for o in outcomes)


class TestQuotaRaces:
    async def test_64_concurrent_project_creates_against_a_limit_of_1_leave_one_row(
        self, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        client, owner = await registered(postgres_uow, "projects@example.com")
        create = CreateProject(**ports(postgres_uow))
        assert await successes([create(owner, client.id, name=f"Site {n}") for n in range(64)]) == 1
        async with postgres_uow(DataScope.of_client(client.id)) as uow:
            assert len(await uow.projects.list_for_client(client.id)) == 1
            assert await uow.quotas.used(client.id, Resource.PROJECTS, STOCK_PERIOD) == 1

    async def test_40_concurrent_tickets_with_15_left_open_exactly_15(
        self, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        client, owner = await registered(postgres_uow, "tickets@example.com")
        create = CreateTicket(**ports(postgres_uow))
        attempts = [create(owner, subject=f"Help {n}", description="Broken") for n in range(40)]
        assert await successes(attempts) == 15
        async with postgres_uow(DataScope.of_client(client.id)) as uow:
            assert len(await uow.tickets.list_for_client(client.id)) == 15

    async def test_concurrent_uploads_never_reserve_past_the_byte_limit(
        self, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        client, owner = await registered(postgres_uow, "storage@example.com")
        limit = 5 * MAX_UPLOAD_BYTES + MAX_UPLOAD_BYTES // 2
        staff = Principal(UserId(Uuid7Generator().new_id()), UserType.ADMIN)
        await ChangePlan(**ports(postgres_uow))(staff, client.id, custom_limits={Resource.STORAGE_BYTES: limit})
        reserve = ReserveUpload(**ports(postgres_uow))
        sizes = [MAX_UPLOAD_BYTES, MAX_UPLOAD_BYTES // 2, MAX_UPLOAD_BYTES // 3] * 8
        attempts = [reserve(owner, client.id, file_name="a.bin", size_bytes=size) for size in sizes]
        assert await successes(attempts) >= 5
        async with postgres_uow(DataScope.of_client(client.id)) as uow:
            used = await uow.quotas.used(client.id, Resource.STORAGE_BYTES, STOCK_PERIOD)
            reservations = await uow.storage.expired_reservations(NOW.replace(year=2100))
        assert used <= limit
        assert used == sum(r.size_bytes for r in reservations if r.client_id == client.id)
