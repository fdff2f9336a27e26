from __future__ import annotations

import pytest

from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.contracts.operations import OperationsContract


class TestPostgresOperations(OperationsContract):
    @pytest.fixture
    def uow_factory(self, postgres_uow: PostgresUnitOfWorkFactory) -> PostgresUnitOfWorkFactory:
        return postgres_uow
