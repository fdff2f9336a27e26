from __future__ import annotations

import pytest

from arco_adapters.memory.clock import ManualClock
from arco_adapters.memory.idempotency import MemoryIdempotencyStore
from tests.contracts.idempotency import IdempotencyStoreContract


class TestMemoryIdempotencyStore(IdempotencyStoreContract):
    @pytest.fixture
    def store(self, clock: ManualClock) -> MemoryIdempotencyStore:
        return MemoryIdempotencyStore(clock)
