"""The SLA scan on real PostgreSQL with an injected clock: nothing at 79 %, a warning at 80 %, a breach past
100 %, each once, each notice requested through the outbox in the same transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dependency_injector import providers
from sqlalchemy import select

from arco_adapters.memory.clock import ManualClock
from arco_adapters.postgres import tables as t
from arco_domain.model.access import Principal
from arco_domain.model.clients import UserType
from arco_domain.model.tiers import Tier
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Environment, Settings

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PRO_SLA = timedelta(hours=4)


@pytest.fixture
async def container(database_urls: dict[str, str]) -> AsyncIterator[Any]:
    settings = Settings(environment=Environment.TEST, **database_urls, jwt_secret="sla-secret-" * 4)
    container: Any = Runtime(settings).container()
    container.adapters.clock.override(providers.Object(ManualClock(START)))
    await container.init_resources()
    yield container
    await container.shutdown_resources()


async def requested_notices(container: Any, ticket_id: object) -> list[str]:
    engine = await container.adapters.agency_engine()
    async with engine.connect() as connection:
        keys = await connection.scalars(select(t.job_outbox.c.dedupe_key).order_by(t.job_outbox.c.created_at))
        return [key for key in keys if str(ticket_id) in key]


class TestSlaScanOnPostgres:
    async def test_79_80_and_100_percent(self, container: Any) -> None:
        clock: ManualClock = container.adapters.clock()
        registration = await (await container.use_cases.register_client())(
            email="sla@example.com", company_name="SLA Co"
        )
        client_id = registration.client.id
        owner = Principal(registration.user.id, UserType.CLIENT, client_id)
        staff = Principal(registration.user.id, UserType.ADMIN)
        await (await container.use_cases.change_plan())(staff, client_id, tier=Tier.PRO)
        ticket = await (await container.use_cases.create_ticket())(
            owner, subject="Checkout fails", description="Since 9am"
        )
        scan = await container.use_cases.scan_ticket_sla()

        clock.set(START + PRO_SLA * 0.79)
        assert (await scan()).warned == ()
        clock.set(START + PRO_SLA * 0.8)
        assert (await scan()).warned == (ticket.id,)
        assert (await scan()).warned == ()
        clock.set(START + PRO_SLA + timedelta(seconds=1))
        assert (await scan()).breached == (ticket.id,)
        assert (await scan()).breached == ()
        assert await requested_notices(container, ticket.id) == [
            f"sla-warning-{ticket.id}",
            f"sla-breached-{ticket.id}",
        ]
