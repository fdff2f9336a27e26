from __future__ import annotations

import pytest
from sqlalchemy.exc import ResourceClosedError

from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_domain.model.access import DataScope
from tests.contracts.concurrent_writes import ConcurrentWritesContract
from tests.contracts.repositories import RepositoryContract
from tests.contracts.unit_of_work import UnitOfWorkContract, new_client, seed


class TestPostgresUnitOfWork(UnitOfWorkContract, RepositoryContract, ConcurrentWritesContract):
    @pytest.fixture
    def uow_factory(self, postgres_uow: PostgresUnitOfWorkFactory) -> PostgresUnitOfWorkFactory:
        return postgres_uow


class TestRepositoriesLiveWithTheirUnit:
    async def test_a_unit_gives_repositories_only_while_it_is_open(
        self, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        client = await seed(postgres_uow, new_client())
        unit = postgres_uow(DataScope.of_client(client.id))
        with pytest.raises(AttributeError):
            unit.projects  # noqa: B018
        async with unit:
            kept = unit.projects
            assert await kept.list_for_client(client.id) == []
        with pytest.raises(AttributeError):
            unit.projects  # noqa: B018
        with pytest.raises(ResourceClosedError):
            await kept.list_for_client(client.id)

    async def test_a_unit_entered_again_builds_its_repositories_on_its_new_connection(
        self, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        client = await seed(postgres_uow, new_client())
        unit = postgres_uow(DataScope.of_client(client.id))
        async with unit:
            first = unit.clients
            assert await first.get(client.id) == client
        async with unit:
            assert unit.clients is not first
            assert await unit.clients.get(client.id) == client
