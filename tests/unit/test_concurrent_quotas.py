"""Quotas hold when many requests race: the memory adapter's admission is atomic under asyncio."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from arco_domain.errors import QuotaExceeded
from arco_domain.model.access import DataScope
from arco_domain.model.quotas import STOCK_PERIOD
from arco_domain.model.storage import MAX_UPLOAD_BYTES
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.clients import ChangePlan
from arco_domain.use_cases.projects import CreateProject
from arco_domain.use_cases.storage import ReserveUpload
from arco_domain.use_cases.tickets import CreateTicket
from tests.unit.conftest import World


async def successes(attempts: list[Awaitable[object]]) -> int:
    outcomes = await asyncio.gather(*attempts, return_exceptions=True)
    assert all(isinstance(o, QuotaExceeded) for o in outcomes if isinstance(o, BaseException))
    return sum(not isinstance(o, BaseException) for o in outcomes)


class TestConcurrentCreates:
    async def test_64_concurrent_projects_against_a_limit_of_1_create_exactly_one(self, world: World) -> None:
        client, owner = await world.register()
        create = world.build(CreateProject)
        assert await successes([create(owner, client.id, name=f"Site {n}") for n in range(64)]) == 1
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert len(await uow.projects.list_for_client(client.id)) == 1
            assert await uow.quotas.used(client.id, Resource.PROJECTS, STOCK_PERIOD) == 1

    async def test_40_concurrent_tickets_with_15_left_open_exactly_15(self, world: World) -> None:
        client, owner = await world.register()
        create = world.build(CreateTicket)
        attempts = [create(owner, subject=f"Help {n}", description="Broken") for n in range(40)]
        assert await successes(attempts) == 15
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert len(await uow.tickets.list_for_client(client.id)) == 15

    async def test_concurrent_uploads_never_reserve_past_the_byte_limit(self, world: World) -> None:
        client, owner = await world.register()
        limit = 5 * MAX_UPLOAD_BYTES + 1
        await world.build(ChangePlan)(world.staff(), client.id, custom_limits={Resource.STORAGE_BYTES: limit})
        reserve = world.build(ReserveUpload)
        attempts = [reserve(owner, client.id, file_name="a.bin", size_bytes=MAX_UPLOAD_BYTES) for _ in range(12)]
        assert await successes(attempts) == 5
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.quotas.used(client.id, Resource.STORAGE_BYTES, STOCK_PERIOD) == 5 * MAX_UPLOAD_BYTES
