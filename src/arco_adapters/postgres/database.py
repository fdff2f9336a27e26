"""Where ARCO's database lives: a configured server, or the embedded one in the data directory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.migrate import upgrade
from arco_adapters.postgres.scope import AGENCY_ROLE, install_scope_key

EMBEDDED_DATABASE = "arco"
APP_ROLE = "arco_app"
AGENCY_LOGIN = "arco_agency_login"
"""The embedded server's login role for cross-client work; `arco_agency` itself cannot log in."""


@dataclass(frozen=True, slots=True)
class EmbeddedDatabase:
    server: EmbeddedPostgres
    url: str
    """The client-serving role's connection."""
    agency_url: str
    """The agency role's connection (cross-client work)."""


async def _ensure_database(server: EmbeddedPostgres, name: str) -> None:
    connection = await asyncpg.connect(host=server.socket_dir, user="postgres", database="postgres")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def allow_logins(server: EmbeddedPostgres) -> None:
    """Let the application log in as `arco_app`, and as a login role granted `arco_agency` for cross-client
    work. The embedded server trusts local socket connections only, so neither needs a password."""
    connection = await asyncpg.connect(host=server.socket_dir, user="postgres", database="postgres")
    try:
        await connection.execute(f"ALTER ROLE {APP_ROLE} LOGIN")
        if not await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", AGENCY_LOGIN):
            await connection.execute(f"CREATE ROLE {AGENCY_LOGIN} LOGIN NOSUPERUSER NOBYPASSRLS")
        await connection.execute(f"GRANT {AGENCY_ROLE} TO {AGENCY_LOGIN}")
    finally:
        await connection.close()


def start_embedded(data_dir: Path, scope_key: str) -> EmbeddedDatabase:
    """Start (or reuse) the embedded server in `data_dir/pgdata`, migrate it, install `scope_key`, and return
    it with the URLs the application connects with. Data persists across restarts. Call it outside an event
    loop."""
    data_dir.mkdir(parents=True, exist_ok=True)
    server = EmbeddedPostgres(data_dir / "pgdata")
    asyncio.run(_ensure_database(server, EMBEDDED_DATABASE))
    owner_url = server.url(database=EMBEDDED_DATABASE)
    upgrade(owner_url)
    asyncio.run(install_scope_key(owner_url, scope_key))
    asyncio.run(allow_logins(server))
    return EmbeddedDatabase(
        server, server.url(user=APP_ROLE, database=EMBEDDED_DATABASE),
        server.url(user=AGENCY_LOGIN, database=EMBEDDED_DATABASE),
    )  # fmt: skip
