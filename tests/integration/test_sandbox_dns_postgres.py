from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.sandbox_dns import PostgresSandboxDnsStore
from arco_ports.dns import DnsProvider
from tests.contracts.sandbox_dns import SandboxDnsContract, new_zone_name, spec


class TestPostgresSandboxDns(SandboxDnsContract):
    @pytest.fixture
    def store(self, agency_engine: AsyncEngine) -> PostgresSandboxDnsStore:
        return PostgresSandboxDnsStore(agency_engine)

    async def test_deleting_a_zone_deletes_its_record_rows(
        self, provider: DnsProvider, agency_engine: AsyncEngine
    ) -> None:
        zone = await provider.create_zone(new_zone_name())
        await provider.create_record(zone.provider_id, spec())
        await provider.delete_zone(zone.provider_id)
        rows = select(func.count()).where(t.sandbox_dns_records.c.zone_id == zone.provider_id)
        async with agency_engine.connect() as connection:
            assert await connection.scalar(rows) == 0
