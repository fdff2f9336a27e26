"""What the PostgreSQL unit of work sends, counted on the wire: its scope and transaction cost a round trip
only when a statement needs them, and a pooled connection's leftover scope never serves another client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import Executable, func, insert, select
from sqlalchemy.exc import ResourceClosedError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.connections import unavailable
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.repository import locked
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory, StatementKinds, plain_read
from arco_domain.errors import Unavailable
from arco_domain.ids import ClientId, UserId
from arco_domain.model.access import DataScope
from arco_domain.model.clients import User, UserType
from tests.contracts.unit_of_work import new_client, seed
from tests.integration.conftest import SCOPE_KEY
from tests.integration.wire_counter import WireCounter


@pytest.fixture
def wire(tmp_path_factory: pytest.TempPathFactory, postgres: EmbeddedPostgres) -> Iterator[WireCounter]:
    counter = WireCounter(Path(tmp_path_factory.mktemp("wire")), postgres.socket_dir)
    yield counter
    counter.close()


@pytest.fixture
async def one_connection(database_urls: dict[str, str], wire: WireCounter) -> AsyncIterator[AsyncEngine]:
    """The client-serving role through the counter, on one pooled connection that every unit shares in turn."""
    engine = create_async_engine(wire.url_for(database_urls["database_url"]), pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


@pytest.fixture
def units(one_connection: AsyncEngine, agency_engine: AsyncEngine) -> PostgresUnitOfWorkFactory:
    return PostgresUnitOfWorkFactory(one_connection, agency_engine, SCOPE_KEY)


@pytest.fixture
async def warm(units: PostgresUnitOfWorkFactory, postgres_uow: PostgresUnitOfWorkFactory) -> ClientId:
    """A client with a project, its statements already prepared on the shared connection."""
    client = await seed(postgres_uow, new_client())
    async with units(DataScope.of_client(client.id)) as uow:
        projects = await uow.projects.list_for_client(client.id)
        await uow.clients.get_for_update(client.id)
        await uow.commit()
    assert projects == []
    return client.id


class TestWhatAUnitSends:
    async def test_a_unit_that_only_reads_sends_its_scope_and_its_queries_and_nothing_else(
        self, units: PostgresUnitOfWorkFactory, warm: ClientId, wire: WireCounter
    ) -> None:
        with wire.counting() as count:
            async with units(DataScope.of_client(warm)) as uow:
                await uow.projects.list_for_client(warm)
                await uow.commit()
        assert (count.round_trips, count.prepared) == (2, 0)

    async def test_a_unit_that_starts_with_a_lock_sends_begin_and_its_scope_in_one_round_trip(
        self, units: PostgresUnitOfWorkFactory, warm: ClientId, wire: WireCounter
    ) -> None:
        with wire.counting() as count:
            async with units(DataScope.of_client(warm)) as uow:
                await uow.clients.get_for_update(warm)
                await uow.commit()
        assert count.round_trips == 3  # BEGIN with the scope, the locking read, COMMIT

    async def test_a_unit_that_writes_after_reading_begins_only_then_and_rolls_back_when_left(
        self, units: PostgresUnitOfWorkFactory, warm: ClientId, wire: WireCounter
    ) -> None:
        with wire.counting() as count:
            async with units(DataScope.of_client(warm)) as uow:
                await uow.projects.list_for_client(warm)
                await uow.clients.get_for_update(warm)
        assert count.round_trips == 5  # the scope, the read, BEGIN, the locking read, ROLLBACK

    async def test_a_repository_kept_past_its_unit_sends_nothing_on_the_pooled_connection(
        self, units: PostgresUnitOfWorkFactory, warm: ClientId, wire: WireCounter
    ) -> None:
        async with units(DataScope.of_client(warm)) as uow:
            kept = uow.clients
        with wire.counting() as count, pytest.raises(ResourceClosedError):
            await kept.get_for_update(warm)
        assert count.round_trips == 0

    async def test_an_empty_unit_sends_nothing(
        self, units: PostgresUnitOfWorkFactory, warm: ClientId, wire: WireCounter
    ) -> None:
        with wire.counting() as count:
            async with units(DataScope.of_client(warm)) as uow:
                await uow.commit()
        assert count.round_trips == 0


class TestTheLeftoverScope:
    async def test_a_unit_on_a_connection_another_client_left_scoped_sees_only_its_own_rows(
        self, units: PostgresUnitOfWorkFactory, postgres_uow: PostgresUnitOfWorkFactory, warm: ClientId
    ) -> None:
        other = await seed(postgres_uow, new_client())
        async with units(DataScope.of_client(warm)) as uow:
            assert await uow.clients.get(warm) is not None
        for starts_with_a_write in (False, True):
            async with units(DataScope.of_client(other.id)) as uow:
                if starts_with_a_write:
                    await uow.clients.get_for_update(other.id)
                assert await uow.projects.list_for_client(warm) == []
                assert (await uow.clients.get(other.id)).id == other.id

    async def test_a_write_through_a_database_function_is_rolled_back_with_its_unit(
        self, units: PostgresUnitOfWorkFactory, warm: ClientId, agency_engine: AsyncEngine
    ) -> None:
        user = User(id=UserId(uuid4()), email=f"{uuid4().hex}@example.com", user_type=UserType.CLIENT,
                    created_at=datetime(2026, 12, 3, tzinfo=UTC))  # fmt: skip
        async with units(DataScope.of_client(warm)) as uow:
            await uow.users.add(user)  # a SELECT of a function that inserts: it starts the transaction
        async with agency_engine.connect() as connection:
            assert await connection.scalar(select(func.count()).where(t.users.c.id == user.id)) == 0


Classify = Callable[[Executable], bool]
CLASSIFIERS = {"walked": plain_read, "remembered by shape": StatementKinds().plain_read}


@pytest.mark.parametrize("classify", CLASSIFIERS.values(), ids=CLASSIFIERS.keys())
class TestPlainReads:
    def test_a_select_is_a_plain_read(self, classify: Classify) -> None:
        assert classify(select(t.projects).where(t.projects.c.name == "Site"))

    def test_a_select_of_a_function_that_only_reads_is_a_plain_read(self, classify: Classify) -> None:
        assert classify(select(func.arco_user_by_id(uuid4()).table_valued(*t.users.c)))

    @pytest.mark.parametrize(
        "statement",
        [
            locked(select(t.projects)),
            select(t.projects).with_for_update(read=True),
            select(func.arco_register_user({})),
            insert(t.audit_events).values(action="x"),
            select(insert(t.projects).values(name="x").returning(t.projects.c.id).cte("added")),
        ],
        ids=["FOR NO KEY UPDATE", "FOR SHARE", "a function that writes", "an INSERT", "a CTE that inserts"],
    )
    def test_a_statement_that_writes_or_locks_is_not(self, classify: Classify, statement: Executable) -> None:
        assert not classify(statement)


class TestFailuresOfWhatTheUnitSendsItself:
    """BEGIN, COMMIT and ROLLBACK go straight through asyncpg, whose errors SQLAlchemy never wraps."""

    async def test_a_connection_lost_in_the_transaction_makes_the_commit_unavailable(
        self, units: PostgresUnitOfWorkFactory, warm: ClientId, wire: WireCounter
    ) -> None:
        with pytest.raises(Unavailable):
            async with units(DataScope.of_client(warm)) as uow:
                await uow.clients.get_for_update(warm)
                wire.close()
                await asyncio.sleep(0.2)  # time for asyncpg to see the socket closed: then it refuses to send
                await uow.commit()

    def test_a_driver_error_that_another_attempt_may_not_meet_is_unavailable(self) -> None:
        meaning = unavailable(asyncpg.QueryCanceledError("canceling statement due to statement timeout"))
        assert isinstance(meaning, Unavailable) and "took longer" in str(meaning)

    def test_a_driver_error_about_the_data_is_left_alone(self) -> None:
        assert unavailable(asyncpg.UniqueViolationError("duplicate key value")) is None
