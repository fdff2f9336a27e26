from __future__ import annotations

import pytest

from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.contracts.monitoring import UptimeMonitorContract


class TestPostgresUptimeMonitors(UptimeMonitorContract):
    @pytest.fixture
    def uow_factory(self, postgres_uow: PostgresUnitOfWorkFactory) -> PostgresUnitOfWorkFactory:
        return postgres_uow
