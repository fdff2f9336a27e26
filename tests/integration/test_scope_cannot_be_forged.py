"""A statement injected into a client's request cannot talk its way around row-level security.

Each attempt runs as the client-serving role (`arco_app`) inside client A's signed transaction, as SQL smuggled
into A's request would, and tries to widen or move the scope it was given. Afterwards not one of client B's rows
may show in any table that holds a client's rows. The attempts use a plain driver connection, so they can send
whatever an attacker could: transaction control, RESET, SET ROLE.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import pytest
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.database import AGENCY_LOGIN, APP_ROLE
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.scope import CLIENT_SETTING, MAC_SETTING, ScopeSigner, install_scope_key
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_domain.errors import Unavailable
from arco_domain.ids import ClientId, UserId
from arco_domain.model.access import DataScope
from arco_domain.model.clients import User, UserType
from tests.integration.conftest import SCOPE_KEY
from tests.integration.test_row_level_security import tenant_rows

NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)
CLIENT_KEYED: list[Table] = [t.clients, *(table for table in t.metadata.sorted_tables if "client_id" in table.c)]
"""Every table that holds a client's rows, parents first."""

Connect = Callable[[str], AbstractAsyncContextManager[asyncpg.Connection]]


def rows_beyond_the_tenant_tables(client_id: UUID) -> dict[str, dict[str, object]]:
    """A row for each table with a `client_id` that is not one of `TENANT_TABLES`."""
    tag = client_id.hex
    return {
        "processed_webhook_events": {
            "provider": "stripe", "event_id": f"evt_{tag}", "event_type": "invoice.paid", "client_id": client_id,
            "outcome": "applied",
        },
        "mail_log": {
            "id": uuid4(), "client_id": client_id, "recipients": [f"{tag}@example.com"], "subject": "Hello",
            "body": "Hi", "dedupe_key": f"mail-{tag}", "status": "recorded",
        },
        "job_outbox": {
            "id": uuid4(), "job": "send_email", "payload": {}, "dedupe_key": f"job-{tag}", "client_id": client_id,
        },
    }  # fmt: skip


def owner_email(client_id: UUID) -> str:
    return f"owner-{client_id.hex}@example.com"


def password_hash(client_id: UUID) -> str:
    return f"$argon2id$hash-of-{client_id.hex}"


@pytest.fixture
async def two_clients(agency_engine: AsyncEngine) -> tuple[UUID, UUID]:
    """Clients A and B, each with a row in every client-keyed table and a user, written by the agency role."""
    first, second = uuid4(), uuid4()
    async with agency_engine.begin() as connection:
        for client_id in (first, second):
            rows = {
                "clients": {"id": client_id, "name": f"Client {client_id}"},
                **tenant_rows(client_id),
                **rows_beyond_the_tenant_tables(client_id),
            }
            for table in CLIENT_KEYED:
                await connection.execute(insert(table).values(**rows[table.name]))
            await connection.execute(
                insert(t.users).values(
                    id=uuid4(), email=owner_email(client_id), user_type="client",
                    password_hash=password_hash(client_id), created_at=NOW,
                )
            )  # fmt: skip
    return first, second


@pytest.fixture
def connect(postgres: EmbeddedPostgres, database: str) -> Connect:
    @asynccontextmanager
    async def as_user(user: str) -> AsyncIterator[asyncpg.Connection]:
        connection = await asyncpg.connect(host=postgres.socket_dir, user=user, database=database)
        try:
            yield connection
        finally:
            await connection.close()

    return as_user


async def sign_scope(connection: asyncpg.Connection, client_id: UUID, key: str = SCOPE_KEY) -> None:
    """The scope as the unit of work sets it."""
    await connection.execute(
        f"SELECT set_config('{CLIENT_SETTING}', $1, true), set_config('{MAC_SETTING}', $2, true)",
        str(client_id),
        ScopeSigner(key).mac(client_id),
    )


