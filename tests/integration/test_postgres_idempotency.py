from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from arco_adapters.memory.clock import ManualClock
from arco_adapters.postgres.idempotency import PostgresIdempotencyStore
from arco_domain.errors import Unavailable
from tests.contracts.idempotency import NOW, IdempotencyStoreContract


class TestPostgresIdempotencyStore(IdempotencyStoreContract):
    @pytest.fixture
    def store(self, agency_engine: AsyncEngine, clock: ManualClock) -> PostgresIdempotencyStore:
        return PostgresIdempotencyStore(agency_engine, clock)

    async def test_an_unreachable_database_is_reported_as_unavailable(self, tmp_path: object) -> None:
        engine = create_async_engine(f"postgresql+asyncpg://arco_app@/arco?host={tmp_path}/no-such-socket")
        try:
            with pytest.raises(Unavailable):
                await PostgresIdempotencyStore(engine, ManualClock(NOW)).claim(uuid4(), "key-1", "fp")
        finally:
            await engine.dispose()
