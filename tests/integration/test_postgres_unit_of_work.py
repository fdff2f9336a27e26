from __future__ import annotations

import pytest

from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.contracts.concurrent_writes import ConcurrentWritesContract
from tests.contracts.repositories import RepositoryContract
from tests.contracts.unit_of_work import UnitOfWorkContract


class TestPostgresUnitOfWork(UnitOfWorkContract, RepositoryContract, ConcurrentWritesContract):
    @pytest.fixture
    def uow_factory(self, postgres_uow: PostgresUnitOfWorkFactory) -> PostgresUnitOfWorkFactory:
        return postgres_uow
