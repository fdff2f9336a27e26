from __future__ import annotations

import pytest

from arco_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from tests.contracts.concurrent_writes import ConcurrentWritesContract
from tests.contracts.repositories import RepositoryContract
from tests.contracts.unit_of_work import UnitOfWorkContract


class TestMemoryUnitOfWork(UnitOfWorkContract, RepositoryContract, ConcurrentWritesContract):
    @pytest.fixture
    def uow_factory(self) -> MemoryUnitOfWorkFactory:
        return MemoryUnitOfWorkFactory()
