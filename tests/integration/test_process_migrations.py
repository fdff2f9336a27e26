"""Processes that start together migrate the database once: each waits its turn under an advisory lock. In
production only `arco migrate` migrates."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from arco_adapters.postgres.database import AGENCY_LOGIN, APP_ROLE
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.migrate import alembic_config
from arco_adapters.postgres.tables import metadata
from arco_entrypoints.cli import main
from arco_entrypoints.runtime import prepare
from arco_entrypoints.settings import Settings
from tests.integration.conftest import EMPTY_DATABASE, fetch_as_owner
from tests.settings_examples import PRODUCTION, as_environment

DATABASE = EMPTY_DATABASE
MIGRATE_ON_GO = """
import logging, sys
from arco_adapters.postgres.migrate import upgrade
logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s")
print("ready", flush=True)
sys.stdin.readline()
upgrade(sys.argv[1])
"""
"""A process that imports everything, says it is ready, and migrates when told to: both start at once."""


@pytest.fixture
def fresh_database(empty_database: str, postgres: EmbeddedPostgres) -> str:
    return postgres.url(database=empty_database)


def test_two_processes_migrating_a_fresh_database_at_once_both_succeed_and_it_is_migrated_once(
    postgres: EmbeddedPostgres, fresh_database: str
) -> None:
    command = [sys.executable, "-c", MIGRATE_ON_GO, fresh_database]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    processes = [subprocess.Popen(command, text=True, **pipes) for _ in range(2)]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        logs = [process.communicate(timeout=120)[1] for process in processes]
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)

    assert [process.returncode for process in processes] == [0, 0], logs
    first_step = "Running upgrade  -> 0001"
    assert sorted(log.count(first_step) for log in logs) == [0, 1], logs
    head = ScriptDirectory.from_config(alembic_config(fresh_database)).get_current_head()
    assert asyncio.run(fetch_as_owner(postgres, DATABASE, "SELECT version_num FROM alembic_version")) == [(head,)]
    tables = asyncio.run(
        fetch_as_owner(postgres, DATABASE, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    )
    assert set(metadata.tables) <= {name for (name,) in tables}


def test_in_production_a_starting_process_leaves_the_schema_alone_and_arco_migrate_migrates(
    postgres: EmbeddedPostgres, fresh_database: str
) -> None:
    environment = {
        **as_environment(PRODUCTION),
        "ARCO_DATABASE_URL": postgres.url(user=APP_ROLE, database=DATABASE),
        "ARCO_AGENCY_DATABASE_URL": postgres.url(user=AGENCY_LOGIN, database=DATABASE),
        "ARCO_MIGRATION_DATABASE_URL": fresh_database,
    }
    tables = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    prepare(Settings.from_environment(environment))
    assert asyncio.run(fetch_as_owner(postgres, DATABASE, tables)) == []

    migrated = CliRunner().invoke(main, ["migrate"], env=environment)
    assert migrated.exit_code == 0, migrated.output
    head = ScriptDirectory.from_config(alembic_config(fresh_database)).get_current_head()
    assert asyncio.run(fetch_as_owner(postgres, DATABASE, "SELECT version_num FROM alembic_version")) == [(head,)]