async def visible_rows(
    connection: asyncpg.Connection, tables: Iterable[Table], client_id: UUID | None = None
) -> dict[str, int]:
    """How many rows (of `client_id`, or of anyone) each table shows in the open transaction; a table the role
    may not read shows none. Each read has a savepoint, so a refusal leaves the transaction usable."""
    seen = {}
    for table in tables:
        query, arguments = f"SELECT count(*) FROM {table.name}", ()
        if client_id is not None:
            key = "id" if table is t.clients else "client_id"
            query, arguments = f"{query} WHERE {key} = $1", (client_id,)
        await connection.execute("SAVEPOINT reading")
        try:
            seen[table.name] = await connection.fetchval(query, *arguments)
        except asyncpg.InsufficientPrivilegeError:
            await connection.execute("ROLLBACK TO SAVEPOINT reading")
            seen[table.name] = 0
    return seen


def leaks(seen: dict[str, int]) -> dict[str, int]:
    return {table: count for table, count in seen.items() if count}


async def refused(connection: asyncpg.Connection, statement: str) -> None:
    """Run `statement` in a savepoint and require the database to refuse it for lack of privilege."""
    await connection.execute("SAVEPOINT attempt")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await connection.execute(statement)
    await connection.execute("ROLLBACK TO SAVEPOINT attempt")


Attempt = Callable[[asyncpg.Connection, UUID, UUID], Awaitable[None]]


