from __future__ import annotations

import pytest

from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.contracts.metrics import MetricsContract


class TestPostgresMetrics(MetricsContract):
    @pytest.fixture
    def uow_factory(self, postgres_uow: PostgresUnitOfWorkFactory) -> PostgresUnitOfWorkFactory:
        return postgres_uow
