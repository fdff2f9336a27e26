from __future__ import annotations

import pytest

from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.contracts.dashboard import DashboardContract


class TestPostgresDashboard(DashboardContract):
    @pytest.fixture
    def uow_factory(self, postgres_uow: PostgresUnitOfWorkFactory) -> PostgresUnitOfWorkFactory:
        return postgres_uow