async def name_the_other_client(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    await connection.execute("SELECT set_config('arco.client_id', $1, true)", str(theirs))


async def open_every_client_the_old_way(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    await connection.execute("SELECT set_config('arco.all_clients', 'on', true)")


async def name_the_other_client_with_my_mac(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    # Anyone can read a setting: the MAC in force is A's, and stays in force.
    assert await connection.fetchval("SELECT current_setting('arco.scope_mac')") == ScopeSigner(SCOPE_KEY).mac(mine)
    await name_the_other_client(connection, mine, theirs)


async def sign_the_other_client_with_a_guessed_key(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    await sign_scope(connection, theirs, key="a-key-the-attacker-made-up-for-itself")


async def reset_the_scope(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    await connection.execute("RESET arco.client_id; RESET arco.scope_mac; RESET ALL")
    await connection.execute("SELECT set_config('arco.all_clients', 'on', false)")


async def start_a_new_transaction(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    # Keep A's signed scope for the whole session, end the transaction, and ask for B in the next one.
    await connection.execute(
        "SELECT set_config('arco.client_id', current_setting('arco.client_id'), false),"
        " set_config('arco.scope_mac', current_setting('arco.scope_mac'), false)"
    )
    await connection.execute("COMMIT; BEGIN")
    await open_every_client_the_old_way(connection, mine, theirs)
    await name_the_other_client(connection, mine, theirs)


async def become_the_agency(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    await refused(connection, "SET ROLE arco_agency")
    await refused(connection, f"SET ROLE {AGENCY_LOGIN}")
    await refused(connection, f"SET SESSION AUTHORIZATION {AGENCY_LOGIN}")


async def become_the_owner(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    owner = await connection.fetchval("SELECT tableowner FROM pg_tables WHERE tablename = 'clients'")
    await refused(connection, f'SET ROLE "{owner}"')


async def replace_the_scope_key(connection: asyncpg.Connection, mine: UUID, theirs: UUID) -> None:
    await refused(connection, "SELECT * FROM arco_private.scope_key")
    await refused(connection, "SELECT arco_private.install_scope_key('a-key-the-attacker-knows')")


ATTEMPTS: dict[str, Attempt] = {
    "set_config to another client": name_the_other_client,
    "set_config arco.all_clients on": open_every_client_the_old_way,
    "another client with this client's MAC": name_the_other_client_with_my_mac,
    "another client with a MAC under a guessed key": sign_the_other_client_with_a_guessed_key,
    "RESET of the settings": reset_the_scope,
    "a new transaction": start_a_new_transaction,
    "SET ROLE arco_agency": become_the_agency,
    "SET ROLE to the owner": become_the_owner,
    "replacing the scope key": replace_the_scope_key,
}


class TestAnInjectedStatement:
    async def test_the_signed_scope_shows_the_clients_own_rows_in_every_table_it_reads(
        self, connect: Connect, two_clients: tuple[UUID, UUID]
    ) -> None:
        mine, _ = two_clients
        async with connect(APP_ROLE) as connection, connection.transaction():
            await sign_scope(connection, mine)
            seen = await visible_rows(connection, [t.clients, *t.TENANT_TABLES], mine)
        assert all(count == 1 for count in seen.values()), seen

    @pytest.mark.parametrize("attempt", ATTEMPTS.values(), ids=ATTEMPTS.keys())
    async def test_cannot_show_another_clients_rows(
        self, connect: Connect, two_clients: tuple[UUID, UUID], attempt: Attempt
    ) -> None:
        mine, theirs = two_clients
        async with connect(APP_ROLE) as connection:
            await connection.execute("BEGIN")
            await sign_scope(connection, mine)
            await attempt(connection, mine, theirs)
            assert leaks(await visible_rows(connection, CLIENT_KEYED, theirs)) == {}

    async def test_without_a_scope_nothing_is_visible_in_any_table_users_included(
        self, connect: Connect, two_clients: tuple[UUID, UUID]
    ) -> None:
        async with connect(APP_ROLE) as connection, connection.transaction():
            seen = await visible_rows(connection, t.metadata.sorted_tables)
        assert "users" in seen and leaks(seen) == {}

    async def test_the_agency_role_sees_both_clients_in_every_table(
        self, connect: Connect, two_clients: tuple[UUID, UUID]
    ) -> None:
        async with connect(AGENCY_LOGIN) as connection, connection.transaction():
            seen = [await visible_rows(connection, CLIENT_KEYED, client_id) for client_id in two_clients]
        assert all(count == 1 for counts in seen for count in counts.values()), seen


class TestTheScopeKey:
    """The owner installs the key in the database; the application signs with the same key from its settings."""

    @pytest.fixture
    def owner_url(self, postgres: EmbeddedPostgres, database: str) -> str:
        return postgres.url(database=database)

    async def own_projects(self, connect: Connect, client_id: UUID, key: str) -> int:
        async with connect(APP_ROLE) as connection, connection.transaction():
            await sign_scope(connection, client_id, key)
            count: int = await connection.fetchval("SELECT count(*) FROM projects")
        return count

    async def test_a_scope_signed_with_another_key_than_the_installed_one_shows_nothing(
        self, connect: Connect, two_clients: tuple[UUID, UUID], owner_url: str
    ) -> None:
        mine, _ = two_clients
        try:
            await install_scope_key(owner_url, "the-database-now-holds-this-other-key")
            assert await self.own_projects(connect, mine, SCOPE_KEY) == 0
            assert await self.own_projects(connect, mine, "the-database-now-holds-this-other-key") == 1
        finally:
            await install_scope_key(owner_url, SCOPE_KEY)

    async def test_without_an_installed_key_every_scope_is_empty(
        self, connect: Connect, two_clients: tuple[UUID, UUID], owner_url: str
    ) -> None:
        mine, _ = two_clients
        try:
            async with connect("postgres") as owner:
                await owner.execute("DELETE FROM arco_private.scope_key")
            assert await self.own_projects(connect, mine, SCOPE_KEY) == 0
        finally:
            await install_scope_key(owner_url, SCOPE_KEY)

    @pytest.mark.parametrize("length", [1, 64, 65, 200])
    async def test_the_database_checks_the_same_hmac_as_the_application_whatever_the_keys_length(
        self, connect: Connect, two_clients: tuple[UUID, UUID], owner_url: str, length: int
    ) -> None:
        # HMAC pads keys up to its 64-byte block and hashes longer ones first: both paths must agree.
        mine, _ = two_clients
        key = ("k3y-" * 60)[:length]
        try:
            await install_scope_key(owner_url, key)
            assert await self.own_projects(connect, mine, key) == 1
        finally:
            await install_scope_key(owner_url, SCOPE_KEY)


class TestTheClientServingRole:
    async def test_reads_a_user_only_through_the_narrow_functions_and_never_a_password_hash(
        self, postgres_uow: PostgresUnitOfWorkFactory, two_clients: tuple[UUID, UUID]
    ) -> None:
        mine, theirs = two_clients
        async with postgres_uow(DataScope.of_client(ClientId(mine))) as uow:
            found = await uow.users.find_by_email(owner_email(theirs))
            assert found is not None and found.password_hash is None
            assert (await uow.users.get(found.id)).email == found.email
        async with postgres_uow(DataScope.all_clients()) as uow:
            assert (await uow.users.get(found.id)).password_hash == password_hash(theirs)

    async def test_registers_client_users_only(
        self, postgres_uow: PostgresUnitOfWorkFactory, two_clients: tuple[UUID, UUID]
    ) -> None:
        mine, _ = two_clients
        admin = User(id=UserId(uuid4()), email=f"{uuid4().hex}@example.com", user_type=UserType.ADMIN, created_at=NOW)
        async with postgres_uow(DataScope.of_client(ClientId(mine))) as uow:
            await uow.users.add(admin)
            await uow.commit()
        async with postgres_uow(DataScope.all_clients()) as uow:
            assert (await uow.users.get(admin.id)).user_type is UserType.CLIENT

    async def test_without_a_scope_finds_and_registers_no_user(
        self, connect: Connect, two_clients: tuple[UUID, UUID]
    ) -> None:
        _, theirs = two_clients
        async with connect(APP_ROLE) as connection:
            assert await connection.fetchval("SELECT count(*) FROM arco_user_by_email($1)", owner_email(theirs)) == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="needs a client scope"):
                await connection.execute("""SELECT arco_register_user('{"email": "new@example.com"}')""")

    async def test_adds_jobs_stamped_with_its_own_client_and_no_other(
        self,
        postgres_uow: PostgresUnitOfWorkFactory,
        agency_engine: AsyncEngine,
        connect: Connect,
        two_clients: tuple[UUID, UUID],
    ) -> None:
        mine, theirs = two_clients
        dedupe_key = f"sync-{uuid4()}"
        async with postgres_uow(DataScope.of_client(ClientId(mine))) as uow:
            for _ in range(2):  # the second request for the same key is absorbed
                await uow.jobs.enqueue("sync_ad_account", {"client_id": str(mine)}, dedupe_key=dedupe_key)
            await uow.commit()
        async with agency_engine.begin() as connection:
            stamped = await connection.execute(
                select(t.job_outbox.c.client_id).where(t.job_outbox.c.dedupe_key == dedupe_key)
            )
            assert stamped.scalars().all() == [mine]
            await connection.execute(delete(t.job_outbox).where(t.job_outbox.c.dedupe_key == dedupe_key))
        async with connect(APP_ROLE) as connection, connection.transaction():
            await sign_scope(connection, mine)
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                await connection.execute(
                    "INSERT INTO job_outbox (id, job, payload, dedupe_key, client_id) VALUES ($1, 'j', '{}', $2, $3)",
                    uuid4(), f"theirs-{uuid4()}", theirs,
                )  # fmt: skip

    async def test_a_connection_that_sees_every_client_is_refused_a_client_scope(
        self, agency_engine: AsyncEngine, two_clients: tuple[UUID, UUID]
    ) -> None:
        mine, _ = two_clients
        misconfigured = PostgresUnitOfWorkFactory(agency_engine, agency_engine, SCOPE_KEY)
        with pytest.raises(Unavailable, match="must not be a member of arco_agency"):
            async with misconfigured(DataScope.of_client(ClientId(mine))):
                pass
        assert agency_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
