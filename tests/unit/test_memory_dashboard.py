from __future__ import annotations

import pytest

from arco_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from tests.contracts.dashboard import DashboardContract


class TestMemoryDashboard(DashboardContract):
    @pytest.fixture
    def uow_factory(self) -> MemoryUnitOfWorkFactory:
        return MemoryUnitOfWorkFactory()
