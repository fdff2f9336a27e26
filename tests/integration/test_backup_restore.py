"""The backup procedure of docs/deploy.md, run as it is written: `pg_dump` by a backup role (not a superuser)
of a database in use, `pg_restore` by the owner of a new database (not a superuser either), and ARCO finds its
rows there, scope key included."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from arco_adapters.postgres.database import AGENCY_LOGIN, APP_ROLE
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.tables import metadata
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.system import SystemClock, Uuid7Generator
from arco_domain.model.access import DataScope
from arco_domain.use_cases.clients import RegisterClient
from tests.integration.conftest import SCOPE_KEY

RESTORED = "arco_restored"
BACKUP_ROLE = "arco_backup"
RESTORING_OWNER = "arco_restored_owner"
ROLES = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{BACKUP_ROLE}') THEN
        CREATE ROLE {BACKUP_ROLE} LOGIN BYPASSRLS;
        GRANT pg_read_all_data TO {BACKUP_ROLE};
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{RESTORING_OWNER}') THEN
        CREATE ROLE {RESTORING_OWNER} LOGIN;
    END IF;
END $$
"""


async def _as_owner(server: EmbeddedPostgres, database: str, statement: str) -> object:
    connection = await asyncpg.connect(host=server.socket_dir, user="postgres", database=database)
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


async def row_counts(server: EmbeddedPostgres, database: str) -> dict[str, object]:
    return {table: await _as_owner(server, database, f"SELECT count(*) FROM {table}") for table in metadata.tables}


def run(server: EmbeddedPostgres, program: str, user: str, *arguments: str | Path) -> None:
    command = [server.program(program), "--host", server.socket_dir, "--username", user, *arguments]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.fixture
async def restored_database(postgres: EmbeddedPostgres) -> AsyncIterator[str]:
    await _as_owner(postgres, "postgres", ROLES)
    await _as_owner(postgres, "postgres", f"CREATE DATABASE {RESTORED} OWNER {RESTORING_OWNER}")
    yield RESTORED
    await _as_owner(postgres, "postgres", f"DROP DATABASE {RESTORED} WITH (FORCE)")


@pytest.fixture
async def restored_uow(postgres: EmbeddedPostgres, restored_database: str) -> AsyncIterator[PostgresUnitOfWorkFactory]:
    app = create_async_engine(postgres.url(user=APP_ROLE, database=restored_database))
    agency = create_async_engine(postgres.url(user=AGENCY_LOGIN, database=restored_database))
    yield PostgresUnitOfWorkFactory(app, agency, SCOPE_KEY)
    await asyncio.gather(app.dispose(), agency.dispose())


class TestBackupAndRestore:
    async def test_a_dump_restored_into_a_new_database_holds_every_row_and_serves_the_same_clients(
        self,
        postgres: EmbeddedPostgres,
        database: str,
        restored_database: str,
        postgres_uow: PostgresUnitOfWorkFactory,
        restored_uow: PostgresUnitOfWorkFactory,
        tmp_path: Path,
    ) -> None:
        register = RegisterClient(uow=postgres_uow, clock=SystemClock(), ids=Uuid7Generator())
        kept = await register(email="owner@backup.example.com", company_name="Backup Co")
        dump = tmp_path / "arco.dump"

        run(postgres, "pg_dump", BACKUP_ROLE, "--format=custom", f"--file={dump}", database)
        run(
            postgres,
            "pg_restore",
            RESTORING_OWNER,
            "--no-owner",
            "--exit-on-error",
            f"--dbname={restored_database}",
            dump,
        )

        before = await row_counts(postgres, database)
        assert before["clients"] == 1
        assert await row_counts(postgres, restored_database) == before
        # The restored scope key still signs: a client's transaction on the app role sees its own rows.
        async with restored_uow(DataScope.of_client(kept.client.id)) as uow:
            assert (await uow.clients.get(kept.client.id)).name == "Backup Co"
        async with restored_uow(DataScope.all_clients()) as uow:
            found = await uow.users.find_by_email("owner@backup.example.com")
        assert found is not None and found.id == kept.user.id
